"""Typed and computed numbers side by side: the report form, the explanation beyond tolerance,
the milestone page, the county board and the bulletin's 数据核对."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from tuopin.assess.tests.factories import household
from tuopin.lib import clock
from tuopin.org.testing import visible_text
from tuopin.plan.models import Measurement
from tuopin.registry.models import VillageFacts

NOW = "2018-07-20T10:00:00+08:00"


@pytest.fixture
def both(campaign, world):
    """19.1 (通沥青（水泥路）) typed by the 交通局 and computed from the village facts: 75%."""
    for village in (world.cg_village, world.cg_village2, world.df_village, world.df_village2):
        VillageFacts.objects.create(village=village, paved_road=village != world.df_village)
    household(world.cg_village)
    milestone = campaign.actions.get(number=19).milestones.get(order=1)
    milestone.metric_source = "both"
    milestone.metric_key = "registry.paved_road_village_rate"
    milestone.save()
    campaign.tolerance = Decimal(5)
    campaign.save()
    return milestone


def _report(campaign, unit):
    from tuopin.reports.models import Report
    from tuopin.reports.periods import ensure_periods

    with clock.frozen(NOW):
        ensure_periods(campaign, clock.now())
    return Report.objects.filter(unit=unit).order_by("period__number").last()


def _data(report, milestone, value, explanation=""):
    from tuopin.reports import payload

    sections = payload.sections(report, None)
    section = next(s for s in sections if s.action.pk == milestone.action_id)
    row = {"milestone": milestone.pk, "value": value, "status": "in_progress"}
    if explanation:
        row["explanation"] = explanation
    return {"actions": [{"action": section.action.pk, "milestones": [row]}]}


def test_the_report_form_shows_the_computed_value_and_asks_why_beyond_tolerance(
    campaign, world, both, login
):
    from tuopin.reports import actions

    report = _report(campaign, world.transport)
    with clock.frozen(NOW):
        page = login(world.reporter).get(reverse("reports:edit", args=[report.pk]))
        assert "系统计算 75%" in visible_text(page.content.decode())
        with pytest.raises(actions.ReportError) as refused:
            actions.save_report(
                world.reporter, report, _data(report, both, "42.86"), revision=report.revision
            )
        assert "填报 42.86，系统计算 75%，相差 32.14，超过容差 5.00" in str(refused.value)
        report.refresh_from_db()
        actions.save_report(
            world.reporter, report, _data(report, both, "73"), revision=report.revision
        )  # within tolerance: no explanation needed
        report.refresh_from_db()
        version = actions.save_report(
            world.reporter,
            report,
            _data(report, both, "42.86", "按工程验收口径统计"),
            revision=report.revision,
        )
    rows = [row for entry in version.payload["actions"] for row in entry["milestones"]]
    row = next(row for row in rows if row["milestone"] == both.pk)
    assert row["explanation"] == "按工程验收口径统计"


def test_both_numbers_on_the_milestone_page_board_and_bulletin(campaign, world, both, login):
    from tuopin.bulletin import compose
    from tuopin.bulletin.weeks import Week

    Measurement.objects.create(
        milestone=both,
        unit=world.transport,
        value=Decimal("42.86"),
        measured_at=dt.datetime.fromisoformat(NOW) - dt.timedelta(hours=1),
        source="report",
    )
    with clock.frozen(NOW):
        page = login(world.hq).get(reverse("dashboard:milestone", args=[both.pk]))
        text = visible_text(page.content.decode())
        assert "填报 42.86%，系统计算 75%，相差 32.14个百分点" in text
        assert "数据不一致，待核对" in text
        board = visible_text(login(world.hq).get(reverse("dashboard:home")).content.decode())
        assert "数据核对" in board and "相差 32.14个百分点" in board
        snapshot = compose.compose(campaign, Week.of(clock.today()), now=clock.now())
    checks = snapshot["data_checks"]
    assert checks[0]["code"] == "19.1"
    assert (checks[0]["reported"], checks[0]["computed"]) == (42.86, 75)
