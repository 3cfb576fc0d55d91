from django.apps import AppConfig


class JobsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tuopin.jobs"
    label = "jobs"
    verbose_name = "就业与集体经济"

    def ready(self) -> None:
        from tuopin.jobs.metrics import register_jobs_metrics

        register_jobs_metrics()
