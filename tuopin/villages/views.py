"""Pages of the village teams and checks: the villages in scope with their teams, a village's
roster (phones masked through org.privacy), presence checks and checklist inspections (both work
offline on a phone), training, commendations, checklists and the roster workbook."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST

from tuopin.cases.models import Case
from tuopin.ledger import views as ledger_views
from tuopin.ledger.pages import LedgerPages
from tuopin.lib import clock, filekinds
from tuopin.offline.sync import offline_form
from tuopin.org import privacy, uploads
from tuopin.org.access import can, has_capability
from tuopin.org.models import Level, OrgUnit
from tuopin.villages import actions
from tuopin.villages.actions import Answer, Presence, Refused
from tuopin.villages.codes import ItemMode, Target, Team, labels
from tuopin.villages.exporter import export_bytes
from tuopin.villages.forms import (
    PRESENT,
    CommendForm,
    InspectionForm,
    MemberForm,
    PresenceForm,
    TemplateForm,
    TrainingForm,
)
from tuopin.villages.ledger_app import APP
from tuopin.villages.metrics import DEMO_SITE, definitions
from tuopin.villages.models import (
    ChecklistInspection,
    ChecklistTemplate,
    Commendation,
    ItemResult,
    PresenceCheck,
    PresenceEntry,
    TeamMember,
    TrainingSession,
)

MAX_PHOTO_BYTES = 10 * 1024 * 1024
TEAM_ORDER = {team: rank for rank, team in enumerate(Team.values)}


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "villages/forbidden.html", {"message": message}, status=403)


def _place(request: HttpRequest, code: str, level: str | None = Level.VILLAGE) -> OrgUnit:
    places = OrgUnit.objects.visible_to(request.user).filter(code=code)
    if level:
        places = places.filter(level=level)
    place = places.first()
    if place is None:
        raise Http404("没有这个村，或该村不在您的管辖范围内")
    return place


def _rate(present: int, total: int) -> str:
    return f"{present * 100 / total:.1f}%" if total else "—"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    villages = list(
        OrgUnit.objects.visible_to(request.user)
        .filter(level=Level.VILLAGE, is_active=True)
        .select_related("parent")
        .annotate(
            checked=Count("presence_checks__entries"),
            present=Count(
                "presence_checks__entries", filter=Q(presence_checks__entries__present=True)
            ),
        )
        .order_by("code")
    )
    counts = actions.team_counts(villages, today)
    rows = []
    for village in villages:
        have = counts.get(village.pk, {})
        rows.append(
            {
                "village": village,
                "size": sum(have.values()),
                "missing": actions.missing(have),
                "rate": _rate(village.present, village.checked),
            }
        )
    incomplete = [row for row in rows if row["missing"]]
    towns = list(OrgUnit.objects.visible_to(request.user).filter(level=Level.TOWN).order_by("code"))
    return render(
        request,
        "villages/home.html",
        {
            "rows": rows,
            "incomplete": incomplete,
            "only_incomplete": request.GET.get("incomplete") == "1",
            "can_roster": has_capability(request.user, "villages.roster"),
            "templates": ChecklistTemplate.objects.filter(is_current=True),
            "towns": _town_summary(towns, today),
        },
    )


TOWN_COLUMNS = (
    ("villages.roster_completeness", "队伍齐全率"),
    ("villages.attendance_rate", "在岗率"),
    ("villages.trained_share", "参训率"),
    ("villages.sanwu_passed", "三无一规范一眼净达标村"),
    ("villages.demo_sites", "示范点"),
    ("villages.open_rectifications", "未完成整改"),
)


def _town_summary(towns: list[OrgUnit], on) -> list[dict]:
    """Each town's figures from the metrics (one grouped query per column)."""
    if not towns:
        return []
    by_key = {d["key"]: d for d in definitions()}
    codes = [town.code for town in towns]
    columns = [
        (label, by_key[key]["bulk"]("town", on, codes), by_key[key]["unit"])
        for key, label in TOWN_COLUMNS
    ]
    rows = []
    for town in towns:
        cells = []
        for _label, values, unit in columns:
            value = values[town.code].value
            cells.append(
                "—" if value is None else f"{value.normalize():f}{'%' if unit == '%' else ''}"
            )
        rows.append({"town": town, "cells": cells})
    return [{"labels": [label for label, _v, _u in columns], "rows": rows}]


