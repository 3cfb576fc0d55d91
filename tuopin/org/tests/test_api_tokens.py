from __future__ import annotations

import hashlib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tuopin.org.models import ApiToken, AuditEvent

pytestmark = pytest.mark.django_db

ADD = "/admin/org/apitoken/add/"


def issue_in_admin(client, user) -> str:
    response = client.post(ADD, {"user": user.pk, "name": "数据同步", "is_active": "on"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "令牌只在此页显示这一次" in body
    return re.search(r'id="issued-key" value="([^"]+)"', body).group(1)


def test_it_issues_a_token_through_the_admin_add_form_and_shows_it_once(world, login, frozen_clock):
    client = login(world.superuser)
    assert client.get(ADD).status_code == 200
    with frozen_clock("2018-07-20T10:00:00+08:00"):
        key = issue_in_admin(client, world.cadre)
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.is_active) == (world.cadre, "数据同步", True)
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert token.created_at.isoformat() == "2018-07-20T02:00:00+00:00"
    event = AuditEvent.objects.get(model="org.apitoken")
    assert (event.actor, event.action, event.source) == (world.superuser, "签发接口令牌", "admin")
    assert event.changes == {"user": [None, "cadre"], "name": [None, "数据同步"]}
    # Never shown again: neither the list nor the change page carries it.
    assert key not in client.get("/admin/org/apitoken/").content.decode()
    assert key not in client.get(f"/admin/org/apitoken/{token.pk}/change/").content.decode()
    me = client.get("/api/org/me", headers={"Authorization": f"Bearer {key}"})
    assert me.json()["username"] == "cadre"


def test_it_records_switching_a_token_off_and_the_key_stops_working(world, login):
    token, key = ApiToken.issue(world.cadre, "数据同步")
    client = login(world.superuser)
    response = client.post(f"/admin/org/apitoken/{token.pk}/change/", {"name": "数据同步"})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.is_active is False
    event = AuditEvent.objects.get(model="org.apitoken")
    assert (event.action, event.changes) == ("修改接口令牌", {"is_active": [True, False]})
    client.logout()
    assert client.get("/api/org/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_only_staff_reach_the_token_admin(world, login):
    for user in (world.hq, world.viewer, world.cadre):
        assert login(user).post(ADD, {"user": user.pk, "name": "x"}).status_code == 302
    assert login(None).get(ADD).status_code == 302
    assert not ApiToken.objects.exists()


def test_it_moves_last_used_at_at_most_once_a_minute(world, client, frozen_clock):
    token, key = ApiToken.issue(world.cadre, "数据同步")
    bearer = {"Authorization": f"Bearer {key}"}
    assert token.last_used_at is None
    with frozen_clock("2018-07-20T10:00:00+08:00"):
        assert client.get("/api/org/me", headers=bearer).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at.isoformat() == "2018-07-20T02:00:00+00:00"
    with frozen_clock("2018-07-20T10:00:59+08:00"), CaptureQueriesContext(connection) as queries:
        assert client.get("/api/org/me", headers=bearer).status_code == 200
    assert not [q for q in queries if q["sql"].startswith("UPDATE")]
    token.refresh_from_db()
    assert token.last_used_at.isoformat() == "2018-07-20T02:00:00+00:00"
    with frozen_clock("2018-07-20T10:01:00+08:00"):
        assert client.get("/api/org/me", headers=bearer).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at.isoformat() == "2018-07-20T02:01:00+00:00"
