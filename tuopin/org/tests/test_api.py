from __future__ import annotations

import pytest

from tuopin.org.models import ApiToken

pytestmark = pytest.mark.django_db


def test_it_answers_me_with_a_bearer_token(world, client):
    _, key = ApiToken.issue(world.cadre, "测试")
    response = client.get("/api/org/me", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert response.json() == {
        "username": "cadre",
        "name": "cadre",
        "role": "town_cadre",
        "role_name": "镇干部",
        "scope_code": "610327100",
        "unit": None,
    }


def test_it_refuses_anonymous_and_bad_tokens(world, client):
    assert client.get("/api/org/me").status_code == 401
    assert client.get("/api/org/me", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_it_scopes_org_units_in_the_api(world, login):
    client = login(world.cadre)
    assert client.get("/api/org/org-units/610327100").json()["name"] == "城关镇"
    assert client.get("/api/org/org-units/610327101").status_code == 404
    children = client.get("/api/org/org-units/610327100/children").json()
    assert [c["code"] for c in children] == ["610327100201", "610327100202"]
    viewer = login(world.viewer)
    assert viewer.get("/api/org/org-units/610327101").status_code == 200


def test_it_lists_only_the_callers_units(world, login):
    names = [u["name"] for u in login(world.reporter).get("/api/org/units").json()]
    assert names == ["县交通局"]
    assert len(login(world.hq).get("/api/org/units").json()) == 5


def test_it_publishes_an_openapi_schema(world, login):
    schema = login(world.hq).get("/api/openapi.json").json()
    assert "/api/org/me" in schema["paths"]
