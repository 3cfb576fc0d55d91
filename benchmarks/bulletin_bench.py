"""Benchmark: compose and render the weekly bulletin for a county and compose it for a province.

Run: ``.venv/bin/python benchmarks/bulletin_bench.py`` (a fresh SQLite database in a temporary
directory; set DATABASE_URL to run on PostgreSQL instead).

1. County: the demo county (10 towns, the seed plan's 19 actions, ~40 responsible units) with
   six weeks of signed reports; compose week 2018-W29 and render the .docx with its three
   charts. Target: under 3 s.
2. Province-sized: one campaign with 900 towns and 3,000 responsible units (a province's worth)
   and 16 weeks of reports (48,000 reports, their signed versions and measurements); compose
   the week. Target: under 30 s.

Baseline, measured in the same run on the same data: *raw read* — fetching the rows the
composition cannot avoid (the week's reports with their signed payloads, and every measurement
up to the week) into Python, with no counting at all. The ratio says how much the bulletin's
arithmetic and arranging cost on top of reading its inputs.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TUOPIN_VAR_DIR", tempfile.mkdtemp(prefix="tuopin-bulletin-bench-"))
os.environ["TUOPIN_NOW"] = "2018-07-20T16:00:00+08:00"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuopin.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from tuopin.bulletin import sections  # noqa: E402
from tuopin.bulletin.compose import compose  # noqa: E402
from tuopin.bulletin.docx import render_docx  # noqa: E402
from tuopin.bulletin.sections import period_of  # noqa: E402
from tuopin.bulletin.weeks import Week  # noqa: E402
from tuopin.lib import clock  # noqa: E402
from tuopin.org.models import Level, OrgUnit, ResponsibleUnit, UnitKind  # noqa: E402
from tuopin.plan.models import Action, Campaign, Measurement, Milestone, Phase  # noqa: E402
from tuopin.plan.progress import milestone_statuses  # noqa: E402
from tuopin.reports.models import Report, ReportVersion, Timeliness  # noqa: E402
from tuopin.reports.periods import ensure_periods  # noqa: E402

WEEK = "2018-W29"
COUNTY_TARGET = 3.0
PROVINCE_TARGET = 30.0


def quiet(_message: str) -> None:
    pass


def fill_reports(campaign: Campaign, now: dt.datetime, seed: int) -> int:
    """Sign every unit's report of every period up to ``now``: most on time, some late, a few
    missing; values climb toward each target; one report in eight raises a problem."""
    rng = random.Random(seed)
    ensure_periods(campaign, now)
    milestones = defaultdict(list)
    for milestone in Milestone.objects.filter(action__campaign=campaign):
        milestones[milestone.action_id].append(milestone)
    unit_actions = defaultdict(list)
    for action_id, unit_id in Action.units.through.objects.filter(
        action__campaign=campaign
    ).values_list("action_id", "responsibleunit_id"):
        unit_actions[unit_id].append(action_id)
    speed = defaultdict(lambda: rng.uniform(0.5, 1.3))
    periods = campaign.periods.count()
    reports = list(Report.objects.filter(period__campaign=campaign).select_related("period"))
    versions, signed_reports, missing = [], [], []
    for report in reports:
        draw = rng.random()
        if draw < 0.08:
            if now >= report.closes_at:
                report.timeliness = Timeliness.MISSING
                missing.append(report)
            continue
        late = draw < 0.2
        signed_at = report.deadline + (
            dt.timedelta(minutes=rng.randint(1, 600))
            if late
            else -dt.timedelta(minutes=rng.randint(5, 2000))
        )
        if signed_at > now:
            continue
        share = min(1.0, report.period.number / periods * speed[report.unit_id])
        entries = []
        for action_id in unit_actions[report.unit_id]:
            rows = [
                {
                    "milestone": m.pk,
                    "value": f"{(m.target_value or Decimal(1)) * Decimal(str(round(share, 2))):.2f}",
                    "status": "in_progress",
                }
                for m in milestones[action_id]
            ]
            entries.append(
                {
                    "action": action_id,
                    "progress": "按计划推进",
                    "problems": "项目资金拨付进度偏慢" if rng.random() < 0.125 else "",
                    "suggestions": "",
                    "milestones": rows,
                }
            )
        versions.append(
            ReportVersion(
                report=report,
                number=1,
                status="signed",
                payload={"actions": entries},
                created_at=signed_at - dt.timedelta(hours=2),
                updated_at=signed_at - dt.timedelta(hours=2),
                submitted_at=signed_at - dt.timedelta(hours=1),
                signed_at=signed_at,
                content_hash="0" * 64,
            )
        )
        report.status = "signed"
        report.first_signed_at = signed_at
        report.timeliness = Timeliness.LATE if late else Timeliness.ON_TIME
        signed_reports.append(report)
    ReportVersion.objects.bulk_create(versions, batch_size=2000)
    for report, version in zip(signed_reports, versions, strict=True):
        report.current_version = version
    Report.objects.bulk_update(
        signed_reports,
        ["status", "first_signed_at", "timeliness", "current_version"],
        batch_size=2000,
    )
    Report.objects.bulk_update(missing, ["timeliness"], batch_size=2000)
    measurements = [
        Measurement(
            milestone_id=row["milestone"],
            unit_id=version.report.unit_id,
            value=Decimal(row["value"]),
            measured_at=version.signed_at,
            source="report",
        )
        for version in versions
        for entry in version.payload["actions"]
        for row in entry["milestones"]
    ]
    Measurement.objects.bulk_create(measurements, batch_size=5000)
    return len(reports)


def raw_read(campaign: Campaign, week: str) -> int:
    """The baseline: read the composition's unavoidable inputs, count nothing."""
    period = period_of(campaign, Week.parse(week))
    rows = list(
        Report.objects.filter(period=period).values_list(
            "unit__name", "timeliness", "first_signed_at"
        )
    )
    payloads = list(
        ReportVersion.objects.filter(report__period=period, signed_at__isnull=False).values_list(
            "payload", flat=True
        )
    )
    values = list(
        Measurement.objects.filter(
            milestone__action__campaign=campaign, measured_at__lte=clock.now()
        ).values_list("milestone_id", "unit_id", "value", "measured_at")
    )
    return len(rows) + len(payloads) + len(values)


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def best_of(runs: int, function, *args, **kwargs):
    times = []
    result = None
    for _ in range(runs):
        elapsed, result = timed(function, *args, **kwargs)
        times.append(elapsed)
    return min(times), result


