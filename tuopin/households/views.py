"""Household files pages: the roll-up by town and village with the cohort filter, a household's
帮扶 tab, the phone forms (走访记录, 七到户), households not visited lately, the 回头看 rounds,
and the ledger import/export.

Everything is scoped by the registry's ``Household.objects.visible_to``; a helper with a login
also reaches the households assigned to him or her."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Q
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST

from tuopin.households import actions, importer, metrics, policy
from tuopin.households.codes import MeasureKind, Policy, SevenItem, labels
from tuopin.households.exporter import export_name, stream_files
from tuopin.households.layout import HOUSEHOLD_FILES, MEASURE_SHEET
from tuopin.households.ledger_app import APP
from tuopin.households.models import (
    Assignment,
    Base,
    CheckRound,
    GapCase,
    Helper,
    HouseholdSettings,
    Measure,
    Relocation,
    Renovation,
    SevenItemRecord,
    Visit,
)
from tuopin.ledger import entry
from tuopin.ledger import views as ledger_views
from tuopin.ledger.pages import LedgerPages
from tuopin.lib import clock, filekinds
from tuopin.offline.sync import offline_form
from tuopin.org import privacy, uploads
from tuopin.org.access import has_capability, in_scope, visible_q
from tuopin.org.models import Level, OrgUnit
from tuopin.org.widgets import DateInput
from tuopin.registry.models import Household

MAX_PHOTO_BYTES = 8 * 1024 * 1024
ROLLUP = (
    ("households.cohort_2018", "2018年计划脱贫户"),
    ("households.cohort_2018_income_projects", "其中2个以上增收项目"),
    ("households.base_linked_share", "联结基地比例（%）"),
    ("households.seven_complete", "七到户全部完成"),
    ("households.policy_gaps", "有政策缺口"),
)


def households_for(user):
    """Registered active households the user may see: the scope's, and a helper's own."""
    visible = Household.objects.visible_to(user)
    helper = Helper.objects.filter(user_id=user.pk).first() if user.is_authenticated else None
    if helper is not None:
        mine = Assignment.objects.filter(helper=helper).values("household_id")
        visible = Household.objects.filter(Q(pk__in=visible.values("pk")) | Q(pk__in=mine))
    return visible.filter(is_active=True, is_registered=True)


def _household(request: HttpRequest, number: str) -> Household:
    household = (
        households_for(request.user).select_related("village__parent").filter(household_no=number)
    ).first()
    if household is None:
        raise Http404("没有这个建档立卡户，或该户不在您的管辖范围内")
    return household


def _day(request: HttpRequest) -> dt.date:
    try:
        day = dt.date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        return clock.today()
    return day if 1900 <= day.year <= 2100 else clock.today()


def _rollup(user, on: dt.date, town: str) -> tuple[str, list[dict]]:
    """Per town (or per village of ``town``) the roll-up metrics, in one query per metric."""
    units = OrgUnit.objects.visible_to(user).filter(is_active=True)
    if town:
        level, units = Level.VILLAGE, units.filter(level=Level.VILLAGE, parent__code=town)
    else:
        level, units = Level.TOWN, units.filter(level=Level.TOWN)
    units = list(units.order_by("code"))
    codes = [unit.code for unit in units]
    by_key = {d["key"]: d["bulk"] for d in metrics.definitions()}
    values = {key: by_key[key](level, on, codes) for key, _ in ROLLUP} if codes else {}
    rows = []
    for unit in units:
        cells = []
        for key, _ in ROLLUP:
            value = values[key][unit.code]
            cells.append("—" if value.value is None else value.value)
        rows.append({"unit": unit, "cells": cells})
    return level, rows


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    on = _day(request)
    towns = {t.code for t in OrgUnit.objects.visible_to(user).filter(level=Level.TOWN)}
    town = request.GET.get("town", "")
    town = town if town in towns else ""
    level, rows = _rollup(user, on, town)
    households = households_for(user).select_related("village")
    cohort = request.GET.get("cohort", "")
    if cohort == "2018":
        households = households.cohort(2018)
    if town:
        households = households.under(town)
    listed = list(households.order_by("village__code", "household_no")[:200])
    with privacy.output(user, what="帮扶档案：户列表") as shown:
        listing = [{"household": h, "head": shown.of(h).name(h.head_name)} for h in listed]
    return render(
        request,
        "households/home.html",
        {
            "on": on,
            "town": town,
            "cohort": cohort,
            "level_label": "村" if level == Level.VILLAGE else "乡镇",
            "headers": [label for _, label in ROLLUP],
            "rows": rows,
            "listing": listing,
            "total": households.count(),
            "can_import": has_capability(user, "households.import"),
            "can_rounds": has_capability(user, "households.rounds"),
            "can_assign": has_capability(user, "households.assign"),
        },
    )


@login_required
def household_page(request: HttpRequest, number: str) -> HttpResponse:
    household = _household(request, number)
    on = clock.today()
    shown = privacy.shown(request.user, household, what=f"帮扶档案 {household.household_no}")
    done = {r.item: r for r in SevenItemRecord.objects.filter(household=household)}
    assignment = Assignment.objects.filter(household=household).select_related("helper").first()
    return render(
        request,
        "households/household.html",
        {
            "household": household,
            "head": shown.name(household.head_name),
            "measures": Measure.objects.filter(household=household).select_related("base"),
            "seven": [(item, label, done.get(item)) for item, label in SevenItem.choices],
            "helper": assignment.helper if assignment else None,
            "helper_phone": shown.phone(assignment.helper.phone) if assignment else "",
            "visits": Visit.objects.filter(household=household).select_related("helper")[:20],
            "renovations": Renovation.objects.filter(household=household),
            "relocation": Relocation.objects.filter(household=household)
            .select_related("site")
            .first(),
            "policies": policy.household_policies(household, on),
            "can_edit": _can_edit(request.user, household),
            "can_visit": _can_visit(request.user, household),
        },
    )


def _can_edit(user, household) -> bool:
    return has_capability(user, "households.edit") and in_scope(user, household)


def _helper_of(user, household) -> Helper | None:
    return Helper.objects.filter(user_id=user.pk, assignments__household=household).first()


def _can_visit(user, household) -> bool:
    if _helper_of(user, household) is not None:
        return True
    return has_capability(user, "households.visit") and in_scope(user, household)


MAX_EVIDENCE_BYTES = 10 * 1024 * 1024


@uploads.upload_limit(MAX_EVIDENCE_BYTES)
@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach the evidence file (佐证材料) of one measure."""
    measure = get_object_or_404(Measure.objects.select_related("household__village"), pk=pk)
    household = _household(request, measure.household.household_no)
    if not _can_edit(request.user, household):
        raise PermissionDenied("您没有上传该户佐证材料的权限")
    try:
        received = uploads.received_file(request, "file", kinds=filekinds.ATTACHMENTS)
    except uploads.UploadRefused as error:
        messages.error(request, str(error))
        return redirect("households:household", number=household.household_no)
    if received is None:
        messages.error(request, "请选择佐证材料文件")
        return redirect("households:household", number=household.household_no)
    actions.attach_evidence(measure, received, actor=request.user)
    messages.success(request, "佐证材料已上传")
    return redirect("households:household", number=household.household_no)


