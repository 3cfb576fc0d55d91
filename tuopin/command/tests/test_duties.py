"""Leaders' duties: 包镇, the duty roster with sign-in, field visits whose problems become cases,
and their metrics evaluated in one query per level."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from tuopin.cases.models import Kind, Source, State
from tuopin.command import actions, metrics
from tuopin.command.actions import CommandError, ProblemInput
from tuopin.command.models import DutyShift, FieldVisit
from tuopin.lib import clock
from tuopin.org.access import visible_q
from tuopin.org.models import Person

FRIDAY = "2018-07-20T09:00:00+08:00"


@pytest.fixture
def leader(world) -> Person:
    return world.leader.person


def test_duty_roster_sign_in_once_on_the_day(world, leader, client, login):
    with clock.frozen(FRIDAY):
        today = actions.schedule_duty(world.hq, day=dt.date(2018, 7, 20), leader=leader)
        missed = actions.schedule_duty(world.hq, day=dt.date(2018, 7, 19), leader=leader)
        with pytest.raises(CommandError, match="已安排"):
            actions.schedule_duty(world.hq, day=dt.date(2018, 7, 20), leader=leader)
        with pytest.raises(PermissionDenied):
            actions.sign_in(world.reporter, today)
        with pytest.raises(CommandError, match="当天"):
            actions.sign_in(world.leader, missed)
        login(world.leader)
        answer = client.post(f"/command/duty/{today.pk}/sign/")
        assert answer.status_code == 302
        with pytest.raises(CommandError, match="已签到"):
            actions.sign_in(world.hq, DutyShift.objects.get(pk=today.pk))
        kept = metrics.duty_days_kept("county", dt.date(2018, 7, 20), None)
    assert kept[world.county.code].value == Decimal("50.0")
    assert DutyShift.objects.get(pk=today.pk).signed_in_by == world.leader


def test_field_visit_problems_become_cases_and_count(world, leader, django_assert_max_num_queries):
    with clock.frozen(FRIDAY):
        actions.assign_town(
            world.hq, leader=leader, town=world.chengguan, since=dt.date(2018, 6, 1)
        )
        with pytest.raises(CommandError, match="已在包抓"):
            actions.assign_town(
                world.hq, leader=leader, town=world.chengguan, since=dt.date(2018, 6, 2)
            )
        visit = actions.record_visit(
            world.leader,
            leader=leader,
            visited_on=dt.date(2018, 7, 18),
            org_unit=world.cg_village,
            inspected="安全住房和饮水工程进度",
            problems=[
                ProblemInput(
                    title="两户危房改造未开工",
                    content="",
                    unit=world.chengguan_unit,
                    due_on=dt.date(2018, 7, 31),
                )
            ],
        )
        with pytest.raises(CommandError, match="责任单位"):
            actions.record_visit(
                world.hq,
                leader=leader,
                visited_on=dt.date(2018, 7, 18),
                org_unit=world.cg_village,
                inspected="饮水",
                problems=[ProblemInput(title="水管破损", content="", unit=None, due_on=None)],
            )
        with pytest.raises(PermissionDenied):
            actions.record_visit(
                world.reporter,
                leader=leader,
                visited_on=dt.date(2018, 7, 18),
                org_unit=world.cg_village,
                inspected="饮水",
            )
        on = dt.date(2018, 7, 20)
        with django_assert_max_num_queries(3):
            per_leader = metrics.visits_per_leader("town", on, None)
        unvisited = metrics.towns_unvisited("county", on, None)
    assert (
        FieldVisit.objects.filter(visible_q(world.other_cadre, code_path="org_code")).count() == 0
    )
    assert FieldVisit.objects.filter(visible_q(world.cadre, code_path="org_code")).count() == 1
    case = visit.cases.get()
    assert case.kind == Kind.INSPECTION and case.source == Source.FIELD_VISIT
    assert case.state == State.ASSIGNED and case.unit == world.chengguan_unit
    assert FieldVisit.objects.count() == 1
    assert per_leader[world.chengguan.code].value == Decimal("1.0")
    # 东风镇 was not visited in 14 days.
    assert unvisited[world.county.code].value == 1
    assert (
        metrics.towns_unvisited("town", on, [world.dongfeng.code])[world.dongfeng.code].value == 1
    )


def test_duty_pages_answer_in_chinese(world, client, login):
    login(world.hq)
    with clock.frozen(FRIDAY):
        for url in (
            "/command/",
            "/command/duty/",
            "/command/visits/",
            "/command/meetings/",
            "/command/accountability/",
            "/command/sweeps/",
            "/command/meetings/new/",
        ):
            assert client.get(url).status_code == 200, url
        login(world.reporter)
        assert client.get("/command/duty/").status_code == 403
        login(world.cadre)
        assert client.get("/command/").status_code == 302
        assert client.get("/command/sweeps/").status_code == 200
        assert client.get("/command/visits/").status_code == 200


def test_a_viewer_may_read_but_not_record(world, client, login):
    from tuopin.org.models import Role, User

    viewer = User.objects.create_user(
        "viewer_test", password="test-pass-123", role=Role.VIEWER, scope=world.county
    )
    login(viewer)
    with clock.frozen(FRIDAY):
        assert client.get("/command/visits/").status_code == 200
        assert client.post("/command/visits/", {"inspected": "x"}).status_code == 403
        assert client.post("/command/sweeps/", {"round_label": "x"}).status_code == 403
        assert client.post("/command/accountability/", {"reason": "x"}).status_code == 403
        assert client.post("/command/duty/", {"what": "shift"}).status_code == 403
        assert client.get("/command/meetings/new/").status_code == 403
    assert not FieldVisit.objects.exists()
