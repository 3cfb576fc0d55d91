from django.apps import AppConfig


class WaterConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tuopin.water"
    label = "water"
    verbose_name = "安全饮水"

    def ready(self) -> None:
        from tuopin.registry.importer import register_kept_field
        from tuopin.water.metrics import register_water_metrics
        from tuopin.water.quality import registry_flags

        register_water_metrics()
        register_kept_field("water_quality_ok", "水质检测", registry_flags)
