"""The command API: meetings with instruction states, leads, and accountability records."""

from __future__ import annotations

import datetime as dt

from tuopin.command.models import AccountabilityRecord
from tuopin.command.tests.test_loop import MONDAY, _meeting
from tuopin.lib import clock
from tuopin.org.models import ApiToken
from tuopin.reports.tests.conftest import build_setup


def _bearer(user) -> dict:
    _token, key = ApiToken.issue(user, "测试")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_meetings_leads_and_measures(world, client):
    setup = build_setup(world)
    _meeting(world, setup)
    hq = _bearer(world.hq)
    with clock.frozen("2018-07-20T09:00:00+08:00"):
        meetings = client.get("/api/command/meetings", **hq).json()
        leads = client.get("/api/command/candidates", **hq)
    item = meetings[0]["instructions"][0]
    assert item["unit"] == "县交通局" and item["overdue"] is True
    assert leads.status_code == 200
    body = {
        "subject_unit_id": world.health.pk,
        "reason_kind": "report",
        "reason": "连续3周漏报",
        "measure": "talk",
        "decided_on": "2018-07-16",
        "decided_by": "",
    }
    with clock.frozen(MONDAY):
        refused = client.post("/api/command/measures", body, content_type="application/json", **hq)
        assert refused.status_code == 400 and "决定人" in refused.json()["detail"]
        body["decided_by"] = "县脱贫攻坚指挥部"
        created = client.post("/api/command/measures", body, content_type="application/json", **hq)
        assert created.status_code == 201 and created.json()["measure_name"] == "约谈"
        other = _bearer(world.reporter)
        assert client.get("/api/command/meetings", **other).status_code == 403
        forbidden = client.post(
            "/api/command/measures", body, content_type="application/json", **other
        )
        assert forbidden.status_code == 403
    assert AccountabilityRecord.objects.get().decided_on == dt.date(2018, 7, 16)
