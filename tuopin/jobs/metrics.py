"""Action 4 (就业), 14 (集体经济) and 15 (搬迁后续) indicators in the shared metric contract shape:
``bulk(level, on, codes) -> {code: Value}`` for every county, town or village code in a few
set-based queries (rows grouped by code prefix in one pass); ``stamp()`` changes with the data.

An *able poor worker* is an active member of an active 建档立卡 household, 16–60 years old on the
day, with 普通 or 技能 labour skill; *in work* means an employment spell running on the day
(started on or before it, not ended before it); *stable work* a full-time one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum

from tuopin.lib import metrics
from tuopin.water.metrics import contract, group, rate_or_count, register

NO_WORKERS = "该范围没有有劳动能力的贫困人口"
NO_RELOCATED = "该范围没有易地搬迁户"
NO_VILLAGES = "该范围没有村"
RELOCATED = ("central_keys", "dispersed_moved_in")


def _years_before(on: dt.date, years: int) -> dt.date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def _running(on: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}started_on__lte": on}) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gte": on})
    )


def able_workers(on: dt.date):
    from tuopin.registry.models import Person

    return Person.objects.filter(
        is_active=True,
        household__is_active=True,
        household__is_registered=True,
        labour_skill__in=("1", "2"),
        birth_date__gt=_years_before(on, 61),
        birth_date__lte=_years_before(on, 16),
    )


def transferred(as_rate: bool):
    """Able poor workers with a running spell on the day, per area: one grouped query."""

    def bulk(level, on, codes):
        from tuopin.jobs.models import Spell

        working = Exists(Spell.objects.filter(_running(on), person=OuterRef("pk")))
        rows = (
            metrics.grouped(able_workers(on), level, codes, "household__village__code")
            .values("g")
            .annotate(total=Count("pk"), hit=Count("pk", filter=Q(working)))
            .order_by()
        )
        return metrics.hits(rows, level, codes, on, share=as_rate, empty=NO_WORKERS)

    return bulk


def _sum_by_code(level, codes, pairs, empty_reason=None) -> dict[str, metrics.Value]:
    out = {}
    for code, items in group(level, pairs, codes).items():
        out[code] = metrics.Value(Decimal(sum(items)))
    return out


def posts_filled(level, on, codes):
    from tuopin.jobs.models import Post

    pairs = Post.objects.filter(_running(on), holder__isnull=False).values_list(
        "village__code", "pk"
    )
    return _sum_by_code(level, codes, [(code, 1) for code, _ in pairs])


def trained(kind: str | None):
    def bulk(level, on, codes):
        from tuopin.jobs.models import Attendance

        rows = Attendance.objects.filter(training__started_on__range=(dt.date(on.year, 1, 1), on))
        if kind:
            rows = rows.filter(training__kind=kind)
        pairs = rows.values_list("village__code", "person_id").distinct()
        grouped = group(level, pairs, codes)
        return {code: metrics.Value(Decimal(len(set(items)))) for code, items in grouped.items()}

    return bulk


def fair_hired(level, on, codes):
    from tuopin.jobs.models import JobFair

    pairs = JobFair.objects.filter(held_on__range=(dt.date(on.year, 1, 1), on)).values_list(
        "area__code", "hired"
    )
    return _sum_by_code(level, codes, pairs)


def relocated(with_worker: bool):
    def bulk(level, on, codes):
        from tuopin.registry.models import Household

        pairs = relocated_with_labour(Household.objects.all(), on).values_list(
            "village__code", "worker"
        )
        return rate_or_count(
            level,
            codes,
            pairs,
            (lambda worker: worker) if with_worker else (lambda worker: not worker),
            as_rate=False,
            empty=NO_RELOCATED,
        )

    return bulk


def relocated_with_labour(households, on: dt.date):
    """Active registered households that moved in (集中安置交钥匙 or 分散安置入住) and have at
    least one able worker, annotated ``worker``: a member in stable (full-time) work on ``on``."""
    from tuopin.jobs.models import Spell

    stable = Spell.objects.filter(_running(on), full_time=True, person__household=OuterRef("pk"))
    able = able_workers(on).filter(household=OuterRef("pk"))
    return (
        households.filter(is_active=True, is_registered=True, relocation__in=RELOCATED)
        .filter(Exists(able))
        .annotate(worker=Exists(stable))
    )


def _village_income(on: dt.date) -> list[tuple[str, Decimal, Decimal]]:
    """(village code, operating income, all income) of every active village for ``on``'s year."""
    from tuopin.jobs.codes import OPERATING_SOURCES
    from tuopin.org.models import Level, OrgUnit

    rows = (
        OrgUnit.objects.filter(level=Level.VILLAGE, is_active=True)
        .annotate(
            operating=Sum(
                "collective_income__amount",
                filter=Q(
                    collective_income__year=on.year,
                    collective_income__source__in=OPERATING_SOURCES,
                ),
            ),
            total=Sum("collective_income__amount", filter=Q(collective_income__year=on.year)),
        )
        .values_list("code", "operating", "total")
    )
    return [(code, operating or Decimal(0), total or Decimal(0)) for code, operating, total in rows]


