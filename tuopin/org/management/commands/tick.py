from __future__ import annotations

import logging

from django.core.management.base import BaseCommand

from tuopin.lib import clock, jobs

log = logging.getLogger("tuopin.worker")


def run_once(stdout=None) -> dict[str, int]:
    """One pass over every registered job; a failing job is logged and the others still run."""
    now = clock.now()
    results: dict[str, int] = {}
    for job in jobs.all_jobs():
        try:
            results[job.name] = job.run(now)
        except Exception:
            log.exception("job %s failed", job.name)
            results[job.name] = -1
    if stdout is not None:
        summary = "，".join(f"{name}: {count}" for name, count in results.items()) or "没有任务"
        stdout.write(f"{now:%Y-%m-%d %H:%M:%S} {summary}")
    return results


class Command(BaseCommand):
    help = "运行一次后台任务（供 cron 调用）：开关填报周期、标记迟报漏报、发送提醒、督办超期、发布周通报。"

    def handle(self, *args, **options) -> None:
        results = run_once(self.stdout)
        if any(count < 0 for count in results.values()):
            raise SystemExit(1)
