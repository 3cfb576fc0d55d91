"""The demo county tells a July story: some poor villages ready, rates near their lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tuopin.lib import clock, metrics
from tuopin.synth import assess_demo, registry_demo
from tuopin.synth.county import build_county

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

NOW = "2018-07-20T10:00:00+08:00"


def test_it_shows_a_county_part_way_to_exit_in_july():
    quiet = lambda message: None  # noqa: E731
    with clock.frozen(NOW):
        county = build_county(seed=1).county
        registry_demo.populate(county, seed=1, log=quiet)
        assess_demo.populate(county, seed=1, log=quiet)
    figures = {
        key: metrics.evaluate(f"assess.{key}", county, dt.date(2018, 7, 20)).value
        for key in (
            "poor_villages",
            "villages_ready",
            "county_items_passing",
            "households_failing",
            "wrong_exit_risk",
            "missed_risk",
            "wrong_exit_rate",
            "missed_rate",
            "overall_incidence",
        )
    }
    # Before: every village failed the 100% water item (0 of 62 ready), 漏评率 8%, 综合 10.85%.
    assert figures == {
        "poor_villages": Decimal(62),
        "villages_ready": Decimal(29),
        "county_items_passing": Decimal(3),
        "households_failing": Decimal(1729),
        "wrong_exit_risk": Decimal(96),
        "missed_risk": Decimal(496),
        "wrong_exit_rate": Decimal("2.53"),  # line 2%
        "missed_rate": Decimal("0.63"),  # line 2%
        "overall_incidence": Decimal("3.05"),  # line 3%
    }
