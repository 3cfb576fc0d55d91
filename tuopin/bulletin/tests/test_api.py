from __future__ import annotations

import json

import pytest

from tuopin.bulletin import actions
from tuopin.bulletin.models import Bulletin, Status
from tuopin.org.models import ApiToken


@pytest.fixture
def issues(campaign, world):
    published = actions.publish_bulletin(campaign, "2018-W28", actor=world.hq)
    draft = actions.save_draft(campaign, "2018-W29", actor=world.hq)
    return published, draft


def _post(client, url, data, **extra):
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def test_it_lists_what_each_user_may_read(issues, world, login):
    published, draft = issues
    assert [row["id"] for row in login(world.hq).get("/api/bulletin/").json()] == [
        draft.pk,
        published.pk,
    ]
    for user in (world.viewer, world.other_cadre, world.reporter):
        assert [row["id"] for row in login(user).get("/api/bulletin/").json()] == [published.pk]
    assert login(None).get("/api/bulletin/").status_code == 401


def test_it_returns_the_frozen_snapshot(issues, world, login):
    published, draft = issues
    body = login(world.viewer).get(f"/api/bulletin/{published.pk}").json()
    assert body["snapshot"] == published.snapshot
    assert (body["number_label"], body["content_hash"]) == ("第1期", published.content_hash)
    assert login(world.viewer).get(f"/api/bulletin/{draft.pk}").status_code == 404
    assert login(None).get(f"/api/bulletin/{published.pk}").status_code == 401


def test_it_accepts_a_bearer_token(issues, world, client):
    published, _draft = issues
    _token, key = ApiToken.issue(world.viewer, "测试")
    response = client.get(f"/api/bulletin/{published.pk}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200


def test_it_composes_and_publishes_for_hq_only(campaign, world, login):
    client = login(world.hq)
    composed = _post(client, "/api/bulletin/compose", {"campaign": campaign.pk, "week": "2018-W29"})
    assert composed.status_code == 200 and composed.json()["week"] == "2018-W29"
    bad = _post(client, "/api/bulletin/compose", {"campaign": campaign.pk, "week": "2018-30"})
    assert bad.status_code == 400 and "格式不正确" in bad.json()["detail"]
    created = _post(client, "/api/bulletin/publish", {"campaign": campaign.pk, "week": "2018-W29"})
    assert created.status_code == 201 and created.json()["number"] == 1
    again = _post(client, "/api/bulletin/publish", {"campaign": campaign.pk, "week": "2018-W29"})
    assert again.status_code == 409 and "更正重发" in again.json()["detail"]
    for user in (world.viewer, world.other_cadre, world.head):
        other = login(user)
        for path in ("/api/bulletin/compose", "/api/bulletin/publish"):
            response = _post(other, path, {"campaign": campaign.pk, "week": "2018-W30"})
            assert response.status_code == 403
    assert (
        _post(
            login(None), "/api/bulletin/publish", {"campaign": campaign.pk, "week": "2018-W30"}
        ).status_code
        == 401
    )
    assert Bulletin.objects.filter(status=Status.PUBLISHED).count() == 1


def test_it_deletes_drafts_but_not_published_issues(issues, world, login):
    published, draft = issues
    assert login(world.viewer).delete(f"/api/bulletin/{draft.pk}").status_code == 404
    assert login(world.viewer).delete(f"/api/bulletin/{published.pk}").status_code == 403
    assert login(None).delete(f"/api/bulletin/{draft.pk}").status_code == 401
    client = login(world.hq)
    refused = client.delete(f"/api/bulletin/{published.pk}")
    assert refused.status_code == 409 and "已发布的通报不能删除" in refused.json()["detail"]
    assert client.delete(f"/api/bulletin/{draft.pk}").status_code == 204
    assert list(Bulletin.objects.values_list("pk", flat=True)) == [published.pk]
