"""Command-centre pages: the county/town/village board, action drill-down, map, wall, GeoJSON."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from tuopin.dashboard import board as boards
from tuopin.dashboard import filters, mapdata, sources
from tuopin.dashboard.actions import GeoJSONRefused, import_geojson
from tuopin.dashboard.models import Boundary
from tuopin.lib import clock
from tuopin.org.access import can, is_county_wide
from tuopin.org.models import Level, OrgUnit, ResponsibleUnit
from tuopin.plan.models import Action, Measurement, Milestone

BOARD_LEVELS = (Level.COUNTY, Level.TOWN, Level.VILLAGE)
MAX_GEOJSON_BYTES = 20 * 1024 * 1024


def landing_scope(user) -> OrgUnit | None:
    """Where a user lands: their own scope (a town cadre on their town); None without one."""
    if user.scope_id is not None:
        return user.scope
    if user.is_superuser:
        return OrgUnit.objects.filter(level=Level.COUNTY).order_by("code").first()
    return None


def no_scope(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/no_scope.html", status=403)


def visible_scope(request: HttpRequest, code: str) -> OrgUnit:
    return get_object_or_404(
        OrgUnit.objects.visible_to(request.user).filter(level__in=BOARD_LEVELS), code=code
    )


def render_board(request: HttpRequest, scope: OrgUnit, template: str) -> HttpResponse:
    on, notices = filters.as_of(request.GET, clock.today())
    board = boards.build_board(scope, request.user, on, notices)
    return render(
        request,
        template,
        {"board": board, "week_param": request.GET.get("week", "") if not notices else ""},
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = landing_scope(request.user)
    if scope is None:
        return no_scope(request)
    return render_board(request, scope, "dashboard/board.html")


@login_required
def unit(request: HttpRequest, code: str) -> HttpResponse:
    return render_board(request, visible_scope(request, code), "dashboard/board.html")


@login_required
def wall(request: HttpRequest) -> HttpResponse:
    scope = landing_scope(request.user)
    if scope is None:
        return no_scope(request)
    template = "dashboard/wall_body.html" if request.headers.get("HX-Request") else "dashboard/wall.html"
    return render_board(request, scope, template)


def campaign_or_404(request: HttpRequest):
    scope = landing_scope(request.user)
    if scope is None:
        return None, None
    campaign = sources.campaign_for(scope)
    if campaign is None:
        raise Http404("尚未导入作战计划")
    return scope, campaign


def visible_measurements(user, milestone_ids: list[int]):
    """Measurements of units the user may see; county totals only for county-wide users."""
    rows = Measurement.objects.filter(milestone_id__in=milestone_ids).select_related("unit")
    units = ResponsibleUnit.objects.visible_to(user).values("pk")
    if is_county_wide(user):
        return rows
    return rows.filter(unit_id__in=units)


@login_required
def action(request: HttpRequest, number: int) -> HttpResponse:
    scope, campaign = campaign_or_404(request)
    if scope is None:
        return no_scope(request)
    on, notices = filters.as_of(request.GET, clock.today())
    action_obj = get_object_or_404(
        Action.objects.filter(campaign=campaign).prefetch_related("leaders", "units"), number=number
    )
    milestones = list(action_obj.milestones.order_by("deadline", "order"))
    statuses = sources.milestone_statuses(campaign, on)
    reason = statuses if isinstance(statuses, sources.Unavailable) else ""
    action_statuses = sources.action_statuses(campaign, on)
    action_status = (
        "unknown" if isinstance(action_statuses, sources.Unavailable) else action_statuses.get(action_obj.pk, "unknown")
    )
    rows = [
        (m, "unknown" if reason else statuses.get(m.pk, "unknown")) for m in milestones
    ]
    return render(
        request,
        "dashboard/action.html",
        {
            "scope": scope,
            "campaign": campaign,
            "action": action_obj,
            "action_status": action_status,
            "action_status_label": sources.STATUS_LABELS.get(action_status, "无数据"),
            "rows": [(m, s, sources.STATUS_LABELS.get(s, "无数据")) for m, s in rows],
            "reason": reason,
            "notices": notices,
            "plan_url": boards.url_or_blank("plan:action", action_obj.pk),
        },
    )


@login_required
def milestones(request: HttpRequest) -> HttpResponse:
    scope, campaign = campaign_or_404(request)
    if scope is None:
        return no_scope(request)
    on, notices = filters.as_of(request.GET, clock.today())
    status, more = filters.choice(
        request.GET,
        "status",
        [(key, sources.STATUS_LABELS[key]) for key in sources.MILESTONE_STATUSES],
        "",
    )
    notices += more
    statuses = sources.milestone_statuses(campaign, on)
    reason = statuses if isinstance(statuses, sources.Unavailable) else ""
    items = Milestone.objects.filter(action__campaign=campaign).select_related("action")
    rows = []
    for milestone in items.order_by("deadline", "action__number", "order"):
        state = "unknown" if reason else statuses.get(milestone.pk, "unknown")
        if status and state != status:
            continue
        rows.append((milestone, state, sources.STATUS_LABELS.get(state, "无数据")))
    return render(
        request,
        "dashboard/milestones.html",
        {
            "scope": scope,
            "campaign": campaign,
            "rows": rows,
            "status": status,
            "status_label": sources.STATUS_LABELS.get(status, ""),
            "reason": reason,
            "notices": notices,
            "statuses": [(key, sources.STATUS_LABELS[key]) for key in sources.MILESTONE_STATUSES],
        },
    )


@login_required
def milestone(request: HttpRequest, pk: int) -> HttpResponse:
    scope, campaign = campaign_or_404(request)
    if scope is None:
        return no_scope(request)
    on, notices = filters.as_of(request.GET, clock.today())
    item = get_object_or_404(
        Milestone.objects.filter(action__campaign=campaign).select_related("action"), pk=pk
    )
    statuses = sources.milestone_statuses(campaign, on)
    reason = statuses if isinstance(statuses, sources.Unavailable) else ""
    state = "unknown" if reason else statuses.get(item.pk, "unknown")
    measurements = list(visible_measurements(request.user, [item.pk]).order_by("-measured_at", "-id"))
    rows = [(m, sources.report_link(m)) for m in measurements]
    return render(
        request,
        "dashboard/milestone.html",
        {
            "scope": scope,
            "milestone": item,
            "state": state,
            "state_label": sources.STATUS_LABELS.get(state, "无数据"),
            "reason": reason,
            "rows": rows,
            "notices": notices,
        },
    )


def render_map(request: HttpRequest, scope: OrgUnit) -> HttpResponse:
    on, notices = filters.as_of(request.GET, clock.today())
    metric, more = filters.choice(request.GET, "metric", mapdata.MAP_METRICS, mapdata.MAP_METRICS[0][0])
    notices += more
    village_map = mapdata.build_map(scope, request.user, metric, on)
    return render(
        request,
        "dashboard/map.html",
        {
            "scope": scope,
            "map": village_map,
            "metrics": mapdata.MAP_METRICS,
            "notices": notices,
            "points_json": [p.as_json() for p in village_map.points],
            "can_import": can(request.user, "org.manage"),
        },
    )


@login_required
def map_home(request: HttpRequest) -> HttpResponse:
    scope = landing_scope(request.user)
    if scope is None:
        return no_scope(request)
    return render_map(request, scope)


@login_required
def map_unit(request: HttpRequest, code: str) -> HttpResponse:
    return render_map(request, visible_scope(request, code))


@login_required
@require_http_methods(["GET", "POST"])
def import_boundaries(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "org.manage"):
        return render(request, "dashboard/forbidden.html", status=403)
    errors: list[str] = []
    summary = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = ["请选择要导入的 GeoJSON 文件"]
        elif upload.size > MAX_GEOJSON_BYTES:
            errors = [f"文件 {upload.name} 超过 {MAX_GEOJSON_BYTES // 1024 // 1024} MB，请先简化边界"]
        else:
            try:
                summary = import_geojson(upload.read(), source_name=upload.name, actor=request.user)
            except GeoJSONRefused as refused:
                errors = refused.errors
    return render(
        request,
        "dashboard/import_geojson.html",
        {
            "errors": errors,
            "summary": summary,
            "count": Boundary.objects.count(),
        },
        status=400 if errors else 200,
    )

