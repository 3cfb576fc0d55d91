from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from python_calamine import CalamineWorkbook

from tuopin.cases import actions
from tuopin.cases.models import CalendarDay, Case, CaseAttachment, InspectionVisit, TimeLimit
from tuopin.cases.tests.helpers import at, petition, problem, refresh, step
from tuopin.lib import clock

NOW = "2018-07-20 10:00"


@pytest.fixture
def ledger(world):
    """A 城关镇 case assigned to 县交通局 and a 东风镇 case still registered."""
    mine = problem(world, "2018-07-02 09:00")
    step("2018-07-02 10:00", actions.accept_case, world.hq, mine)
    step("2018-07-02 11:00", actions.assign_case, world.hq, mine, unit=world.transport)
    theirs = problem(world, "2018-07-03 09:00", org_unit=world.df_village)
    with clock.frozen(at(NOW)):
        yield refresh(mine), refresh(theirs)


def _state(case):
    case = refresh(case)
    return case.state, case.unit_id, case.events.count()


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("hq", {"mine", "theirs"}),
        ("viewer", {"mine", "theirs"}),
        ("cadre", {"mine"}),
        ("other_cadre", {"theirs"}),
        ("reporter", {"mine"}),
        ("other_reporter", set()),
    ],
)
def test_it_lists_only_visible_cases(world, ledger, login, who, expected):
    mine, theirs = ledger
    response = login(getattr(world, who)).get("/cases/")
    assert response.status_code == 200
    shown = {
        name
        for name, case in (("mine", mine), ("theirs", theirs))
        if case.number in response.content.decode()
    }
    assert shown == expected


def test_it_sends_anonymous_visitors_to_login(world, ledger, login):
    client = login(None)
    mine, _ = ledger
    for url in [
        "/cases/",
        f"/cases/{mine.pk}/",
        "/cases/export.xlsx",
        "/cases/new/",
        "/cases/backlog/",
        "/cases/inspections/",
        "/cases/inspections/new/",
        "/cases/settings/limits/",
        "/cases/settings/calendar/",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url
    before = _state(mine)
    assert client.post(f"/cases/{mine.pk}/do/start/").status_code == 302
    assert _state(mine) == before


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("hq", 200),
        ("viewer", 200),
        ("cadre", 200),
        ("reporter", 200),
        ("other_cadre", 404),
        ("other_reporter", 404),
    ],
)
def test_case_page_access(world, ledger, login, who, status):
    mine, _ = ledger
    response = login(getattr(world, who)).get(f"/cases/{mine.pk}/")
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert "阶段计时" in body
        assert ("开始办理" in body) == (who in ("hq", "reporter"))


def test_it_runs_a_step_from_the_page(world, ledger, login):
    mine, _ = ledger
    response = login(world.reporter).post(f"/cases/{mine.pk}/do/start/", {"note": "已接收"})
    assert response.status_code == 302
    assert refresh(mine).state == "in_progress"


@pytest.mark.parametrize(
    ("who", "status"),
    [("other_cadre", 404), ("other_reporter", 404), ("viewer", 403), ("cadre", 403)],
)
def test_it_refuses_steps_by_others_and_changes_nothing(world, ledger, login, who, status):
    mine, _ = ledger
    before = _state(mine)
    response = login(getattr(world, who)).post(f"/cases/{mine.pk}/do/start/", {"note": "x"})
    assert response.status_code == status
    assert _state(mine) == before


def test_it_refuses_out_of_order_steps_with_a_message(world, ledger, login):
    mine, _ = ledger
    before = _state(mine)
    client = login(world.hq)
    response = client.post(f"/cases/{mine.pk}/do/close/", follow=True)
    assert response.status_code == 200
    assert "未能销号" in response.content.decode()
    assert "尚未办结" in response.content.decode()
    assert _state(mine) == before
    assert client.post(f"/cases/{mine.pk}/do/explode/").status_code == 403
    assert _state(mine) == before