@login_required
def evidence_file(request: HttpRequest, pk: int) -> HttpResponse:
    measure = get_object_or_404(Measure.objects.select_related("household"), pk=pk)
    _household(request, measure.household.household_no)  # scope check
    if not measure.evidence:
        raise Http404("该措施没有佐证材料")
    try:
        handle = measure.evidence.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("佐证材料文件不存在") from None
    return FileResponse(
        handle, as_attachment=True, filename=measure.evidence.name.rsplit("/", 1)[-1]
    )


class SevenForm(forms.Form):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for item, label in SevenItem.choices:
            self.fields[f"{item}_on"] = forms.DateField(
                label=f"{label}·完成日期", required=False, widget=DateInput()
            )
            self.fields[f"{item}_by"] = forms.CharField(
                label=f"{label}·完成人", required=False, max_length=50
            )

    def clean(self):
        data = super().clean()
        today = clock.today()
        for item, label in SevenItem.choices:
            day, who = data.get(f"{item}_on"), (data.get(f"{item}_by") or "").strip()
            if day and day > today:
                self.add_error(f"{item}_on", f"{label}的完成日期不能晚于今天")
            if day and not who:
                self.add_error(f"{item}_by", f"请填写{label}的完成人")
            if who and not day:
                self.add_error(f"{item}_on", f"请填写{label}的完成日期")
        return data


