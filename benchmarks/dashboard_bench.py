"""Benchmark: server time and queries of the county dashboard, demo county and province-sized.

Run: ``.venv/bin/python benchmarks/dashboard_bench.py [--counties 100] [--household-counties 5]``

Builds a throw-away SQLite database (or uses DATABASE_URL if set — give it an empty database),
with the demo county (every app's demo data) plus ``--counties`` synthetic counties' org trees
under the same province, and copies the demo county's households into
``--household-counties`` of them. Then it renders, through Django's test client as ``hq``:

* baseline — ``/org/610327/``, the organisation page of the same county (the lightest page
  over the same tree), measured in the same run;
* ``/dashboard/`` — the county view;
* ``/dashboard/org/<town>/`` — a town view;
* ``/dashboard/map/`` — the village map.

and prints the median / max server (wall) time of ``--repeat`` requests, the median CPU time of
this process per request (with SQLite the database work runs in-process, so this is the server
time without the waiting that a busy machine adds) and the number of queries.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=100, help="synthetic counties (org trees)")
    parser.add_argument(
        "--household-counties", type=int, default=3, help="of them, with households"
    )
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--demo-only", action="store_true", help="only the demo county (skip the province)"
    )
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="tuopin-dashboard-bench-")
    os.environ.setdefault("TUOPIN_VAR_DIR", workdir)
    os.environ.setdefault("TUOPIN_NOW", "2018-07-20T10:00:00+08:00")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuopin.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    print(f"数据库：{settings.DATABASES['default']['NAME']}")
    call_command("migrate", verbosity=0)

    from tuopin.synth.demo import build_demo

    started = time.perf_counter()
    build_demo(seed=1, log=lambda message: None)
    print(f"演示县已生成（{time.perf_counter() - started:.0f} 秒）")
    measure("演示县（1 个县）", args.repeat)
    if args.demo_only:
        return

    started = time.perf_counter()
    grow_province(args.counties, args.household_counties)
    print(f"省级规模数据已生成（{time.perf_counter() - started:.0f} 秒）")
    measure(
        f"省级规模（{args.counties + 1} 个县，其中 {args.household_counties + 1} 个县有农户）",
        args.repeat,
    )


def grow_province(counties: int, household_counties: int) -> None:
    from django.db import transaction

    from tuopin.org.models import OrgUnit
    from tuopin.registry.models import Household
    from tuopin.synth.county import build_province

    built = build_province(counties, seed=2)
    demo_villages = list(
        OrgUnit.objects.under("610327")
        .filter(level="village")
        .order_by("code")
        .values_list("pk", flat=True)
    )
    fields = [
        f.attname
        for f in Household._meta.concrete_fields
        if f.attname not in ("id", "household_no", "village_id", "group_id")
    ]
    rows = list(
        Household.objects.filter(village_id__in=demo_villages).values("village_id", *fields)
    )
    for county in built[:household_counties]:
        villages = list(
            OrgUnit.objects.under(county.code)
            .filter(level="village")
            .order_by("code")
            .values_list("pk", flat=True)
        )
        mapping = dict(zip(demo_villages, villages, strict=False))
        with transaction.atomic():
            Household.objects.bulk_create(
                (
                    Household(
                        household_no=f"{county.code}-{n:07d}",
                        village_id=mapping[row["village_id"]],
                        **{name: row[name] for name in fields},
                    )
                    for n, row in enumerate(rows)
                    if row["village_id"] in mapping
                ),
                batch_size=5000,
            )
    print(f"农户总数：{Household.objects.count():,}；区划总数：{OrgUnit.objects.count():,}")


def measure(title: str, repeat: int) -> None:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tuopin.org.models import OrgUnit, User

    client = Client()
    client.force_login(User.objects.get(username="hq"))
    town = OrgUnit.objects.get(code="610327100")
    pages = [
        ("基线：组织机构页 /org/610327/", "/org/610327/"),
        ("县级指挥大屏 /dashboard/", "/dashboard/"),
        ("镇级指挥大屏（城关镇）", f"/dashboard/org/{town.code}/"),
        ("村庄地图 /dashboard/map/", "/dashboard/map/"),
        ("退出评估片段（页面加载后 htmx 获取）", "/dashboard/org/610327/exit/"),
        ("指标目录 /dashboard/metrics/", "/dashboard/metrics/"),
        ("指标下钻（通生活用电，各镇）", "/dashboard/metrics/registry.household_electricity_rate/"),
    ]
    print(f"\n== {title} ==")
    print(f"系统负载（1 分钟平均）：{os.getloadavg()[0]:.1f}，CPU 核数：{os.cpu_count()}")
    print(
        f"{'页面':<34}{'首次(ms)':>10}{'中位数(ms)':>12}{'最大(ms)':>10}"
        f"{'CPU中位数(ms)':>14}{'查询数':>8}{'相对基线':>10}"
    )
    baseline = None
    from django.core.cache import cache

    from tuopin.assess.metrics import clear_memo
    from tuopin.lib import metrics

    for label, url in pages:
        # Cold: nothing cached (metric values, held stamps, the assessment memo, Django's cache).
        cache.clear()
        clear_memo()
        metrics.clear_cache()
        started = time.perf_counter()
        client.get(url)  # the first request fills the caches (metric registry, memo, templates)
        first = (time.perf_counter() - started) * 1000
        timings = []
        cpu = []
        for _ in range(repeat):
            reset_queries()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                cpu_started = time.process_time()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - cpu_started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        median = statistics.median(timings)
        baseline = baseline or median
        print(
            f"{label:<34}{first:>10.1f}{median:>12.1f}{max(timings):>10.1f}"
            f"{statistics.median(cpu):>14.1f}{len(queries.captured_queries):>8}{median / baseline:>9.1f}×"
        )
        if url == "/dashboard/":
            print(
                f"  县级指挥大屏目标：热 < 300 ms（{'达到' if median < 300 else '未达到'}），"
                f"冷 < 1000 ms（{'达到' if first < 1000 else '未达到'}）"
            )


if __name__ == "__main__":
    main()
