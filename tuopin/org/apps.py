from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "tuopin.org"
    label = "org"
    verbose_name = "组织机构与用户"

    def ready(self) -> None:
        from tuopin.lib import jobs
        from tuopin.org import checks  # noqa: F401 - registers the deployment checks
        from tuopin.org.throttle import forget_expired

        jobs.register("org.forget_expired_login_counters", forget_expired, order=500)
