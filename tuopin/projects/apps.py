from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tuopin.projects"
    label = "projects"
    verbose_name = "项目资金"

    def ready(self) -> None:
        from tuopin.projects.metrics import register_project_metrics

        register_project_metrics()
