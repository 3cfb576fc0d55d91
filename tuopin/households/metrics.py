"""The household files in the metric catalogue, in the shared contract shape: ``bulk(level, on,
codes) -> {code: Value}`` for every county, town or village code in one grouped query;
``stamp()`` changes whenever a file does.

Counts are of active registered households (建档立卡户) unless said otherwise; renovation
metrics count the tasks of the evaluation day's year; relocation metrics count all files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q

from tuopin.households import policy
from tuopin.households.codes import INCOME_KINDS, SevenItem
from tuopin.lib import metrics

LEVELS = ("county", "town", "village")
SOURCE = "households"
COHORT = 2018
NO_HOUSEHOLDS = "该范围没有建档立卡户"
NO_COHORT = "该范围没有2018年计划脱贫户"
NO_RENOVATION = "该范围没有本年度危房改造任务"
NO_RELOCATION = "该范围没有易地搬迁档案"

Bulk = Callable[[str, dt.date, Collection[str] | None], dict[str, metrics.Value]]


def _households(
    base: Callable[[dt.date], Q], hit: Callable[[dt.date], Q], *, share=False, empty=NO_HOUSEHOLDS
) -> Bulk:
    """Households matching ``hit(on)`` among those matching ``base(on)``, per scope (a count, or
    a percentage with ``share``)."""

    def bulk(level: str, on: dt.date, codes: Collection[str] | None) -> dict[str, metrics.Value]:
        from tuopin.registry.models import Household

        rows = (
            metrics.grouped(
                Household.objects.filter(is_active=True, is_registered=True).filter(base(on)),
                level,
                codes,
                "village__code",
            )
            .values("g")
            .annotate(total=Count("pk"), hit=Count("pk", filter=hit(on)))
        )
        return metrics.hits(rows, level, codes, on, share=share, empty=empty)

    return bulk


def _files(
    model_name: str,
    base: Callable[[dt.date], Q],
    hit: Callable[[dt.date], Q],
    empty: str,
    *,
    share: bool = False,
) -> Bulk:
    def bulk(level: str, on: dt.date, codes: Collection[str] | None) -> dict[str, metrics.Value]:
        from tuopin.households import models

        model = getattr(models, model_name)
        rows = (
            metrics.grouped(
                model.objects.filter(household__is_active=True).filter(base(on)),
                level,
                codes,
                "household__village__code",
            )
            .values("g")
            .annotate(total=Count("pk"), hit=Count("pk", filter=hit(on)))
        )
        found = {
            row["g"]: (
                metrics.rate(row["hit"], row["total"], on, empty=empty)
                if share
                else metrics.Value(Decimal(row["hit"]))
            )
            for row in rows
        }
        return metrics.fill(found, level, codes, empty)

    return bulk


def _income_projects(on: dt.date) -> Q:
    from tuopin.households.models import Measure

    counted = (
        Measure.objects.filter(kind__in=INCOME_KINDS, done_on__lte=on)
        .values("household_id")
        .annotate(c=Count("pk"))
        .filter(c__gte=2)
        .values("household_id")
    )
    return Q(pk__in=counted)


def _linked(on: dt.date) -> Q:
    from tuopin.households.models import Measure

    return Q(
        Exists(
            Measure.objects.filter(household=OuterRef("pk"), base__isnull=False, done_on__lte=on)
        )
    )


def _shuangbai(on: dt.date) -> Q:
    from tuopin.households.models import Measure

    return Q(
        Exists(
            Measure.objects.filter(
                household=OuterRef("pk"), base__is_shuangbai=True, done_on__lte=on
            )
        )
    )


def _seven_done(on: dt.date) -> Q:
    from tuopin.households.models import SevenItemRecord

    complete = (
        SevenItemRecord.objects.filter(done_on__lte=on)
        .values("household_id")
        .annotate(c=Count("item", distinct=True))
        .filter(c__gte=len(SevenItem.values))
        .values("household_id")
    )
    return Q(pk__in=complete)


def _all(on: dt.date) -> Q:
    return Q()


def _cohort(on: dt.date) -> Q:
    return Q(planned_exit_year=COHORT)


def _this_year(on: dt.date) -> Q:
    return Q(year=on.year)


def _done(field: str) -> Callable[[dt.date], Q]:
    return lambda on: Q(**{f"{field}__lte": on})


def _resolved(on: dt.date) -> Q:
    return (Q(over_area=True) | Q(over_debt=True)) & Q(over_resolved_on__lte=on)


def _relocation_done(on: dt.date) -> Q:
    """15.1 for one household: accepted, subsidy paid, keys handed (集中) or moved in (分散),
    and no 双超 left unresolved."""
    settled = (Q(placement="central") & Q(keys_on__lte=on)) | (
        Q(placement="scattered") & Q(moved_in_on__lte=on)
    )
    clear = (Q(over_area=False) & Q(over_debt=False)) | Q(over_resolved_on__lte=on)
    return Q(accepted_on__lte=on) & Q(subsidy_paid_on__lte=on) & settled & clear


def _over(on: dt.date) -> Q:
    return Q(over_area=True) | Q(over_debt=True)


def definitions() -> list[dict]:
    items = [
        (
            "households.cohort_2018",
            "2018年计划脱贫户数",
            "户",
            _households(_all, _cohort),
            "计划脱贫年度为2018年的建档立卡户。",
        ),
        (
            "households.cohort_2018_income_projects",
            "2018年计划脱贫户中有2个以上增收项目的户数",
            "户",
            _households(_cohort, _income_projects, empty=NO_COHORT),
            "2018年计划脱贫户中，评估日前实施的产业、就业、公益性岗位、小额信贷措施合计不少于2个的户数。",
        ),
        (
            "households.cohort_2018_income_share",
            "2018年计划脱贫户有2个以上增收项目的比例",
            "%",
            _households(_cohort, _income_projects, share=True, empty=NO_COHORT),
            "上一指标 ÷ 2018年计划脱贫户数。",
        ),
        (
            "households.base_linked",
            "联结产业基地或合作社的贫困户数",
            "户",
            _households(_all, _linked),
            "有一项措施联结到产业基地或合作社的建档立卡户。",
        ),
        (
            "households.base_linked_share",
            "贫困户联结产业基地或合作社的比例",
            "%",
            _households(_all, _linked, share=True),
            "联结产业基地或合作社的户 ÷ 建档立卡户。",
        ),
        (
            "households.shuangbai_linked_share",
            "贫困户联结双百基地的比例",
            "%",
            _households(_all, _shuangbai, share=True),
            "联结双百基地的户 ÷ 建档立卡户。",
        ),
        (
            "households.seven_complete",
            "七到户全部完成的户数",
            "户",
            _households(_all, _seven_done),
            "七到户七个事项在评估日前全部完成的建档立卡户。",
        ),
        (
            "households.seven_complete_share",
            "七到户完成率",
            "%",
            _households(_all, _seven_done, share=True),
            "七到户全部完成的户 ÷ 建档立卡户。",
        ),
        (
            "households.policy_gaps",
            "有政策落实缺口的户数",
            "户",
            _households(_all, policy.any_gap),
            "按档案应享受而未记录落实的政策至少一项的建档立卡户（回头看口径）。",
        ),
        (
            "renovation.tasks",
            "本年度危房改造任务",
            "户",
            _files("Renovation", _this_year, _all, NO_RENOVATION),
            "评估日所在年度的改造任务户数。",
        ),
        (
            "renovation.completed",
            "危房改造竣工户数",
            "户",
            _files("Renovation", _this_year, _done("completed_on"), NO_RENOVATION),
            "本年度任务中竣工日期不晚于评估日的户数。",
        ),
        (
            "renovation.habitable",
            "危房改造达到入住条件户数",
            "户",
            _files("Renovation", _this_year, _done("habitable_on"), NO_RENOVATION),
            "本年度任务中达到入住条件日期不晚于评估日的户数。",
        ),
        (
            "renovation.moved_in",
            "危房改造已入住户数",
            "户",
            _files("Renovation", _this_year, _done("moved_in_on"), NO_RENOVATION),
            "本年度任务中入住日期不晚于评估日的户数。",
        ),
        (
            "renovation.completed_share",
            "危房改造竣工率",
            "%",
            _files("Renovation", _this_year, _done("completed_on"), NO_RENOVATION, share=True),
            "本年度任务中竣工的比例（16.2：6月底前完成年度任务）。",
        ),
        (
            "renovation.habitable_share",
            "危房改造达到入住条件比例",
            "%",
            _files("Renovation", _this_year, _done("habitable_on"), NO_RENOVATION, share=True),
            "本年度任务中达到入住条件的比例（16.3：8月底前）。",
        ),
        (
            "renovation.moved_in_share",
            "危房改造入住率",
            "%",
            _files("Renovation", _this_year, _done("moved_in_on"), NO_RENOVATION, share=True),
            "本年度任务中已入住的比例（16.4：9月底前全部入住）。",
        ),
        (
            "relocation.complete_share",
            "易地搬迁全部到位比例",
            "%",
            _files("Relocation", _all, _relocation_done, NO_RELOCATION, share=True),
            "已验收、补助已兑付、集中安置已交钥匙或分散安置已入住、无未化解双超的搬迁户比例（15.1）。",
        ),
        (
            "relocation.households",
            "易地搬迁户数",
            "户",
            _files("Relocation", _all, _all, NO_RELOCATION),
            "有易地搬迁档案的户数。",
        ),
        (
            "relocation.accepted",
            "易地搬迁住房已验收户数",
            "户",
            _files("Relocation", _all, _done("accepted_on"), NO_RELOCATION),
            "验收日期不晚于评估日。",
        ),
        (
            "relocation.subsidy_paid",
            "易地搬迁补助已兑付户数",
            "户",
            _files("Relocation", _all, _done("subsidy_paid_on"), NO_RELOCATION),
            "补助兑付日期不晚于评估日。",
        ),
        (
            "relocation.keys_handed",
            "易地搬迁已交钥匙户数",
            "户",
            _files("Relocation", _all, _done("keys_on"), NO_RELOCATION),
            "交钥匙日期不晚于评估日。",
        ),
        (
            "relocation.moved_in",
            "易地搬迁已入住户数",
            "户",
            _files("Relocation", _all, _done("moved_in_on"), NO_RELOCATION),
            "搬迁入住日期不晚于评估日。",
        ),
        (
            "relocation.over_limit",
            "易地搬迁双超户数",
            "户",
            _files("Relocation", _all, _over, NO_RELOCATION),
            "超面积或超负债的搬迁户。",
        ),
        (
            "relocation.over_resolved",
            "易地搬迁双超已整改户数",
            "户",
            _files("Relocation", _all, _resolved, NO_RELOCATION),
            "双超户中整改日期不晚于评估日的户数。",
        ),
        (
            "relocation.employed",
            "易地搬迁户有1人以上就业户数",
            "户",
            _files("Relocation", _all, lambda on: Q(employed__gte=1), NO_RELOCATION),
            "至少一名家庭成员就业的搬迁户。",
        ),
    ]
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
            "higher_is_better": key not in ("households.policy_gaps", "relocation.over_limit"),
        }
        for key, name, unit, bulk, description in items
    ]


stamp = metrics.table_stamp(
    "households.Measure",
    "households.SevenItemRecord",
    "households.Renovation",
    "households.Relocation",
    "registry.Household",
)


def register_household_metrics() -> None:
    for definition in definitions():
        metrics.register(metrics.Metric(**definition))
