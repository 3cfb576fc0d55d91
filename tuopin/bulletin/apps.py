from __future__ import annotations

from django.apps import AppConfig


class BulletinConfig(AppConfig):
    name = "tuopin.bulletin"
    label = "bulletin"
    verbose_name = "周通报"

    def ready(self) -> None:
        from tuopin.bulletin import actions, metrics
        from tuopin.lib import jobs

        # After reports closes periods and marks lateness (lower orders run first).
        jobs.register("bulletin.auto_publish", actions.auto_publish_due, order=300)
        metrics.register_all()