@login_required
def village_page(request: HttpRequest, code: str) -> HttpResponse:
    village = _place(request, code)
    today = clock.today()
    members = list(
        TeamMember.objects.filter(village=village)
        .annotate(
            checked=Count("presence"),
            present=Count("presence", filter=Q(presence__present=True)),
            trained=Count("trainings", distinct=True),
        )
        .order_by("ended_on", "started_on", "pk")
    )
    members.sort(key=lambda m: (m.ended_on is not None, TEAM_ORDER[m.team]))
    rows = []
    with privacy.output(request.user, what=f"{village.name}驻村队伍") as shown:
        for member in members:
            rows.append(
                {
                    "member": member,
                    "phone": shown.of(member).phone(member.phone),
                    "in_post": member.in_post(today),
                    "rate": _rate(member.present, member.checked),
                }
            )
    have = actions.team_counts([village], today).get(village.pk, {})
    templates = list(ChecklistTemplate.objects.filter(is_current=True))
    return render(
        request,
        "villages/village.html",
        {
            "village": village,
            "rows": rows,
            "missing": actions.missing(have),
            "checks": PresenceCheck.objects.filter(village=village).annotate(
                n=Count("entries"), p=Count("entries", filter=Q(entries__present=True))
            )[:20],
            "inspections": ChecklistInspection.objects.filter(
                Q(org_unit=village) | Q(org_unit__code=village.code[:9])
            ).select_related("template", "org_unit")[:30],
            "templates": templates,
            "standing": _standing(village, templates),
            "can_roster": can(request.user, "villages.roster", village),
            "can_check": can(request.user, "villages.check", village),
        },
    )


def _standing(village: OrgUnit, templates: list[ChecklistTemplate]) -> list[dict]:
    """Each checklist's latest result for the village (its town for town checklists)."""
    rows = []
    for template in templates:
        place_code = village.code[:9] if template.target == Target.TOWN else village.code
        latest = (
            ChecklistInspection.objects.filter(
                template__key=template.key, org_unit__code=place_code
            )
            .order_by("-inspected_on", "-recorded_at", "-pk")
            .first()
        )
        rows.append({"template": template, "latest": latest})
    return rows


def _member_values(data: dict) -> dict:
    return {key: data.get(key) for key in actions.MEMBER_FIELDS}


@login_required
@require_http_methods(["GET", "POST"])
def member_new(request: HttpRequest, code: str) -> HttpResponse:
    village = _place(request, code)
    if not can(request.user, "villages.roster", village):
        return _forbidden(request, "您没有维护该村队伍的权限")
    form = MemberForm(request.POST or None, initial={"started_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_member(request.user, village, _member_values(form.cleaned_data))
        except Refused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "已登记队伍成员")
            return redirect("villages:village", code=village.code)
    return render(request, "villages/member.html", {"form": form, "village": village})


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(
        TeamMember.objects.visible_to(request.user).select_related("village"), pk=pk
    )
    village = member.village
    if request.method == "POST" and "title" in request.POST:
        return _commend(request, member)
    may_edit = can(request.user, "villages.roster", member)
    shown = privacy.shown(request.user, member, what="驻村队伍成员")
    initial = {name: getattr(member, name) for name in actions.MEMBER_FIELDS}
    initial["phone"] = shown.phone(member.phone)
    form = MemberForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not may_edit or not shown.unmasked:
            return _forbidden(request, "您没有修改该队伍成员的权限")
        if form.is_valid():
            try:
                actions.change_member(request.user, member, _member_values(form.cleaned_data))
            except Refused as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "已保存")
                return redirect("villages:village", code=village.code)
    from tuopin.org.models import AuditEvent

    history = AuditEvent.objects.filter(
        model="villages.teammember", object_id=str(member.pk)
    ).select_related("actor")
    return render(
        request,
        "villages/member.html",
        {
            "form": form,
            "village": village,
            "member": member,
            "may_edit": may_edit and shown.unmasked,
            "history": [(event, _changes(event.changes, shown)) for event in history],
            "commendations": Commendation.objects.filter(member=member),
            "commend_form": CommendForm(initial={"awarded_on": clock.today()})
            if can(request.user, "villages.manage", member)
            else None,
        },
    )


