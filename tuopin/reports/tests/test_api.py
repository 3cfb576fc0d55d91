from __future__ import annotations

import json

import pytest
from django.test import Client

from tuopin.lib import clock
from tuopin.org.models import ApiToken
from tuopin.reports.models import ReportEvent, ReportVersion

THURSDAY = "2018-07-19T15:00:00+08:00"


class Api:
    def __init__(self, user):
        self.client = Client()
        self.headers = {}
        if user is not None:
            _, key = ApiToken.issue(user, "test")
            self.headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    def get(self, path):
        return self.client.get(f"/api/reports{path}", **self.headers)

    def send(self, method, path, body):
        call = getattr(self.client, method)
        return call(
            f"/api/reports{path}",
            data=json.dumps(body),
            content_type="application/json",
            **self.headers,
        )


def _body(setup, km="12.5"):
    return {
        "actions": [
            {
                "action": setup.roads.pk,
                "progress": "本周完成3公里",
                "problems": "资金不足",
                "milestones": [
                    {"milestone": setup.road_km.pk, "value": km, "status": "in_progress"},
                    {"milestone": setup.road_share.pk, "value": 80, "status": "in_progress"},
                ],
            }
        ]
    }


def test_it_runs_the_whole_cycle_through_the_api(setup, world):
    reporter, head, hq = Api(world.reporter), Api(world.head), Api(world.hq)
    with clock.frozen(THURSDAY):
        periods = reporter.get("/periods").json()
        current = next(p for p in periods if p["id"] == setup.period.pk)
        assert current["state"] == "open"
        assert current["my_report"]["status"] == "not_started"
        form = reporter.get(f"/periods/{setup.period.pk}/form").json()
        assert [m["text"] for m in form["actions"][0]["milestones"]] == [
            "完成通村道路硬化40公里",
            "贫困村通硬化路比例达到100%",
        ]
        report_id = form["id"]
        saved = reporter.send("put", f"/reports/{report_id}", {"revision": 0, **_body(setup)})
        assert saved.status_code == 200
        assert saved.json()["actions"][0]["milestones"][1]["value"] == "80.00"
        submitted = reporter.send("post", f"/reports/{report_id}/submit", {"revision": 1})
        assert submitted.json()["status"] == "submitted"
    with clock.frozen("2018-07-20T11:59:59+08:00"):
        signed = head.send("post", f"/reports/{report_id}/sign", {"revision": 2})
    assert signed.status_code == 200
    data = signed.json()
    assert (data["status"], data["timeliness"], data["signed_by"]) == (
        "signed",
        "on_time",
        "王局长",
    )
    assert len(data["content_hash"]) == 64
    with clock.frozen("2018-07-20T13:00:00+08:00"):
        returned = hq.send("post", f"/reports/{report_id}/return", {"revision": 3, "reason": ""})
        assert returned.status_code == 400
        assert returned.json()["detail"] == "退回时必须填写退回原因，说明需要怎样修改"
        received = hq.send("post", f"/reports/{report_id}/receive", {"revision": 3})
        assert received.json()["status"] == "received"
        revised = reporter.send("post", f"/reports/{report_id}/revise", {"revision": 4})
        assert revised.json()["version"] == 2
        timely = hq.get(f"/periods/{setup.period.pk}/timeliness").json()
    assert timely["on_time"] == ["县交通局"]
    assert timely["pending"] == ["县卫计局", "东风镇", "城关镇"]


def test_it_answers_bad_input_in_chinese_and_writes_nothing(setup, world):
    reporter = Api(world.reporter)
    report_id = setup.report(world.transport).pk
    with clock.frozen(THURSDAY):
        wrong = reporter.send(
            "put", f"/reports/{report_id}", {"revision": 0, **_body(setup, "abc")}
        )
        missing = reporter.send("put", f"/reports/{report_id}", {"actions": []})
        typed = reporter.send(
            "put",
            f"/reports/{report_id}",
            {"revision": 0, "actions": [{"action": "十三", "milestones": []}]},
        )
    assert wrong.status_code == 400
    assert "「abc」不是数字" in wrong.json()["detail"]
    assert wrong.json()["errors"][0]["field"] == f"milestone.{setup.road_km.pk}.value"
    assert missing.status_code == 422
    assert missing.json()["errors"] == [{"field": "revision", "message": "缺少此字段"}]
    assert typed.status_code == 422
    assert ReportVersion.objects.count() == 0


def test_it_refuses_a_stale_revision_with_409(setup, world):
    reporter = Api(world.reporter)
    report_id = setup.report(world.transport).pk
    with clock.frozen(THURSDAY):
        reporter.send("put", f"/reports/{report_id}", {"revision": 0, **_body(setup)})
        stale = reporter.send("put", f"/reports/{report_id}", {"revision": 0, **_body(setup, "1")})
    assert stale.status_code == 409
    assert "已被他人修改" in stale.json()["detail"]
    assert ReportVersion.objects.get().payload["actions"][0]["milestones"][0]["value"] == "12.50"


