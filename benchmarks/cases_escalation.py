"""Benchmark: the escalation (督办) pass over 1M open cases on SQLite.

Builds a throw-away SQLite database (WAL, the project's settings) with N open cases, each with
one running stage clock and its registration event; a share of the clocks is past its deadline.
Then it measures:

* baseline "per-case loop": the obvious implementation — load each due clock through the ORM
  and, per case, in its own transaction, mark the breach, write the event with ``create`` and
  update the case — on a sample, extrapolated to every due clock;
* ``tuopin.cases.jobs.escalate_overdue``: set-based (one conditional UPDATE that claims the
  clocks, one INSERT … SELECT for the events, one UPDATE of the cases);
* a second pass at the same moment (nothing left: idempotency cost);
* a catch-up pass after 30 days of "downtime".

Run: ``.venv/bin/python benchmarks/cases_escalation.py [--cases 1000000] [--due 0.2]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

INSERT_CASE = (
    "INSERT INTO cases_case (id, number, kind, source, title, content, reporter_name,"
    " reporter_phone, subject, org_code, level, state, is_paused, registered_at, resolution,"
    " round, escalation_count, supervising_code, org_unit_id, unit_id, outcome, content_digest)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
    " %s, %s)"
)
INSERT_CLOCK = (
    "INSERT INTO cases_stageclock (id, stage, holder_code, started_at, limit_days, working_days,"
    " deadline, paused_intervals, escalate_to_code, case_id, holder_unit_id)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
INSERT_EVENT = (
    "INSERT INTO cases_caseevent (at, action, from_state, to_state, note, data, source, case_id)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--due", type=float, default=0.2, help="share of clocks already overdue")
    parser.add_argument("--sample", type=int, default=2000, help="baseline sample size")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="tuopin-bench-cases-")
    os.environ["TUOPIN_VAR_DIR"] = workdir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuopin.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from tuopin.cases.jobs import escalate_overdue
    from tuopin.cases.models import Case, CaseEvent, StageClock
    from tuopin.lib import clock
    from tuopin.org.models import OrgUnit, ResponsibleUnit

    call_command("migrate", verbosity=0)
    print(f"数据库：{workdir}/tuopin.sqlite3（SQLite {connection.Database.sqlite_version}）")

    county = OrgUnit.objects.create(code="610327", name="陇县", level="county")
    town = OrgUnit.objects.create(code="610327100", name="城关镇", level="town", parent=county)
    village = OrgUnit.objects.create(
        code="610327100201", name="东关村", level="village", parent=town
    )
    unit = ResponsibleUnit.objects.create(name="城关镇", kind="town", org_unit=town)

    now = dt.datetime(2018, 7, 20, 10, 0, tzinfo=clock.SHANGHAI)
    utc = dt.UTC

    def stamp(moment: dt.datetime) -> str:
        return moment.astimezone(utc).strftime("%Y-%m-%d %H:%M:%S")

    rng = random.Random(1)
    started = time.perf_counter()
    batch = 50_000
    with transaction.atomic(), connection.cursor() as cursor:
        for first in range(0, args.cases, batch):
            rows, clocks, events = [], [], []
            for pk in range(first + 1, min(first + batch, args.cases) + 1):
                registered = now - dt.timedelta(minutes=rng.randint(60, 60 * 24 * 60))
                overdue = rng.random() < args.due
                deadline = (
                    now - dt.timedelta(minutes=rng.randint(1, 60 * 24 * 30))
                    if overdue
                    else now + dt.timedelta(minutes=rng.randint(60 * 24 * 31, 60 * 24 * 90))
                )
                rows.append(
                    (
                        pk,
                        f"XF2018-{pk:07d}",
                        "petition",
                        "visit",
                        "标题",
                        "内容",
                        "",
                        "",
                        "",
                        village.code,
                        "village",
                        "in_progress",
                        False,
                        stamp(registered),
                        "",
                        1,
                        0,
                        "",
                        village.pk,
                        unit.pk,
                        "",
                        "",
                    )
                )
                clocks.append(
                    (
                        pk,
                        "handle",
                        town.code,
                        stamp(registered),
                        30,
                        True,
                        stamp(deadline),
                        "[]",
                        county.code,
                        pk,
                        unit.pk,
                    )
                )
                events.append(
                    (stamp(registered), "register", "", "registered", "", "{}", "web", pk)
                )
            cursor.executemany(
                INSERT_CASE,
                rows,
            )
            cursor.executemany(
                INSERT_CLOCK,
                clocks,
            )
            cursor.executemany(
                INSERT_EVENT,
                events,
            )
        cursor.execute("ANALYZE")
    due_total = StageClock.objects.filter(deadline__lte=now, breached_at__isnull=True).count()
    print(
        f"生成 {args.cases:,} 件在办件、{args.cases:,} 个计时、{args.cases:,} 条记录："
        f"{time.perf_counter() - started:.1f} 秒；其中已超期待督办 {due_total:,} 件"
    )

    # Baseline: a per-case Python loop over a sample of the due clocks.
    def per_case_escalation(limit: int) -> int:
        done = 0
        due = StageClock.objects.filter(
            ended_at__isnull=True,
            breached_at__isnull=True,
            paused_at__isnull=True,
            deadline__lte=now,
        ).order_by("id")[:limit]
        for clock_row in due:
            with transaction.atomic():
                case = Case.objects.select_for_update().get(pk=clock_row.case_id)
                clock_row.breached_at = clock_row.deadline
                clock_row.save(update_fields=["breached_at"])
                CaseEvent.objects.create(
                    case=case,
                    at=clock_row.deadline,
                    action="escalate",
                    from_state=case.state,
                    to_state=case.state,
                    note="办理超过时限，提级督办",
                    clock=clock_row,
                    source="worker",
                )
                case.escalation_count += 1
                case.escalated_at = clock_row.deadline
                case.supervising_code = clock_row.escalate_to_code
                case.save(update_fields=["escalation_count", "escalated_at", "supervising_code"])
            done += 1
        return done

    started = time.perf_counter()
    sampled = per_case_escalation(args.sample)
    baseline_seconds = time.perf_counter() - started
    per_case = baseline_seconds / max(sampled, 1)
    remaining = due_total - sampled
    print(
        f"基线（逐件 Python 循环）：{sampled:,} 件用时 {baseline_seconds:.2f} 秒，"
        f"每件 {per_case * 1000:.2f} 毫秒；外推 {remaining:,} 件约 {per_case * remaining:.0f} 秒"
    )

    started = time.perf_counter()
    escalated = escalate_overdue(now)
    seconds = time.perf_counter() - started
    print(
        f"escalate_overdue（集合式）：督办 {escalated:,} 件，用时 {seconds:.2f} 秒"
        f"（扫描 {args.cases:,} 件在办件；基线外推的 {per_case * remaining / max(seconds, 1e-9):.0f} 倍速）"
    )
    assert escalated == remaining, (escalated, remaining)

    started = time.perf_counter()
    again = escalate_overdue(now)
    print(f"同一时刻再次运行：督办 {again} 件，用时 {time.perf_counter() - started:.3f} 秒")

    later = now + dt.timedelta(days=60)
    expected = StageClock.objects.filter(breached_at__isnull=True, deadline__lte=later).count()
    started = time.perf_counter()
    caught_up = escalate_overdue(later)
    seconds_later = time.perf_counter() - started
    print(
        f"停机 60 天后补跑：督办 {caught_up:,} 件，用时 {seconds_later:.2f} 秒；"
        f"督办时间均为各自超期时刻：{CaseEvent.objects.filter(action='escalate').exclude(at__in=StageClock.objects.filter(breached_at__isnull=False).values('deadline')).count() == 0}"
    )
    assert caught_up == expected
    verdict = "达标" if seconds < 30 else "未达标"
    print(
        f"结论：{args.cases:,} 件在办件的督办扫描 {seconds:.1f} 秒（要求 100 万件 < 30 秒）：{verdict}"
    )


if __name__ == "__main__":
    main()
