"""Computed metrics of the exit assessment (milestones, dashboard and bulletin read these)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max

from tuopin.assess import engine
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


def _villages_ready(evaluation: engine.Evaluation, on: dt.date) -> Value:
    ready = sum(1 for v in evaluation.villages if v.is_poor_village and v.passed is True)
    return Value(Decimal(ready), as_of=on)


def _poor_villages(evaluation: engine.Evaluation, on: dt.date) -> Value:
    return Value(Decimal(sum(1 for v in evaluation.villages if v.is_poor_village)), as_of=on)


def _county_items(evaluation: engine.Evaluation, on: dt.date) -> Value:
    area = evaluation.area
    if not area.items:
        return Value(None, reason="县摘帽指标只对县计算", as_of=on)
    return Value(Decimal(sum(1 for item in area.items.values() if item.passed is True)), as_of=on)


METRICS = [
    Metric(
        "assess.households_failing",
        "建档立卡户未达退出标准户数",
        "户",
        "computed",
        _risk("failing_registered"),
        "建档立卡户中收入、住房、教育、医疗、饮水任一项未达标（或当年新识别）的户数",
        higher_is_better=False,
    ),
    Metric(
        "assess.wrong_exit_risk",
        "错退风险户数",
        "户",
        "computed",
        _risk("wrong_exit"),
        "已脱贫户中按退出标准未达标的户数",
        higher_is_better=False,
    ),
    Metric(
        "assess.missed_risk",
        "漏评风险户数",
        "户",
        "computed",
        _risk("missed"),
        "非建档立卡户中按同一标准未达标的户数",
        higher_is_better=False,
    ),
    Metric(
        "assess.contradictions",
        "档案数据矛盾户数",
        "户",
        "computed",
        _risk("contradictions"),
        "家庭人口与成员数不符、在校状况与年龄不符、搬迁未入住仍为D级等",
        higher_is_better=False,
    ),
    Metric(
        "assess.villages_ready",
        "达到退出标准的贫困村数",
        "个",
        "computed",
        _computed(_villages_ready),
        "贫困村中 7 项退出指标全部达标的村数",
    ),
    Metric(
        "assess.poor_villages",
        "贫困村数",
        "个",
        "computed",
        _computed(_poor_villages),
        "区划内建档立卡贫困村总数",
    ),
    Metric(
        "assess.county_items_passing",
        "县摘帽指标达标项数",
        "项",
        "computed",
        _computed(_county_items),
        "县 7 项摘帽指标中达标的项数（满分 7）",
    ),
    Metric(
        "assess.wrong_exit_rate",
        "错退率（估计）",
        "%",
        "computed",
        _rate("wrong_exit_rate"),
        "已脱贫户中未达标户人口 ÷ 已脱贫户人口",
        higher_is_better=False,
    ),
    Metric(
        "assess.missed_rate",
        "漏评率（估计）",
        "%",
        "computed",
        _rate("missed_rate"),
        "非建档立卡户中未达标户人口 ÷ 非建档立卡人口",
        higher_is_better=False,
    ),
    Metric(
        "assess.overall_incidence",
        "综合贫困发生率（估计）",
        "%",
        "computed",
        _rate("overall_incidence"),
        "（未脱贫 + 漏评 + 错退）人口 ÷ 农村人口",
        higher_is_better=False,
    ),
]


def register_all() -> None:
    for metric in METRICS:
        register(metric)


def clear_memo() -> None:
    with _lock:
        _memo.clear()
