from django.apps import AppConfig


class CommandConfig(AppConfig):
    name = "tuopin.command"
    label = "command"
    verbose_name = "指挥调度"

    def ready(self) -> None:
        from tuopin.command.metrics import register_metrics

        register_metrics()
