from django.apps import AppConfig


class OfflineConfig(AppConfig):
    name = "tuopin.offline"
    label = "offline"
    verbose_name = "离线外业"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from tuopin.offline.device import forget_device

        user_logged_out.connect(forget_device, dispatch_uid="tuopin.offline.forget_device")
