from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "tuopin.registry"
    label = "registry"
    verbose_name = "建档立卡档案"

    def ready(self) -> None:
        from tuopin.registry.metrics import register_registry_metrics

        register_registry_metrics()
