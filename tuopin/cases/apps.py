from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "tuopin.cases"
    label = "cases"
    verbose_name = "问题台账"

    def ready(self) -> None:
        from tuopin.cases.backlog import register_metrics
        from tuopin.cases.jobs import escalate_overdue
        from tuopin.cases.metrics import register_metrics as register_bulk_metrics
        from tuopin.cases.online import forget_expired_codes
        from tuopin.lib import jobs

        register_metrics()
        register_bulk_metrics()
        jobs.register("cases.escalate_overdue", escalate_overdue, order=200)
        jobs.register("cases.forget_expired_codes", forget_expired_codes, order=510)
