"""就业 and 集体经济 pages: the overviews (per village: able poor workers and those in work,
posts, training; collective income and the 空壳村 list), a village's 就业 and 集体经济 tabs, and
the two ledgers' import pages. Persons' citizen IDs go through org.privacy (masked unless the
reader works with households in that village).

Scope: HQ all, a town its villages; the county 人社局 (jobs) and 农业农村局 (economy) see the
whole county read-only."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from tuopin.jobs.codes import OPERATING_SOURCES, IncomeSource, labels
from tuopin.jobs.ledger_app import ECONOMY_APP, JOBS_APP
from tuopin.jobs.metrics import _running, able_workers, relocated_with_labour
from tuopin.jobs.models import Attendance, Cooperative, Income, JobFair, Post, Spell, Training
from tuopin.ledger.pages import LedgerPages
from tuopin.lib import clock
from tuopin.org import privacy
from tuopin.org.access import has_capability
from tuopin.org.models import Level, OrgUnit
from tuopin.registry.models import Household
from tuopin.water.sector import is_sector_department, sector_q
from tuopin.water.views import town_rollup, villages_for

_SOURCES = labels(IncomeSource)
_RECORD_KINDS = (
    ("spell", "务工"),
    ("fair", "招聘会"),
    ("training", "培训"),
    ("attendance", "培训人员"),
    ("post", "公益岗位"),
)


def _village(request: HttpRequest, code: str, sector: str) -> OrgUnit:
    village = get_object_or_404(OrgUnit, code=code, level=Level.VILLAGE)
    if not villages_for(request.user, sector).filter(pk=village.pk).exists():
        raise Http404("没有这个村或您无权查看")
    return village


def _can_import(user, capability: str, sector: str) -> bool:
    return has_capability(user, capability) and not is_sector_department(user, sector)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    on = clock.today()
    start = dt.date(on.year, 1, 1)
    villages = list(villages_for(user, "jobs"))
    ids = [v.pk for v in villages]
    counts: dict[int, Counter] = {pk: Counter() for pk in ids}
    working = Spell.objects.filter(_running(on), person=OuterRef("pk"))
    for village_id, work in (
        able_workers(on)
        .filter(household__village_id__in=ids)
        .annotate(w=Exists(working))
        .values_list("household__village_id", "w")
    ):
        counts[village_id]["able"] += 1
        counts[village_id]["working"] += work
    for village_id in Post.objects.filter(
        _running(on), village_id__in=ids, holder__isnull=False
    ).values_list("village_id", flat=True):
        counts[village_id]["posts"] += 1
    for village_id, _person in (
        Attendance.objects.filter(village_id__in=ids, training__started_on__range=(start, on))
        .values_list("village_id", "person_id")
        .distinct()
    ):
        counts[village_id]["trained"] += 1
    for village_id, worker in relocated_with_labour(
        Household.objects.filter(village_id__in=ids), on
    ).values_list("village_id", "worker"):
        counts[village_id]["relocated"] += 1
        counts[village_id]["relocated_without"] += not worker
    rows = [(v, counts[v.pk]) for v in villages]
    totals = sum((c for _, c in rows), Counter())
    return render(
        request,
        "jobs/home.html",
        {
            "on": on,
            "rows": rows,
            "towns": town_rollup(rows),
            "totals": totals,
            "rate": f"{totals['working'] * 100 / totals['able']:.1f}%" if totals["able"] else "—",
            "fairs": JobFair.objects.filter(
                sector_q(user, "jobs", "area__code"), held_on__gte=start
            ).order_by("-held_on")[:50],
            "trainings": Training.objects.filter(
                sector_q(user, "jobs", "area__code"), started_on__gte=start
            ).order_by("-started_on")[:50],
            "can_import": _can_import(user, "jobs.import", "jobs"),
            "can_record": _can_import(user, "jobs.record", "jobs"),
            "record_kinds": _RECORD_KINDS,
        },
    )


@login_required
def village_page(request: HttpRequest, code: str) -> HttpResponse:
    village = _village(request, code, "jobs")
    on = clock.today()
    spells = (
        Spell.objects.filter(village=village).select_related("person").order_by("-started_on")[:300]
    )
    posts = Post.objects.filter(village=village).select_related("holder").order_by("code")
    with privacy.output(request.user, what="就业台账", via="web") as shown:
        spell_rows = [
            (
                s,
                shown.of(s.person.household).citizen_id(s.person.id_number),
                s.ended_on is None or s.ended_on >= on,
            )
            for s in spells
        ]
        post_rows = [
            (p, shown.of(p.holder.household).citizen_id(p.holder.id_number) if p.holder else "")
            for p in posts
        ]
    return render(
        request,
        "jobs/village.html",
        {
            "village": village,
            "on": on,
            "spells": spell_rows,
            "posts": post_rows,
            "can_record": _can_import(request.user, "jobs.record", "jobs"),
        },
    )


def income_by_village(ids: list[int], year: int) -> dict[int, dict]:
    table: dict[int, dict] = {
        pk: {"operating": Decimal(0), "total": Decimal(0), "reported": False} for pk in ids
    }
    for village_id, source, amount in Income.objects.filter(
        village_id__in=ids, year=year
    ).values_list("village_id", "source", "amount"):
        row = table[village_id]
        row["reported"] = True
        row["total"] += amount
        if source in OPERATING_SOURCES:
            row["operating"] += amount
    return table


@login_required
def economy_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    on = clock.today()
    try:
        year = int(request.GET.get("year", on.year))
    except ValueError:
        year = on.year
    year = min(max(year, 2000), on.year)
    villages = list(villages_for(user, "economy"))
    table = income_by_village([v.pk for v in villages], year)
    coops = set(
        Cooperative.objects.filter(
            village__in=villages, year=year, kind="shareholding", registered=True
        ).values_list("village_id", flat=True)
    )
    rows = [(v, table[v.pk], v.pk in coops) for v in villages]
    hollow = [v for v, row, _ in rows if row["operating"] <= 0]
    towns = town_rollup(
        [
            (v, Counter(villages=1, hollow=row["operating"] <= 0, coops=coop, total=row["total"]))
            for v, row, coop in rows
        ]
    )
    return render(
        request,
        "jobs/economy.html",
        {
            "year": year,
            "years": list(range(on.year, 2015, -1)),
            "rows": rows,
            "hollow": hollow,
            "towns": towns,
            "total": sum((row["total"] for _, row, _ in rows), Decimal(0)),
            "can_import": _can_import(user, "economy.import", "economy"),
            "can_record": _can_import(user, "economy.record", "economy"),
        },
    )


@login_required
def economy_village(request: HttpRequest, code: str) -> HttpResponse:
    village = _village(request, code, "economy")
    incomes = (
        Income.objects.filter(village=village)
        .values("year", "source")
        .annotate(amount=Sum("amount"))
        .order_by("-year", "source")
    )
    return render(
        request,
        "jobs/economy_village.html",
        {
            "village": village,
            "can_record": _can_import(request.user, "economy.record", "economy"),
            "coops": Cooperative.objects.filter(village=village).order_by("-year", "name"),
            "incomes": [
                (row["year"], _SOURCES.get(row["source"], row["source"]), row["amount"])
                for row in incomes
            ],
        },
    )


JOBS_PAGES = LedgerPages(JOBS_APP, "jobs:", "jobs:home", "就业")
ECONOMY_PAGES = LedgerPages(ECONOMY_APP, "jobs:economy_", "jobs:economy", "集体经济")
import_upload, import_confirm, import_list, template = JOBS_PAGES.views()
(
    economy_import_upload,
    economy_import_confirm,
    economy_import_list,
    economy_template,
) = ECONOMY_PAGES.views()


def export_disclosure(user, what: str) -> privacy.Disclosure:
    """How a whole-scope export shows citizen IDs, logged when unmasked (the rows are read while
    the file streams, so the output is logged when the download is handed out, as the
    registry's export does). A user without a place of their own gets IDs masked."""
    if user.scope_id is None:
        return privacy.MASKED
    scope = user.scope
    with privacy.output(user, what=f"导出{what}（{scope.name}）", via="export") as out:
        return out.of(scope)


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The employment ledger as the user may see it, in the import layout; citizen IDs through
    org.privacy (in clear only for readers who work with households, so the file re-imports)."""
    from tuopin.jobs.layout import (
        ATTEND_SHEET,
        FAIR_SHEET,
        JOBS,
        POST_SHEET,
        SPELL_SHEET,
        TRAINING_SHEET,
    )
    from tuopin.water import exporter

    user = request.user
    shown = export_disclosure(user, "就业台账")
    person = {"id_number": "person__id_number", "name": "person__name"}
    chunks = exporter.stream(
        JOBS,
        {
            SPELL_SHEET: (
                Spell.objects.visible_to(user).order_by("village__code", "started_on", "pk"),
                person,
            ),
            FAIR_SHEET: (
                JobFair.objects.visible_to(user).order_by("held_on", "code"),
                {"area_code": "area__code"},
            ),
            TRAINING_SHEET: (
                Training.objects.visible_to(user).order_by("started_on", "code"),
                {"area_code": "area__code"},
            ),
            ATTEND_SHEET: (
                Attendance.objects.visible_to(user).order_by("training__code", "pk"),
                {**person, "training_code": "training__code"},
            ),
            POST_SHEET: (
                Post.objects.visible_to(user).order_by("code"),
                {"village_code": "village__code", "id_number": "holder__id_number"},
            ),
        },
        {"id_number": lambda value: shown.citizen_id(value or "")},
    )
    return exporter.response(chunks, "就业台账", exporter.scope_name(user))


@login_required
def economy_export(request: HttpRequest) -> HttpResponse:
    from tuopin.jobs.layout import COOP_SHEET, ECONOMY, INCOME_SHEET
    from tuopin.water import exporter

    user = request.user
    village = {"village_code": "village__code"}
    chunks = exporter.stream(
        ECONOMY,
        {
            COOP_SHEET: (
                Cooperative.objects.visible_to(user).order_by("village__code", "year", "name"),
                village,
            ),
            INCOME_SHEET: (
                Income.objects.visible_to(user).order_by("village__code", "year", "source"),
                village,
            ),
        },
    )
    return exporter.response(chunks, "村集体经济台账", exporter.scope_name(user))
