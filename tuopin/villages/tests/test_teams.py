"""The roster, presence checks and training: rules, scope, the automatic discipline case and
the attendance and training metrics against hand-counted cases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from tuopin.cases.models import Case, Kind, State
from tuopin.lib import clock
from tuopin.org.models import AuditEvent
from tuopin.villages import actions, metrics
from tuopin.villages.actions import Presence, Refused
from tuopin.villages.codes import Absence, CheckKind, Team
from tuopin.villages.models import PresenceCheck, TeamMember, TrainingAttendance
from tuopin.villages.tests.helpers import full_team

NOW = "2018-07-20T10:00:00+08:00"
D = dt.date


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(NOW):
        yield


def _member(world, village, team=Team.WORK_TEAM, phone="13911112222", **extra):
    values = {
        "team": team,
        "name": "周志刚",
        "unit": "县财政局",
        "role": "队员",
        "phone": phone,
        "started_on": D(2018, 3, 1),
        "ended_on": None,
    }
    values.update(extra)
    return actions.add_member(world.hq, village, values)


# --- roster -----------------------------------------------------------------------------------


def test_a_member_in_two_villages_teams_at_once_is_refused_unless_a_helper(world):
    _member(world, world.cg_village)
    with pytest.raises(Refused, match="同期已在东关村的驻村工作队中"):
        _member(world, world.df_village, team=Team.COMMITTEE)
    assert TeamMember.objects.count() == 1
    # A 帮扶干部 may help in several villages.
    _member(world, world.cg_village, team=Team.HELPER, phone="13977778888")
    _member(world, world.df_village, team=Team.HELPER, phone="13977778888")
    # After leaving the first village the person may join another team.
    first = TeamMember.objects.get(phone="13911112222")
    values = {name: getattr(first, name) for name in actions.MEMBER_FIELDS}
    actions.change_member(world.hq, first, {**values, "ended_on": D(2018, 6, 1)})
    moved = _member(world, world.df_village, started_on=D(2018, 6, 1))
    assert moved.village == world.df_village


def test_roster_changes_are_kept_with_history(world):
    member = _member(world, world.cg_village)
    values = {name: getattr(member, name) for name in actions.MEMBER_FIELDS}
    actions.change_member(world.hq, member, {**values, "role": "队长"})
    events = AuditEvent.objects.filter(model="villages.teammember", object_id=str(member.pk))
    assert [e.action for e in events.order_by("at", "pk")] == ["登记队伍成员", "修改队伍成员"]
    assert events.get(action="修改队伍成员").changes == {"role": ["队员", "队长"]}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"name": ""}, "请填写姓名"),
        ({"name": "张3"}, "姓名中不应有数字"),
        ({"phone": "abc"}, "手机号码只能由数字"),
        ({"started_on": D(2018, 8, 1)}, "晚于今天"),
        ({"ended_on": D(2018, 1, 1)}, "早于到岗日期"),
        ({"team": "boss"}, "队伍类别应为"),
    ],
)
def test_bad_member_input_is_refused(world, change, reason):
    with pytest.raises(Refused, match=reason):
        _member(world, world.cg_village, **change)
    assert not TeamMember.objects.exists()


def test_a_town_cannot_edit_another_towns_roster(world):
    with pytest.raises(PermissionDenied):
        actions.add_member(
            world.other_cadre,
            world.cg_village,
            {"team": Team.HELPER, "name": "周志刚", "phone": "1", "started_on": D(2018, 3, 1)},
        )
    assert not TeamMember.objects.exists()


def test_incomplete_teams_are_listed(world, login):
    full_team(world.hq, world.cg_village, "1")
    _member(world, world.cg_village2, team=Team.FIRST_SECRETARY)
    counts = actions.team_counts([world.cg_village, world.cg_village2], clock.today())
    assert actions.missing(counts[world.cg_village.pk]) == []
    assert actions.missing(counts[world.cg_village2.pk]) == [
        "驻村工作队缺2人",
        "帮扶干部缺1人",
        "村两委缺3人",
    ]
    page = login(world.cadre).get("/villages/?incomplete=1").content.decode()
    assert "西关村" in page and "东关村" not in page
    found = metrics._complete(False)("town", clock.today(), [world.chengguan.code])
    assert found[world.chengguan.code].value == 1
    share = metrics._complete(True)("county", clock.today(), [world.county.code])
    assert share[world.county.code].value == Decimal("25.0")  # 1 of 4 villages


def test_phones_are_masked_for_an_inspector_and_clear_for_the_town(world, login):
    full_team(world.hq, world.cg_village, "1")
    page = login(world.inspector).get(f"/villages/v/{world.cg_village.code}/").content.decode()
    assert "1390001" not in page and "139****0000" in page
    page = login(world.cadre).get(f"/villages/v/{world.cg_village.code}/").content.decode()
    assert "13900010000" in page


# --- presence checks ---------------------------------------------------------------------------


def _check(world, village, day, answers: dict, actor=None, kind=CheckKind.UNANNOUNCED):
    members = TeamMember.objects.filter(village=village).in_post(day)
    entries = []
    for member in members:
        answer = answers.get(member.name, "present")
        entries.append(Presence(member, answer == "present", "" if answer == "present" else answer))
    return actions.record_presence(
        actor or world.inspector,
        village,
        kind=kind,
        checked_on=day,
        inspectors="县督查组",
        entries=entries,
    )


def test_two_unexcused_absences_in_30_days_open_exactly_one_discipline_case(world):
    full_team(world.hq, world.cg_village, "1")  # 李卫东 is a 驻村工作队 member
    _check(world, world.cg_village, D(2018, 6, 1), {"李卫东": Absence.NONE})
    _check(world, world.cg_village, D(2018, 6, 20), {"李卫东": Absence.LEAVE})
    assert not Case.objects.filter(kind=Kind.DISCIPLINE).exists()
    _check(world, world.cg_village, D(2018, 6, 28), {"李卫东": Absence.NONE})
    cases = Case.objects.filter(kind=Kind.DISCIPLINE)
    assert cases.count() == 1
    case = cases.get()
    assert case.org_unit == world.cg_village and case.subject == "李卫东"
    assert "06月01日、06月28日" in case.content and case.state == State.REGISTERED
    assert case.open_clock() is not None
    # A third absence inside the same window does not open a second case.
    _check(world, world.cg_village, D(2018, 7, 5), {"李卫东": Absence.NONE})
    assert Case.objects.filter(kind=Kind.DISCIPLINE).count() == 1


def test_absences_more_than_30_days_apart_or_excused_open_no_case(world):
    full_team(world.hq, world.cg_village, "1")
    _check(world, world.cg_village, D(2018, 5, 1), {"李卫东": Absence.NONE})
    _check(world, world.cg_village, D(2018, 5, 31), {"李卫东": Absence.NONE})  # day 31
    _check(world, world.cg_village, D(2018, 6, 10), {"王海燕": Absence.DUTY})
    _check(world, world.cg_village, D(2018, 6, 12), {"王海燕": Absence.LEAVE})
    assert not Case.objects.filter(kind=Kind.DISCIPLINE).exists()


def test_a_check_outside_the_inspectors_scope_is_refused_and_writes_nothing(world):
    full_team(world.hq, world.cg_village, "1")
    with pytest.raises(PermissionDenied):
        _check(world, world.cg_village, D(2018, 7, 1), {}, actor=world.other_cadre)
    assert not PresenceCheck.objects.exists()


def test_an_absence_without_a_reason_is_refused(world):
    member = full_team(world.hq, world.cg_village, "1")[0]
    with pytest.raises(Refused, match="缺岗原因"):
        actions.record_presence(
            world.inspector,
            world.cg_village,
            kind=CheckKind.ROUTINE,
            checked_on=D(2018, 7, 1),
            inspectors="县督查组",
            entries=[Presence(member, False, "")],
        )
    assert not PresenceCheck.objects.exists()


def test_attendance_rates_match_hand_counts(world, login):
    full_team(world.hq, world.cg_village, "1")  # 7 members
    full_team(world.hq, world.cg_village2, "2")
    full_team(world.hq, world.df_village, "3")
    _check(world, world.cg_village, D(2018, 7, 2), {"李卫东": Absence.NONE, "王海燕": "leave"})
    _check(world, world.cg_village2, D(2018, 7, 3), {})
    _check(world, world.df_village, D(2018, 7, 4), {"张建国": Absence.DUTY})
    _check(world, world.df_village, D(2018, 7, 19), {})
    on = D(2018, 7, 20)
    villages = metrics._attendance("village", on, None)
    assert villages[world.cg_village.code].value == Decimal("71.43")  # 5/7
    assert villages[world.cg_village2.code].value == Decimal("100.0")  # 7/7
    assert villages[world.df_village.code].value == Decimal("92.86")  # 13/14
    towns = metrics._attendance("town", on, [world.chengguan.code, world.dongfeng.code])
    assert towns[world.chengguan.code].value == Decimal("85.71")  # 12/14
    county = metrics._attendance("county", on, [world.county.code])
    assert county[world.county.code].value == Decimal("89.29")  # 25/28
    before = metrics._attendance("village", D(2018, 7, 1), [world.cg_village.code])
    assert before[world.cg_village.code].value is None  # no check yet
    member = TeamMember.objects.get(village=world.cg_village, name="李卫东")
    assert actions.attendance(member.presence.all()) == (0, 1)
    page = login(world.hq).get("/villages/").content.decode()
    assert "85.71%" in page and "92.86%" in page  # the towns' summary


# --- training ----------------------------------------------------------------------------------


def test_share_trained_by_a_date_matches_hand_counts(world):
    cg = full_team(world.hq, world.cg_village, "1")
    df = full_team(world.hq, world.df_village, "3")
    actions.record_training(
        world.hq,
        held_on=D(2018, 6, 15),
        topic="四支队伍轮训（第一期）",
        kind="rotation",
        place=world.county,
        members=cg[:4] + df[:1],
    )
    actions.record_training(
        world.cadre,
        held_on=D(2018, 7, 10),
        topic="城关镇专题培训",
        kind="topic",
        place=world.chengguan,
        members=cg[3:6],
    )
    june = metrics._trained("village", D(2018, 6, 30), None)
    assert june[world.cg_village.code].value == Decimal("57.14")  # 4/7
    assert june[world.df_village.code].value == Decimal("14.29")  # 1/7
    county = metrics._trained("county", D(2018, 6, 30), [world.county.code])
    assert county[world.county.code].value == Decimal("35.71")  # 5/14
    july = metrics._trained("town", D(2018, 7, 20), [world.chengguan.code])
    assert july[world.chengguan.code].value == Decimal("85.71")  # 6/7
    assert TrainingAttendance.objects.count() == 8


def test_a_town_cannot_enter_another_towns_members_in_a_training(world):
    df = full_team(world.hq, world.df_village, "3")
    with pytest.raises(PermissionDenied):
        actions.record_training(
            world.cadre,
            held_on=D(2018, 6, 15),
            topic="轮训",
            kind="rotation",
            place=world.chengguan,
            members=df[:1],
        )
    assert not TrainingAttendance.objects.exists()


def test_commendations_are_recorded_by_hq(world):
    member = full_team(world.hq, world.cg_village, "1")[0]
    found = actions.commend(
        world.hq, member, title="优秀第一书记", awarded_on=D(2018, 7, 18), awarded_by="县委组织部"
    )
    assert str(found) == "张建国 优秀第一书记"
    counted = metrics._commended(
        "town", D(2018, 7, 31), [world.chengguan.code, world.dongfeng.code]
    )
    assert counted[world.chengguan.code].value == 1 and counted[world.dongfeng.code].value == 0
    assert (
        metrics._commended("county", D(2018, 7, 17), [world.county.code])[world.county.code].value
        == 0
    )
    with pytest.raises(PermissionDenied):
        actions.commend(world.cadre, member, title="优秀", awarded_on=D(2018, 7, 18))


def test_the_presence_page_records_a_check(world, login):
    members = full_team(world.hq, world.cg_village, "1")
    client = login(world.cadre)
    url = f"/villages/v/{world.cg_village.code}/presence/"
    assert client.get(url).status_code == 200
    data = {
        "kind": "random",
        "checked_on": "2018-07-19",
        "inspectors": "城关镇纪委",
        "note": "",
        **{f"m_{m.pk}": "present" for m in members},
    }
    data[f"m_{members[1].pk}"] = "none"
    response = client.post(url, data)
    assert response.status_code == 302
    check = PresenceCheck.objects.get()
    assert check.entries.filter(present=False).count() == 1
    assert login(world.other_cadre).post(url, data).status_code == 404
    assert PresenceCheck.objects.count() == 1
