from django.apps import AppConfig


class PlanConfig(AppConfig):
    name = "tuopin.plan"
    label = "plan"
    verbose_name = "作战计划"

    def ready(self) -> None:
        from tuopin.plan.metrics import register_plan_metrics

        register_plan_metrics()
