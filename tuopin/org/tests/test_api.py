from __future__ import annotations

import re

import pytest
from ninja import Schema

import tuopin.api  # noqa: F401 - mounts every app's router, defining all API schemas
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


def test_it_serves_the_api_docs_from_its_own_static_files(world, client):
    body = client.get("/api/docs").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', body)
    assert sorted(assets) == [
        "/static/ninja/favicon.png",
        "/static/ninja/favicon.svg",
        "/static/ninja/swagger-ui-bundle.js",
        "/static/ninja/swagger-ui-init.js",
        "/static/ninja/swagger-ui.css",
    ]
    assert re.search(r"https?:|//[a-z]", body) is None
    assert '"validatorUrl": null' in body
    for asset in assets:
        assert client.get(asset).status_code == 200


def test_each_plan_endpoint_documents_the_plan_shapes(world, login):
    from tuopin.plan import api as plan_api

    schema = login(world.hq).get("/api/openapi.json").json()
    components = schema["components"]["schemas"]
    expected = {
        "/api/plan/campaigns": plan_api.CampaignOut,
        "/api/plan/campaigns/{campaign_id}": plan_api.CampaignOut,
        "/api/plan/campaigns/{campaign_id}/actions": plan_api.ActionOut,
        "/api/plan/campaigns/{campaign_id}/milestones": plan_api.MilestoneOut,
        "/api/plan/actions/{action_id}": plan_api.ActionOut,
    }
    for path, model in expected.items():
        answer = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        reference = answer["schema"].get("items", answer["schema"])["$ref"]
        documented = components[reference.rsplit("/", 1)[1]]["properties"]
        assert sorted(documented) == sorted(model.model_fields), path


def test_no_two_api_schemas_share_a_name(world):
    # The OpenAPI components are keyed by class name: a second class of the same name replaces
    # the first, and every endpoint using the first is documented with the wrong shape.
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    seen: dict[str, str] = {}
    for model in subclasses(Schema):
        if model.__module__.startswith("tuopin.") and ".tests" not in model.__module__:
            other = seen.setdefault(model.__name__, model.__module__)
            assert other == model.__module__, f"{model.__name__}: {other} 与 {model.__module__}"
