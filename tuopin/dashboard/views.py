"""Command-centre pages: the county/town/village board, action drill-down, map, wall, GeoJSON."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from tuopin.assess import comparison
from tuopin.dashboard import board as boards
from tuopin.dashboard import catalogue as catalogue_data
from tuopin.dashboard import filters, mapdata, sectors, sources
from tuopin.dashboard.actions import GeoJSONRefused, import_geojson
from tuopin.dashboard.models import Boundary, Sector, SectorGrant
from tuopin.lib import clock, filekinds, metrics
from tuopin.org import uploads
from tuopin.org.access import can, is_county_wide
from tuopin.org.models import Level, OrgUnit, ResponsibleUnit
from tuopin.plan import indicators
from tuopin.plan.models import Action, Measurement, Milestone

BOARD_LEVELS = (Level.COUNTY, Level.TOWN, Level.VILLAGE)
MAX_GEOJSON_BYTES = 20 * 1024 * 1024


def status_label(status) -> str:
    """plan.progress's own label when it gave one, else ours (无数据 when unknown)."""
    return getattr(status, "label", "") or sources.STATUS_LABELS.get(str(status), "无数据")


def landing_scope(user) -> OrgUnit | None:
    """Where a user lands: their own scope (a town cadre on their town); None without one."""
    if user.scope_id is not None:
        if user.scope.level in BOARD_LEVELS:
            return user.scope
        # A province or city account lands on its first county (boards start at the county).
        return (
            OrgUnit.objects.under(user.scope.code)
            .filter(level=Level.COUNTY)
            .order_by("code")
            .first()
        )
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
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    scope = landing_scope(request.user)
    if scope is None:
        return no_scope(request)
    return render_board(request, scope, "dashboard/board.html")


@login_required
@require_safe
def unit(request: HttpRequest, code: str) -> HttpResponse:
    return render_board(request, visible_scope(request, code), "dashboard/board.html")


@login_required
@require_safe
def wall(request: HttpRequest) -> HttpResponse:
    scope = landing_scope(request.user)
    if scope is None:
        return no_scope(request)
    template = (
        "dashboard/wall_body.html" if request.headers.get("HX-Request") else "dashboard/wall.html"
    )
    return render_board(request, scope, template)


@login_required
@require_safe
def exit_fragment(request: HttpRequest, code: str) -> HttpResponse:
    """assess's figures for a board, loaded by htmx after the page (evaluation can take seconds)."""
    scope = visible_scope(request, code)
    on, _notices = filters.as_of(request.GET, clock.today())
    result = sources.exit_figures(scope, on)
    tiles, rows, items = boards.exit_view(scope, request.user, on, result)
    return render(
        request,
        "dashboard/_exit.html",
        {
            "scope": scope,
            "tiles": tiles,
            "rows": rows,
            "items": items,
            "reason": result if isinstance(result, sources.Unavailable) else "",
            "assess_url": boards.url_or_blank("assess:village", scope.code)
            if scope.level == Level.VILLAGE
            else boards.url_or_blank("assess:home"),
            "child_label": "镇" if scope.level == Level.COUNTY else "村",
            "standing": comparison.standing(scope.code),
        },
    )


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
@require_safe
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
    by_action = sources.action_statuses(campaign, on)
    action_status = (
        "unknown"
        if isinstance(by_action, sources.Unavailable)
        else by_action.get(action_obj.pk, "unknown")
    )
    rows = []
    for item in milestones:
        state = "unknown" if reason else statuses.get(item.pk, "unknown")
        rows.append((item, str(state), status_label(state), getattr(state, "reason", "")))
    return render(
        request,
        "dashboard/action.html",
        {
            "scope": scope,
            "campaign": campaign,
            "action": action_obj,
            "action_status": str(action_status),
            "action_status_label": status_label(action_status),
            "rows": rows,
            "reason": reason,
            "notices": notices,
            "plan_url": boards.url_or_blank("plan:action", action_obj.pk),
        },
    )


