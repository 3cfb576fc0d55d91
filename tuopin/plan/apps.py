from django.apps import AppConfig


class PlanConfig(AppConfig):
    name = "tuopin.plan"
    label = "plan"
    verbose_name = "作战计划"

    def ready(self) -> None:
        from tuopin.lib import jobs
        from tuopin.plan.indicators import refresh_all
        from tuopin.plan.metrics import register_plan_metrics

        register_plan_metrics()
        # After the reporting jobs: computed values of every bound milestone and goal.
        jobs.register("plan.refresh_indicators", refresh_all, order=60)
