from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.core.management import call_command

from tuopin.lib import clock, jobs, metrics
from tuopin.reports.models import Period, Report, ReportVersion
from tuopin.synth import reports_demo


def test_it_registers_its_jobs_in_order():
    names = [job.name for job in jobs.all_jobs() if job.name.startswith("reports.")]
    assert names == [
        "reports.open_periods",
        "reports.mark_overdue",
        "reports.close_periods",
        "reports.send_reminders",
    ]


def test_it_runs_a_tick_that_opens_the_next_week_and_is_idempotent(setup, world):
    out = io.StringIO()
    with clock.frozen("2018-07-20T12:00:00+08:00"):
        call_command("tick", stdout=out)
        call_command("tick", stdout=out)
    assert Period.objects.filter(campaign=setup.campaign).count() == 7
    assert Report.objects.filter(period__number=7).count() == 4
    assert Report.objects.filter(period=setup.period, timeliness="overdue").count() == 4
    assert "reports.open_periods: 0" in out.getvalue().splitlines()[-1]


def test_it_registers_timeliness_metrics(setup, world):
    with clock.frozen("2018-07-19T12:00:00+08:00"):
        call_command("tick", stdout=io.StringIO())
    before = metrics.evaluate("reports.on_time_rate", world.county, dt.date(2018, 6, 14))
    assert (before.value, before.reason) == (None, "尚无到期的周报")
    after = metrics.evaluate("reports.completeness_rate", world.transport, dt.date(2018, 7, 19))
    assert after.value == Decimal("0.0")


def test_it_builds_a_deterministic_idempotent_demo_history(setup, world):
    logs: list[str] = []
    with clock.frozen("2018-07-20T10:00:00+08:00"):
        reports_demo.populate(world.county, seed=1, log=logs.append)
        first = list(ReportVersion.objects.order_by("id").values_list("content_hash", flat=True))
        reports_demo.populate(world.county, seed=1, log=logs.append)
    assert logs[-1] == "周报：《陇县脱贫攻坚百日冲刺工作方案》已有周报历史，跳过"
    assert "（1 个单位无填报账号，未生成）" in logs[0]
    assert (
        list(ReportVersion.objects.order_by("id").values_list("content_hash", flat=True)) == first
    )
    past = Report.objects.filter(period__deadline__lt=clock.at(dt.date(2018, 7, 20), 10))
    signed = past.filter(timeliness__in=["on_time", "late"])
    assert signed.count() >= past.count() // 2
    current = Report.objects.filter(period=setup.period)
    assert not current.filter(timeliness__in=["late", "missing"]).exists()
    km = [
        row["value"]
        for version in ReportVersion.objects.filter(
            report__unit=world.transport, signed_at__isnull=False
        ).order_by("report__period__number", "number")
        for entry in version.payload["actions"]
        for row in entry["milestones"]
        if row["milestone"] == setup.road_km.pk
    ]
    assert [float(v) for v in km] == sorted(float(v) for v in km)