def test_it_registers_with_an_attachment_and_serves_it_in_scope(world, login):
    client = login(world.cadre)
    with clock.frozen(at(NOW)):
        response = client.post(
            "/cases/new/",
            {
                "kind": "petition",
                "source": "visit",
                "org_unit": world.cg_village.pk,
                "title": "危房改造补助未到位",
                "content": "反映危房改造补助至今未发放",
                "reporter_name": "李四",
                "reporter_phone": "13800001234",
                "attachment": SimpleUploadedFile("材料.txt", "材料内容".encode()),
            },
        )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.number.startswith("XF2018-")
    item = CaseAttachment.objects.get()
    assert item.name == "材料.txt"
    assert login(world.cadre).get(f"/cases/attachments/{item.pk}/").status_code == 200
    assert login(world.other_cadre).get(f"/cases/attachments/{item.pk}/").status_code == 404
    assert login(world.viewer).get("/cases/new/").status_code == 403
    # Another town's cadre cannot pick a 城关镇 village.
    response = login(world.other_cadre).post(
        "/cases/new/",
        {
            "kind": "discipline",
            "source": "self",
            "org_unit": world.cg_village.pk,
            "title": "x",
            "content": "y",
        },
    )
    assert response.status_code == 200
    assert Case.objects.count() == 1


def test_the_export_is_a_ledger_in_the_office_layout(world, ledger, login):
    response = login(world.cadre).get("/cases/export.xlsx")
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    rows = book.get_sheet_by_name("台账").to_python()
    assert rows[0][0] == "城关镇问题、信访、督查和整改台账"
    assert rows[2][:4] == ["序号", "编号", "类别", "来源"]
    assert rows[2][12] == "是否超期"
    mine, _ = ledger
    assert len(rows) == 4
    assert rows[3][1] == mine.number
    assert rows[3][7] == "县交通局"
    assert rows[3][10] == "已交办"
    assert rows[3][12] == "否"
    response = login(world.hq).get("/cases/export.xlsx?kind=discipline&town=610327101")
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        .get_sheet_by_name("台账")
        .to_python()
    )
    assert rows[0][0] == "陇县纪律问题台账"
    assert [row[1] for row in rows[3:]] == [ledger[1].number]


def test_the_list_filters_overdue(world, login):
    late = problem(world, "2018-07-02 09:00")
    fresh = problem(world, "2018-07-19 09:00")
    with clock.frozen(at(NOW)):
        body = login(world.hq).get("/cases/?overdue=on").content.decode()
    assert late.number in body
    assert fresh.number not in body


@pytest.mark.parametrize("who", ["hq", "viewer", "cadre", "reporter", "other_cadre"])
def test_backlog_page_opens_for_every_signed_in_user(world, ledger, login, who):
    response = login(getattr(world, who)).get("/cases/backlog/")
    assert response.status_code == 200
    assert "无积压" in response.content.decode()


def test_inspection_pages(world, login):
    with clock.frozen(at(NOW)):
        client = login(world.inspector)
        response = client.post(
            "/cases/inspections/new/",
            {
                "org_unit": world.cg_village.pk,
                "visited_on": "2018-07-20",
                "inspectors": "督查一组",
                "cadres_expected": 4,
                "cadres_present": 3,
                "files_checked": 10,
                "files_ok": 9,
            },
        )
        assert response.status_code == 302
        visit = InspectionVisit.objects.get()
        response = client.post(
            f"/cases/inspections/{visit.pk}/",
            {
                "title": "驻村干部1人不在岗",
                "content": "张某未请假离岗",
                "unit": world.chengguan_unit.pk,
                "due_on": "2018-07-31",
            },
        )
        assert response.status_code == 302
        case = Case.objects.get()
        assert (case.kind, case.state, case.unit_id) == (
            "rectification",
            "assigned",
            world.chengguan_unit.pk,
        )
        assert login(world.cadre).get(f"/cases/inspections/{visit.pk}/").status_code == 200
        assert login(world.other_cadre).get(f"/cases/inspections/{visit.pk}/").status_code == 404
        assert login(world.viewer).get("/cases/inspections/").status_code == 200
        response = login(world.viewer).post(
            f"/cases/inspections/{visit.pk}/",
            {"title": "x", "content": "y", "unit": world.chengguan_unit.pk, "due_on": "2018-07-31"},
        )
        assert response.status_code == 403
        assert login(world.viewer).get("/cases/inspections/new/").status_code == 403
        assert login(world.cadre).get("/cases/inspections/new/").status_code == 403
        # The finding's deadline must not be in the past.
        response = login(world.inspector).post(
            f"/cases/inspections/{visit.pk}/",
            {"title": "x", "content": "y", "unit": world.chengguan_unit.pk, "due_on": "2018-07-01"},
        )
        assert "早于今天" in response.content.decode()
    assert Case.objects.count() == 1


