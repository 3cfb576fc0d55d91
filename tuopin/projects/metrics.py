"""The project and fund ledger in the metric catalogue (lib.metrics), in the shared contract
shape: ``bulk(level, on, codes) -> {code: Value}`` evaluates a metric for every county, town or
village code (or responsible-unit id for level "unit") in one grouped query, and ``stamp()``
changes whenever the ledger does.

Metrics: projects by type and status as of a day (started, completed, accepted, reimbursed),
completed by a date, unfinished, overdue; allocated/disbursed/reimbursed money in 万元 in total
and by source; the disbursement rate; undisbursed and idle (滞留) money.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from tuopin.lib import metrics
from tuopin.projects.codes import FundSource, ProjectKind

LEVELS = ("county", "town", "village", "unit")
SOURCE = "projects"
NO_PROJECTS = "该范围项目台账中没有项目"
NO_FUNDS = "该范围项目台账中没有下达的资金"

# The plan's goal “8月底前水、电、路等基础设施及标准化卫生室、易地扶贫搬迁、危房改造项目全部完工”.
GOAL_KINDS = (
    ProjectKind.WATER,
    ProjectKind.GRID,
    ProjectKind.ROAD,
    ProjectKind.CLINIC,
    ProjectKind.RELOCATION,
    ProjectKind.HOUSING,
)

Bulk = Callable[[str, dt.date, Collection[str] | None], dict[str, metrics.Value]]


def _project_counts(aggregate: Callable[[dt.date], Q | None]) -> Bulk:
    """Projects matching ``aggregate(on)`` (None: all) per scope; None where it has none."""

    def bulk(level: str, on: dt.date, codes: Collection[str] | None) -> dict[str, metrics.Value]:
        from tuopin.projects.models import Project

        condition = aggregate(on)
        rows = (
            metrics.grouped(Project.objects.all(), level, codes, "place__code", "unit_id")
            .values("g")
            .annotate(
                total=Count("pk"),
                hit=Count("pk", filter=condition) if condition is not None else Count("pk"),
            )
        )
        found = {row["g"]: metrics.Value(Decimal(row["hit"])) for row in rows}
        return metrics.fill(found, level, codes, NO_PROJECTS)

    return bulk


def _completion_rate(level: str, on: dt.date, codes: Collection[str] | None):
    from tuopin.projects.models import Project

    rows = (
        metrics.grouped(Project.objects.all(), level, codes, "place__code", "unit_id")
        .values("g")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(actual_end__lte=on)))
    )
    found = {
        row["g"]: metrics.rate(row["done"], row["total"], on, empty=NO_PROJECTS) for row in rows
    }
    return metrics.fill(found, level, codes, NO_PROJECTS)


def _money(expression: Callable[[dt.date], dict], pick: Callable[[dict], Decimal | None]) -> Bulk:
    """Money of allocations made on or before the day, per scope (万元, 4 decimals)."""

    def bulk(level: str, on: dt.date, codes: Collection[str] | None) -> dict[str, metrics.Value]:
        from tuopin.projects.models import FundAllocation

        rows = (
            metrics.grouped(
                FundAllocation.objects.filter(allocated_on__lte=on),
                level,
                codes,
                "project__place__code",
                "project__unit_id",
            )
            .values("g")
            .annotate(**expression(on))
        )
        found = {}
        for row in rows:
            value = pick(row)
            found[row["g"]] = (
                value
                if isinstance(value, metrics.Value)
                else metrics.Value(Decimal(value).quantize(Decimal("0.0001")))
            )
        return metrics.fill(found, level, codes, NO_FUNDS)

    return bulk


_tables = metrics.table_stamp("projects.Project", "projects.FundAllocation")


def _stamp() -> str:
    from tuopin.projects.models import ProjectSettings

    return f"{_tables()}|{ProjectSettings.current().idle_days}"


stamp = metrics.held_stamp(_stamp)


def _idle(on: dt.date) -> Q:
    from tuopin.projects.summary import idle_q

    return idle_q(on)


def _sums(on: dt.date) -> dict:
    return {
        "a": Sum("allocated"),
        "d": Sum("disbursed"),
        "r": Sum("reimbursed"),
        "i": Sum("allocated", filter=_idle(on)),
        "u": Sum(F("allocated") - F("disbursed")),
    }


def _source_sums(source: str) -> Callable[[dt.date], dict]:
    def expression(on: dt.date) -> dict:
        where = Q(source=source)
        return {
            "a": Sum("allocated", filter=where),
            "d": Sum("disbursed", filter=where),
            "r": Sum("reimbursed", filter=where),
        }

    return expression


def _or_zero(key: str) -> Callable[[dict], Decimal]:
    return lambda row: row[key] or Decimal(0)


def _rate(row: dict) -> metrics.Value:
    """已拨付 ÷ 下达 with its parts, so town rates add up to the county's."""
    return metrics.rate(row["d"], row["a"], None, empty="该范围下达资金为零，无法计算比率")


