from django.apps import AppConfig


class LedgerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tuopin.ledger"
    verbose_name = "台账引擎"

    def ready(self) -> None:
        from tuopin.ledger import among

        among.register()
