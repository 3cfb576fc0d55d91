from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "tuopin.dashboard"
    label = "dashboard"
    verbose_name = "指挥大屏"