def county_case() -> None:
    from tuopin.synth import cases_demo, plan_demo, registry_demo
    from tuopin.synth.county import build_county

    build = build_county(seed=1, log=quiet)
    # The households (for the exit indicators) and the case ledger, as in the demo.
    registry_time, _ = timed(registry_demo.populate, build.county, seed=1, log=quiet)
    plan_demo.populate(build.county, seed=1, log=quiet)
    campaign = Campaign.objects.get(county=build.county)
    reports = fill_reports(campaign, clock.now(), seed=1)
    cases_demo.populate(build.county, seed=1, log=quiet)

    def compose_and_render():
        snapshot = compose(campaign, WEEK)
        return snapshot, render_docx(snapshot)

    compose_and_render()  # warm up: imports, font loading, template caches
    from tuopin.assess import metrics as assess_metrics

    baseline, rows = best_of(3, raw_read, campaign, WEEK)
    compose_time, snapshot = best_of(3, compose, campaign, WEEK)
    total, (snapshot, document) = best_of(3, compose_and_render)

    def cold():
        assess_metrics.clear_memo()  # the exit indicators are otherwise cached for a minute
        return compose_and_render()

    cold_total, _ = best_of(3, cold)

    def exit_indicators():
        assess_metrics.clear_memo()
        return sections.assessment(campaign, Week.parse(WEEK), clock.now())

    assess_time, _ = best_of(3, exit_indicators)
    print(
        f"County: {len(snapshot['actions'])} actions, "
        f"{sum(len(a['milestones']) for a in snapshot['actions'])} milestones, "
        f"{snapshot['timeliness']['expected'] + len(snapshot['timeliness']['exempt'])} units, "
        f"{len(snapshot['towns'])} towns, {reports} reports in the campaign, "
        f"registry built in {registry_time:.1f} s"
    )
    print(f"  baseline raw read ({rows} rows) .......... {baseline * 1000:8.1f} ms")
    print(f"  compose ................................. {compose_time * 1000:8.1f} ms")
    print(
        f"  compose + render .docx with 3 charts .... {total * 1000:8.1f} ms "
        f"({len(document) // 1024} KiB)  target < {COUNTY_TARGET:.0f} s: "
        f"{'OK' if total < COUNTY_TARGET else 'TOO SLOW'}"
    )
    print(
        f"  same, exit indicators not cached ....... {cold_total * 1000:8.1f} ms  "
        f"target < {COUNTY_TARGET:.0f} s: {'OK' if cold_total < COUNTY_TARGET else 'TOO SLOW'}"
    )
    print(
        f"    of which exit indicators (assess) .... {assess_time * 1000:8.1f} ms "
        "(the assess app's evaluation of the county, read through its metrics)"
    )


