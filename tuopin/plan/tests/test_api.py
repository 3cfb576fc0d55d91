from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from tuopin.lib import clock
from tuopin.org.models import OrgUnit, Role, User
from tuopin.plan.actions import record_measurement
from tuopin.plan.tests.conftest import FIXTURES, SEED

NOW = "2018-07-20T10:00:00+08:00"


def test_it_lists_campaigns_to_county_users_only(campaign, world, login, client):
    for user in (world.hq, world.viewer, world.reporter, world.cadre):
        response = login(user).get("/api/plan/campaigns")
        assert response.status_code == 200
        body = response.json()
        assert [c["title"] for c in body] == ["陇县脱贫“摘帽”百日冲刺工作方案"]
        assert body[0]["reporting"] == {"weekday": 5, "time": "12:00", "sign_off": True}
        assert body[0]["phases"][1] == {
            "name": "任务清零阶段",
            "start": "2018-09-01",
            "end": "2018-09-30",
        }
    outsider = User.objects.create_user(
        "outsider",
        password="x",
        role=Role.VIEWER,
        scope=OrgUnit.objects.create(code="610328", name="千阳县", level="county"),
    )
    client.force_login(outsider)
    assert client.get("/api/plan/campaigns").json() == []
    assert client.get(f"/api/plan/campaigns/{campaign.pk}").status_code == 404
    client.logout()
    assert client.get("/api/plan/campaigns").status_code == 401


def test_it_gives_actions_and_milestones_with_statuses(campaign, world, login):
    clinics = campaign.actions.get(number=13).milestones.get()
    for day, value in [("2018-06-29", 9), ("2018-07-06", 10), ("2018-07-13", 11)]:
        record_measurement(
            clinics, Decimal(value), at=dt.datetime.fromisoformat(f"{day}T09:00+08:00")
        )
    client = login(world.viewer)
    with clock.frozen(NOW):
        actions = client.get(f"/api/plan/campaigns/{campaign.pk}/actions").json()
        milestones = client.get(
            f"/api/plan/campaigns/{campaign.pk}/milestones?status=at_risk"
        ).json()
        action = client.get(f"/api/plan/actions/{actions[12]['id']}").json()
    assert len(actions) == 19
    assert actions[18]["leaders"] == ["分管交通运输副县长"]
    assert actions[12]["status"] == "at_risk"
    assert action["counts"]["at_risk"] == 1
    assert [(m["action_number"], m["status"]["predicted"]) for m in milestones] == [
        (13, "2019-01-04")
    ]
    assert milestones[0]["deadline"] == "2018-08-31T23:59:59+08:00"


def test_the_parse_endpoint_returns_the_json(world, login):
    client = login(world.hq)
    response = client.post(
        "/api/plan/parse", {"document": SimpleUploadedFile("seed.txt", SEED.read_bytes())}
    )
    assert response.status_code == 200
    assert len(response.json()["actions"]) == 19
    bad = client.post(
        "/api/plan/parse",
        {"document": SimpleUploadedFile("x.txt", (FIXTURES / "undatable.txt").read_bytes())},
    )
    assert bad.status_code == 422
    assert bad.json()["detail"].startswith("第3行的时间节点无法换算为日期")
    for user in (world.viewer, world.reporter):
        denied = login(user).post(
            "/api/plan/parse", {"document": SimpleUploadedFile("seed.txt", SEED.read_bytes())}
        )
        assert denied.status_code == 403
    login(None)
    assert (
        client.post(
            "/api/plan/parse", {"document": SimpleUploadedFile("seed.txt", b"x")}
        ).status_code
        == 401
    )


def test_every_read_endpoint_is_scoped(campaign, world, login, client):
    action = campaign.actions.get(number=1)
    urls = [
        f"/api/plan/campaigns/{campaign.pk}",
        f"/api/plan/campaigns/{campaign.pk}/actions",
        f"/api/plan/campaigns/{campaign.pk}/milestones",
        f"/api/plan/actions/{action.pk}",
    ]
    for user in (world.hq, world.viewer, world.other_reporter, world.other_cadre):
        client = login(user)
        for url in urls:
            assert client.get(url).status_code == 200, (user.username, url)
    outsider = User.objects.create_user(
        "outsider",
        role=Role.VIEWER,
        scope=OrgUnit.objects.create(code="610328", name="千阳县", level="county"),
    )
    client.force_login(outsider)
    for url in urls:
        assert client.get(url).status_code == 404, url
    client.logout()
    for url in urls:
        assert client.get(url).status_code == 401, url