@pytest.mark.parametrize(
    ("who", "expected"),
    [("reporter", 200), ("other_reporter", 404), ("viewer", 403), ("head", 200), (None, 401)],
)
def test_it_guards_saving(setup, world, who, expected):
    api = Api(getattr(world, who) if who else None)
    report_id = setup.report(world.transport).pk
    with clock.frozen(THURSDAY):
        response = api.send("put", f"/reports/{report_id}", {"revision": 0, **_body(setup)})
    assert response.status_code == expected
    assert ReportVersion.objects.count() == (1 if expected == 200 else 0)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("head", 200), ("reporter", 403), ("other_head", 404), ("viewer", 403), (None, 401)],
)
def test_it_guards_signing(setup, world, who, expected):
    report_id = setup.report(world.transport).pk
    with clock.frozen(THURSDAY):
        Api(world.reporter).send("put", f"/reports/{report_id}", {"revision": 0, **_body(setup)})
        Api(world.reporter).send("post", f"/reports/{report_id}/submit", {"revision": 1})
        api = Api(getattr(world, who) if who else None)
        response = api.send("post", f"/reports/{report_id}/sign", {"revision": 2})
    assert response.status_code == expected
    assert ReportEvent.objects.filter(action="签字").count() == (1 if expected == 200 else 0)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("reporter", 200),
        ("viewer", 200),
        ("other_reporter", 404),
        ("village_cadre", 404),
        (None, 401),
    ],
)
def test_it_guards_reading_a_report(setup, world, who, expected):
    api = Api(getattr(world, who) if who else None)
    response = api.get(f"/reports/{setup.report(world.transport).pk}")
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("hq", 200), ("viewer", 200), ("reporter", 403), (None, 401)]
)
def test_it_guards_the_timeliness_endpoint(setup, world, who, expected):
    api = Api(getattr(world, who) if who else None)
    response = api.get(f"/periods/{setup.period.pk}/timeliness")
    assert response.status_code == expected


def test_it_lists_only_periods_a_user_may_see(setup, world):
    assert len(Api(world.reporter).get("/periods").json()) == 6
    # A town cadre sees the weeks its town reports in; a village with no reporting unit none.
    assert len(Api(world.other_cadre).get("/periods").json()) == 6
    assert Api(world.village_cadre).get("/periods").json() == []
    assert Api(None).get("/periods").status_code == 401


def test_it_publishes_the_workflow_in_the_openapi_schema(db):
    schema = Client().get("/api/openapi.json").json()
    paths = schema["paths"]
    assert "/api/reports/reports/{report_id}/sign" in paths
    assert "/api/reports/periods/{period_id}/form" in paths


def test_it_accepts_a_token_client_without_a_csrf_cookie(setup, world):
    client = Client(enforce_csrf_checks=True)
    _, key = ApiToken.issue(world.reporter, "test")
    report_id = setup.report(world.transport).pk
    with clock.frozen(THURSDAY):
        response = client.put(
            f"/api/reports/reports/{report_id}",
            data=json.dumps({"revision": 0, **_body(setup)}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
    assert response.status_code == 200


def test_it_still_checks_csrf_for_a_browser_session(setup, world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.reporter)
    report_id = setup.report(world.transport).pk
    with clock.frozen(THURSDAY):
        response = client.put(
            f"/api/reports/reports/{report_id}",
            data=json.dumps({"revision": 0, **_body(setup)}),
            content_type="application/json",
        )
    assert response.status_code == 403
    assert ReportVersion.objects.count() == 0


def test_it_lists_the_unsigned_units_and_chases_them(friday, world, mail):
    from tuopin.reports.models import Reminder

    hq = Api(world.hq)
    figures = hq.get(f"/periods/{friday.period.pk}/timeliness").json()
    assert figures["unsigned"] == ["县卫计局", "东风镇", "城关镇"]
    one = hq.send("post", f"/periods/{friday.period.pk}/chase", {"unit": world.health.pk})
    assert one.status_code == 200
    assert one.json() == {"chased": ["县卫计局"], "recently_chased": [], "unreachable": []}
    rest = hq.send("post", f"/periods/{friday.period.pk}/chase", {})
    assert rest.json() == {
        "chased": ["东风镇", "城关镇"],
        "recently_chased": ["县卫计局"],
        "unreachable": ["东风镇"],
    }
    again = hq.send("post", f"/periods/{friday.period.pk}/chase", {})
    assert again.status_code == 409 and "30 分钟内不重复催报" in again.json()["detail"]
    sent = Reminder.objects.count()
    for who, expected in (("viewer", 403), ("reporter", 403), ("village_cadre", 404), (None, 401)):
        api = Api(getattr(world, who) if who else None)
        response = api.send("post", f"/periods/{friday.period.pk}/chase", {"unit": world.health.pk})
        assert response.status_code == expected
    assert Reminder.objects.count() == sent
    assert ReportEvent.objects.filter(action="催报").count() == 3