def province_case(towns: int = 900, departments: int = 2100) -> None:
    province_county = OrgUnit.objects.create(code="619901", name="省级演练县", level=Level.COUNTY)
    town_rows = OrgUnit.objects.bulk_create(
        [
            OrgUnit(
                code=f"619901{index:03d}",
                name=f"第{index}镇",
                level=Level.TOWN,
                parent=province_county,
            )
            for index in range(1, towns + 1)
        ]
    )
    ResponsibleUnit.objects.bulk_create(
        [ResponsibleUnit(name=f"演练{t.name}", kind=UnitKind.TOWN, org_unit=t) for t in town_rows]
        + [
            ResponsibleUnit(
                name=f"演练部门{index:04d}", kind=UnitKind.DEPARTMENT, org_unit=province_county
            )
            for index in range(departments)
        ]
    )
    town_units = list(ResponsibleUnit.objects.filter(kind=UnitKind.TOWN, org_unit__in=town_rows))
    department_units = list(
        ResponsibleUnit.objects.filter(kind=UnitKind.DEPARTMENT, org_unit=province_county)
    )
    campaign = Campaign.objects.create(
        title="省级演练作战计划",
        county=province_county,
        issued_on=dt.date(2018, 3, 30),
        created_at=clock.at(dt.date(2018, 3, 30)),
    )
    Phase.objects.create(
        campaign=campaign, name="全年", start=dt.date(2018, 3, 30), end=dt.date(2018, 9, 30)
    )
    rng = random.Random(7)
    shapes = [("town", 1, "个"), ("total", 500, "个"), ("total", 100, "%")]
    for number in range(1, 20):
        # Like the seed plan: 17 of 19 actions name every town, 28 dated milestones in all.
        action = Action.objects.create(
            campaign=campaign, number=number, title=f"第{number}专项行动"
        )
        action.units.set(
            (town_units if number <= 17 else []) + rng.sample(department_units, departments // 19)
        )
        for order in range(1 if number % 2 else 2):
            per, value, unit = shapes[(number + order) % len(shapes)]
            Milestone.objects.create(
                action=action,
                deadline=clock.end_of_day(dt.date(2018, 7 + order, 28)),
                text=f"节点{number}-{order}",
                target_value=value,
                target_unit=unit,
                comparator="at_least",
                per=per,
                order=order,
            )
    build_time, reports = timed(fill_reports, campaign, clock.now(), 2)
    baseline, rows = best_of(2, raw_read, campaign, WEEK)
    compose_time, snapshot = best_of(2, compose, campaign, WEEK)
    progress_time, _statuses = best_of(
        2, milestone_statuses, campaign, dt.datetime.fromisoformat(snapshot["as_of"])
    )
    print(
        f"Province-sized: {len(snapshot['towns'])} towns, "
        f"{snapshot['timeliness']['expected'] + len(snapshot['timeliness']['exempt'])} units, "
        f"{reports} reports, {Measurement.objects.filter(milestone__action__campaign=campaign).count()}"
        f" measurements (built in {build_time:.1f} s)"
    )
    print(f"  baseline raw read ({rows} rows) .......... {baseline:8.2f} s")
    print(
        f"  compose ................................. {compose_time:8.2f} s  "
        f"target < {PROVINCE_TARGET:.0f} s: {'OK' if compose_time < PROVINCE_TARGET else 'TOO SLOW'}"
        f"  ({compose_time / baseline:.1f}× baseline)"
    )
    print(
        f"    of which plan.progress.milestone_statuses {progress_time:8.2f} s "
        "(the plan app's function; the rest is the bulletin's own work)"
    )
    render_time, _document = timed(render_docx, snapshot)
    print(f"  render .docx (not part of the target) ... {render_time:8.2f} s")


def main() -> None:
    call_command("migrate", verbosity=0)
    with clock.frozen(os.environ["TUOPIN_NOW"]):
        county_case()
        if "--county-only" not in sys.argv:
            province_case()


if __name__ == "__main__":
    main()
