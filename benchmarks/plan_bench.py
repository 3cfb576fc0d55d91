"""Plan benchmark: seed parse time; timeline of 3,000 milestones vs naive per-milestone queries.

Run: .venv/bin/python benchmarks/plan_bench.py  (builds a throwaway test database; ~1 minute)
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuopin.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

ACTIONS = 300
MILESTONES_PER_ACTION = 10
MEASUREMENTS_PER_MILESTONE = 3
RUNS = 5


CPU: dict[str, float] = {}


def timed(function, runs: int = RUNS, *, name: str = "") -> tuple[float, object]:
    """Median wall time of ``runs`` calls; the median CPU time goes to CPU[name] (other
    processes on a busy machine inflate wall time, not this process's CPU time)."""
    results = []
    cpu = []
    value = None
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        value = function()
        results.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    if name:
        CPU[name] = statistics.median(cpu)
    return statistics.median(results), value


def build(county):
    from tuopin.lib import clock
    from tuopin.org.models import ResponsibleUnit, UnitKind
    from tuopin.plan.models import Action, Campaign, Measurement, Milestone, Phase

    rng = random.Random(1)
    units = [
        ResponsibleUnit.objects.create(
            name=f"县测试局{i}", kind=UnitKind.DEPARTMENT, org_unit=county
        )
        for i in range(20)
    ]
    campaign = Campaign.objects.create(
        title="基准测试计划", county=county, issued_on=dt.date(2018, 5, 1), created_at=clock.now()
    )
    Phase.objects.create(
        campaign=campaign, name="一阶段", start=dt.date(2018, 5, 1), end=dt.date(2018, 8, 31)
    )
    Phase.objects.create(
        campaign=campaign, name="二阶段", start=dt.date(2018, 9, 1), end=dt.date(2018, 12, 31)
    )
    actions = Action.objects.bulk_create(
        Action(campaign=campaign, number=i + 1, title=f"测试专项行动{i + 1}")
        for i in range(ACTIONS)
    )
    for action in actions:
        action.units.set(rng.sample(units, 2))
    milestones = []
    for action in actions:
        for order in range(1, MILESTONES_PER_ACTION + 1):
            day = dt.date(2018, 5, 15) + dt.timedelta(days=rng.randint(0, 220))
            milestones.append(
                Milestone(
                    action=action,
                    deadline=clock.end_of_day(day),
                    text=f"{day:%m月%d日}前完成第{order}项任务",
                    target_value=Decimal(100),
                    target_unit="%",
                    comparator="equal",
                    metric_key=f"plan.{action.number}.{order}",
                    order=order,
                )
            )
    Milestone.objects.bulk_create(milestones, batch_size=1000)
    measurements = []
    for milestone in Milestone.objects.filter(action__campaign=campaign):
        value = 0
        for week in range(MEASUREMENTS_PER_MILESTONE):
            value += rng.randint(5, 30)
            measurements.append(
                Measurement(
                    milestone=milestone,
                    value=Decimal(min(value, 100)),
                    measured_at=clock.at(dt.date(2018, 6, 22) + dt.timedelta(weeks=week), 11),
                )
            )
    Measurement.objects.bulk_create(measurements, batch_size=2000)
    return campaign


def naive_statuses(campaign, on: dt.datetime) -> dict:
    """Baseline: what a straightforward loop does — queries per milestone."""
    from tuopin.plan import progress
    from tuopin.plan.models import Action, Milestone

    result = {}
    for milestone in Milestone.objects.filter(action__campaign=campaign):
        action = milestone.action
        row = {
            "id": milestone.pk,
            "deadline": milestone.deadline.timestamp(),
            "target_value": milestone.target_value,
            "target_unit": milestone.target_unit,
            "comparator": milestone.comparator,
            "per": milestone.per,
            "completed_at": milestone.completed_at.timestamp() if milestone.completed_at else None,
            "action_id": action.pk,
            "action__campaign__reporting_weekday": action.campaign.reporting_weekday,
            "action__campaign__reporting_time": action.campaign.reporting_time,
        }
        measured = [
            (m.unit_id, m.value, m.measured_at.timestamp())
            for m in milestone.measurements.filter(measured_at__lte=on).order_by(
                "measured_at", "pk"
            )
        ]
        towns = set(
            Action.objects.get(pk=action.pk).units.filter(kind="town").values_list("pk", flat=True)
        )
        result[milestone.pk] = progress._status(row, measured, towns, on.timestamp())
    return result


def main() -> None:
    from tuopin.lib import clock, planparse
    from tuopin.org.models import OrgUnit, Role, User
    from tuopin.plan import progress

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        seed = (
            Path(__file__).resolve().parents[1] / "tuopin/plan/data/longxian_2018_bairichongci.txt"
        ).read_text()
        parse_time, parsed = timed(lambda: planparse.parse(seed), runs=20, name="parse")
        print(
            f"seed parse: {parse_time * 1000:.1f} ms wall, {CPU['parse'] * 1000:.1f} ms CPU, "
            f"median of 20 ({len(parsed['actions'])} actions)"
        )

        county = OrgUnit.objects.create(code="610327", name="陇县", level="county")
        started = time.perf_counter()
        campaign = build(county)
        print(
            f"built {ACTIONS * MILESTONES_PER_ACTION} milestones, "
            f"{ACTIONS * MILESTONES_PER_ACTION * MEASUREMENTS_PER_MILESTONE} measurements "
            f"in {time.perf_counter() - started:.1f} s"
        )
        user = User.objects.create_user("bench", role=Role.VIEWER, scope=county)
        moment = dt.datetime(2018, 7, 20, 10, tzinfo=clock.SHANGHAI)
        with clock.frozen(moment):
            with CaptureQueriesContext(connection) as queries:
                bulk_time, bulk = timed(lambda: progress.milestone_statuses(campaign), runs=1)
            bulk_queries = len(queries)
            bulk_time, bulk = timed(lambda: progress.milestone_statuses(campaign), name="bulk")
            with CaptureQueriesContext(connection) as queries:
                naive_time, naive = timed(
                    lambda: naive_statuses(campaign, moment), runs=1, name="naive"
                )
            naive_queries = len(queries)
            assert {k: str(v) for k, v in bulk.items()} == {k: str(v) for k, v in naive.items()}
            client = Client()
            client.force_login(user)
            client.get("/plan/timeline/")  # warm templates
            page_time, response = timed(lambda: client.get("/plan/timeline/"), name="page")
            assert response.status_code == 200
            markers = response.content.decode().count('class="marker')
        print(
            f"statuses, bulk (plan.progress): {bulk_time * 1000:.0f} ms wall, "
            f"{CPU['bulk'] * 1000:.0f} ms CPU, {bulk_queries} queries"
        )
        print(
            f"statuses, baseline naive per-milestone queries: {naive_time * 1000:.0f} ms wall, "
            f"{CPU['naive'] * 1000:.0f} ms CPU, {naive_queries} queries"
        )
        print(f"speed-up: {naive_time / bulk_time:.1f}x (same statuses)")
        print(
            f"timeline page /plan/timeline/ with {markers} milestones: {page_time * 1000:.0f} ms wall, "
            f"{CPU['page'] * 1000:.0f} ms CPU server time (median of {RUNS})"
        )
        print(
            "target: < 500 ms —",
            "met" if page_time < 0.5 else "NOT met (see CPU time if the machine is busy)",
        )
        print(f"load average during the run: {os.getloadavg()[0]:.1f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
