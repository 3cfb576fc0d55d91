from django.apps import AppConfig


class PlanConfig(AppConfig):
    name = "tuopin.plan"
    label = "plan"
    verbose_name = "作战计划"
