"""Computed metrics of the exit assessment (milestones, dashboard and bulletin read these)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Callable, Collection
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Sum

from tuopin.assess import engine
from tuopin.lib import metrics
from tuopin.lib.metrics import Metric, Value, register

# Several metrics read the same evaluation; a dashboard asks for them one by one. Keep the
# last evaluations for a minute, and only while the data they came from is unchanged.
_MEMO_SECONDS = 60
_memo: dict[tuple[str, dt.date], tuple[float, tuple, engine.Evaluation]] = {}
_lock = threading.Lock()


def _fingerprint(area_code: str) -> tuple:
    from tuopin.assess.models import RuleParameter, VillageBaseline
    from tuopin.registry.models import VillageFacts

    households = engine.households_in(area_code).aggregate(
        n=Count("pk"), changed=Max("updated_at"), last=Max("pk")
    )
    return (
        tuple(households.values()),
        RuleParameter.objects.aggregate(changed=Max("set_at"), n=Count("pk"))["changed"],
        VillageFacts.objects.aggregate(changed=Max("updated_at"))["changed"],
        VillageBaseline.objects.count(),
    )


def evaluation_for(area_code: str, on: dt.date) -> engine.Evaluation:
    key = (area_code, on)
    fingerprint = _fingerprint(area_code)
    with _lock:
        cached = _memo.get(key)
        if cached and cached[1] == fingerprint and time.monotonic() - cached[0] < _MEMO_SECONDS:
            return cached[2]
    evaluation = engine.evaluate_area(engine.context_for(area_code, as_of=on))
    with _lock:
        if len(_memo) > 32:
            _memo.clear()
        _memo[key] = (time.monotonic(), fingerprint, evaluation)
    return evaluation


def _area_code(scope: Any) -> str | None:
    code = getattr(scope, "code", None)
    if code is None and getattr(scope, "org_unit_id", None):
        code = scope.org_unit.code
    return code


def _computed(function):
    def compute(scope: Any, on: dt.date) -> Value:
        code = _area_code(scope)
        if not code:
            return Value(None, reason="该指标按区划计算，请选择县、镇或村", as_of=on)
        try:
            evaluation = evaluation_for(code, on)
        except Exception as error:  # a rule set missing for the area, bad parameter values
            return Value(None, reason=f"无法评估：{error}", as_of=on)
        return function(evaluation, on)

    return compute


def _risk(key: str):
    return _computed(lambda e, on: Value(Decimal(e.area.risks.get(key, 0)), as_of=on))


def _rate(key: str):
    def value(evaluation: engine.Evaluation, on: dt.date) -> Value:
        item = evaluation.area.rates.get(key)
        if item is None or item.value is None:
            return Value(None, reason="缺少计算所需的数据", as_of=on)
        return Value(Decimal(str(round(item.value, 2))), as_of=on)

    return _computed(value)


def _county_items(evaluation: engine.Evaluation, on: dt.date) -> Value:
    area = evaluation.area
    if not area.items:
        return Value(None, reason="县摘帽指标只对县计算", as_of=on)
    return Value(Decimal(sum(1 for item in area.items.values() if item.passed is True)), as_of=on)


def _stamp() -> str:
    """The registry's stamp, HQ's rule parameters and the villages' baselines."""
    from tuopin.assess.models import RuleParameter, VillageBaseline
    from tuopin.registry.metrics import stamp as registry_stamp

    parameters = RuleParameter.objects.aggregate(changed=Max("set_at"), n=Count("pk"))
    return f"{registry_stamp()}|{parameters}|{VillageBaseline.objects.count()}"


stamp = metrics.held_stamp(_stamp)


def _counties(codes: Collection[str] | None) -> list[str]:
    from tuopin.org.models import OrgUnit

    if codes is not None:
        return sorted({code[:6] for code in codes if len(code) >= 6})
    return list(
        OrgUnit.objects.filter(level="county").order_by("code").values_list("code", flat=True)
    )


def village_bulk(measure: Callable[[engine.AreaVerdict], Decimal]) -> metrics.Bulk:
    """A count summed over the villages of each area, from the county's one evaluation."""

    def area_bulk(level: str, on: dt.date, codes: Collection[str] | None) -> dict[str, Value]:
        length = metrics.CODE_LENGTH[level]
        wanted = metrics.level_codes(level, codes)
        sums: dict[str, Decimal] = {}
        failed: dict[str, str] = {}
        for county in _counties(wanted):
            try:
                evaluation = evaluation_for(county, on)
            except Exception as error:  # a rule set missing for the area, bad parameter values
                failed[county] = f"无法评估：{error}"
                continue
            for village in evaluation.villages:
                code = village.code[:length]
                sums[code] = sums.get(code, Decimal(0)) + measure(village)
        result = {}
        for code in wanted:
            if code[:6] in failed:
                result[code] = Value(None, reason=failed[code[:6]], as_of=on)
            elif code in sums:
                result[code] = Value(sums[code], as_of=on)
            else:
                result[code] = Value(None, reason="该范围没有行政村", as_of=on)
        return result

    return metrics.by_area(area_bulk)


def _county_bulk(level: str, on: dt.date, codes: Collection[str] | None) -> dict[str, Value]:
    result = {}
    for county in metrics.level_codes("county", codes):
        try:
            result[county] = _county_items(evaluation_for(county, on), on)
        except Exception as error:  # a rule set missing for the area, bad parameter values
            result[county] = Value(None, reason=f"无法评估：{error}", as_of=on)
    return result