@offline_form("households.seven")
@login_required
@require_http_methods(["GET", "POST"])
def seven_items(request: HttpRequest, number: str) -> HttpResponse:
    household = _household(request, number)
    if not _can_edit(request.user, household):
        raise PermissionDenied("您没有填写该户七到户的权限")
    existing = {r.item: r for r in SevenItemRecord.objects.filter(household=household)}
    initial = {}
    for item, record in existing.items():
        initial[f"{item}_on"], initial[f"{item}_by"] = record.done_on, record.done_by
    form = SevenForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        items = {
            item: (data[f"{item}_on"], data[f"{item}_by"].strip())
            for item in SevenItem.values
            if data.get(f"{item}_on")
        }
        changed = actions.record_seven_items(household=household, items=items, actor=request.user)
        messages.success(request, f"已保存七到户（{changed} 项有变化）")
        return redirect("households:household", number=household.household_no)
    rows = [(label, form[f"{item}_on"], form[f"{item}_by"]) for item, label in SevenItem.choices]
    return render(
        request, "households/seven.html", {"household": household, "form": form, "rows": rows}
    )


def _done_day(day: dt.date, what: str) -> dt.date:
    """A day something was done: not after today, not before the campaign's files (2014)."""
    if day > clock.today():
        raise forms.ValidationError(f"{what}不能晚于今天")
    if day.year < 2014:
        raise forms.ValidationError(f"{what}过早")
    return day


