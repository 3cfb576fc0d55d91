"""API: the same verdicts as the pages and the CLI (JSON shapes of issue 7)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from tuopin.assess import engine, explain, present, rulesets
from tuopin.lib.bounds import Day, Offset, page_size
from tuopin.org import privacy
from tuopin.org.models import Level, OrgUnit
from tuopin.registry.models import Household

router = Router(tags=["退出评估"])


class AreaQuery(Schema):
    area: str | None = None
    as_of: Day | None = None


class HouseholdQuery(AreaQuery):
    failing_only: bool = False
    offset: Offset = 0
    limit: page_size(10000) = 1000


def _area(request, code: str | None) -> OrgUnit:
    user = request.user
    if code is None:
        if user.scope_id:
            return user.scope
        raise Http404
    return get_object_or_404(OrgUnit.objects.visible_to(user), code=code)


def _context(area: OrgUnit, as_of: dt.date | None) -> engine.Context:
    try:
        return engine.context_for(area.code, as_of=as_of)
    except (rulesets.RuleError, ValueError):
        raise Http404 from None


@router.get("/county", summary="县摘帽 7 项指标")
def county(request, query: Query[AreaQuery]) -> dict[str, Any]:
    area = _area(request, query.area)
    if area.level != Level.COUNTY:
        raise Http404
    evaluation = engine.evaluate_area(_context(area, query.as_of))
    out = present.county_json(evaluation.area)
    out["rates"] = present.rates_json(evaluation.area)
    out["risks"] = evaluation.area.risks
    return out


@router.get("/villages", summary="各村 7 项退出指标")
def villages(request, query: Query[AreaQuery]) -> list[dict[str, Any]]:
    area = _area(request, query.area)
    evaluation = engine.evaluate_area(_context(area, query.as_of))
    return [present.village_json(v) for v in evaluation.villages]


@router.get("/villages/{code}", summary="一个村的退出指标、三率估计与风险户数")
def village(request, code: str, as_of: Day | None = None) -> dict[str, Any]:
    area = get_object_or_404(
        OrgUnit.objects.visible_to(request.user), code=code, level=Level.VILLAGE
    )
    verdict = engine.evaluate_area(_context(area, as_of)).villages[0]
    out = present.village_json(verdict)
    out["rates"] = present.rates_json(verdict)
    out["risks"] = verdict.risks
    return out


@router.get("/households", summary="每户退出条件（含非建档立卡户）")
def households(request, query: Query[HouseholdQuery]) -> list[dict[str, Any]]:
    area = _area(request, query.area)
    as_of = privacy.disclosure(request.user, area).as_of(query.as_of)
    verdicts = engine.household_verdicts(_context(area, as_of))
    if query.failing_only:
        verdicts = (v for v in verdicts if not v.passed)
    return [
        v.as_json() for v in itertools.islice(verdicts, query.offset, query.offset + query.limit)
    ]


@router.get("/households/{household_no}", summary="一户的退出条件及说明")
def household(request, household_no: str, as_of: Day | None = None) -> dict[str, Any]:
    found = get_object_or_404(
        Household.objects.visible_to(request.user).select_related("village"),
        household_no=household_no,
    )
    as_of = privacy.disclosure(request.user, found).as_of(as_of)
    explanation = explain.explain(_context(found.village, as_of), found)
    out = explanation.verdict.as_json()
    out["explanation"] = [
        {
            "key": item.key,
            "label": item.label,
            "pass": item.passed,
            "reason": item.reason,
            "rule": item.rule,
        }
        for item in (*explanation.items, *explanation.gates)
    ]
    out["contradictions"] = explanation.verdict.checks
    return out
