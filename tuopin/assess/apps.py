from django.apps import AppConfig


class AssessConfig(AppConfig):
    name = "tuopin.assess"
    label = "assess"
    verbose_name = "退出评估"
