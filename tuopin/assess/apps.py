from django.apps import AppConfig


class AssessConfig(AppConfig):
    name = "tuopin.assess"
    label = "assess"
    verbose_name = "退出评估"

    def ready(self) -> None:
        from tuopin.assess import metrics

        metrics.register_all()
