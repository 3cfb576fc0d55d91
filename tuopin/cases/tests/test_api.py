from __future__ import annotations

import pytest

from tuopin.cases import actions
from tuopin.cases.models import Case, InspectionVisit
from tuopin.cases.tests.helpers import at, problem, refresh, step
from tuopin.lib import clock
from tuopin.org.models import ApiToken


@pytest.fixture
def assigned(world):
    case = problem(world, "2018-07-02 09:00")
    step("2018-07-02 10:00", actions.accept_case, world.hq, case)
    step("2018-07-02 11:00", actions.assign_case, world.hq, case, unit=world.transport)
    with clock.frozen(at("2018-07-20 10:00")):
        yield refresh(case)


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


@pytest.mark.parametrize(
    ("who", "count"),
    [
        ("hq", 1),
        ("viewer", 1),
        ("cadre", 1),
        ("reporter", 1),
        ("other_cadre", 0),
        ("other_reporter", 0),
    ],
)
def test_the_list_is_scoped(world, assigned, login, who, count):
    response = login(getattr(world, who)).get("/api/cases/")
    assert response.status_code == 200
    assert len(response.json()) == count


def test_anonymous_callers_are_refused(world, assigned, client):
    assert client.get("/api/cases/").status_code == 401
    assert client.get(f"/api/cases/{assigned.pk}").status_code == 401
    assert _post(client, f"/api/cases/{assigned.pk}/actions/start", {}).status_code == 401
    assert refresh(assigned).state == "assigned"


def test_the_workflow_through_the_api(world, assigned, login):
    client = login(world.reporter)
    detail = client.get(f"/api/cases/{assigned.pk}").json()
    assert detail["available_actions"] == ["start", "return", "pause", "comment"]
    assert [c["stage"] for c in detail["clocks"]] == ["accept", "assign", "handle"]
    response = _post(client, f"/api/cases/{assigned.pk}/actions/start", {"note": "收到"})
    assert response.status_code == 200
    assert response.json()["state"] == "in_progress"
    response = _post(client, f"/api/cases/{assigned.pk}/actions/resolve", {"note": ""})
    assert response.status_code == 400
    assert response.json() == {"detail": "请填写办理结果", "errors": []}
    response = _post(client, f"/api/cases/{assigned.pk}/actions/resolve", {"note": "已处理"})
    assert response.json()["state"] == "resolved"
    assert refresh(assigned).events.last().source == "api"


@pytest.mark.parametrize(
    ("who", "status"),
    [("other_reporter", 404), ("other_cadre", 404), ("viewer", 403), ("cadre", 403)],
)
def test_others_cannot_act_and_nothing_changes(world, assigned, login, who, status):
    before = refresh(assigned).events.count()
    response = _post(login(getattr(world, who)), f"/api/cases/{assigned.pk}/actions/start", {})
    assert response.status_code == status
    assert refresh(assigned).state == "assigned"
    assert refresh(assigned).events.count() == before


def test_out_of_order_is_a_409_with_a_chinese_reason(world, assigned, login):
    response = _post(login(world.hq), f"/api/cases/{assigned.pk}/actions/close", {})
    assert response.status_code == 409
    assert "尚未办结" in response.json()["detail"]
    assert refresh(assigned).state == "assigned"


def test_register_and_backlog_with_a_token(world, client):
    _, key = ApiToken.issue(world.cadre, "test")
    headers = {"Authorization": f"Bearer {key}"}
    with clock.frozen(at("2018-07-20 10:00")):
        response = client.post(
            "/api/cases/",
            {
                "kind": "discipline",
                "source": "self",
                "title": "档案不实",
                "content": "收入虚报",
                "org_code": world.cg_village.code,
            },
            content_type="application/json",
            headers=headers,
        )
        assert response.status_code == 201
        assert response.json()["number"].startswith("JL2018-")
        response = client.post(
            "/api/cases/",
            {
                "kind": "discipline",
                "source": "self",
                "title": "x",
                "content": "y",
                "org_code": world.df_village.code,
            },
            content_type="application/json",
            headers=headers,
        )
        assert response.status_code == 404
        figures = client.get("/api/cases/backlog", headers=headers).json()
    assert (figures["open"], figures["overdue"]) == (1, 0)
    assert Case.objects.count() == 1


def test_inspections_through_the_api(world, login):
    with clock.frozen(at("2018-07-20 10:00")):
        client = login(world.inspector)
        response = _post(
            client,
            "/api/cases/inspections",
            {
                "org_code": world.cg_village.code,
                "visited_on": "2018-07-20",
                "inspectors": "督查二组",
                "files_checked": 5,
                "files_ok": 6,
            },
        )
        assert response.status_code == 400
        assert "不能多于" in response.json()["detail"]
        response = _post(
            client,
            "/api/cases/inspections",
            {
                "org_code": world.cg_village.code,
                "visited_on": "2018-07-20",
                "inspectors": "督查二组",
                "files_checked": 5,
                "files_ok": 4,
            },
        )
        assert response.status_code == 201
        visit_id = response.json()["id"]
        response = _post(
            client,
            f"/api/cases/inspections/{visit_id}/findings",
            {
                "title": "1户档案缺收入核算",
                "content": "东关村王某户",
                "unit_id": world.chengguan_unit.pk,
                "due_on": "2018-07-27",
            },
        )
        assert response.status_code == 201
        assert response.json()["kind"] == "rectification"
        response = _post(
            login(world.viewer),
            f"/api/cases/inspections/{visit_id}/findings",
            {
                "title": "x",
                "content": "y",
                "unit_id": world.chengguan_unit.pk,
                "due_on": "2018-07-27",
            },
        )
        assert response.status_code == 403
        assert login(world.other_cadre).get("/api/cases/inspections").json() == []
    assert InspectionVisit.objects.count() == 1
    assert Case.objects.count() == 1
