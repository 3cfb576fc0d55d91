"""Project and fund pages: the list with filters and a map, a project (dates, money by source,
progress photos from a phone, history), a village's projects, the funds page, import/export.

Everything is scoped by ``Project.objects.visible_to``: HQ sees all, a town its places, a
department its own unit's projects."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_http_methods, require_POST

from tuopin.ledger import views as ledger_views
from tuopin.ledger.pages import LedgerPages
from tuopin.lib import clock, filekinds
from tuopin.org import audit, privacy, uploads
from tuopin.org.access import can, has_capability, is_county_wide
from tuopin.org.models import AuditEvent, Level, OrgUnit
from tuopin.org.widgets import DateInput
from tuopin.projects import actions, photos
from tuopin.projects.codes import FundSource, ProjectKind, Status, labels
from tuopin.projects.exporter import export_name, stream_projects
from tuopin.projects.ledger_app import APP
from tuopin.projects.models import FundAllocation, Project, ProjectPhoto, ProjectSettings
from tuopin.projects.summary import fund_totals, idle_q, money, rate

PAGE_SIZE = 50
_KIND = labels(ProjectKind)
_SOURCE = labels(FundSource)
_CRUMB = {"crumb_title": "项目资金"}


def _day(request: HttpRequest) -> dt.date:
    """The day the pages count as of (``?on=``), today by default; a bad value is today."""
    try:
        day = dt.date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        return clock.today()
    return day if 1900 <= day.year <= 2100 else clock.today()


class Filters(forms.Form):
    kind = forms.ChoiceField(label="类型", required=False)
    town = forms.ChoiceField(label="乡镇", required=False)
    status = forms.ChoiceField(label="状态", required=False)
    action = forms.TypedChoiceField(label="专项行动", required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label="只看逾期", required=False)
    q = forms.CharField(label="编号或名称", required=False, max_length=50)
    on = forms.DateField(label="统计日", required=False, widget=DateInput())

    def __init__(self, data, towns) -> None:
        super().__init__(data)
        self.fields["kind"].choices = [("", "全部"), *ProjectKind.choices]
        self.fields["town"].choices = [("", "全部"), *((t.code, t.name) for t in towns)]
        self.fields["status"].choices = [("", "全部"), *Status.choices]
        self.fields["action"].choices = [("", "全部"), *((n, f"专项行动{n}") for n in range(1, 20))]

    def apply(self, projects, on: dt.date):
        if not self.is_valid():
            return projects
        data = self.cleaned_data
        if data["kind"]:
            projects = projects.filter(kind=data["kind"])
        if data["town"]:
            projects = projects.under(data["town"])
        if data["status"]:
            projects = projects.with_status_on(data["status"], on)
        if data["action"]:
            projects = projects.filter(action_number=data["action"])
        if data["overdue"]:
            projects = projects.overdue_on(on)
        if data["q"]:
            projects = projects.filter(Q(code__icontains=data["q"]) | Q(name__icontains=data["q"]))
        return projects


def _towns(user):
    return list(
        OrgUnit.objects.visible_to(user).filter(level=Level.TOWN, is_active=True).order_by("code")
    )


def _rows(projects, on: dt.date) -> list[dict]:
    return [
        {
            "project": project,
            "status": project.status_label_on(on),
            "status_key": project.status_on(on),
            "overdue": project.is_overdue_on(on),
        }
        for project in projects
    ]


def _jitter(code: str) -> tuple[float, float]:
    """A small fixed offset per project, so the projects of one village do not hide each other."""
    digest = hashlib.sha256(code.encode()).digest()
    return ((digest[0] - 128) / 128 * 0.008, (digest[1] - 128) / 128 * 0.006)


def map_points(projects, on: dt.date) -> tuple[list[dict], int]:
    """Project points (the latest photo's location, else the place's, slightly spread) with the
    value 1 for 逾期 and 0 otherwise; and how many projects have no location."""
    located = {}
    for project_id, lon, lat in (
        ProjectPhoto.objects.filter(project__in=projects, longitude__isnull=False)
        .order_by("project_id", "taken_at")
        .values_list("project_id", "longitude", "latitude")
    ):
        located[project_id] = (float(lon), float(lat))
    points, missing = [], 0
    for project in projects.select_related("place"):
        where = located.get(project.pk)
        if where is None and project.place.longitude is not None:
            dx, dy = _jitter(project.code)
            where = (float(project.place.longitude) + dx, float(project.place.latitude) + dy)
        if where is None:
            missing += 1
            continue
        points.append(
            {
                "code": project.code,
                "name": project.name,
                "value": [where[0], where[1], 1 if project.is_overdue_on(on) else 0],
                "url": reverse("projects:project", args=[project.code]),
            }
        )
    return points, missing


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    towns = _towns(user)
    form = Filters(request.GET or None, towns)
    on = _day(request)
    visible = Project.objects.visible_to(user)
    projects = form.apply(visible, on).select_related("place", "unit").order_by("code")
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    points, missing = map_points(projects, on)
    funds = FundAllocation.objects.filter(project__in=visible.values("pk"))
    figures = {
        "total": visible.count(),
        "completed": visible.filter(actual_end__lte=on).count(),
        "overdue": visible.overdue_on(on).count(),
        "idle": funds.filter(idle_q(on)).values("project").distinct().count(),
        "rate": fund_totals(funds, on)["disbursement_rate"],
    }
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "page"])
    return render(
        request,
        "projects/home.html",
        {
            "form": form,
            "page": page,
            "rows": _rows(page.object_list, on),
            "figures": figures,
            "on": on,
            "query": query,
            "points_json": points,
            "points_count": len(points),
            "missing_points": missing,
            # Points on longitude/latitude axes, drawn by the dashboard's map script: the
            # boundaries belong to the dashboard, a floor above this one.
            "boundaries": None,
            "can_import": has_capability(user, APP.capability),
        },
    )


def _project_for(request: HttpRequest, code: str) -> Project:
    project = (
        Project.objects.visible_to(request.user)
        .select_related("place", "place__parent", "unit")
        .filter(code=code)
        .first()
    )
    if project is None:
        raise Http404("没有这个项目，或不在您的范围内")
    return project


def _history(project: Project) -> list[dict]:
    fund_ids = [str(pk) for pk in project.funds.values_list("pk", flat=True)]
    events = (
        AuditEvent.objects.filter(
            Q(model="projects.project", object_id=str(project.pk))
            | Q(model="projects.fundallocation", object_id__in=fund_ids)
        )
        .select_related("actor")
        .order_by("-at", "-id")[:100]
    )
    return [
        {"event": event, "changes": audit.readable_changes(event, privacy.MASKED)}
        for event in events
    ]


class PhotoForm(forms.Form):
    photo = forms.FileField(label="照片")
    note = forms.CharField(label="说明", required=False, max_length=200)
    taken_at = forms.CharField(required=False, widget=forms.HiddenInput)
    latitude = forms.CharField(required=False, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, widget=forms.HiddenInput)


@login_required
def project_page(request: HttpRequest, code: str) -> HttpResponse:
    project = _project_for(request, code)
    on = _day(request)
    funds = list(project.funds.order_by("allocated_on", "id"))
    days = ProjectSettings.current().idle_days
    by_source: dict[str, dict] = {}
    for item in funds:
        row = by_source.setdefault(
            _SOURCE[item.source],
            {"allocated": Decimal(0), "disbursed": Decimal(0), "reimbursed": Decimal(0)},
        )
        row["allocated"] += item.allocated
        row["disbursed"] += item.disbursed
        row["reimbursed"] += item.reimbursed
    totals = {
        key: sum((f.__dict__[key] for f in funds), Decimal(0))
        for key in ("allocated", "disbursed", "reimbursed")
    }
    return render(
        request,
        "projects/project.html",
        {
            "project": project,
            "on": on,
            "status": project.status_label_on(on),
            "status_key": project.status_on(on),
            "overdue": project.is_overdue_on(on),
            "funds": [(f, f.is_idle_on(on, days)) for f in funds],
            "by_source": sorted(by_source.items()),
            "totals": totals,
            "rate": rate(totals["disbursed"], totals["allocated"]),
            "photos": project.photos.select_related("uploaded_by")[:60],
            "history": _history(project),
            "can_photo": can(request.user, "projects.photo", project),
            "photo_form": PhotoForm(),
            "idle_days": days,
        },
    )


def _decimal_or_none(text: str, low: int, high: int) -> Decimal | None:
    try:
        value = Decimal(text).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        return None
    return value if low <= value <= high else None


MAX_PHOTO_BYTES = 20 * 1024 * 1024  # a phone photo is a few MB


@uploads.upload_limit(MAX_PHOTO_BYTES)
@login_required
@require_POST
def photo_upload(request: HttpRequest, code: str) -> HttpResponse:
    project = _project_for(request, code)
    if not can(request.user, "projects.photo", project):
        raise PermissionDenied("您没有上传该项目进度照片的权限")
    try:
        upload = uploads.received_file(request, "photo", kinds=filekinds.PHOTOS)
    except uploads.UploadRefused as error:
        messages.error(request, str(error))
        return redirect("projects:project", code=project.code)
    if upload is None:
        messages.error(request, "请选择或拍摄一张照片（.jpg 或 .png）")
        return redirect("projects:project", code=project.code)
    found = photos.facts(upload)
    taken_at = found.taken_at or photos.moment(request.POST.get("taken_at", ""))
    latitude = found.latitude
    longitude = found.longitude
    if latitude is None or longitude is None:
        latitude = _decimal_or_none(request.POST.get("latitude", ""), -90, 90)
        longitude = _decimal_or_none(request.POST.get("longitude", ""), -180, 180)
        if latitude is None or longitude is None:
            latitude = longitude = None
    actions.add_photo(
        project,
        upload,
        actor=request.user,
        taken_at=taken_at,
        latitude=latitude,
        longitude=longitude,
        note=(request.POST.get("note") or "").strip(),
    )
    messages.success(request, "照片已上传")
    return redirect("projects:project", code=project.code)


@login_required
def photo_file(request: HttpRequest, pk: int) -> HttpResponse:
    photo = get_object_or_404(ProjectPhoto.objects.select_related("project"), pk=pk)
    _project_for(request, photo.project.code)  # scope check
    try:
        handle = photo.image.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("照片文件不存在") from None
    suffix = photo.image.name.rsplit(".", 1)[-1].lower()
    content_type = "image/png" if suffix == "png" else "image/jpeg"
    return FileResponse(handle, content_type=content_type)


@login_required
def village_page(request: HttpRequest, code: str) -> HttpResponse:
    place = OrgUnit.objects.filter(code=code).first()
    if place is None:
        raise Http404("没有这个区划")
    on = _day(request)
    projects = (
        Project.objects.visible_to(request.user)
        .under(code)
        .select_related("place", "unit")
        .order_by("code")
    )
    funds = FundAllocation.objects.filter(project__in=projects.values("pk"))
    return render(
        request,
        "projects/village.html",
        {
            "place": place,
            "on": on,
            "rows": _rows(projects, on),
            "totals": fund_totals(funds, on),
        },
    )


class SettingsForm(forms.ModelForm):
    class Meta:
        model = ProjectSettings
        fields = ["idle_days"]


@login_required
@require_http_methods(["GET", "POST"])
def funds_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    on = _day(request)
    may_set = has_capability(user, "projects.settings")
    current = ProjectSettings.current()
    before = current.idle_days
    settings_form = SettingsForm(instance=current)
    if request.method == "POST":
        if not may_set:
            raise PermissionDenied("您没有修改设置的权限")
        settings_form = SettingsForm(request.POST, instance=current)
        if settings_form.is_valid():
            if settings_form.cleaned_data["idle_days"] == before:
                messages.info(request, "设置没有变化")
                return redirect("projects:funds")
            saved = settings_form.save()
            audit.record(
                saved, {"idle_days": [before, saved.idle_days]}, actor=user, action="修改设置"
            )
            messages.success(request, "已保存")
            return redirect("projects:funds")
    projects = Project.objects.visible_to(user)
    funds = FundAllocation.objects.filter(project__in=projects.values("pk"), allocated_on__lte=on)
    totals = fund_totals(funds, on)
    sums = {"a": Sum("allocated"), "d": Sum("disbursed"), "r": Sum("reimbursed")}

    def table(rows, label) -> list[dict]:
        rows = sorted(rows, key=lambda row: -(row["a"] or 0))
        return [
            {
                "label": label(row),
                "allocated": money(row["a"]),
                "disbursed": money(row["d"]),
                "reimbursed": money(row["r"]),
                "rate": rate(row["d"], row["a"]),
            }
            for row in rows
        ]

    by_source = table(
        funds.values("source").annotate(**sums).order_by("source"), lambda r: _SOURCE[r["source"]]
    )
    by_kind = table(
        funds.values("project__kind").annotate(**sums).order_by("project__kind"),
        lambda r: _KIND[r["project__kind"]],
    )
    town_names = dict(OrgUnit.objects.filter(level=Level.TOWN).values_list("code", "name"))
    by_town: dict[str, dict] = {}
    for row in funds.values("project__place__code").annotate(**sums):
        code = row["project__place__code"]
        name = town_names.get(code[:9], "县本级") if len(code) >= 9 else "县本级"
        entry = by_town.setdefault(name, {"a": Decimal(0), "d": Decimal(0), "r": Decimal(0)})
        for key in "adr":
            entry[key] += row[key] or Decimal(0)
    town_rows = table(
        [{"name": name, **values} for name, values in sorted(by_town.items())],
        lambda r: r["name"],
    )
    idle = (
        funds.filter(idle_q(on, current.idle_days))
        .select_related("project", "project__place", "project__unit")
        .order_by("allocated_on", "project__code")
    )
    return render(
        request,
        "projects/funds.html",
        {
            "on": on,
            "totals": totals,
            "by_source": by_source,
            "by_kind": by_kind,
            "by_town": town_rows,
            "idle": [(f, (on - f.allocated_on).days, f.rate) for f in idle[:300]],
            "idle_total": money(idle.aggregate(s=Sum("allocated"))["s"]),
            "idle_count": idle.count(),
            "idle_days": current.idle_days,
            "settings_form": settings_form if may_set else None,
        },
    )


# ---------------------------------------------------------------------------------------------
# Import, export, template, history (the ledger engine's plumbing)

PAGES = LedgerPages(
    APP,
    "projects:",
    "projects:home",
    "项目库",
    note="文件中没有的项目不受影响",
    head="projects/_head.html",
    tiles=(
        ("projects_added", "新增项目", "ok"),
        ("projects_changed", "修改项目", "warn"),
        ("projects_unchanged", "未变项目", ""),
        ("funds_added", "新增资金", "ok"),
        ("funds_changed", "修改资金", "warn"),
        ("funds_unchanged", "未变资金", ""),
    ),
)
import_upload, import_confirm, import_list, template = PAGES.views()


@login_required
def export(request: HttpRequest) -> HttpResponse:
    user = request.user
    projects = Project.objects.visible_to(user)
    name = user.scope.name if user.scope_id else (user.unit.name if user.unit_id else "全部")
    if is_county_wide(user) and user.scope_id is None:
        name = "全部"
    response = StreamingHttpResponse(
        stream_projects(projects), content_type=ledger_views.XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = content_disposition_header(
        True, export_name(name, clock.today())
    )
    return response
