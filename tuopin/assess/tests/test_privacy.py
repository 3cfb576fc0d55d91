"""Per-household results cannot be moved in time by a reader who may not see personal data:
the day a member's age flag flips is a birthday, and with it the masked digits of the ID."""

from __future__ import annotations

import datetime as dt

import pytest

from tuopin.assess import engine
from tuopin.assess.tests.factories import household
from tuopin.lib import clock

NOW = "2018-07-20T10:00:00+08:00"
TODAY = dt.date(2018, 7, 20)
ASKED = dt.date(2012, 3, 1)


@pytest.fixture
def dates(world, monkeypatch):
    """The reference dates the engine was asked to evaluate at."""
    household(world.cg_village)
    seen: list[dt.date] = []
    original = engine.context_for

    def recording(area_code, *, as_of=None, **kwargs):
        context = original(area_code, as_of=as_of, **kwargs)
        seen.append(context.as_of)
        return context

    monkeypatch.setattr(engine, "context_for", recording)
    with clock.frozen(NOW):
        yield seen


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("hq", ASKED),
        ("cadre", ASKED),
        ("viewer", TODAY),
        ("leader", TODAY),
        ("inspector", TODAY),
        ("town_reporter", TODAY),
    ],
)
def test_per_household_results_stay_at_today_for_masked_readers(world, dates, login, who, expected):
    number = world.cg_village.households.get().household_no
    client = login(getattr(world, who))
    for url in (
        f"/assess/household/{number}/?as_of={ASKED}",
        f"/assess/village/{world.cg_village.code}/?as_of={ASKED}",
        f"/api/assess/households/{number}?as_of={ASKED}",
        f"/api/assess/households?area={world.cg_village.code}&as_of={ASKED}",
    ):
        assert client.get(url).status_code == 200, url
    assert dates == [expected] * 4


def test_area_figures_keep_the_chosen_date_for_every_reader(world, dates, login):
    assert login(world.viewer).get(f"/assess/?as_of={ASKED}").status_code == 200
    assert login(world.viewer).get(f"/api/assess/county?as_of={ASKED}").status_code == 200
    assert dates == [ASKED, ASKED]
