"""The presence check and the checklist inspection work offline: a queued form is accepted once
(the replay creates nothing), its phone position is kept, and a refusal says why in Chinese."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from tuopin.cases.models import Case
from tuopin.lib import clock
from tuopin.offline import fieldwork
from tuopin.villages import shipped
from tuopin.villages.models import ChecklistInspection, ChecklistTemplate, PresenceCheck
from tuopin.villages.tests.helpers import full_team

NOW = "2018-07-20T10:00:00+08:00"


def _post(client, url, data, item_id):
    headers = {
        "X-Tuopin-Offline-Id": item_id,
        "X-Tuopin-Client-Time": "2018-07-20T09:30:00+08:00",
        "X-Tuopin-Location": "34.893120,106.855400,12",
    }
    with clock.frozen(NOW):
        return client.post(url, data, headers=headers)


@pytest.fixture
def ready(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    with clock.frozen(NOW):
        shipped.ship(world.hq)
        members = full_team(world.hq, world.cg_village, "1")
    return world, members


def test_a_queued_presence_check_is_accepted_once(ready, login):
    world, members = ready
    client = login(world.inspector)
    data = {
        "kind": "unannounced",
        "checked_on": "2018-07-19",
        "inspectors": "县纪委督查组",
        "note": "",
        **{f"m_{m.pk}": "present" for m in members},
    }
    url = f"/villages/v/{world.cg_village.code}/presence/"
    item = str(uuid.uuid4())
    first = _post(client, url, data, item).json()
    assert first["status"] == "done", first
    assert _post(client, url, data, item).json()["replayed"]
    assert PresenceCheck.objects.count() == 1
    data[f"m_{members[0].pk}"] = "absent?"
    refused = _post(client, url, data, str(uuid.uuid4())).json()
    assert refused["status"] == "refused" and refused["reason"]
    assert PresenceCheck.objects.count() == 1


def test_a_queued_checklist_inspection_keeps_the_phones_position(ready, login):
    world, _members = ready
    client = login(world.inspector)
    sanwu = ChecklistTemplate.objects.get(key="sanwu")
    data = {"version": sanwu.version, "inspected_on": "2018-07-19", "inspectors": "县督查组"}
    for item in sanwu.items.all():
        data[f"i_{item.pk}"] = "0" if item.order == 2 else "1"
        data[f"n_{item.pk}"] = ""
    url = f"/villages/check/sanwu/{world.cg_village.code}/"
    item = str(uuid.uuid4())
    assert _post(client, url, data, item).json()["status"] == "done"
    assert _post(client, url, data, item).json()["replayed"]
    inspection = ChecklistInspection.objects.get()
    assert inspection.latitude == Decimal("34.893120")
    assert Case.objects.count() == 1
    data["version"] = 5
    refused = _post(client, url, data, str(uuid.uuid4())).json()
    assert refused["status"] == "refused" and "没有第5版" in refused["reason"]


def test_field_pages_are_offered_to_inspectors(ready):
    world, _members = ready
    patterns = {p["kind"] for p in fieldwork.form_patterns()}
    assert {"villages.presence", "villages.checklist"} <= patterns
    pages = [url for _label, url in (p.values() for p in fieldwork.pages_for(world.inspector))]
    assert f"/villages/v/{world.cg_village.code}/presence/" in pages
    assert not any(
        "/villages/" in u for _l, u in (p.values() for p in fieldwork.pages_for(world.viewer))
    )


def test_the_api_masks_phones_and_lists_inspections(ready, login):
    world, _members = ready
    client = login(world.inspector)
    with clock.frozen(NOW):
        found = client.get(f"/api/villages/members?village={world.cg_village.code}").json()
        assert found["total"] == 7 and found["items"][0]["phone"].startswith("139****")
        found = login(world.other_cadre).get("/api/villages/members").json()
        assert found["total"] == 0
        assert client.get("/api/villages/inspections").json() == []


def test_one_checklist_page_serves_every_village_in_scope(ready, login):
    """The page a phone keeps for a checklist: the place is chosen on the form."""
    world, _members = ready
    client = login(world.cadre)  # 城关镇: its two villages only
    sanwu = ChecklistTemplate.objects.get(key="sanwu")
    url = "/villages/check/sanwu/"
    with clock.frozen(NOW):
        page = client.get(url)
    html = page.content.decode()
    assert page["X-Tuopin-Offline"] == "villages.checklist"
    assert world.cg_village.code in html and world.cg_village2.code in html
    assert world.df_village.code not in html
    data = {"version": sanwu.version, "inspected_on": "2018-07-19", "inspectors": "镇督查组"}
    for item in sanwu.items.all():
        data[f"i_{item.pk}"] = "1"
        data[f"n_{item.pk}"] = ""
    missing = _post(client, url, data, str(uuid.uuid4())).json()
    assert missing["status"] == "refused" and missing["reason"] == "检查地点：请选择检查的村"
    elsewhere = _post(client, url, {**data, "place": world.df_village.code}, str(uuid.uuid4()))
    assert "不在您的管辖范围内" in elsewhere.json()["reason"]
    assert not ChecklistInspection.objects.exists()
    done = _post(client, url, {**data, "place": world.cg_village2.code}, str(uuid.uuid4())).json()
    assert done["status"] == "done", done
    assert ChecklistInspection.objects.get().org_unit == world.cg_village2