def hollow(is_hollow: bool):
    def bulk(level, on, codes):
        pairs = [(code, operating) for code, operating, _ in _village_income(on)]
        return rate_or_count(
            level,
            codes,
            pairs,
            (lambda income: income <= 0) if is_hollow else (lambda income: income > 0),
            as_rate=False,
            empty=NO_VILLAGES,
        )

    return bulk


def income(per_village: bool):
    def bulk(level, on, codes):
        out = {}
        pairs = [(code, total) for code, _, total in _village_income(on)]
        for code, items in group(level, pairs, codes).items():
            if not items:
                out[code] = metrics.Value(None, reason=NO_VILLAGES)
                continue
            total = sum(items, Decimal(0))
            value = total / len(items) if per_village else total
            out[code] = metrics.Value(value.quantize(Decimal("0.0001")))
        return out

    return bulk


def coops_registered(level, on, codes):
    from tuopin.jobs.models import Cooperative

    pairs = (
        Cooperative.objects.filter(year=on.year, kind="shareholding", registered=True)
        .values_list("village__code", "village_id")
        .distinct()
    )
    grouped = group(level, pairs, codes)
    return {code: metrics.Value(Decimal(len(set(items)))) for code, items in grouped.items()}


stamp = metrics.table_stamp(
    "jobs.Spell",
    "jobs.JobFair",
    "jobs.Training",
    "jobs.Attendance",
    "jobs.Post",
    "jobs.Cooperative",
    "jobs.Income",
    "registry.Household",
    "registry.Person",
)


def definitions() -> list[dict]:
    jobs = [
        (
            "jobs.able_workers_transferred",
            "转移就业贫困劳动力",
            "人",
            transferred(False),
            "16–60岁、有劳动能力的建档立卡人员中，评估日有在岗务工经历的人数。",
            True,
        ),
        (
            "jobs.transfer_rate",
            "贫困劳动力转移就业率",
            "%",
            transferred(True),
            "转移就业贫困劳动力 ÷ 16–60岁有劳动能力的建档立卡人员。",
            True,
        ),
        (
            "jobs.posts_filled",
            "在岗公益性岗位",
            "个",
            posts_filled,
            "评估日在期且有在岗人员的公益性岗位和特设公岗个数。",
            True,
        ),
        (
            "jobs.trained",
            "今年参加培训人数",
            "人",
            trained(None),
            "今年（截至评估日）开班的培训的参训人数（同一人计一次）。",
            True,
        ),
        (
            "jobs.lianghou_trained",
            "今年两后生培训人数",
            "人",
            trained("lianghou"),
            "今年（截至评估日）开班的两后生培训的参训人数。",
            True,
        ),
        (
            "jobs.fair_hired",
            "招聘会录用贫困劳动力",
            "人",
            fair_hired,
            "今年（截至评估日）招聘会录用贫困劳动力人数合计（按举办地统计）。",
            True,
        ),
        (
            "jobs.relocated_with_worker",
            "有稳定就业成员的搬迁户",
            "户",
            relocated(True),
            "已入住、有劳动能力的易地搬迁建档立卡户中，评估日至少一名成员有全职务工的户数。",
            True,
        ),
        (
            "jobs.relocated_without_worker",
            "无稳定就业成员的搬迁户",
            "户",
            relocated(False),
            "已入住、有劳动能力的易地搬迁建档立卡户中，评估日没有成员全职务工的户数（应为零）。",
            False,
        ),
    ]
    economy = [
        (
            "economy.hollow_villages",
            "集体经济空壳村",
            "个",
            hollow(True),
            "评估日所在年度经营收入、发包及上交收入、投资收益合计为零（或未填报）的村数（应为零）。",
            False,
        ),
        (
            "economy.villages_with_income",
            "有集体经营性收入的村",
            "个",
            hollow(False),
            "评估日所在年度经营性集体收入大于零的村数。",
            True,
        ),
        (
            "economy.collective_income",
            "村集体收入",
            "万元",
            income(False),
            "评估日所在年度各来源集体收入合计（万元）。",
            True,
        ),
        (
            "economy.income_per_village",
            "村均集体收入",
            "万元",
            income(True),
            "评估日所在年度集体收入合计 ÷ 村数（万元）。",
            True,
        ),
        (
            "economy.coops_registered",
            "已登记股份经济合作社的村",
            "个",
            coops_registered,
            "评估日所在年度已登记赋码的股份经济合作社所在村数。",
            True,
        ),
    ]
    return contract(jobs, "jobs", stamp) + contract(economy, "economy", stamp)


def register_jobs_metrics() -> None:
    register(definitions())


__all__ = ["definitions", "register_jobs_metrics"]
