"""Registry pages: search, village, household (with history), import, export, template."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Count, Q, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import escape, format_html
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST

from tuopin.ledger.staging import Stage
from tuopin.lib import clock, filekinds
from tuopin.org import audit, privacy, uploads
from tuopin.org.access import can, has_capability
from tuopin.org.models import AuditEvent, Level, OrgUnit
from tuopin.org.widgets import DateInput
from tuopin.registry import actions, codes
from tuopin.registry.exporter import stream_registry, write_template
from tuopin.registry.importer import plan_import, shown_value
from tuopin.registry.models import (
    Household,
    ImportBatch,
    Person,
    VillageFacts,
    citizen_id_query,
)
from tuopin.registry.reader import WorkbookRefused, read_workbook

STAGE = Stage("registry-imports", "registry_import")


SESSION_KEY = STAGE.session_key
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    households = Household.objects.visible_to(user).active()
    query = request.GET.get("q", "")[:50]
    include_closed = request.GET.get("closed") == "1"
    filters = SearchFilters(user, request.GET)
    results = None
    if query.strip() or filters.active:
        by_id = privacy.disclosure(user).unmasked
        if not by_id and citizen_id_query(query) is not None:
            messages.warning(request, "按证件号码查找需要查看个人信息的权限；请按户编号或姓名查找")
        found = (
            filters.apply(
                (Household.objects.visible_to(user) if include_closed else households).search(
                    query, by_citizen_id=by_id
                )
            )
            .select_related("village", "village__parent")
            .order_by("household_no")
        )
        results = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
        matches = _matching_members(list(results), query)
        for household in results:
            household.shown_id = privacy.MASKED.citizen_id(household.head_id_number)
            household.shown_head = highlight(household.head_name, query)
            household.matched = matches.get(household.pk, [])
    villages = (
        OrgUnit.objects.visible_to(user)
        .filter(level=Level.VILLAGE)
        .annotate(
            household_total=Count("households", filter=Q(households__is_active=True)),
            registered_total=Count(
                "households",
                filter=Q(households__is_active=True, households__is_registered=True),
            ),
            person_total=Sum("households__member_count", filter=Q(households__is_active=True)),
        )
        .order_by("code")
    )
    village_page = Paginator(villages, 60).get_page(request.GET.get("vpage"))
    totals = households.aggregate(
        households=Count("pk"),
        registered=Count("pk", filter=Q(is_registered=True)),
        persons=Sum("member_count"),
        registered_persons=Sum("member_count", filter=Q(is_registered=True)),
    )
    scope = user.scope if user.scope_id else None
    return render(
        request,
        "registry/home.html",
        {
            "query": query,
            "include_closed": include_closed,
            "filters": filters,
            "results": results,
            "villages": village_page,
            "totals": totals,
            "scope": scope,
            "can_import": has_capability(user, "registry.import"),
            "has_scope": bool(user.is_superuser or user.scope_id),
        },
    )


class SearchFilters:
    """The search's filters (镇, 村, 脱贫状态, 贫困户属性), offered within the reader's scope."""

    STATUSES = [
        ("registered", "建档立卡户（全部）"),
        *[(value, f"建档立卡·{label}") for value, label in codes.ExitStatus.choices],
        ("unregistered", "非建档立卡户"),
    ]
    ATTRIBUTES = codes.PovertyAttribute.choices

    def __init__(self, user, params) -> None:
        self.towns = list(
            OrgUnit.objects.visible_to(user).filter(level=Level.TOWN).order_by("code")
        )
        town_codes = {town.code for town in self.towns}
        self.town = params.get("town", "") if params.get("town", "") in town_codes else ""
        villages = OrgUnit.objects.visible_to(user).filter(level=Level.VILLAGE)
        if self.town:
            villages = villages.filter(parent__code=self.town)
        self.villages = list(villages.order_by("code"))
        village_codes = {village.code for village in self.villages}
        self.village = (
            params.get("village", "") if params.get("village", "") in village_codes else ""
        )
        self.status = (
            params.get("status", "") if params.get("status", "") in dict(self.STATUSES) else ""
        )
        attribute = params.get("attribute", "")
        self.attribute = attribute if attribute in dict(self.ATTRIBUTES) else ""
        self.cohorts = [str(year) for year in range(2014, 2021)]
        cohort = params.get("cohort", "")
        self.cohort = cohort if cohort in self.cohorts else ""

    @property
    def active(self) -> bool:
        return bool(self.town or self.village or self.status or self.attribute or self.cohort)

    def apply(self, households):
        if self.village:
            households = households.filter(village__code=self.village)
        elif self.town:
            households = households.filter(village__parent__code=self.town)
        if self.status == "registered":
            households = households.filter(is_registered=True)
        elif self.status == "unregistered":
            households = households.filter(is_registered=False)
        elif self.status:
            households = households.filter(is_registered=True, exit_status=self.status)
        if self.attribute:
            households = households.filter(poverty_attribute=self.attribute)
        if self.cohort:
            households = households.cohort(int(self.cohort))
        return households


def highlight(text: str, query: str) -> str:
    """``text`` escaped, with the first occurrence of ``query`` marked (<mark>)."""
    needle = query.strip()
    at = text.find(needle) if needle else -1
    if at < 0:
        return escape(text)
    end = at + len(needle)
    return format_html("{}<mark>{}</mark>{}", text[:at], text[at:end], text[end:])


def _matching_members(households: list[Household], query: str) -> dict[int, list[str]]:
    """Per household on the page, the members (other than the head) whose name matched, marked;
    a search by ID names the member it found (the ID itself is not shown)."""
    needle = query.strip()
    if not needle or not households or needle.upper().replace(" ", "").isdigit():
        return {}
    people = Person.objects.filter(household__in=households, is_active=True)
    normalised = citizen_id_query(needle)
    if normalised is not None:
        people = people.filter(id_number=normalised)
    else:
        people = people.filter(name__contains=needle).exclude(relationship=codes.Relationship.HEAD)
    found: dict[int, list[str]] = {}
    for person in people.order_by("relationship", "id"):
        shown = escape(person.name) if normalised is not None else highlight(person.name, needle)
        label = person.get_relationship_display()
        found.setdefault(person.household_id, []).append(format_html("{}（{}）", shown, label))
    return found


@login_required
def village_page(request: HttpRequest, code: str) -> HttpResponse:
    village = get_object_or_404(
        OrgUnit.objects.visible_to(request.user), code=code, level=Level.VILLAGE
    )
    facts = VillageFacts.objects.filter(village=village).first()
    households = Household.objects.filter(village=village, is_active=True)
    show = request.GET.get("show", "")
    if show == "registered":
        households = households.filter(is_registered=True)
    page = Paginator(households.order_by("household_no"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for household in page:
        household.shown_id = privacy.MASKED.citizen_id(household.head_id_number)
    totals = Household.objects.filter(village=village, is_active=True).aggregate(
        households=Count("pk"),
        registered=Count("pk", filter=Q(is_registered=True)),
        not_exited=Count("pk", filter=Q(is_registered=True, exit_status="not_exited")),
        persons=Sum("member_count"),
    )
    return render(
        request,
        "registry/village.html",
        {
            "village": village,
            "town": village.parent,
            "facts": facts,
            "page": page,
            "totals": totals,
            "show": show,
        },
    )


def _household_for(request: HttpRequest, household_no: str) -> Household:
    return get_object_or_404(
        Household.objects.visible_to(request.user).select_related("village", "village__parent"),
        household_no=household_no,
    )


def _history(household: Household, member_ids: list[int], shown: privacy.Disclosure) -> list[dict]:
    events = audit.history(household).select_related("actor")[:200]
    person_events = (
        AuditEvent.objects.filter(
            model=Person._meta.label_lower, object_id__in=[str(pk) for pk in member_ids]
        )
        .select_related("actor")
        .order_by("-at", "-id")[:200]
    )
    rows = []
    for event, model in [(e, Household) for e in events] + [(e, Person) for e in person_events]:
        changes = []
        for name, pair in (event.changes or {}).items():
            label = audit.field_label(event.model, name)
            old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
            old, new = shown.value(name, old), shown.value(name, new)
            changes.append((label, shown_value(name, old), shown_value(name, new)))
        rows.append(
            {
                "at": event.at,
                "actor": event.actor.display_name if event.actor else "系统",
                "action": event.action,
                "what": event.object_repr if model is Person else "户",
                "changes": changes,
                "note": event.note,
            }
        )
    rows.sort(key=lambda row: row["at"], reverse=True)
    return rows


@login_required
def household_page(request: HttpRequest, household_no: str) -> HttpResponse:
    household = _household_for(request, household_no)
    members = list(household.members.order_by("-is_active", "relationship", "id"))
    shown = privacy.shown(request.user, household, what="户页面：证件号码、电话、出生日期")
    today = clock.today()
    for person in members:
        person.shown_id = shown.citizen_id(person.id_number)
        person.shown_age = shown.age(person.age_on(today))
    return render(
        request,
        "registry/household.html",
        {
            "household": household,
            "members": members,
            "unmasked": shown.unmasked,
            "head_id": shown.citizen_id(household.head_id_number),
            "phone": shown.phone(household.phone),
            "helper_phone": shown.phone(household.helper_phone),
            "history": _history(household, [p.pk for p in members], shown),
            "can_edit": can(request.user, "registry.edit", household),
            "can_reopen": can(request.user, "registry.reopen", household),
            "causes": shown_value("other_causes", household.other_causes),
            "edit_form": HouseholdForm(instance=household),
        },
    )


class HouseholdForm(forms.ModelForm):
    class Meta:
        model = Household
        fields = list(actions.EDITABLE_FIELDS)
        widgets = {"housing_appraised_on": DateInput()}


@login_required
@require_POST
def household_edit(request: HttpRequest, household_no: str) -> HttpResponse:
    household = _household_for(request, household_no)
    if not can(request.user, "registry.edit", household):
        raise PermissionDenied("您没有修改该户档案的权限")
    form = HouseholdForm(request.POST, instance=Household.objects.get(pk=household.pk))
    if not form.is_valid():
        messages.error(
            request,
            "修改未保存："
            + "；".join(
                f"{form.fields[name].label}：{'，'.join(errors)}"
                for name, errors in form.errors.items()
            ),
        )
        return redirect("registry:household", household_no=household.household_no)
    values = {name: form.cleaned_data[name] for name in actions.EDITABLE_FIELDS}
    changes = actions.update_household(request.user, household, values)
    messages.success(request, f"已保存，修改了 {len(changes)} 项" if changes else "没有修改")
    return redirect("registry:household", household_no=household.household_no)


@login_required
@require_POST
def household_close(request: HttpRequest, household_no: str) -> HttpResponse:
    household = _household_for(request, household_no)
    if not can(request.user, "registry.edit", household):
        raise PermissionDenied("您没有注销该户的权限")
    if request.POST.get("confirm") != "1":
        messages.error(request, "未注销：请勾选“确认注销该户”后再提交")
        return redirect("registry:household", household_no=household.household_no)
    try:
        actions.close_household(request.user, household, request.POST.get("reason", ""))
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"户 {household.household_no} 已注销（档案保留，可在变更记录中查看）"
        )
    return redirect("registry:household", household_no=household.household_no)


@login_required
@require_POST
def household_reopen(request: HttpRequest, household_no: str) -> HttpResponse:
    household = _household_for(request, household_no)
    if not can(request.user, "registry.reopen", household):
        raise PermissionDenied("只有县指挥部和镇干部可以恢复已注销的户")
    try:
        actions.reopen_household(request.user, household, request.POST.get("reason", ""))
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"户 {household.household_no} 已恢复")
    return redirect("registry:household", household_no=household.household_no)


# ---------------------------------------------------------------------------------------------
# Import


def _require_import(request: HttpRequest) -> None:
    if not has_capability(request.user, "registry.import"):
        raise PermissionDenied("您没有导入档案的权限")


def _plan_from(path: Path, filename: str, request: HttpRequest, replace: bool):
    sheets = read_workbook(path, filename)
    return plan_import(sheets, user=request.user, replace_villages=replace)


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    _require_import(request)
    if request.method == "GET":
        return render(request, "registry/import.html", {})
    try:
        upload = uploads.received_file(request, "file", kinds=filekinds.WORKBOOKS)
    except uploads.UploadRefused as error:
        return render(request, "registry/import.html", {"error": str(error)}, status=400)
    replace = request.POST.get("replace") == "1"
    if upload is None:
        return render(
            request,
            "registry/import.html",
            {"error": "请选择要上传的 Excel 文件（.xlsx 或 .xls）"},
            status=400,
        )
    staged = STAGE.keep(upload)
    token, path, filename = staged.token, staged.path, staged.filename
    try:
        plan = _plan_from(path, filename, request, replace)
    except WorkbookRefused as error:
        path.unlink(missing_ok=True)
        return render(request, "registry/import.html", {"error": str(error)}, status=400)
    if not plan.ok or not plan.has_changes:
        path.unlink(missing_ok=True)
    else:
        STAGE.remember(request, staged, replace=replace, counts=plan.counts)
    return render(
        request,
        "registry/import_review.html",
        {"plan": plan, "filename": filename, "token": token, "replace": replace},
        status=200 if plan.ok else 400,
    )


@login_required
@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    _require_import(request)
    pending = STAGE.pending(request)
    if pending is None:
        messages.error(request, "导入已过期或已完成，请重新上传文件")
        return redirect("registry:import")
    path = STAGE.path(pending["token"])
    if not path.exists():
        messages.error(request, "上传的文件已不存在，请重新上传")
        return redirect("registry:import")
    try:
        plan = _plan_from(path, pending["filename"], request, pending["replace"])
        if plan.ok and plan.counts != pending["counts"]:
            # The registry changed since the review: show the new summary again.
            pending["counts"] = plan.counts
            request.session[SESSION_KEY] = pending
            messages.warning(request, "档案在您审核期间发生了变化，请重新核对变更摘要后再确认")
            return render(
                request,
                "registry/import_review.html",
                {
                    "plan": plan,
                    "filename": pending["filename"],
                    "token": pending["token"],
                    "replace": pending["replace"],
                },
            )
        if not plan.ok:
            return render(
                request,
                "registry/import_review.html",
                {
                    "plan": plan,
                    "filename": pending["filename"],
                    "token": "",
                    "replace": pending["replace"],
                },
                status=400,
            )
        batch = actions.apply_import(
            plan,
            actor=request.user,
            source="web",
            filename=pending["filename"],
            sha256=pending["sha256"],
        )
    except WorkbookRefused as error:
        messages.error(request, str(error))
        return redirect("registry:import")
    except IntegrityError:
        messages.error(request, "导入时档案被他人同时修改，未导入任何数据；请重新上传")
        return redirect("registry:import")
    finally:
        path.unlink(missing_ok=True)
    STAGE.forget(request)
    counts = batch.summary
    messages.success(
        request,
        f"导入完成：新增 {counts.get('households_added', 0)} 户 {counts.get('persons_added', 0)} 人，"
        f"修改 {counts.get('households_changed', 0)} 户 {counts.get('persons_changed', 0)} 人",
    )
    return redirect("registry:imports")


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    _require_import(request)
    batches = ImportBatch.objects.select_related("actor")
    if not request.user.is_superuser:
        if request.user.scope_id is None:
            batches = batches.none()
        else:
            code = request.user.scope.code
            batches = batches.filter(Q(actor=request.user) | Q(scope_code__startswith=code))
    return render(request, "registry/imports.html", {"batches": batches[:100]})


# ---------------------------------------------------------------------------------------------
# Export and template


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The workbook streams while it is written: the first bytes leave at once, so no proxy
    times out on a county (270k persons) before the download starts."""
    user = request.user
    code = request.GET.get("scope", "") or (user.scope.code if user.scope_id else "")
    scope = OrgUnit.objects.visible_to(user).filter(code=code).first()
    if scope is None:
        raise Http404("没有可导出的范围")
    villages = list(
        OrgUnit.objects.visible_to(user)
        .under(scope.code)
        .filter(level=Level.VILLAGE)
        .order_by("code")
    )
    households = Household.objects.visible_to(user).under(scope.code)
    # Logged when the download is handed out: the rows are read while it streams.
    with privacy.output(user, what=f"导出 {scope.name}（{scope.code}）档案", via="export") as out:
        shown = out.of(scope)
    stamp = clock.now().strftime("%Y%m%d")
    suffix = "" if shown.unmasked else "-脱敏"
    response = StreamingHttpResponse(
        stream_registry(villages=villages, households=households, shown=shown),
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"档案-{scope.name}-{scope.code}-{stamp}{suffix}.xlsx"
    )
    return response


@login_required
def template(request: HttpRequest) -> HttpResponse:
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    write_template(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename="建档立卡档案导入模板.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )


CODE_LISTS = (
    ("贫困户属性", codes.PovertyAttribute),
    ("致贫原因", codes.PovertyCause),
    ("脱贫状态", codes.ExitStatus),
    ("搬迁安置", codes.Relocation),
    ("与户主关系", codes.Relationship),
    ("文化程度", codes.Education),
    ("在校生状况", codes.SchoolingStatus),
    ("健康状况", codes.Health),
    ("劳动技能", codes.LabourSkill),
    ("务工状况", codes.WorkStatus),
    ("识别标准", codes.IdentificationStandard),
)


@login_required
def code_lists(request: HttpRequest) -> HttpResponse:
    # National codes (digits, as in the national system's exports) are shown beside the name;
    # our own keys for lists without a national code (脱贫状态, 搬迁安置) are internal.
    lists = [
        (
            title,
            [(value if value.isdigit() else "", str(label)) for value, label in choices.choices],
        )
        for title, choices in CODE_LISTS
    ]
    return render(request, "registry/codes.html", {"lists": lists})
