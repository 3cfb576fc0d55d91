from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tuopin.households"
    label = "households"
    verbose_name = "帮扶档案"

    def ready(self) -> None:
        from tuopin.households.metrics import register_household_metrics

        register_household_metrics()