def test_hq_edits_time_limits_and_the_calendar(world, login):
    with clock.frozen(at(NOW)):
        assert login(world.viewer).get("/cases/settings/limits/").status_code == 200
        response = login(world.viewer).post(
            "/cases/settings/limits/",
            {"kind": "petition", "level": "village", "stage": "handle", "days": 10},
        )
        assert response.status_code == 403
        assert TimeLimit.objects.count() == 0
        client = login(world.hq)
        client.post(
            "/cases/settings/limits/",
            {"kind": "petition", "level": "village", "stage": "handle", "no_limit": "on"},
        )
        client.post(
            "/cases/settings/limits/",
            {
                "kind": "discipline",
                "level": "town",
                "stage": "accept",
                "days": 2,
                "working_days": "on",
            },
        )
        response = client.post(
            "/cases/settings/limits/",
            {"kind": "discipline", "level": "town", "stage": "accept"},
            follow=True,
        )
        assert "请填写天数" in response.content.decode()
        assert sorted(TimeLimit.objects.values_list("kind", "stage", "days", "working_days")) == [
            ("discipline", "accept", 2, True),
            ("petition", "handle", None, False),
        ]
        assert (
            login(world.cadre)
            .post("/cases/settings/calendar/", {"day": "2018-08-01", "is_working_day": "0"})
            .status_code
            == 403
        )
        response = login(world.hq).post(
            "/cases/settings/calendar/",
            {"day": "2018-08-01", "is_working_day": "0", "name": "抗洪"},
        )
        assert response.status_code == 302
        assert list(CalendarDay.objects.values_list("day", "is_working_day")) == [
            (at("2018-08-01 00:00").date(), False)
        ]
        # The new holiday moves a new clock's deadline: 2 working days from Tue 07-31 09:00
        # skip Wed 08-01 → Fri 08-03 09:00.
    with clock.frozen(at("2018-07-31 09:00")):
        case = actions.register_case(
            world.hq,
            kind="discipline",
            source="self",
            title="t",
            content="c",
            org_unit=world.chengguan,
        )
    assert case.open_clock().deadline == at("2018-08-03 09:00")


def test_petition_page_shows_the_tracking_code_to_staff_with_personal_data_rights(world, login):
    case = petition(world)
    step("2018-07-02 10:00", actions.accept_case, world.hq, case)
    code = actions.format_tracking_code(refresh(case).tracking_code)
    assert code in login(world.cadre).get(f"/cases/{case.pk}/").content.decode()
    body = login(world.viewer).get(f"/cases/{case.pk}/").content.decode()
    assert code not in body
    assert "13912345678" not in body
    assert "139****5678" in body


def test_every_page_renders_for_hq_and_on_a_phone_layout(world, ledger, login):
    mine, _ = ledger
    client = login(world.hq)
    for url in [
        "/cases/",
        "/cases/?kind=discipline&state=open&town=610327100&q=驻村",
        f"/cases/{mine.pk}/",
        "/cases/new/",
        "/cases/backlog/",
        "/cases/inspections/",
        "/cases/inspections/new/",
        "/cases/settings/limits/",
        "/cases/settings/calendar/",
        "/cases/track/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'name="viewport"' in response.content.decode(), url
    assert "不限时" in client.get("/cases/settings/limits/").content.decode()
    assert "2018-02-11" in client.get("/cases/settings/calendar/").content.decode()


def test_it_fills_the_inspection_date_with_today_in_a_form_the_browser_reads(world, login):
    with clock.frozen(at(NOW)):
        page = login(world.inspector).get("/cases/inspections/new/").content.decode()
    assert '<input type="date" name="visited_on" value="2018-07-20"' in page
