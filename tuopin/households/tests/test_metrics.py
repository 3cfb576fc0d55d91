"""Every household-file metric against hand-counted cases, at county, town and village level."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tuopin.households import metrics
from tuopin.households.codes import SevenItem
from tuopin.households.models import Base, Measure, Relocation, Renovation, SevenItemRecord
from tuopin.lib import metrics as catalogue

JULY = dt.date(2018, 7, 20)
D = dt.date


def bulk(key):
    return {d["key"]: d["bulk"] for d in metrics.definitions()}[key]


def values(key, level, codes=None, on=JULY):
    return {
        code: (None if v.value is None else v.value)
        for code, v in bulk(key)(level, on, codes).items()
    }


@pytest.fixture
def files(world, homes, sites):
    shuangbai = Base.objects.create(
        code="JD-1", name="核桃基地", kind="base", place=world.cg_village, is_shuangbai=True
    )
    plain = Base.objects.create(
        code="HZ-1", name="养殖合作社", kind="cooperative", place=world.df_village
    )
    a, b, c, d, f = (homes[k] for k in "abcdf")

    def measure(household, kind, day, base=None):
        Measure.objects.create(
            household=household, kind=kind, done_on=day, base=base, content=f"{kind}{day}"
        )

    # 2018 cohort: a, b, d (城关镇) and f (东风镇).
    measure(a, "industry", D(2018, 3, 1), shuangbai)  # a: 2 income projects by July
    measure(a, "public_job", D(2018, 4, 1))
    measure(b, "industry", D(2018, 3, 1), plain)  # b: 1 by July, 2nd in August
    measure(b, "microcredit", D(2018, 8, 5))
    measure(b, "education", D(2018, 3, 1))  # not an income project
    measure(d, "employment", D(2018, 2, 1))
    measure(d, "industry", D(2018, 5, 1))  # d: 2, not linked to a base
    measure(f, "industry", D(2018, 6, 1), plain)  # f: 1
    measure(c, "industry", D(2018, 6, 1), shuangbai)  # c is 2019 cohort, linked
    measure(c, "employment", D(2018, 6, 2))
    for item in SevenItem.values:  # a complete; b six items; d complete only in August
        SevenItemRecord.objects.create(household=a, item=item, done_on=D(2018, 6, 1), done_by="李")
        SevenItemRecord.objects.create(household=d, item=item, done_on=D(2018, 8, 1), done_by="李")
        if item != "duty":
            SevenItemRecord.objects.create(
                household=b, item=item, done_on=D(2018, 6, 1), done_by="李"
            )
    Renovation.objects.create(
        household=a,
        year=2018,
        kind="dangerous",
        completed_on=D(2018, 6, 20),
        habitable_on=D(2018, 7, 10),
        started_on=D(2018, 4, 1),
    )
    Renovation.objects.create(
        household=b, year=2018, kind="adobe", started_on=D(2018, 5, 1), completed_on=D(2018, 7, 15)
    )
    Renovation.objects.create(
        household=f,
        year=2018,
        kind="dangerous",
        started_on=D(2018, 3, 1),
        completed_on=D(2018, 4, 1),
        habitable_on=D(2018, 5, 1),
        moved_in_on=D(2018, 6, 1),
    )
    Renovation.objects.create(
        household=c,
        year=2017,
        kind="dangerous",
        completed_on=D(2017, 6, 1),
        habitable_on=D(2017, 7, 1),
        moved_in_on=D(2017, 8, 1),
    )
    Relocation.objects.create(
        household=c,
        site=sites["relocation"],
        placement="central",
        batch_year=2018,
        accepted_on=D(2018, 5, 1),
        keys_on=D(2018, 6, 1),
        moved_in_on=D(2018, 7, 1),
        subsidy_paid_on=D(2018, 6, 15),
        over_area=True,
        over_resolved_on=D(2018, 7, 5),
        employed=1,
    )
    Relocation.objects.create(
        household=d,
        placement="scattered",
        batch_year=2018,
        accepted_on=D(2018, 6, 1),
        over_debt=True,
    )
    return world


def test_cohort_income_projects(files, world):
    assert values("households.cohort_2018", "county") == {"610327": 4}
    assert values("households.cohort_2018_income_projects", "town") == {
        world.chengguan.code: 2,
        world.dongfeng.code: 0,
    }  # a, d | f has one
    assert values("households.cohort_2018_income_projects", "county", on=D(2018, 8, 31)) == {
        "610327": 3
    }  # b's August microcredit
    assert values("households.cohort_2018_income_share", "county") == {"610327": Decimal("50.00")}
    village = values(
        "households.cohort_2018_income_projects",
        "village",
        [world.cg_village.code, world.cg_village2.code, world.df_village2.code],
    )
    assert village[world.cg_village.code] == 1 and village[world.cg_village2.code] == 1
    assert village[world.df_village2.code] is None  # no registered households at all


def test_base_links(files, world):
    # registered: a b c d e f (6); linked: a b c f (4); 双百: a c (2)
    assert values("households.base_linked", "county") == {"610327": 4}
    assert values("households.base_linked_share", "county") == {"610327": Decimal("66.67")}
    assert values("households.shuangbai_linked_share", "county") == {"610327": Decimal("33.33")}
    assert values("households.base_linked_share", "town") == {
        world.chengguan.code: Decimal("60.00"),
        world.dongfeng.code: Decimal("100.00"),
    }


def test_seven_items(files):
    assert values("households.seven_complete", "county") == {"610327": 1}
    assert values("households.seven_complete", "county", on=D(2018, 8, 31)) == {"610327": 2}
    assert values("households.seven_complete_share", "county") == {"610327": Decimal("16.67")}


def test_policy_gaps(files, homes):
    # Everyone is insured and healthy with grade B; labour_skill 1 and not exited → 产业扶持
    # entitled for all six; delivered (产业 measure by July) for a b c d f → e is the one gap.
    assert values("households.policy_gaps", "county") == {"610327": 1}
    homes["a"].poverty_attribute = "02"  # 低保 without a 低保兜底 measure
    homes["a"].save()
    assert values("households.policy_gaps", "county") == {"610327": 2}


def test_renovation(files, world):
    assert values("renovation.tasks", "county") == {"610327": 3}  # 2017's task not counted
    assert values("renovation.completed", "county") == {"610327": 3}
    assert values("renovation.completed", "county", on=D(2018, 6, 30)) == {"610327": 2}
    assert values("renovation.habitable", "county") == {"610327": 2}
    assert values("renovation.moved_in", "county") == {"610327": 1}
    assert values("renovation.completed_share", "county") == {"610327": Decimal("100.00")}
    assert values("renovation.habitable_share", "county") == {"610327": Decimal("66.67")}
    assert values("renovation.moved_in", "town") == {
        world.chengguan.code: 0,
        world.dongfeng.code: 1,
    }


def test_relocation(files):
    county = "610327"
    expected = {
        "relocation.households": 2,
        "relocation.accepted": 2,
        "relocation.subsidy_paid": 1,
        "relocation.keys_handed": 1,
        "relocation.moved_in": 1,
        "relocation.over_limit": 2,
        "relocation.over_resolved": 1,
        "relocation.employed": 1,
    }
    for key, count in expected.items():
        assert values(key, "county") == {county: count}, key
    assert values("relocation.moved_in", "county", on=D(2018, 6, 30)) == {county: 0}
    # c: accepted, paid, keys (central), 双超 resolved → done; d: scattered, not moved in
    assert values("relocation.complete_share", "county") == {county: Decimal("50.00")}
    assert values("relocation.complete_share", "county", on=D(2018, 7, 1)) == {
        county: Decimal("0.00")
    }  # c's 双超 resolved on 5 July


def test_the_metrics_are_in_the_catalogue(files, world):
    metric = catalogue.get("households.cohort_2018_income_projects")
    assert metric.name.startswith("2018年计划脱贫户")
    if metric.compute is not None:
        assert catalogue.evaluate(metric.key, world.county, JULY).value == 2
    assert metrics.stamp() != ""
