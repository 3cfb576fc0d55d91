from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "tuopin.registry"
    label = "registry"
    verbose_name = "建档立卡档案"

    def ready(self) -> None:
        from tuopin.org import privacy
        from tuopin.registry.actions import record_personal_data_views
        from tuopin.registry.metrics import register_registry_metrics

        register_registry_metrics()
        privacy.register_recorder(record_personal_data_views)
