"""API: the project and fund ledger in the caller's scope (HQ all, a town its places, a
department its own unit's projects), statuses as of a day, and the summary of the command line."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from ninja import Query, Router, Schema

from tuopin.ledger.api import add_routes
from tuopin.lib import clock
from tuopin.lib.bounds import Day, Offset, page_size
from tuopin.projects.codes import FundSource, ProjectKind, Status
from tuopin.projects.ledger_app import APP
from tuopin.projects.models import Project, ProjectSettings
from tuopin.projects.summary import money, rate, summary

router = Router(tags=["项目资金"])
MAX_LIMIT = 500
add_routes(router, APP)  # POST /import, GET /imports: the ledger engine's


class ProjectRow(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    place_code: str
    place_name: str
    unit: str
    action_number: int | None
    planned_start: dt.date | None
    planned_end: dt.date
    actual_start: dt.date | None
    actual_end: dt.date | None
    accepted_on: dt.date | None
    reimbursed_on: dt.date | None
    households: int | None
    persons: int | None
    status: str
    status_label: str
    overdue: bool


class ProjectPage(Schema):
    as_of: dt.date
    count: int
    offset: int
    limit: int
    items: list[ProjectRow]


class FundOut(Schema):
    source: str
    source_label: str
    document_no: str
    allocated_on: dt.date
    allocated: float
    disbursed: float
    reimbursed: float
    disbursement_rate: float | None
    idle: bool


class ProjectDetail(ProjectRow):
    funds: list[FundOut]


class ProjectFilter(Schema):
    as_of: Day | None = None
    kind: ProjectKind | None = None
    town: str = ""
    status: Status | None = None
    action: int | None = None
    overdue: bool = False
    offset: Offset = 0
    limit: page_size(MAX_LIMIT) = 100


class SummaryFilter(Schema):
    as_of: Day | None = None


def _row(project: Project, on: dt.date) -> dict:
    return {
        "code": project.code,
        "name": project.name,
        "kind": project.kind,
        "kind_label": project.get_kind_display(),
        "place_code": project.place.code,
        "place_name": project.place.name,
        "unit": project.unit.name,
        "action_number": project.action_number,
        "planned_start": project.planned_start,
        "planned_end": project.planned_end,
        "actual_start": project.actual_start,
        "actual_end": project.actual_end,
        "accepted_on": project.accepted_on,
        "reimbursed_on": project.reimbursed_on,
        "households": project.households,
        "persons": project.persons,
        "status": project.status_on(on),
        "status_label": project.status_label_on(on),
        "overdue": project.is_overdue_on(on),
    }


@router.get("/projects", response=ProjectPage, summary="项目列表（按统计日计算状态）")
def projects(request, filters: Query[ProjectFilter]):
    on = filters.as_of or clock.today()
    queryset = Project.objects.visible_to(request.user).select_related("place", "unit")
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.town:
        queryset = queryset.under(filters.town[:15])
    if filters.status:
        queryset = queryset.with_status_on(filters.status, on)
    if filters.action:
        queryset = queryset.filter(action_number=filters.action)
    if filters.overdue:
        queryset = queryset.overdue_on(on)
    queryset = queryset.order_by("code")
    items = queryset[filters.offset : filters.offset + filters.limit]
    return {
        "as_of": on,
        "count": queryset.count(),
        "offset": filters.offset,
        "limit": filters.limit,
        "items": [_row(p, on) for p in items],
    }


@router.get("/projects/{code}", response=ProjectDetail, summary="项目详情（含逐笔资金）")
def project_detail(request, code: str, filters: Query[SummaryFilter]):
    on = filters.as_of or clock.today()
    project = (
        Project.objects.visible_to(request.user)
        .select_related("place", "unit")
        .filter(code=code[:40])
        .first()
    )
    if project is None:
        raise Http404("没有这个项目，或不在您的范围内")
    days = ProjectSettings.current().idle_days
    labels = dict(FundSource.choices)
    funds = [
        {
            "source": f.source,
            "source_label": str(labels[f.source]),
            "document_no": f.document_no,
            "allocated_on": f.allocated_on,
            "allocated": money(f.allocated),
            "disbursed": money(f.disbursed),
            "reimbursed": money(f.reimbursed),
            "disbursement_rate": rate(f.disbursed, f.allocated),
            "idle": f.is_idle_on(on, days),
        }
        for f in project.funds.order_by("allocated_on", "id")
    ]
    return {**_row(project, on), "funds": funds}


@router.get("/summary", summary="项目与资金概况（与命令 tuopin projects summary 相同）")
def project_summary(request, filters: Query[SummaryFilter]) -> dict:
    on = filters.as_of or clock.today()
    return summary(on, Project.objects.visible_to(request.user))
