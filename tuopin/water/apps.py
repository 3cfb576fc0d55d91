from django.apps import AppConfig


class WaterConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tuopin.water"
    label = "water"
    verbose_name = "安全饮水"

    def ready(self) -> None:
        from tuopin.water.metrics import register_water_metrics

        register_water_metrics()