_FIELD_LABELS = {
    "team": "队伍类别",
    "name": "姓名",
    "unit": "派出单位",
    "role": "职务",
    "phone": "手机",
    "started_on": "到岗日期",
    "ended_on": "离岗日期",
}
_TEAM_LABELS = labels(Team)


def _changes(changes: dict, shown: privacy.Disclosure) -> dict:
    """An audit change set in words: Chinese field names, team labels, phones masked."""
    out = {}
    for name, pair in (changes or {}).items():
        before, after = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        if name == "team":
            before, after = _TEAM_LABELS.get(before, before), _TEAM_LABELS.get(after, after)
        out[_FIELD_LABELS.get(name, name)] = [shown.value(name, before), shown.value(name, after)]
    return out


def _commend(request: HttpRequest, member: TeamMember) -> HttpResponse:
    form = CommendForm(request.POST)
    if not can(request.user, "villages.manage", member):
        return _forbidden(request, "只有县脱贫办可以登记评选表彰")
    if form.is_valid():
        try:
            actions.commend(request.user, member, **form.cleaned_data)
        except Refused as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "已登记评选表彰")
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("villages:member", pk=member.pk)


@offline_form("villages.presence")
@login_required
@require_http_methods(["GET", "POST"])
def presence_new(request: HttpRequest, code: str) -> HttpResponse:
    village = _place(request, code)
    if not can(request.user, "villages.check", village):
        return _forbidden(request, "您没有检查该村驻村干部在岗情况的权限")
    today = clock.today()
    members = sorted(
        TeamMember.objects.filter(village=village).in_post(today),
        key=lambda m: (TEAM_ORDER[m.team], m.started_on, m.pk),
    )
    form = PresenceForm(
        request.POST or None,
        members=members,
        initial={"checked_on": today, "inspectors": request.user.display_name},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        entries = []
        for member in form.members:
            answer = data[f"m_{member.pk}"]
            entries.append(Presence(member, answer == PRESENT, "" if answer == PRESENT else answer))
        try:
            check = actions.record_presence(
                request.user,
                village,
                kind=data["kind"],
                checked_on=data["checked_on"],
                inspectors=data["inspectors"],
                entries=entries,
                note=data["note"],
            )
        except Refused as error:
            form.add_error(None, str(error))
        except PermissionDenied as error:
            return _forbidden(request, str(error))
        else:
            opened = PresenceEntry.objects.filter(presence_check=check).exclude(case=None).count()
            text = f"在岗检查已保存（在岗 {sum(e.present for e in entries)}/{len(entries)}）"
            if opened:
                text += "；无故缺岗达两次的成员已自动登记纪律问题"
            messages.success(request, text)
            return redirect("villages:village", code=village.code)
    return render(request, "villages/presence.html", {"form": form, "village": village})


@login_required
def training(request: HttpRequest) -> HttpResponse:
    sessions = TrainingSession.objects.annotate(
        n=Count(
            "attendance",
            filter=Q(attendance__member__in=TeamMember.objects.visible_to(request.user)),
        )
    ).order_by("-held_on")[:100]
    code = request.GET.get("village", "")
    form = None
    village = None
    if code and has_capability(request.user, "villages.roster"):
        village = _place(request, code)
        members = TeamMember.objects.filter(village=village).select_related("village")
        form = TrainingForm(members=members, initial={"held_on": clock.today()})
    return render(
        request,
        "villages/training.html",
        {"sessions": sessions, "form": form, "village": village},
    )


@login_required
@require_POST
def training_new(request: HttpRequest, code: str) -> HttpResponse:
    village = _place(request, code)
    members = TeamMember.objects.filter(village=village).select_related("village")
    form = TrainingForm(request.POST, members=members)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.record_training(
                request.user,
                held_on=data["held_on"],
                topic=data["topic"],
                kind=data["kind"],
                place=village,
                members=data["members"],
            )
        except Refused as error:
            form.add_error(None, str(error))
        except PermissionDenied as error:
            return _forbidden(request, str(error))
        else:
            messages.success(request, "培训已登记")
            return redirect(reverse("villages:training"))
    return render(
        request,
        "villages/training.html",
        {"sessions": [], "form": form, "village": village},
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def checklists(request: HttpRequest) -> HttpResponse:
    may_define = has_capability(request.user, "villages.manage")
    form = None
    if may_define:
        form = TemplateForm(request.POST or None, initial=_template_initial(request))
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                template = actions.define_template(
                    request.user,
                    key=data["key"],
                    name=data["name"],
                    target=data["target"],
                    items=data["items"],
                )
            except Refused as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"已保存：{template}")
                return redirect("villages:checklists")
    elif request.method == "POST":
        return _forbidden(request, "只有县脱贫办可以制定检查清单")
    templates = ChecklistTemplate.objects.prefetch_related("items").order_by("key", "-version")
    return render(request, "villages/checklists.html", {"templates": templates, "form": form})


def _template_initial(request: HttpRequest) -> dict:
    key = request.GET.get("edit", "")
    template = ChecklistTemplate.objects.filter(key=key, is_current=True).first()
    if template is None:
        return {}
    lines = []
    for item in template.items.all():
        score = item.mode == ItemMode.SCORE
        lines.append(
            "|".join(
                [
                    item.text,
                    "评分" if score else "合格",
                    f"{item.max_score}" if score else "",
                    f"{item.pass_mark}" if score else "",
                    "是" if item.evidence_required else "否",
                    f"{item.weight.normalize()}",
                ]
            )
        )
    return {
        "key": template.key,
        "name": template.name,
        "target": template.target,
        "items": "\n".join(lines),
    }


def _answers(request: HttpRequest, form: InspectionForm) -> list[Answer]:
    data = form.cleaned_data
    answers = []
    for item in form.items:
        photo = uploads.received_file(request, f"p_{item.pk}", kinds=filekinds.PHOTOS)
        if item.mode == ItemMode.SCORE:
            answers.append(
                Answer(item, score=data.get(f"s_{item.pk}"), note=data[f"n_{item.pk}"], photo=photo)
            )
        else:
            chosen = data.get(f"i_{item.pk}") or ""
            answers.append(
                Answer(
                    item,
                    passed=None if chosen == "" else chosen == "1",
                    note=data[f"n_{item.pk}"],
                    photo=photo,
                )
            )
    return answers


def _location(request: HttpRequest, form: InspectionForm) -> tuple[Decimal | None, Decimal | None]:
    latitude, longitude = form.cleaned_data.get("latitude"), form.cleaned_data.get("longitude")
    if latitude is None or longitude is None:
        header = request.headers.get("X-Tuopin-Location", "")
        parts = header.split(",")
        try:
            latitude, longitude = Decimal(parts[0]), Decimal(parts[1])
        except (IndexError, ArithmeticError, ValueError):
            return None, None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            return None, None
    return latitude.quantize(Decimal("0.000001")), longitude.quantize(Decimal("0.000001"))


def _current_template(key: str) -> ChecklistTemplate:
    current = ChecklistTemplate.objects.filter(key=key, is_current=True).first()
    if current is None:
        raise Http404("没有这个检查清单")
    return current


def _target_level(template: ChecklistTemplate) -> str:
    return Level.TOWN if template.target == Target.TOWN else Level.VILLAGE


@offline_form("villages.checklist")
@uploads.upload_limit(MAX_PHOTO_BYTES)
@login_required
@require_http_methods(["GET", "POST"])
def inspect(request: HttpRequest, key: str, code: str) -> HttpResponse:
    current = _current_template(key)
    return _inspect(request, current, _place(request, code, _target_level(current)))


@offline_form("villages.checklist")
@uploads.upload_limit(MAX_PHOTO_BYTES)
@login_required
@require_http_methods(["GET", "POST"])
def inspect_any(request: HttpRequest, key: str) -> HttpResponse:
    """The checklist for any place in the user's scope, chosen on the form: one stored page per
    checklist serves every village of a county-wide inspector on a phone without signal."""
    current = _current_template(key)
    if not has_capability(request.user, "villages.check"):
        return _forbidden(request, "您没有检查该地的权限")
    level = _target_level(current)
    visible = OrgUnit.objects.visible_to(request.user).filter(level=level, is_active=True)
    places = list(visible.order_by("code").values_list("code", "parent__name", "name"))
    code = (request.POST if request.method == "POST" else request.GET).get("place", "").strip()
    place = visible.filter(code=code).first() if code else None
    if request.method == "POST" and place is None:
        where = "镇" if level == Level.TOWN else "村"
        error = f"所选的{where}不存在或已不在您的管辖范围内" if code else f"请选择检查的{where}"
        return _inspect(request, current, None, places=places, place_error=error)
    return _inspect(request, current, place, places=places)


def _inspect(
    request: HttpRequest,
    current: ChecklistTemplate,
    place: OrgUnit | None,
    *,
    places: list | None = None,
    place_error: str = "",
) -> HttpResponse:
    key = current.key
    if place is not None and not can(request.user, "villages.check", place):
        return _forbidden(request, "您没有检查该地的权限")
    template = current
    if request.method == "POST" and not place_error:
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = current.version
        try:
            template = actions.template_version(key, version)
        except Refused as error:
            messages.error(request, str(error))
            if places is not None:
                return redirect("villages:inspect_any", key=key)
            return redirect("villages:inspect", key=key, code=place.code)
    items = list(template.items.all())
    form = InspectionForm(
        request.POST or None,
        items=items,
        allow_model=key == DEMO_SITE and has_capability(request.user, "villages.manage"),
        initial={
            "version": template.version,
            "inspected_on": clock.today(),
            "inspectors": request.user.display_name,
        },
    )
    if request.method == "POST" and not place_error and form.is_valid():
        try:
            answers = _answers(request, form)
            latitude, longitude = _location(request, form)
            inspection = actions.record_inspection(
                request.user,
                template,
                place,
                inspected_on=form.cleaned_data["inspected_on"],
                inspectors=form.cleaned_data["inspectors"],
                answers=answers,
                latitude=latitude,
                longitude=longitude,
                county_model=form.cleaned_data.get("county_model", False),
            )
        except (Refused, uploads.UploadRefused) as error:
            form.add_error(None, str(error))
        except PermissionDenied as error:
            return _forbidden(request, str(error))
        else:
            failed = inspection.results.filter(passed=False).count()
            text = (
                f"检查已保存：得分 {inspection.score}，{'通过' if inspection.passed else '未通过'}"
            )
            if failed:
                text += f"；{failed} 个不合格项已交办镇整改"
            messages.success(request, text)
            return redirect("villages:inspection", pk=inspection.pk)
    return render(
        request,
        "villages/inspect.html",
        {
            "form": form,
            "template": template,
            "place": place,
            "places": places,
            "place_error": place_error,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def inspection_page(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_object_or_404(
        ChecklistInspection.objects.visible_to(request.user).select_related(
            "template", "org_unit", "recorded_by"
        ),
        pk=pk,
    )
    results = inspection.results.select_related("item", "case").order_by("item__order")
    visible_cases = set(
        Case.objects.visible_to(request.user)
        .filter(pk__in=[r.case_id for r in results if r.case_id])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "villages/inspection.html",
        {"inspection": inspection, "results": results, "visible_cases": visible_cases},
    )


@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    result = get_object_or_404(
        ItemResult.objects.filter(
            inspection__in=ChecklistInspection.objects.visible_to(request.user)
        ).exclude(photo=""),
        pk=pk,
    )
    try:
        handle = result.photo.open("rb")
    except OSError:
        raise Http404("照片文件不存在") from None
    kind = "image/png" if result.photo.name.lower().endswith(".png") else "image/jpeg"
    return FileResponse(handle, content_type=kind)


# ---------------------------------------------------------------------------------------------
# The roster workbook (ledger engine)

PAGES = LedgerPages(
    APP,
    "villages:",
    "villages:home",
    "驻村队伍",
    note="文件中没有的成员不受影响",
    tiles=(
        ("members_added", "新增成员", "ok"),
        ("members_changed", "修改成员", "warn"),
        ("members_unchanged", "未变成员", ""),
        ("trainings_added", "新增培训", "ok"),
        ("attendance_added", "新增参训记录", "ok"),
    ),
)
import_upload, import_confirm, import_list, template = PAGES.views()


@login_required
def export(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(export_bytes(request.user), content_type=ledger_views.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, f"驻村队伍台账-{clock.today():%Y%m%d}.xlsx"
    )
    return response
