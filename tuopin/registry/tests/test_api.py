from __future__ import annotations

import pytest

from tuopin.lib.citizen_id import mask
from tuopin.org.models import ApiToken
from tuopin.registry.models import Household, PersonalDataView


@pytest.fixture
def cg_household(registry):
    return Household.objects.filter(village=registry.cg_village).order_by("household_no").first()


def test_it_lists_households_in_scope_masked(registry, login, cg_household):
    response = login(registry.cadre).get("/api/registry/households", {"limit": 500})
    assert response.status_code == 200
    data = response.json()
    expected = Household.objects.filter(village__parent=registry.chengguan).count()
    assert data["count"] == expected
    assert {row["village_code"][:9] for row in data["items"]} == {registry.chengguan.code}
    first = next(row for row in data["items"] if row["household_no"] == cg_household.household_no)
    assert first["head_id_number"] == mask(cg_household.head_id_number)
    assert PersonalDataView.objects.count() == 0


def test_it_filters_and_searches(registry, login, cg_household):
    client = login(registry.hq)
    data = client.get("/api/registry/households", {"q": cg_household.head_id_number}).json()
    assert [row["household_no"] for row in data["items"]] == [cg_household.household_no]
    data = client.get(
        "/api/registry/households", {"registered": "true", "village": registry.df_village.code}
    ).json()
    assert (
        data["count"]
        == Household.objects.filter(village=registry.df_village, is_registered=True).count()
    )


def test_it_gives_other_towns_and_unit_users_nothing(registry, login, cg_household):
    data = (
        login(registry.other_cadre)
        .get("/api/registry/households", {"village": registry.cg_village.code})
        .json()
    )
    assert data["count"] == 0
    data = login(registry.reporter).get("/api/registry/households").json()
    assert data["count"] == 0
    assert (
        login(registry.other_cadre)
        .get(f"/api/registry/households/{cg_household.household_no}")
        .status_code
        == 404
    )


def test_it_requires_authentication(registry, login, cg_household):
    assert login(None).get("/api/registry/households").status_code == 401
    assert (
        login(None).get(f"/api/registry/households/{cg_household.household_no}").status_code == 401
    )


def test_it_shows_detail_unmasked_to_the_cadre_and_logs_it(registry, login, cg_household):
    data = login(registry.cadre).get(f"/api/registry/households/{cg_household.household_no}").json()
    assert data["head_id_number"] == cg_household.head_id_number
    assert data["personal_data_masked"] is False
    assert len(data["members"]) == cg_household.member_count
    assert {m["id_number"] for m in data["members"]} == set(
        cg_household.members.values_list("id_number", flat=True)
    )
    view = PersonalDataView.objects.get()
    assert (view.user, view.via) == (registry.cadre, "api")


def test_it_masks_detail_for_the_viewer(registry, login, cg_household):
    data = (
        login(registry.viewer).get(f"/api/registry/households/{cg_household.household_no}").json()
    )
    assert data["head_id_number"] == mask(cg_household.head_id_number)
    assert all("********" in m["id_number"] for m in data["members"])
    assert all(m["birth_date"] is None for m in data["members"])
    assert data["personal_data_masked"] is True
    assert PersonalDataView.objects.count() == 0


def test_it_accepts_bearer_tokens(registry, client, cg_household):
    _, key = ApiToken.issue(registry.viewer, "test")
    response = client.get("/api/registry/households", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert response.json()["count"] == Household.objects.count()


def test_it_returns_village_facts_in_scope(registry, login):
    url = f"/api/registry/villages/{registry.cg_village.code}/facts"
    data = login(registry.cadre).get(url).json()
    assert data["village_code"] == registry.cg_village.code
    assert isinstance(data["paved_road"], bool)
    assert login(registry.other_cadre).get(url).status_code == 404
    assert login(registry.viewer).get(url).status_code == 200
    assert login(None).get(url).status_code == 401
