"""What a phone downloads for field work: a helper's own households (masked as on screen,
bounded), the checklists with their items, one checklist page per list whatever the scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tuopin.assess.tests.factories import household
from tuopin.households import fieldwork as household_fieldwork
from tuopin.households.models import Assignment, Helper
from tuopin.lib import clock
from tuopin.org import privacy
from tuopin.org.models import Role
from tuopin.org.testing import _user
from tuopin.villages import fieldwork as village_fieldwork
from tuopin.villages import shipped
from tuopin.villages.models import ChecklistTemplate

NOW = "2018-07-20T10:00:00+08:00"


@pytest.fixture
def helper(world):
    account = _user("helper1", Role.UNIT_REPORTER, unit=world.transport)
    person = Helper.objects.create(name="王帮扶", unit="县交通局", user=account)
    other = Helper.objects.create(name="李帮扶", unit="县卫计局")
    mine = [
        household(world.cg_village, phone="13912345678"),
        household(world.df_village, phone="13800001111"),
        household(world.cg_village2, phone="13700002222"),
    ]
    for home in mine:
        Assignment.objects.create(household=home, helper=person)
    Assignment.objects.create(household=household(world.cg_village), helper=other)
    gone = household(world.cg_village, is_active=False)
    Assignment.objects.create(household=gone, helper=person)
    return account, mine


def test_a_helper_downloads_own_households_masked_as_on_screen(helper, login):
    account, mine = helper
    bundle = login(account).get("/offline/bundle.json").json()
    rows = bundle["data"]["helper_households"]
    # Only the households assigned to this helper, still active; none of another helper's.
    assert [row["no"] for row in rows] == sorted(h.household_no for h in mine)
    assert bundle["data"]["helper_households_total"] == 3
    for row, home in zip(rows, sorted(mine, key=lambda h: h.household_no), strict=True):
        shown = privacy.disclosure(account, home)
        assert row["head"] == shown.name(home.head_name)
        assert row["phone"] == shown.phone(home.phone)
        assert row["village_name"] == home.village.name
    # A unit reporter is not entitled to personal data: masked, never the clear number.
    assert all("****" in row["phone"] for row in rows)
    assert "13912345678" not in str(bundle)
    assert {p["url"] for p in bundle["pages"]} >= {reverse("households:visit"), "/offline/"}
    # Not allowed to edit household files: no 七到户 pages.
    assert not any("/seven/" in p["url"] for p in bundle["pages"])


def test_a_cadre_who_is_also_a_helper_gets_the_seven_item_pages_of_own_households(world, login):
    home = household(world.cg_village)
    elsewhere = household(world.df_village)
    person = Helper.objects.create(name="村干部帮扶", user=world.cadre)
    for each in (home, elsewhere):
        Assignment.objects.create(household=each, helper=person)
    pages = {p["url"] for p in login(world.cadre).get("/offline/bundle.json").json()["pages"]}
    assert reverse("households:seven", args=[home.household_no]) in pages
    # Out of the cadre's town: a visit may be recorded, the 七到户 form is not theirs to fill.
    assert reverse("households:seven", args=[elsewhere.household_no]) not in pages


def test_the_roster_is_bounded_and_says_how_many_there_are(helper, login, monkeypatch):
    account, _mine = helper
    monkeypatch.setattr(household_fieldwork, "MAX_ROSTER", 2)
    data = login(account).get("/offline/bundle.json").json()["data"]
    assert len(data["helper_households"]) == 2 and data["helper_households_total"] == 3


def test_people_without_assignments_download_no_roster(world, login):
    household(world.cg_village)
    assert (
        "helper_households" not in login(world.inspector).get("/offline/bundle.json").json()["data"]
    )


def test_inspectors_download_the_checklists_and_one_page_per_list(world, login, monkeypatch):
    with clock.frozen(NOW):
        shipped.ship(world.hq)
    bundle = login(world.inspector).get("/offline/bundle.json").json()
    current = ChecklistTemplate.objects.filter(is_current=True).order_by("key")
    lists = bundle["data"]["checklists"]
    assert [c["key"] for c in lists] == [t.key for t in current]
    sanwu = next(c for c in lists if c["key"] == "sanwu")
    template = current.get(key="sanwu")
    assert sanwu["version"] == template.version
    assert [i["text"] for i in sanwu["items"]] == [i.text for i in template.items.all()]
    urls = [p["url"] for p in bundle["pages"]]
    # One checklist page per list serves every place in scope (chosen on the form) ...
    for each in current:
        assert reverse("villages:inspect_any", args=[each.key]) in urls
    assert not any(u.startswith("/villages/check/sanwu/6") for u in urls)
    # ... and the presence check of every village (bounded).
    assert sum("/presence/" in u for u in urls) == 4
    monkeypatch.setattr(village_fieldwork, "MAX_PRESENCE_PAGES", 2)
    urls = [p["url"] for p in login(world.inspector).get("/offline/bundle.json").json()["pages"]]
    assert sum("/presence/" in u for u in urls) == 2
    # Without the right to check villages: neither pages nor checklists.
    viewer = login(world.viewer).get("/offline/bundle.json").json()
    assert "checklists" not in viewer["data"]
    assert not any("/villages/" in p["url"] for p in viewer["pages"])
