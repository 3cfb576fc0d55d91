"""矛盾纠纷: village → town → county handover on the case engine's levels and clocks, 排查 rounds,
outcomes, and the dispute metrics (one grouped query per level)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tuopin.cases import actions, metrics
from tuopin.cases.actions import CaseError
from tuopin.cases.models import Kind, Outcome, Source, State
from tuopin.cases.tests.helpers import at, refresh, step
from tuopin.lib import clock


def _dispute(world, title="宅基地边界纠纷"):
    with clock.frozen(at("2018-07-02 09:00")):
        case = actions.register_case(
            world.cadre,
            kind=Kind.MEDIATION,
            source=Source.SWEEP,
            title=title,
            content="两户因宅基地边界发生争执",
            org_unit=world.cg_village,
        )
    step("2018-07-02 10:00", actions.accept_case, world.hq, case)
    step("2018-07-02 11:00", actions.assign_case, world.hq, case, unit=world.chengguan_unit)
    return refresh(case)


def test_a_village_dispute_is_handed_up_with_a_new_clock(world):
    case = _dispute(world)
    village_clock = case.clocks.get(ended_at__isnull=True)
    assert village_clock.limit_days == 7  # 小事不出村: the village has a week
    step("2018-07-03 09:00", actions.start_case, world.cadre, case)
    with pytest.raises(CaseError, match="移交理由"):
        step(
            "2018-07-04 09:00", actions.hand_over, world.cadre, case, unit=world.transport, note=""
        )
    step(
        "2018-07-04 09:00",
        actions.hand_over,
        world.cadre,
        case,
        unit=world.chengguan_unit,
        note="村调委会调解不成，移交镇司法所",
    )
    case = refresh(case)
    assert case.level == "town" and case.state == State.ASSIGNED
    town_clock = case.clocks.get(ended_at__isnull=True)
    assert town_clock.limit_days == 15 and town_clock.pk != village_clock.pk
    event = case.events.get(action="handover")
    assert event.is_public and event.data["level"] == "town"
    step("2018-07-05 09:00", actions.start_case, world.cadre, case)
    with pytest.raises(CaseError, match="调处结果"):
        step("2018-07-06 09:00", actions.resolve_case, world.cadre, case, resolution="已调解")
    step(
        "2018-07-06 09:00",
        actions.resolve_case,
        world.cadre,
        case,
        resolution="双方签订调解协议",
        outcome=Outcome.SETTLED,
    )
    case = refresh(case)
    assert case.outcome == Outcome.SETTLED
    on = dt.date(2018, 7, 6)
    assert metrics.disputes_escalated("county", on, None)[world.county.code].value == 1
    share = metrics.disputes_settled_in_village("county", on, None)[world.county.code]
    assert share.value == Decimal("0.0")


def test_sweeps_count_found_disputes_and_village_settlement_share(
    world, django_assert_max_num_queries
):
    with clock.frozen(at("2018-07-02 09:00")):
        actions.record_sweep(
            world.cadre,
            org_unit=world.cg_village,
            round_label="2018年7月第一轮",
            swept_on=dt.date(2018, 7, 2),
            disputes_found=3,
        )
        with pytest.raises(CaseError, match="已记录"):
            actions.record_sweep(
                world.cadre,
                org_unit=world.cg_village,
                round_label="2018年7月第一轮",
                swept_on=dt.date(2018, 7, 2),
                disputes_found=1,
            )
        with pytest.raises(CaseError, match="按村"):
            actions.record_sweep(
                world.cadre,
                org_unit=world.chengguan,
                round_label="第二轮",
                swept_on=dt.date(2018, 7, 2),
                disputes_found=1,
            )
    case = _dispute(world)
    step("2018-07-03 09:00", actions.start_case, world.cadre, case)
    step(
        "2018-07-04 09:00",
        actions.resolve_case,
        world.cadre,
        case,
        resolution="调解成功",
        outcome=Outcome.SETTLED,
    )
    on = dt.date(2018, 7, 5)
    with django_assert_max_num_queries(2):  # the grouped counts, and every town's code
        found = metrics.disputes_found("town", on, None)
    assert found[world.dongfeng.code].value is None  # no round there: 无数据 with a reason
    assert found[world.chengguan.code].value == 3
    with django_assert_max_num_queries(1):
        share = metrics.disputes_settled_in_village("village", on, [world.cg_village.code])
    assert share[world.cg_village.code].value == Decimal("100.0")
    within = metrics.disputes_within_limit("county", on, None)
    assert within[world.county.code].value == Decimal("100.0")
    empty = metrics.disputes_found("village", on, [world.df_village.code])
    assert empty[world.df_village.code].value is None


def test_metrics_register_through_the_catalogue(world):
    from tuopin.lib import metrics as catalogue

    for key in (
        "cases.petition_satisfaction",
        "cases.instructions_overdue",
        "cases.disputes_found",
        "cases.disputes_village_share",
        "cases.disputes_escalated",
        "cases.disputes_within_limit",
        "command.visits_per_leader",
        "command.towns_unvisited",
        "command.duty_days_kept",
    ):
        metric = catalogue.get(key)
        value = catalogue.evaluate(key, world.county, dt.date(2018, 7, 20))
        assert metric.name and isinstance(value, catalogue.Value)


def test_the_case_page_hands_over_and_resolves_with_an_outcome(world, client, login):
    case = _dispute(world)
    step("2018-07-03 09:00", actions.start_case, world.cadre, case)
    login(world.cadre)
    with clock.frozen(at("2018-07-04 09:00")):
        page = client.get(f"/cases/{case.pk}/").content.decode()
        assert "移交上级调处" in page and "调处层级" in page
        client.post(
            f"/cases/{case.pk}/do/handover/",
            {"unit": world.chengguan_unit.pk, "note": "村级调解不成"},
        )
    assert refresh(case).level == "town"
    step("2018-07-04 10:00", actions.start_case, world.cadre, refresh(case))
    with clock.frozen(at("2018-07-05 09:00")):
        client.post(f"/cases/{case.pk}/do/resolve/", {"note": "已调解"})
        assert refresh(case).state == State.IN_PROGRESS  # no outcome: refused
        client.post(
            f"/cases/{case.pk}/do/resolve/", {"note": "转入诉讼", "outcome": Outcome.TO_COURT}
        )
    case = refresh(case)
    assert case.state == State.RESOLVED and case.outcome == Outcome.TO_COURT
