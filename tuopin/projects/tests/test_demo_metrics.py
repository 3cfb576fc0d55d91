"""The demo ledger (real county build, loaded through the engine) and the catalogue's metrics."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tuopin.ledger.models import LedgerImport
from tuopin.lib import metrics
from tuopin.projects import metrics as project_metrics
from tuopin.projects.models import FundAllocation, Project
from tuopin.projects.summary import summary
from tuopin.projects.tests.helpers import fund, project, workbook
from tuopin.synth import projects_demo

pytestmark = pytest.mark.django_db
ON = dt.date(2018, 7, 20)


@pytest.fixture
def demo_county(db):
    from tuopin.synth.county import build_county

    return build_county(seed=1, log=lambda _line: None).county


def test_the_demo_ledger_is_realistic_deterministic_and_idempotent(demo_county):
    logs: list[str] = []
    projects_demo.populate(demo_county, seed=1, log=logs.append)
    first = list(Project.objects.order_by("code").values_list("code", "name", "actual_end"))
    assert 250 <= len(first) <= 400
    assert Project.objects.filter(kind="clinic").count() == 35
    projects_demo.populate(demo_county, seed=1, log=logs.append)
    assert logs[-1] == "项目资金台账已有数据，跳过"
    assert LedgerImport.objects.filter(ledger="projects").count() == 1
    data = summary(ON)
    assert 0 < len(data["overdue"]) < len(first) // 4  # some late, most not
    assert data["funds"]["idle"], "the demo has idle funds"
    assert 40 < data["funds"]["disbursement_rate"] < 90
    assert set(data["by_type"]) == {label for label, *_ in projects_demo.KINDS}
    Project.objects.all().delete()
    projects_demo.populate(demo_county, seed=1, log=logs.append)
    again = list(Project.objects.order_by("code").values_list("code", "name", "actual_end"))
    assert again == first


def _load(world):
    from tuopin.projects import actions
    from tuopin.projects.ledger_app import APP

    rows = [
        project(
            "C1",
            world.cg_village.code,
            项目类型="卫生室",
            责任单位="县卫计局",
            实际完工="2018-06-30",
        ),
        project(
            "C2",
            world.cg_village2.code,
            项目类型="卫生室",
            责任单位="县卫计局",
            计划完工="2018-07-01",
        ),
        project("R1", world.df_village.code, 实际完工="2018-07-15"),
    ]
    funds = [fund("C1"), fund("R1", **{"已拨付（万元）": 10, "已报账（万元）": 0})]
    plan = APP.check(workbook(rows, funds), "x.xlsx", world.hq)
    assert plan.ok, plan.problems
    actions.apply_import(plan, actor=world.hq)


def _values(key: str, level: str, on: dt.date, codes=None) -> dict:
    definition = next(d for d in project_metrics.definitions() if d["key"] == key)
    return {code: value.value for code, value in definition["bulk"](level, on, codes).items()}


def test_metrics_per_level_and_as_of_a_day(world):
    _load(world)
    cg, df, county = world.chengguan.code, world.dongfeng.code, world.county.code
    assert _values("projects.completed.clinic", "town", ON) == {cg: Decimal(1), df: Decimal(0)}
    assert _values("projects.completed", "county", ON) == {county: Decimal(2)}
    assert _values("projects.completed", "county", dt.date(2018, 7, 1)) == {county: Decimal(1)}
    assert _values("projects.overdue", "village", ON, [world.cg_village2.code]) == {
        world.cg_village2.code: Decimal(1)
    }
    assert _values("projects.completion_rate", "county", ON) == {county: Decimal("66.67")}
    assert _values("projects.unfinished.goal", "county", ON) == {county: Decimal(1)}
    assert _values("projects.unfinished.goal", "county", dt.date(2018, 7, 10)) == {
        county: Decimal(2)
    }
    unit = str(world.health.pk)
    assert _values("projects.unfinished", "unit", ON, [unit]) == {unit: Decimal(1)}
    assert _values("funds.allocated", "town", ON, [cg, df]) == {
        cg: Decimal("100.0000"),
        df: Decimal("100.0000"),
    }
    assert _values("funds.disbursement_rate", "county", ON) == {county: Decimal("35.00")}
    assert _values("funds.idle", "town", ON) == {cg: Decimal(0), df: Decimal("100.0000")}
    assert _values("funds.allocated.integrated", "county", ON) == {county: Decimal("200.0000")}
    assert _values("funds.undisbursed", "county", ON) == {county: Decimal("130.0000")}
    # A place without projects has no data, with a reason.
    empty = project_metrics.definitions()[0]["bulk"]("village", ON, [world.df_village2.code])
    assert empty[world.df_village2.code].value is None and empty[world.df_village2.code].reason


def test_metrics_are_in_the_catalogue_and_the_stamp_moves(world):
    registered = metrics.get("projects.completed.clinic")
    assert registered.name == "已完工卫生室项目" and registered.unit == "个"
    assert metrics.get("funds.disbursement_rate").unit == "%"
    before = project_metrics.stamp()
    _load(world)
    assert project_metrics.stamp() == before  # held for a few seconds: one query per table
    metrics.clear_cache()  # (as those seconds passing)
    assert project_metrics.stamp() != before
    if registered.compute is not None:  # the catalogue of today evaluates one scope at a time
        assert metrics.evaluate("projects.completed.clinic", world.chengguan, ON).value == 1
        assert metrics.evaluate("projects.unfinished", world.health, ON).value == 1
    assert FundAllocation.objects.count() == 2
