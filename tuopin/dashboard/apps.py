from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "tuopin.dashboard"
    label = "dashboard"
    verbose_name = "指挥大屏"

    def ready(self) -> None:
        from tuopin.dashboard.views import sector_landing
        from tuopin.org import landing

        landing.register(sector_landing)
