from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "tuopin.cases"
    label = "cases"
    verbose_name = "问题台账"