class VisitForm(forms.Form):
    household_no = forms.CharField(label="户编号", max_length=30)
    visited_on = forms.DateField(label="走访日期", widget=DateInput())
    what = forms.CharField(
        label="走访内容", max_length=500, widget=forms.Textarea(attrs={"rows": 4})
    )
    photo = forms.FileField(label="照片", required=False)
    latitude = forms.DecimalField(
        label="纬度", required=False, max_digits=9, decimal_places=6, min_value=-90, max_value=90
    )
    longitude = forms.DecimalField(
        label="经度", required=False, max_digits=9, decimal_places=6, min_value=-180, max_value=180
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_visited_on(self):
        return _done_day(self.cleaned_data["visited_on"], "走访日期")

    def clean_household_no(self):
        number = self.cleaned_data["household_no"].strip()
        household = (
            households_for(self.user).filter(household_no=number).select_related("village").first()
        )
        if household is None:
            raise forms.ValidationError("没有这个建档立卡户，或该户不在您的管辖范围内")
        if not _can_visit(self.user, household):
            raise forms.ValidationError("您不是该户的帮扶责任人，也没有记录该户走访的权限")
        self.household = household
        return number

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise forms.ValidationError("位置须同时有纬度和经度")
        return data


@offline_form("households.visit")
@uploads.upload_limit(MAX_PHOTO_BYTES)
@login_required
@require_http_methods(["GET", "POST"])
def visit_form(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {"visited_on": clock.today(), "household_no": request.GET.get("h", "")}
    form = VisitForm(request.POST or None, request.FILES or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        household = form.household
        helper = _helper_of(user, household)
        if helper is None:
            assignment = Assignment.objects.filter(household=household).first()
            helper = assignment.helper if assignment else None
        if helper is None:
            form.add_error("household_no", "该户还没有结对的帮扶责任人，请先结对")
        else:
            try:
                photo = uploads.received_file(request, "photo", kinds=filekinds.PHOTOS)
            except uploads.UploadRefused as error:
                form.add_error("photo", str(error))
            else:
                data = form.cleaned_data
                actions.record_visit(
                    household=household,
                    helper=helper,
                    visited_on=data["visited_on"],
                    what=data["what"],
                    photo=photo,
                    latitude=data.get("latitude"),
                    longitude=data.get("longitude"),
                    actor=user,
                )
                messages.success(request, f"已记录走访：{household.household_no}")
                return redirect("households:household", number=household.household_no)
    mine = []
    helper = Helper.objects.filter(user_id=user.pk).first()
    if helper is not None:
        mine = list(
            Household.objects.filter(pk__in=helper.assignments.values("household_id")).order_by(
                "household_no"
            )
        )
    with privacy.output(user, what="走访记录：结对户") as shown:
        choices = [(h.household_no, shown.of(h).name(h.head_name)) for h in mine]
    return render(request, "households/visit.html", {"form": form, "mine": choices})


@login_required
def unvisited(request: HttpRequest) -> HttpResponse:
    """Households with no visit in the last N days (HQ setting), by town and by helper."""
    days = HouseholdSettings.current().visit_days
    today = clock.today()
    since = today - dt.timedelta(days=days)
    households = _unvisited_queryset(request.user, since)
    helpers = dict(
        Assignment.objects.filter(household__in=[h.pk for h, _ in households]).values_list(
            "household_id", "helper__name"
        )
    )
    by_town: dict[str, list] = {}
    by_helper: dict[str, int] = {}
    with privacy.output(request.user, what="未走访户名单") as shown:
        for household, last in households:
            helper = helpers.get(household.pk, "（未结对）")
            by_town.setdefault(household.village.parent.name, []).append(
                {
                    "household": household,
                    "head": shown.of(household).name(household.head_name),
                    "last": last,
                    "helper": helper,
                }
            )
            by_helper[helper] = by_helper.get(helper, 0) + 1
    return render(
        request,
        "households/unvisited.html",
        {
            "days": days,
            "since": since,
            "by_town": sorted(by_town.items()),
            "by_helper": sorted(by_helper.items(), key=lambda item: -item[1]),
            "total": len(households),
        },
    )


def _unvisited_queryset(user, since: dt.date) -> list[tuple[Household, dt.date | None]]:
    last = dict(
        Visit.objects.values("household_id")
        .annotate(last=Max("visited_on"))
        .values_list("household_id", "last")
    )
    rows = []
    for household in (
        households_for(user)
        .select_related("village__parent")
        .order_by("village__code", "household_no")
    ):
        seen = last.get(household.pk)
        if seen is None or seen < since:
            rows.append((household, seen))
    return rows


class SettingsForm(forms.ModelForm):
    class Meta:
        model = HouseholdSettings
        fields = ["visit_days"]


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    if not has_capability(request.user, "households.rounds"):
        raise PermissionDenied("只有县指挥部可以修改帮扶档案设置")
    current = HouseholdSettings.current()
    form = SettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        from tuopin.org import audit

        before = current.visit_days if current.pk else 30
        if form.cleaned_data["visit_days"] == before:
            messages.info(request, "设置没有变化")
            return redirect("households:unvisited")
        saved = form.save()
        audit.record(
            saved,
            {"visit_days": [before, saved.visit_days]},
            actor=request.user,
            action="修改走访间隔",
        )
        messages.success(request, f"已保存：超过 {saved.visit_days} 天未走访的户列为未走访")
        return redirect("households:unvisited")
    return render(request, "households/settings.html", {"form": form})


class RoundForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)


@login_required
@require_http_methods(["GET", "POST"])
def rounds(request: HttpRequest) -> HttpResponse:
    can_open = has_capability(request.user, "households.rounds")
    form = RoundForm(request.POST or None)
    if request.method == "POST":
        if not can_open:
            raise PermissionDenied("只有县指挥部可以开展回头看")
        if form.is_valid():
            from tuopin.org import audit

            with transaction.atomic():
                opened = CheckRound.objects.create(
                    name=form.cleaned_data["name"], opened_on=clock.today(), opened_by=request.user
                )
                audit.record(
                    opened, {"name": [None, opened.name]}, actor=request.user, action="开展回头看"
                )
            messages.success(request, f"已开展回头看：{opened.name}")
            return redirect("households:round", pk=opened.pk)
    return render(
        request,
        "households/rounds.html",
        {"rounds": CheckRound.objects.all()[:50], "form": form, "can_open": can_open},
    )


def round_gaps(user, on: dt.date, town: str = "") -> list[dict]:
    """Per household in scope: the policies it is entitled to but not recorded as delivered."""
    households = households_for(user)
    if town:
        households = households.under(town)
    gaps: dict[int, list[str]] = {}
    for value in Policy.values:
        for pk in households.filter(policy.gap(value, on)).values_list("pk", flat=True):
            gaps.setdefault(pk, []).append(value)
    found = (
        households.filter(pk__in=list(gaps))
        .select_related("village")
        .order_by("village__code", "household_no")
    )
    names = labels(Policy)
    rows = []
    with privacy.output(user, what="回头看：政策缺口户") as shown:
        for household in found:
            rows.append(
                {
                    "household": household,
                    "head": shown.of(household).name(household.head_name),
                    "gaps": [(value, names[value]) for value in gaps[household.pk]],
                }
            )
    return rows


@login_required
def round_page(request: HttpRequest, pk: int) -> HttpResponse:
    checked = get_object_or_404(CheckRound, pk=pk)
    on = checked.closed_on or clock.today()
    rows = round_gaps(request.user, on, request.GET.get("town", ""))
    made = {
        (g.household_id, g.policy): g.case
        for g in GapCase.objects.filter(round=checked).select_related("case")
    }
    for row in rows:
        row["gaps"] = [
            (value, label, made.get((row["household"].pk, value))) for value, label in row["gaps"]
        ]
    return render(
        request,
        "households/round.html",
        {
            "round": checked,
            "rows": rows,
            "can_case": has_capability(request.user, "cases.register"),
        },
    )


@login_required
@require_POST
def gap_case(request: HttpRequest, pk: int) -> HttpResponse:
    """Turn one household's policy gap into a 整改 case (once per round, household and policy)."""
    from tuopin.cases import actions as case_actions
    from tuopin.cases.models import Kind, Source

    checked = get_object_or_404(CheckRound, pk=pk)
    household = _household(request, request.POST.get("household", ""))
    value = request.POST.get("policy", "")
    if value not in Policy.values:
        messages.error(request, "没有这项政策")
        return redirect("households:round", pk=checked.pk)
    if not Household.objects.filter(pk=household.pk).filter(policy.gap(value, clock.today())):
        messages.error(request, "该户这项政策已落实，无需整改")
        return redirect("households:round", pk=checked.pk)
    label = labels(Policy)[value]
    with transaction.atomic():
        if GapCase.objects.filter(round=checked, household=household, policy=value).exists():
            messages.warning(request, "该缺口已转为整改案件")
            return redirect("households:round", pk=checked.pk)
        case = case_actions.register_case(
            request.user,
            kind=Kind.RECTIFICATION,
            source=Source.SELF,
            title=f"回头看：{household.household_no}户{label}未落实",
            content=f"{checked.name}：该户按档案应享受{label}，尚无落实记录，请核实整改。",
            org_unit=household.village,
        )
        GapCase.objects.create(round=checked, household=household, policy=value, case=case)
    messages.success(request, f"已转为整改案件：{case.number}")
    return redirect("households:round", pk=checked.pk)


PAGES = LedgerPages(
    APP,
    "households:",
    "households:home",
    "帮扶档案",
    tiles=(
        ("bases_added", "新增基地合作社", "ok"),
        ("measures_added", "新增帮扶措施", "ok"),
        ("measures_changed", "修改帮扶措施", "warn"),
        ("renovations_added", "新增危改任务", "ok"),
        ("relocations_added", "新增搬迁档案", "ok"),
    ),
)
import_upload, import_confirm, import_list, template = PAGES.views()


@login_required
def export(request: HttpRequest) -> HttpResponse:
    user = request.user
    name = user.scope.name if user.scope_id else "全部"
    response = StreamingHttpResponse(
        stream_files(households_for(user)), content_type=ledger_views.XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = content_disposition_header(
        True, export_name(name, clock.today())
    )
    return response


def helpers_for(user):
    """The helpers known in the user's scope: paired with a household the user sees, or with a
    login whose scope lies inside the user's."""
    visible = Household.objects.visible_to(user).values("pk")
    return Helper.objects.filter(
        Q(assignments__household__in=visible) | visible_q(user, code_path="user__scope__code")
    ).distinct()


class AssignForm(forms.Form):
    """Pair one helper with the ticked households of a village: a known helper, a new one, or
    each household's helper as the registry's 户 sheet records it (帮扶责任人, 帮扶单位)."""

    SOURCES = (
        ("known", "选择已有帮扶责任人"),
        ("new", "新增帮扶责任人"),
        ("registry", "按建档立卡档案登记的帮扶责任人"),
    )
    households = forms.MultipleChoiceField(
        label="农户", error_messages={"required": "请勾选要结对的农户"}
    )
    source = forms.ChoiceField(label="帮扶责任人来源", choices=SOURCES, initial="known")
    helper = forms.ChoiceField(label="帮扶责任人", required=False)
    name = forms.CharField(label="姓名", required=False, max_length=50)
    unit = forms.CharField(label="单位", required=False, max_length=100)
    phone = forms.CharField(label="电话", required=False, max_length=20)
    since = forms.DateField(label="结对日期", widget=DateInput())

    def __init__(self, *args, households, helpers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["households"].choices = [(h.household_no, h.household_no) for h in households]
        self.fields["households"].error_messages["invalid_choice"] = (
            "所选农户不在该村或不在您的管辖范围内"
        )
        self.fields["helper"].choices = [("", "—— 请选择 ——")] + [
            (str(h.pk), str(h)) for h in helpers
        ]
        self.fields["helper"].error_messages["invalid_choice"] = "所选帮扶责任人不在您的管辖范围内"
        self.helpers = {str(h.pk): h for h in helpers}

    def clean_since(self):
        return _done_day(self.cleaned_data["since"], "结对日期")

    def clean(self):
        from tuopin.lib.plain_names import name_problem

        data = super().clean()
        source = data.get("source")
        if source == "known":
            if not data.get("helper"):
                self.add_error("helper", "请选择帮扶责任人")
            else:
                data["chosen"] = self.helpers[data["helper"]]
        elif source == "new":
            name, unit = (data.get("name") or "").strip(), (data.get("unit") or "").strip()
            phone = (data.get("phone") or "").strip()
            if not name:
                self.add_error("name", "请填写帮扶责任人姓名")
            elif problem := name_problem(name) or name_problem(unit):
                self.add_error("name", problem)
            elif any(char.isdigit() for char in name):
                self.add_error("name", "姓名中不应有数字")
            if phone and not all(c.isdigit() or c == "-" for c in phone):
                self.add_error("phone", "电话号码只能由数字和“-”组成")
            data["chosen"] = Helper(name=name, unit=unit, phone=phone)
        return data


def _assign_villages(user):
    return OrgUnit.objects.visible_to(user).filter(level=Level.VILLAGE, is_active=True)


@login_required
@require_http_methods(["GET", "POST"])
def assign(request: HttpRequest) -> HttpResponse:
    """结对帮扶: a town (its villages) or HQ pairs a helper with a village's households."""
    user = request.user
    if not has_capability(user, "households.assign"):
        raise PermissionDenied("只有乡镇和县指挥部可以安排帮扶责任人")
    villages = list(_assign_villages(user).select_related("parent").order_by("code"))
    code = request.POST.get("village") or request.GET.get("village", "")
    village = next((v for v in villages if v.code == code), None)
    households = []
    if village is not None:
        households = list(
            Household.objects.visible_to(user)
            .filter(village=village, is_active=True, is_registered=True)
            .order_by("household_no")
        )
    helpers = list(helpers_for(user).order_by("name", "unit", "pk"))
    form = AssignForm(
        request.POST or None,
        households=households,
        helpers=helpers,
        initial={"since": clock.today(), "source": "known"},
    )
    if request.method == "POST" and village is None:
        messages.error(request, "请先选择村（只能选择您管辖范围内的村）")
        return redirect("households:assign")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ticked = set(data["households"])
        chosen = [h for h in households if h.household_no in ticked]
        for household in chosen:
            household.village = village  # the history rows' place
        if data["source"] == "registry":
            changed, missing = _assign_from_registry(chosen, helpers, user, data["since"])
            if missing:
                messages.warning(
                    request,
                    f"{len(missing)} 户在建档立卡档案中没有登记帮扶责任人，未结对："
                    + "、".join(missing[:20]),
                )
        else:
            changed = actions.assign_helper(chosen, data["chosen"], actor=user, since=data["since"])
        messages.success(request, f"已结对：{len(chosen)} 户（{changed} 户的帮扶责任人有变化）")
        return redirect(f"{reverse('households:assign')}?village={village.code}")
    current = dict(
        Assignment.objects.filter(household__in=[h.pk for h in households]).values_list(
            "household_id", "helper_id"
        )
    )
    by_id = {h.pk: h for h in helpers}
    ticked = set(form["households"].value() or [])
    with privacy.output(user, what="结对帮扶：户列表") as shown:
        rows = [
            {
                "household": h,
                "head": shown.of(h).name(h.head_name),
                "helper": by_id.get(current.get(h.pk)),
                "registered": " ".join(p for p in (h.helper_name, h.helper_unit) if p),
                "ticked": h.household_no in ticked,
            }
            for h in households
        ]
    return render(
        request,
        "households/assign.html",
        {"villages": villages, "village": village, "rows": rows, "form": form},
    )


def _assign_from_registry(households, helpers, user, since) -> tuple[int, list[str]]:
    """Each household's helper as the registry records it: a known helper of the same name and
    unit, or a new one (with the registry's phone)."""
    known = {(h.name, h.unit): h for h in helpers}
    groups: dict[tuple[str, str], list] = {}
    missing = []
    for household in households:
        name = household.helper_name.strip()
        if not name:
            missing.append(household.household_no)
            continue
        groups.setdefault((name, household.helper_unit.strip()), []).append(household)
    changed = 0
    with transaction.atomic():
        for (name, unit), members in groups.items():
            helper = known.get((name, unit)) or Helper(
                name=name, unit=unit, phone=members[0].helper_phone.strip()
            )
            changed += actions.assign_helper(members, helper, actor=user, since=since)
            known[(name, unit)] = helper
    return changed, missing


class MeasureForm(forms.Form):
    """The page side of one 帮扶措施: the fields are collected as typed and checked as a one-row
    帮扶措施 sheet by the import's own rules (``importer.plan_import``), so a phone and a
    workbook are refused for the same reasons."""

    kind = forms.ChoiceField(label="措施类别", choices=MeasureKind.choices)
    done_on = forms.CharField(label="实施日期", required=False, widget=DateInput())
    amount = forms.CharField(
        label="金额（元）", required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    content = forms.CharField(label="措施内容", required=False)
    industry_type = forms.CharField(label="产业类型", required=False)
    scale = forms.CharField(label="规模", required=False)
    base_code = forms.ChoiceField(label="联结基地或合作社", required=False)
    evidence = forms.FileField(label="佐证材料（照片或文件）", required=False)

    def __init__(self, *args, bases, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].error_messages["invalid_choice"] = "不是有效的措施类别"
        self.fields["base_code"].choices = [("", "（不联结）")] + [
            (b.code, f"{b.name}（{b.code}）") for b in bases
        ]
        self.fields["base_code"].error_messages["invalid_choice"] = "没有这个基地或合作社"


def _bases_near(household: Household):
    """The bases and cooperatives a household's measure may link to: its county's, town's and
    village's, and those of any village of its town."""
    village = household.village
    town = village.parent
    places = [code for code in (village.code, town.code if town else "", village.code[:6]) if code]
    return Base.objects.filter(
        Q(place__code__in=places) | Q(place__code__startswith=town.code if town else village.code)
    ).order_by("code")


@offline_form("households.measure")
@uploads.upload_limit(MAX_EVIDENCE_BYTES)
@login_required
@require_http_methods(["GET", "POST"])
def measure_form(request: HttpRequest, number: str) -> HttpResponse:
    """记录帮扶措施 on a phone: a village cadre (households.edit in scope) or the household's
    helper records one measure with its evidence."""
    user = request.user
    household = _household(request, number)
    helper = _helper_of(user, household)
    if helper is None and not _can_edit(user, household):
        raise PermissionDenied("您不是该户的帮扶责任人，也没有记录该户帮扶措施的权限")
    form = MeasureForm(
        request.POST or None,
        initial={"done_on": clock.today().isoformat()},
        bases=list(_bases_near(household)),
    )
    if request.method == "POST" and form.is_valid():
        data = {
            name: form.cleaned_data[name]
            for name in ("done_on", "amount", "content", "industry_type", "scale", "base_code")
        }
        data["kind"] = labels(MeasureKind)[form.cleaned_data["kind"]]
        # the household is in reach (scope, or the helper's own): the sheet's scope check is
        # the page's, so a helper without an org scope is checked as the page allows
        columns = HOUSEHOLD_FILES.sheets[MEASURE_SHEET]
        row = entry.one_row(
            MEASURE_SHEET, columns, {"household_no": household.household_no, **data}
        )
        checked = importer.plan_import({MEASURE_SHEET: row}, user=None if helper else user)
        entry.show_problems(form, checked, columns)
        try:
            evidence = uploads.received_file(request, "evidence", kinds=filekinds.ATTACHMENTS)
        except uploads.UploadRefused as error:
            form.add_error("evidence", str(error))
        if form.is_valid():
            with transaction.atomic():
                actions.apply_import(checked, actor=user, form="手机录入帮扶措施")
                household_id, kind, day, content = checked.measure_keys[0]
                measure = Measure.objects.get(
                    household_id=household_id, kind=kind, done_on=day, content=content
                )
                if evidence is not None:
                    actions.attach_evidence(measure, evidence, actor=user)
            done = "已记录帮扶措施" if checked.has_changes else "该措施已记录过，没有变化"
            messages.success(request, f"{done}：{household.household_no}")
            return redirect("households:household", number=household.household_no)
    return render(request, "households/measure.html", {"household": household, "form": form})