def _water_bulk(level: str, on: dt.date, codes: Collection[str] | None) -> dict[str, Value]:
    """Households passing the water item of the rules in force, grouped in one query per county."""
    from tuopin.lib.ruleexpr import Call, Literal

    wanted = metrics.level_codes(level, codes)
    result: dict[str, Value] = {}
    for county in _counties(wanted):
        inside = [code for code in wanted if code.startswith(county)]
        try:
            context = engine.context_for(county, as_of=on)
        except Exception as error:  # a rule set missing for the area
            result.update(
                {code: Value(None, reason=f"无法评估：{error}", as_of=on) for code in inside}
            )
            continue
        item = context.ruleset.household_items.get("water")
        if item is None:
            reason = "规则集没有饮水安全一项"
            result.update({code: Value(None, reason=reason, as_of=on) for code in inside})
            continue
        query = engine.HouseholdQuery(context)
        node = query.bound(Call("if", (item.test, Literal(True), Literal(False))))
        households = query.compiler.members.attach(
            engine.households_in(county), engine.persons_in(county)
        )
        rows = metrics.area_rows(
            households,
            "village__code",
            level,
            inside,
            {"num": Sum(engine._flag(query.compiler.condition(node))), "den": Count("pk")},
        )
        for code in inside:
            row = rows.get(code)
            if not row or not row["den"]:
                result[code] = Value(None, reason="该范围尚未导入农户档案", as_of=on)
            else:
                result[code] = metrics.rate(row["num"], row["den"], on, empty="")
    return result


AREAS = ("county", "town", "village", "unit")

METRICS = [
    Metric(
        "assess.households_failing",
        "建档立卡户未达退出标准户数",
        "户",
        "computed",
        description="建档立卡户中收入、住房、教育、医疗、饮水任一项未达标（或当年新识别）的户数。",
        higher_is_better=False,
        levels=AREAS,
        bulk=village_bulk(lambda v: Decimal(v.risks.get("failing_registered", 0))),
    ),
    Metric(
        "assess.wrong_exit_risk",
        "错退风险户数",
        "户",
        "computed",
        description="已脱贫户中按退出标准未达标的户数。",
        higher_is_better=False,
        levels=AREAS,
        bulk=village_bulk(lambda v: Decimal(v.risks.get("wrong_exit", 0))),
    ),
    Metric(
        "assess.missed_risk",
        "漏评风险户数",
        "户",
        "computed",
        description="非建档立卡户中按同一标准未达标的户数。",
        higher_is_better=False,
        levels=AREAS,
        bulk=village_bulk(lambda v: Decimal(v.risks.get("missed", 0))),
    ),
    Metric(
        "assess.contradictions",
        "档案数据矛盾户数",
        "户",
        "computed",
        description="家庭人口与成员数不符、在校状况与年龄不符、搬迁未入住仍为D级等的户数。",
        higher_is_better=False,
        levels=AREAS,
        bulk=village_bulk(lambda v: Decimal(v.risks.get("contradictions", 0))),
    ),
    Metric(
        "assess.villages_ready",
        "达到退出标准的贫困村数",
        "个",
        "computed",
        description="贫困村中 7 项退出指标全部达标的村数。",
        levels=AREAS,
        bulk=village_bulk(lambda v: Decimal(int(v.is_poor_village and v.passed is True))),
    ),
    Metric(
        "assess.poor_villages",
        "贫困村数",
        "个",
        "computed",
        description="区划内建档立卡贫困村总数。",
        levels=AREAS,
        bulk=village_bulk(lambda v: Decimal(int(v.is_poor_village))),
    ),
    Metric(
        "assess.county_items_passing",
        "县摘帽指标达标项数",
        "项",
        "computed",
        description="县 7 项摘帽指标中达标的项数（满分 7）。",
        levels=("county",),
        bulk=_county_bulk,
    ),
    Metric(
        "assess.water_pass_rate",
        "饮水安全达标农户比例",
        "%",
        "computed",
        description="按现行退出标准饮水安全一项（水质、水量、取水时间、保证率）达标的有效农户 ÷ 有效农户。",
        levels=AREAS,
        bulk=metrics.by_area(_water_bulk),
    ),
    Metric(
        "assess.wrong_exit_rate",
        "错退率（估计）",
        "%",
        "computed",
        _rate("wrong_exit_rate"),
        "已脱贫户中未达标户人口 ÷ 已脱贫户人口。",
        higher_is_better=False,
    ),
    Metric(
        "assess.missed_rate",
        "漏评率（估计）",
        "%",
        "computed",
        _rate("missed_rate"),
        "非建档立卡户中未达标户人口 ÷ 非建档立卡人口。",
        higher_is_better=False,
    ),
    Metric(
        "assess.overall_incidence",
        "综合贫困发生率（估计）",
        "%",
        "computed",
        _rate("overall_incidence"),
        "（未脱贫 + 漏评 + 错退）人口 ÷ 农村人口。",
        higher_is_better=False,
    ),
]


def register_all() -> None:
    for metric in METRICS:
        register(dataclasses.replace(metric, source="assess", stamp=metric.stamp or stamp))


def clear_memo() -> None:
    with _lock:
        _memo.clear()
