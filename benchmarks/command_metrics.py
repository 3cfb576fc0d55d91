"""Benchmark: the dispute and field-visit metrics for every village at once, on SQLite.

Builds a throw-away database with a county of T towns × V villages, N mediation cases (settled,
handed over, sent to court) and a 排查 round per village, then measures for all villages:

* baseline "per-village loop": the obvious implementation — one query per village for each
  metric, as a one-scope ``compute`` would run;
* the bulk functions of the metric contract (``cases.metrics`` / ``command.metrics``): one
  grouped query per level.

Run: ``.venv/bin/python benchmarks/command_metrics.py [--towns 10] [--villages 120] [--cases 100000]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--towns", type=int, default=10)
    parser.add_argument("--villages", type=int, default=12, help="villages per town")
    parser.add_argument("--cases", type=int, default=100_000)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="tuopin-bench-command-")
    os.environ["TUOPIN_VAR_DIR"] = workdir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuopin.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.db.models import Count, Q

    from tuopin.cases import metrics as case_metrics
    from tuopin.cases.models import Case, DisputeSweep, Kind, Outcome
    from tuopin.command import metrics as command_metrics
    from tuopin.command.models import FieldVisit
    from tuopin.lib import clock
    from tuopin.org.models import OrgUnit, Person

    call_command("migrate", verbosity=0)
    rng = random.Random(1)
    now = dt.datetime(2018, 7, 20, 10, 0, tzinfo=clock.SHANGHAI)
    on = now.date()
    started = time.perf_counter()
    with transaction.atomic():
        county = OrgUnit.objects.create(code="610327", name="陇县", level="county")
        villages = []
        for t in range(args.towns):
            town = OrgUnit.objects.create(
                code=f"610327{100 + t}", name=f"第{t + 1}镇", level="town", parent=county
            )
            for v in range(args.villages):
                villages.append(
                    OrgUnit(
                        code=f"{town.code}{200 + v}",
                        name=f"第{t + 1}镇{v + 1}村",
                        level="village",
                        parent=town,
                    )
                )
        OrgUnit.objects.bulk_create(villages)
        villages = list(OrgUnit.objects.filter(level="village"))
        leader = Person.objects.create(name="葛管社", post="县委书记", is_leader=True)
        DisputeSweep.objects.bulk_create(
            DisputeSweep(
                org_unit=v,
                round_label="第一轮",
                swept_on=on,
                disputes_found=rng.randint(0, 5),
                recorded_at=now,
            )
            for v in villages
        )
        FieldVisit.objects.bulk_create(
            FieldVisit(
                leader=leader,
                visited_on=on - dt.timedelta(days=rng.randint(0, 30)),
                org_unit=v,
                org_code=v.code,
                inspected="检查",
                recorded_at=now,
            )
            for v in rng.sample(villages, len(villages) // 2)
        )
        batch = []
        for pk in range(1, args.cases + 1):
            village = rng.choice(villages)
            fate = rng.random()
            batch.append(
                Case(
                    number=f"TJ2018-{pk:07d}",
                    kind=Kind.MEDIATION,
                    source="sweep",
                    title="纠纷",
                    content="纠纷",
                    org_unit=village,
                    org_code=village.code,
                    level="village" if fate < 0.7 else "town",
                    state="closed",
                    registered_at=now - dt.timedelta(days=rng.randint(1, 40)),
                    resolved_at=now - dt.timedelta(hours=rng.randint(1, 20)),
                    outcome=Outcome.SETTLED if fate < 0.9 else Outcome.TO_COURT,
                )
            )
            if len(batch) == 50_000:
                Case.objects.bulk_create(batch)
                batch = []
        Case.objects.bulk_create(batch)
    print(
        f"生成 {len(villages)} 个村、{args.cases:,} 件矛盾纠纷：{time.perf_counter() - started:.1f} 秒"
    )

    codes = [v.code for v in villages]

    def loop() -> None:
        end = clock.end_of_day(on)
        for code in codes:
            settled = Case.objects.filter(
                kind=Kind.MEDIATION, org_code__startswith=code, resolved_at__lte=end
            ).aggregate(
                total=Count("pk"),
                village=Count("pk", filter=Q(level="village", outcome=Outcome.SETTLED)),
            )
            case_metrics.percent(settled["village"], settled["total"])
            DisputeSweep.objects.filter(org_unit__code=code).count()
            FieldVisit.objects.filter(org_code__startswith=code, visited_on__month=on.month).count()

    def bulk() -> None:
        case_metrics.disputes_settled_in_village("village", on, None)
        case_metrics.disputes_found("village", on, None)
        command_metrics.visits_per_leader("village", on, None)

    timings = {}
    for name, run in (
        ("基线（逐村循环，每村3个查询）", loop),
        ("批量（每个指标一个分组查询）", bulk),
    ):
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - t0)
        timings[name] = best
        print(f"{name}：{len(codes)} 个村三项指标 {best * 1000:.0f} 毫秒（三次取最快）")
    baseline, fast = timings.values()
    print(f"结论：批量计算为逐村循环的 {baseline / max(fast, 1e-9):.1f} 倍速")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
