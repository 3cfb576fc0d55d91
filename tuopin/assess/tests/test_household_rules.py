"""Hand-computed household verdicts for every item and its edges (reference date 2018-07-20).

Each case is checked on both paths: the bulk SQL verdict and the per-household explanation.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tuopin.assess import engine, explain
from tuopin.assess.tests.factories import adult, household

AS_OF = dt.date(2018, 7, 20)


def verdict_of(world, created, **overrides):
    context = engine.context_for(world.county.code, as_of=AS_OF, overrides=overrides)
    bulk = {v.household_no: v for v in engine.household_verdicts(context)}[created.household_no]
    explained = explain.explain(context, created).verdict
    assert (explained.passed, explained.items, explained.gates, explained.reasons) == (
        bulk.passed,
        bulk.items,
        bulk.gates,
        bulk.reasons,
    )
    return bulk


# ---------------------------------------------------------------- income


@pytest.mark.parametrize(
    ("fields", "members", "passed"),
    [
        ({"wage_income": Decimal("3200"), "business_income": 0}, 1, False),  # exactly at the line
        ({"wage_income": Decimal("3200.01"), "business_income": 0}, 1, True),
        ({"wage_income": Decimal("3000.10"), "business_income": Decimal("199.90")}, 1, False),
        ({"wage_income": Decimal("6400.01"), "business_income": 0}, 2, True),  # 3200.005 each
        ({"wage_income": Decimal("6400"), "business_income": 0}, 2, False),
        (
            {
                "wage_income": Decimal("5000"),
                "business_income": Decimal("4000"),
                "property_income": Decimal("500"),
                "transfer_income": Decimal("500"),
                "business_expense": Decimal("6800"),
            },
            1,
            False,  # 10000 − 6800 = 3200
        ),
        (
            {
                "wage_income": Decimal("5000"),
                "business_income": Decimal("4000"),
                "property_income": Decimal("500"),
                "transfer_income": Decimal("500"),
                "business_expense": Decimal("6799.99"),
            },
            1,
            True,
        ),
    ],
)
def test_it_judges_income_strictly_above_the_line(world, fields, members, passed):
    created = household(world.cg_village, members=[adult()] * members, **fields)
    verdict = verdict_of(world, created)
    assert verdict.items["income"] is passed
    assert verdict.passed is passed


def test_it_explains_a_failing_income_with_its_values(world):
    created = household(
        world.cg_village,
        members=[adult(), adult()],
        wage_income=Decimal("4029.41"),
        business_income=0,
    )
    verdict = verdict_of(world, created)
    assert verdict.reasons == [
        "收入：人均纯收入 2,014.71 元，未高于标准 3,200 元，未达标（纯收入 4,029.41 元 ÷ 2 人）"
    ]


def test_it_fails_income_for_a_household_without_members(world):
    created = household(world.cg_village, members=[], member_count=0)
    verdict = verdict_of(world, created)
    assert verdict.items["income"] is False
    assert verdict.items["education"] is True
    assert (
        verdict.reasons[0]
        == "收入：人均纯收入 无数据 元，未高于标准 3,200 元，未达标（纯收入 10,000 元 ÷ 0 人）"
    )


def test_it_uses_the_income_line_parameter(world):
    created = household(world.cg_village, wage_income=Decimal("3100"), business_income=0)
    assert verdict_of(world, created).items["income"] is False
    assert verdict_of(world, created, income_line="3000").items["income"] is True


# ---------------------------------------------------------------- housing


@pytest.mark.parametrize(
    ("grade", "relocation", "passed"),
    [
        ("A", "none", True),
        ("B", "none", True),
        ("C", "none", False),
        ("D", "none", False),
        ("", "none", False),
        ("D", "central_keys", True),  # 集中安置已交钥匙
        ("D", "dispersed_moved_in", True),  # 分散安置已入住
        ("D", "not_moved_in", False),
        ("C", "not_moved_in", False),
    ],
)
def test_it_judges_housing_grades_and_relocation(world, grade, relocation, passed):
    created = household(world.cg_village, housing_grade=grade, relocation=relocation)
    verdict = verdict_of(world, created)
    assert verdict.items["housing"] is passed


def test_it_names_grade_and_relocation_in_the_housing_reason(world):
    created = household(world.cg_village, housing_grade="D", relocation="not_moved_in")
    assert verdict_of(world, created).reasons == [
        "住房安全：住房等级 D，搬迁安置 未入住：需鉴定为 A/B 级，或集中安置已交钥匙、分散安置已入住"
    ]


# ---------------------------------------------------------------- education


@pytest.mark.parametrize(
    ("born", "status", "health", "passed"),
    [
        (dt.date(2002, 7, 20), "08", "1", True),  # 16 on the reference date
        (dt.date(2002, 7, 21), "08", "1", False),  # still 15
        (dt.date(2012, 7, 20), "00", "1", False),  # 6 today, not a student
        (dt.date(2012, 7, 21), "00", "1", True),  # 5
        (dt.date(2008, 1, 1), "02", "1", True),  # 小学
        (dt.date(2008, 1, 1), "08", "4", True),  # 残疾: exempt
        (dt.date(2008, 1, 1), "08", "3", True),  # 患有大病: exempt
        (dt.date(2008, 1, 1), "08", "2", False),  # 长期慢性病: not exempt
        (dt.date(2008, 1, 1), "09", "1", True),  # 因病因残免学缓学
        (dt.date(2008, 1, 1), "10", "1", True),  # 送教上门
    ],
)
def test_it_judges_compulsory_schooling_on_the_reference_date(world, born, status, health, passed):
    child = adult(birth_date=born, schooling_status=status, health=health)
    created = household(world.cg_village, members=[adult(), child])
    verdict = verdict_of(world, created)
    assert verdict.items["education"] is passed


def test_it_counts_children_out_of_school_in_the_reason(world):
    children = [adult(birth_date=dt.date(2008, 1, 1), schooling_status="08")] * 2
    created = household(world.cg_village, members=[adult(), *children])
    assert verdict_of(world, created).reasons == [
        "义务教育：2 名 6–15 周岁成员失学辍学或非在校（非因病因残）"
    ]


def test_it_counts_a_29_february_birthday_from_1_march(world):
    child = adult(birth_date=dt.date(2004, 2, 29), schooling_status="08")
    created = household(world.cg_village, members=[adult(), child])
    context_day = dt.date(2019, 2, 28)  # still 14 … turns 15 on 1 March 2019
    context = engine.context_for(world.county.code, as_of=context_day)
    assert explain.explain(context, created).verdict.items["education"] is False


# ---------------------------------------------------------------- medical


def test_it_requires_both_insurances_for_every_member(world):
    created = household(
        world.cg_village, members=[adult(), adult(in_serious_illness_insurance=False)]
    )
    verdict = verdict_of(world, created)
    assert verdict.items["medical"] is False
    assert verdict.reasons == ["基本医疗：1 名成员未同时参加新农合和大病保险"]


def test_it_ignores_members_who_left_the_household(world):
    created = household(
        world.cg_village, members=[adult(), adult(in_rural_medical_insurance=False)]
    )
    created.members.filter(in_rural_medical_insurance=False).update(is_active=False)
    created.member_count = 1
    created.save(update_fields=["member_count"])
    assert verdict_of(world, created).items["medical"] is True


# ---------------------------------------------------------------- water


@pytest.mark.parametrize(
    ("fields", "passed"),
    [
        ({}, True),
        ({"water_quality_ok": False}, False),
        ({"water_liters_per_person_day": Decimal("19.9")}, False),
        ({"water_liters_per_person_day": Decimal("20")}, True),
        ({"water_piped": False, "water_minutes_round_trip": 20}, True),
        ({"water_piped": False, "water_minutes_round_trip": 21}, False),
        ({"water_piped": True, "water_minutes_round_trip": 40}, True),
        ({"water_reliability": Decimal("94.9")}, False),
        ({"water_reliability": Decimal("95")}, True),
    ],
)
def test_it_judges_the_four_water_conditions(world, fields, passed):
    created = household(world.cg_village, **fields)
    assert verdict_of(world, created).items["water"] is passed


# ---------------------------------------------------------------- newly identified


def test_it_does_not_let_a_household_identified_this_year_exit(world):
    created = household(world.cg_village, first_identified_year=2018, exit_year=2018)
    verdict = verdict_of(world, created)
    assert all(verdict.items.values())
    assert verdict.passed is False
    assert verdict.reasons == ["当年新识别：2018 年新识别的贫困户，当年不能退出"]


def test_it_lets_a_household_identified_last_year_pass(world):
    created = household(world.cg_village, first_identified_year=2017)
    assert verdict_of(world, created).passed is True


def test_it_judges_unregistered_households_by_the_same_items(world):
    created = household(world.cg_village, is_registered=False, housing_grade="D")
    verdict = verdict_of(world, created)
    assert verdict.registered is False
    assert verdict.passed is False
    assert verdict.items == {
        "income": True,
        "housing": False,
        "education": True,
        "medical": True,
        "water": True,
    }


# ---------------------------------------------------------------- contradictions


def test_it_lists_data_contradictions(world):
    child = adult(birth_date=dt.date(2016, 1, 1), schooling_status="03")  # 初中 at 2
    created = household(
        world.cg_village,
        members=[adult(), child],
        member_count=3,
        housing_grade="D",
        relocation="not_moved_in",
        business_expense=Decimal("20000"),
    )
    context = engine.context_for(world.county.code, as_of=AS_OF)
    bulk = next(engine.household_verdicts(context))
    assert bulk.household_no == created.household_no
    assert set(bulk.checks) == {
        "member_count",
        "negative_income",
        "schooling_age",
        "relocation_grade_d",
        "exited_unsafe_housing",
    }
    assert bulk.checks["member_count"] == "家庭人口 3 人，有效成员 2 人"
    assert explain.explain(context, created).verdict.checks == bulk.checks