@login_required
@require_safe
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
    within = None
    raw_scope = request.GET.get("scope", "")
    if raw_scope:
        within = (
            OrgUnit.objects.visible_to(request.user)
            .filter(level=Level.TOWN, code=raw_scope)
            .first()
        )
        if within is None:
            notices.append(f"参数 scope={raw_scope[:20]} 不是您可查看的镇，已忽略")
    statuses = sources.milestone_statuses(campaign, on, within)
    reason = statuses if isinstance(statuses, sources.Unavailable) else ""
    items = sources.scoped_milestones(campaign, within).select_related("action")
    rows = []
    for milestone in items.order_by("deadline", "action__number", "order"):
        state = "unknown" if reason else statuses.get(milestone.pk, "unknown")
        if status and state != status:
            continue
        rows.append((milestone, str(state), status_label(state)))
    return render(
        request,
        "dashboard/milestones.html",
        {
            "scope": scope,
            "within": within,
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
@require_safe
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
    explanation = getattr(state, "reason", "")
    measurements = list(
        visible_measurements(request.user, [item.pk]).order_by("-measured_at", "-id")
    )
    links = sources.report_links(measurements)
    rows = [(m, links[m.pk]) for m in measurements]
    found = indicators.reconcile([item], campaign.county, on)
    return render(
        request,
        "dashboard/milestone.html",
        {
            "reconciliation": found[0] if found else None,
            "scope": scope,
            "milestone": item,
            "state": str(state),
            "state_label": status_label(state),
            "explanation": explanation,
            "current": getattr(state, "current", None),
            "reason": reason,
            "rows": rows,
            "notices": notices,
        },
    )


def render_map(request: HttpRequest, scope: OrgUnit) -> HttpResponse:
    on, notices = filters.as_of(request.GET, clock.today())
    metric, more = filters.choice(
        request.GET, "metric", mapdata.MAP_METRICS, mapdata.MAP_METRICS[0][0]
    )
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
@require_safe
def map_home(request: HttpRequest) -> HttpResponse:
    scope = landing_scope(request.user)
    if scope is None:
        return no_scope(request)
    return render_map(request, scope)


@login_required
@require_safe
def map_unit(request: HttpRequest, code: str) -> HttpResponse:
    return render_map(request, visible_scope(request, code))


@uploads.upload_limit(MAX_GEOJSON_BYTES)
@login_required
@require_http_methods(["GET", "POST"])
def import_boundaries(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "org.manage"):
        return render(request, "dashboard/forbidden.html", status=403)
    errors: list[str] = []
    summary = None
    if request.method == "POST":
        try:
            upload = uploads.received_file(request, "file", kinds=filekinds.GEOJSON)
        except uploads.UploadRefused as error:
            upload, errors = None, [str(error)]
        if upload is None and not errors:
            errors = ["请选择要导入的 GeoJSON 文件"]
        elif upload is not None:
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


@login_required
@require_safe
def catalogue(request: HttpRequest) -> HttpResponse:
    """指标目录: every metric with the value for the user's area (or ``?scope=``)."""
    scope = landing_scope(request.user)
    if scope is None:
        return no_scope(request)
    raw = request.GET.get("scope", "")
    if raw:
        scope = visible_scope(request, raw[:15])
    on, notices = filters.as_of(request.GET, clock.today())
    return render(
        request,
        "dashboard/catalogue.html",
        {
            "scope": scope,
            "on": on,
            "notices": notices,
            "entries": catalogue_data.entries(scope, on),
        },
    )


@login_required
@require_safe
def metric(request: HttpRequest, key: str) -> HttpResponse:
    """One metric: its definition, the area's value and the value of each town or village."""
    scope = landing_scope(request.user)
    if scope is None:
        return no_scope(request)
    raw = request.GET.get("scope", "")
    if raw:
        scope = visible_scope(request, raw[:15])
    try:
        item = metrics.get(key)
    except metrics.UnknownMetric:
        raise Http404("没有这个指标") from None
    on, notices = filters.as_of(request.GET, clock.today())
    level = metrics.level_of(scope)
    if item.evaluable_at(level):
        value = metrics.evaluate(item.key, scope, on)
    else:
        value = metrics.Value(None, reason="该指标" + metrics.not_evaluable_reason(item, level))
    child_level, rows = catalogue_data.parts(item, scope, on)
    return render(
        request,
        "dashboard/metric.html",
        {
            "scope": scope,
            "on": on,
            "notices": notices,
            "metric": item,
            "value_text": catalogue_data.show(value, item.unit),
            "source": catalogue_data.source_label(item),
            "levels": catalogue_data.levels_label(item),
            "child_label": metrics.LEVEL_LABELS.get(child_level or "", ""),
            "rows": rows,
            "ancestors": OrgUnit.objects.visible_to(request.user).filter(
                pk__in=[u.pk for u in scope.ancestors() if u.level in BOARD_LEVELS]
            ),
        },
    )


def sector_landing(user) -> str | None:
    """A department account with a sector grant (and no place of its own) lands on its board."""
    if user.scope_id is not None or user.unit_id is None:
        return None
    if not sectors.sectors_of(user.unit):
        return None
    return reverse("dashboard:sector")


@login_required
@require_safe
def sector_board(request: HttpRequest) -> HttpResponse:
    """行业数据: the sector data a department's grant covers, across all towns, read-only."""
    user = request.user
    unit = user.unit
    raw = request.GET.get("unit", "")
    if raw and can(user, "org.manage"):  # HQ looks at what a department sees
        unit = get_object_or_404(ResponsibleUnit.objects.visible_to(user), pk=raw)
    granted = sectors.sectors_of(unit)
    if not granted:
        raise PermissionDenied("本单位没有行业数据授权；如需查看，请联系县脱贫办开通")
    county = OrgUnit.objects.filter(code=unit.org_unit.code[:6], level=Level.COUNTY).first()
    if county is None:
        raise Http404("本单位不属于任何县")
    on, notices = filters.as_of(request.GET, clock.today())
    return render(
        request,
        "dashboard/sector.html",
        {
            "unit": unit,
            "county": county,
            "on": on,
            "notices": notices,
            "sections": sectors.board(granted, county, user, on),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def sector_grants(request: HttpRequest) -> HttpResponse:
    """HQ grants county departments read-only access to their sector's data."""
    if not can(request.user, "org.manage"):
        raise PermissionDenied("只有县脱贫办管理员可以修改行业数据授权")
    units = list(
        ResponsibleUnit.objects.visible_to(request.user)
        .filter(kind="department", is_active=True)
        .order_by("name")
    )
    if request.method == "POST":
        changed = 0
        for unit in units:
            chosen = [s for s in request.POST.getlist(f"u{unit.pk}") if s in Sector.values]
            changed += bool(sectors.set_grants(unit, chosen, actor=request.user))
        messages.success(
            request, f"已保存：{changed} 个单位的授权有变化" if changed else "没有修改"
        )
        return redirect("dashboard:sector_grants")
    granted: dict[int, set[str]] = {}
    for unit_id, sector in SectorGrant.objects.filter(unit__in=units).values_list(
        "unit_id", "sector"
    ):
        granted.setdefault(unit_id, set()).add(sector)
    rows = [
        (
            unit,
            [
                (value, label, value in granted.get(unit.pk, set()))
                for value, label in Sector.choices
            ],
        )
        for unit in units
    ]
    return render(
        request, "dashboard/sector_grants.html", {"rows": rows, "sectors": Sector.choices}
    )