def definitions() -> list[dict]:
    """Every metric as the contract's keyword fields (key, name, unit, kind, levels, source,
    description, bulk, stamp)."""
    kinds = list(ProjectKind)
    items: list[tuple[str, str, str, Bulk, str, bool]] = [
        (
            "projects.total",
            "项目数",
            "个",
            _project_counts(lambda on: None),
            "项目台账中的项目个数。",
            True,
        ),
        (
            "projects.started",
            "已开工项目",
            "个",
            _project_counts(lambda on: Q(actual_start__lte=on)),
            "实际开工日期不晚于评估日的项目个数。",
            True,
        ),
        (
            "projects.completed",
            "已完工项目",
            "个",
            _project_counts(lambda on: Q(actual_end__lte=on)),
            "实际完工日期不晚于评估日的项目个数。",
            True,
        ),
        (
            "projects.accepted",
            "已验收项目",
            "个",
            _project_counts(lambda on: Q(accepted_on__lte=on)),
            "验收日期不晚于评估日的项目个数。",
            True,
        ),
        (
            "projects.reimbursed",
            "已报账项目",
            "个",
            _project_counts(lambda on: Q(reimbursed_on__lte=on)),
            "报账日期不晚于评估日的项目个数。",
            True,
        ),
        (
            "projects.unfinished",
            "未完工项目",
            "个",
            _project_counts(lambda on: ~Q(actual_end__lte=on)),
            "评估日尚无实际完工日期（或完工日期晚于评估日）的项目个数；“项目全部完工”即为 0。",
            False,
        ),
        (
            "projects.overdue",
            "逾期项目",
            "个",
            _project_counts(lambda on: Q(planned_end__lt=on) & ~Q(actual_end__lte=on)),
            "计划完工日期已过、评估日仍未完工的项目个数。",
            False,
        ),
        (
            "projects.completion_rate",
            "项目完工率",
            "%",
            _completion_rate,
            "已完工项目占全部项目的百分比。",
            True,
        ),
    ]
    goal_kinds = [k.value for k in GOAL_KINDS]
    items.append(
        (
            "projects.unfinished.goal",
            "未完工的水电路、卫生室、搬迁、危房项目",
            "个",
            _project_counts(lambda on: Q(kind__in=goal_kinds) & ~Q(actual_end__lte=on)),
            "饮水、电网、道路、卫生室、易地搬迁安置点、危房改造项目中评估日尚未完工的个数；"
            "计划目标“8月底前水、电、路等基础设施及标准化卫生室、易地扶贫搬迁、危房改造项目"
            "全部完工”即为 0。",
            False,
        )
    )
    for kind in kinds:
        items.append(
            (
                f"projects.total.{kind.value}",
                f"{kind.label}项目数",
                "个",
                _project_counts(lambda on, k=kind.value: Q(kind=k)),
                f"项目类型为“{kind.label}”的项目个数。",
                True,
            )
        )
        items.append(
            (
                f"projects.completed.{kind.value}",
                f"已完工{kind.label}项目",
                "个",
                _project_counts(lambda on, k=kind.value: Q(kind=k, actual_end__lte=on)),
                f"项目类型为“{kind.label}”、实际完工日期不晚于评估日的项目个数。",
                True,
            )
        )
        items.append(
            (
                f"projects.unfinished.{kind.value}",
                f"未完工{kind.label}项目",
                "个",
                _project_counts(lambda on, k=kind.value: Q(kind=k) & ~Q(actual_end__lte=on)),
                f"项目类型为“{kind.label}”、评估日尚未完工的项目个数。",
                False,
            )
        )
    money_items = [
        (
            "funds.allocated",
            "下达资金",
            _money(_sums, _or_zero("a")),
            "评估日前已下达的项目资金（万元）。",
            True,
        ),
        (
            "funds.disbursed",
            "已拨付资金",
            _money(_sums, _or_zero("d")),
            "评估日前下达的资金中已拨付的金额（万元）。",
            True,
        ),
        (
            "funds.reimbursed",
            "已报账资金",
            _money(_sums, _or_zero("r")),
            "评估日前下达的资金中已报账的金额（万元）。",
            True,
        ),
        (
            "funds.undisbursed",
            "未拨付资金",
            _money(_sums, _or_zero("u")),
            "评估日前下达、尚未拨付的资金（万元）；“兑付完项目资金”即为 0。",
            False,
        ),
        (
            "funds.idle",
            "滞留资金",
            _money(_sums, _or_zero("i")),
            "下达超过设定天数（默认 60 天）、拨付不足一半的资金（万元，按下达金额计）。",
            False,
        ),
    ]
    for source in FundSource:
        expression = _source_sums(source.value)
        for suffix, what, key in (
            ("allocated", "下达", "a"),
            ("disbursed", "已拨付", "d"),
            ("reimbursed", "已报账", "r"),
        ):
            money_items.append(
                (
                    f"funds.{suffix}.{source.value}",
                    f"{source.label}{what}资金",
                    _money(expression, _or_zero(key)),
                    f"资金来源为“{source.label}”的{what}金额（万元）。",
                    True,
                )
            )
    for key, name, bulk, description, better in money_items:
        items.append((key, name, "万元", bulk, description, better))
    items.append(
        (
            "funds.disbursement_rate",
            "资金拨付率",
            "%",
            _money(_sums, _rate),
            "已拨付 ÷ 下达金额（评估日前下达的资金）。",
            True,
        )
    )
    return [
        {
            "key": key,
            "name": name,
            "unit": unit,
            "kind": "computed",
            "levels": LEVELS,
            "source": SOURCE,
            "description": description,
            "bulk": bulk,
            "stamp": stamp,
            "higher_is_better": better,
        }
        for key, name, unit, bulk, description, better in items
    ]


def register_project_metrics() -> None:
    for definition in definitions():
        metrics.register(metrics.Metric(**definition))
