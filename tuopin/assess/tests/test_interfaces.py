"""CLI JSON shapes, the API and the computed metrics."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from tuopin.assess import metrics as assess_metrics
from tuopin.assess.tests.factories import household
from tuopin.lib import metrics
from tuopin.org.testing import INTERNAL_NAME
from tuopin.registry.models import VillageFacts

ITEMS = ["income", "housing", "education", "medical", "water"]


@pytest.fixture
def homes(world):
    assess_metrics.clear_memo()
    VillageFacts.objects.create(
        village=world.cg_village, paved_road=True, standard_clinic=True, collective_economy=True
    )
    return [
        household(world.cg_village),
        household(world.cg_village, housing_grade="C"),
        household(world.df_village, is_registered=False),
    ]


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_it_prints_every_household_as_json(world, homes):
    data = json.loads(run("assess_households", "--as-of", "2018-07-20", "--format", "json"))
    assert [row["household_no"] for row in data] == sorted(h.household_no for h in homes)
    assert all(
        set(row) == {"household_no", "registered", "pass", "items", "reasons"} for row in data
    )
    assert all(list(row["items"]) == ITEMS for row in data)
    failing = next(row for row in data if not row["pass"])
    assert failing == {
        "household_no": homes[1].household_no,
        "registered": True,
        "pass": False,
        "items": {
            "income": True,
            "housing": False,
            "education": True,
            "medical": True,
            "water": True,
        },
        "reasons": [
            "住房安全：住房等级 C，搬迁安置 无：需鉴定为 A/B 级，或集中安置已交钥匙、分散安置已入住"
        ],
    }
    assert (
        next(row for row in data if not row["registered"])["household_no"] == homes[2].household_no
    )


def test_it_prints_villages_as_json(world, homes):
    data = json.loads(run("assess_villages", "--as-of", "2018-07-20", "--format", "json"))
    assert [row["code"] for row in data] == [
        world.cg_village.code,
        world.cg_village2.code,
        world.df_village.code,
        world.df_village2.code,
    ]
    first = data[0]
    assert set(first) == {"code", "name", "pass", "items"}
    assert list(first["items"]) == [
        "incidence",
        "income_share",
        "collective_economy",
        "road",
        "water",
        "electricity",
        "clinic",
    ]
    assert first["items"]["road"] == {"value": True, "pass": True}
    assert first["items"]["income_share"] == {"value": None, "pass": None}
    assert first["items"]["incidence"] == {"value": 0.0, "pass": True}


def test_it_prints_the_county_as_json_with_params(world, homes):
    data = json.loads(
        run(
            "assess_county",
            "--as-of",
            "2018-07-20",
            "--param",
            "county_rural_disposable_income=6900",
            "--param",
            "province_rural_disposable_income=10000",
            "--format",
            "json",
        )
    )
    assert set(data) == {"pass", "items"}
    assert list(data["items"]) == [
        "incidence",
        "income_ratio",
        "road",
        "tap_water",
        "electricity",
        "safe_housing",
        "insurance",
    ]
    assert data["items"]["income_ratio"] == {"value": 69.0, "threshold": 70.0, "pass": False}
    assert data["items"]["safe_housing"] == {"value": 66.6667, "threshold": 97.0, "pass": False}
    assert data["pass"] is False


def test_it_explains_bad_cli_input_in_chinese(world, homes):
    with pytest.raises(CommandError, match="没有参数“nope”"):
        run("assess_county", "--param", "nope=1")
    with pytest.raises(CommandError, match="应为数字"):
        run("assess_county", "--param", "income_line=abc")
    with pytest.raises(CommandError, match="--as-of 应为日期"):
        run("assess_county", "--as-of", "2018-13-01")
    with pytest.raises(CommandError, match="不存在"):
        run("assess_villages", "--area", "999999")


def test_it_serves_the_api_by_scope(world, homes, login):
    county = login(world.hq).get("/api/assess/county?as_of=2018-07-20").json()
    assert set(county) == {"pass", "items", "rates", "risks"}
    assert county["risks"]["wrong_exit"] == 1
    villages = login(world.cadre).get("/api/assess/villages?as_of=2018-07-20").json()
    assert [v["code"] for v in villages] == [world.cg_village.code, world.cg_village2.code]
    assert (
        login(world.other_cadre).get(f"/api/assess/villages/{world.cg_village.code}").status_code
        == 404
    )
    assert (
        login(world.viewer).get(f"/api/assess/villages/{world.cg_village.code}").status_code == 200
    )
    assert login(None).get("/api/assess/county").status_code == 401
    one = (
        login(world.cadre)
        .get(f"/api/assess/households/{homes[1].household_no}?as_of=2018-07-20")
        .json()
    )
    assert one["items"]["housing"] is False
    assert one["explanation"][1]["key"] == "housing"
    income, housing = one["explanation"][0], one["explanation"][1]
    assert income["pass"] is True and income["reason"].endswith(" 元，达标")
    assert income["reason"].startswith("人均纯收入 ") and "高于标准 3,200 元" in income["reason"]
    assert housing["pass"] is False and "需鉴定为 A/B 级" in housing["reason"]
    readable = [text for row in one["explanation"] for text in (row["label"], row["reason"])]
    assert [text for text in readable if INTERNAL_NAME.search(text)] == []
    assert (
        login(world.other_cadre).get(f"/api/assess/households/{homes[1].household_no}").status_code
        == 404
    )
    listed = login(world.hq).get("/api/assess/households?failing_only=true&as_of=2018-07-20").json()
    assert [row["household_no"] for row in listed] == [homes[1].household_no]


def test_it_registers_computed_metrics(world, homes):
    on = dt.date(2018, 7, 20)
    assert metrics.evaluate("assess.wrong_exit_risk", world.county, on).value == Decimal(1)
    assert metrics.evaluate("assess.missed_risk", world.county, on).value == Decimal(0)
    assert metrics.evaluate("assess.households_failing", world.county, on).value == Decimal(1)
    assert metrics.evaluate("assess.poor_villages", world.county, on).value == Decimal(2)
    assert metrics.evaluate("assess.villages_ready", world.county, on).value == Decimal(0)
    passing = metrics.evaluate("assess.county_items_passing", world.county, on)
    assert passing.value == Decimal(4)  # incidence, tap water, electricity, insurance
    town = metrics.evaluate("assess.county_items_passing", world.chengguan, on)
    assert town.value is None and "只对县" in town.reason
    assert metrics.evaluate("assess.wrong_exit_rate", world.county, on).value == Decimal(50)
    assert metrics.evaluate("assess.wrong_exit_risk", world.transport, on).value == Decimal(1)


def test_it_keeps_village_income_shares_as_a_baseline(world, homes):
    from tuopin.assess.models import VillageBaseline

    out = run("assess_baseline", "--as-of", "2018-07-20", "--param", "county_rural_income=8000")
    assert out.strip().startswith("2018 年基数：写入 1 个村，已有未覆盖 0 个，无数据 3 个")
    baseline = VillageBaseline.objects.get()
    assert (baseline.village, baseline.year, baseline.income_share) == (
        world.cg_village,
        2018,
        Decimal("125.00"),  # 10000 per person ÷ 8000
    )
    again = run("assess_baseline", "--as-of", "2018-07-20", "--param", "county_rural_income=9000")
    assert "已有未覆盖 1 个" in again
    assert VillageBaseline.objects.get().income_share == Decimal("125.00")
