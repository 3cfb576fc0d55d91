from django.apps import AppConfig


class VillagesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tuopin.villages"
    label = "villages"
    verbose_name = "驻村队伍与村级检查"

    def ready(self) -> None:
        from tuopin.villages.metrics import register_village_metrics

        register_village_metrics()
