"""Pages: the county (or town) verdict, village and household verdicts, parameters, drills."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from tuopin.assess import actions, drill, engine, explain, present, rulesets, sheets
from tuopin.assess.models import Approval, Drill, DrillHousehold, RuleParameter
from tuopin.lib import bounds, clock, filekinds
from tuopin.offline.sync import offline_form, offline_page
from tuopin.org import privacy, uploads
from tuopin.org.access import can, has_capability
from tuopin.org.models import Level, OrgUnit
from tuopin.registry.models import Household

RISK_LABELS = {
    "wrong_exit": "错退风险户",
    "missed": "漏评风险户",
    "failing_registered": "建档立卡未达标户",
    "contradictions": "数据矛盾户",
}


EARLIEST_AS_OF = dt.date(2000, 1, 1)  # no campaign's data is older; earlier is a typing slip


def _as_of(request: HttpRequest) -> dt.date:
    """The 评估基准日 asked for. A bad or implausible one is refused with a message; a future one
    is brought back to today, visibly: results for a day that has not come would read as facts."""
    raw = request.GET.get("as_of", "").strip()
    today = clock.today()
    if not raw:
        return today
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        messages.error(request, f"评估基准日“{raw[:40]}”不是有效日期（YYYY-MM-DD），已按今天评估")
        return today
    if day < EARLIEST_AS_OF:
        messages.error(request, f"评估基准日“{raw}”早于 2000 年，不是有效的基准日，已按今天评估")
        return today
    if day > today:
        messages.warning(
            request,
            f"所选日期晚于今天：评估基准日“{raw}”还没有到，已按今天（{today:%Y-%m-%d}）评估",
        )
        return today
    return day


def _context(
    request: HttpRequest, area_code: str, shown: privacy.Disclosure = privacy.UNMASKED
) -> engine.Context:
    """The evaluation context; ``shown`` masked (per-household results for a reader who may
    not see personal data) keeps the reference date at today."""
    as_of = _as_of(request)
    if shown.as_of(as_of) is None and as_of != clock.today():
        messages.info(request, "个人信息已脱敏：单户的评估结果只按今天计算")
        as_of = clock.today()
    try:
        return engine.context_for(area_code, as_of=as_of)
    except (rulesets.RuleError, ValueError) as error:
        raise Http404(str(error)) from None


def _user_area(request: HttpRequest) -> OrgUnit:
    user = request.user
    if user.scope_id:
        return user.scope
    if user.is_superuser:
        county = OrgUnit.objects.filter(level=Level.COUNTY).order_by("code").first()
        if county is not None:
            return county
    raise Http404("您的账号没有区划范围，无法查看退出评估")


def display(items) -> list[dict]:
    """Item results with their values as a person reads them."""
    return [
        {
            "label": item.label,
            "value": item.value,
            "shown_value": engine.show(item.value),
            "threshold": item.threshold,
            "shown_threshold": engine.show(item.threshold),
            "compare": present.COMPARE_WORDS[item.compare],
            "unit": item.unit,
            "passed": item.passed,
        }
        for item in items
    ]


def _partial(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" or request.GET.get("partial") == "1"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The county page (for county-wide users) or the user's town or village."""
    area = _user_area(request)
    if area.level == Level.VILLAGE:
        return redirect("assess:village", code=area.code)
    context = _context(request, area.code)
    evaluation = engine.evaluate_area(context)
    villages = sorted(evaluation.villages, key=lambda v: (not v.is_poor_village, v.code))
    poor = [v for v in villages if v.is_poor_village]
    return render(
        request,
        "assess/home.html",
        {
            "area": area,
            "context": context,
            "evaluation": evaluation,
            "county": evaluation.area if area.level == Level.COUNTY else None,
            "rate_items": display(evaluation.area.rates.values()) if evaluation.area else [],
            "county_items": display(evaluation.area.items.values()) if evaluation.area else [],
            "risks": [(RISK_LABELS[k], v) for k, v in (evaluation.area.risks or {}).items()],
            "villages": villages,
            "poor_ready": sum(1 for v in poor if v.passed is True),
            "poor_total": len(poor),
            "item_labels": [item.label for item in context.ruleset.village_items.values()],
            "can_manage": has_capability(request.user, "assess.manage"),
        },
    )


@login_required
def village_page(request: HttpRequest, code: str) -> HttpResponse:
    village = get_object_or_404(
        OrgUnit.objects.visible_to(request.user), code=code, level=Level.VILLAGE
    )
    # The village page lists households (risk lists): per-household results.
    context = _context(request, village.code, privacy.disclosure(request.user, village))
    evaluation = engine.evaluate_area(context)
    verdict = evaluation.villages[0]
    lists: dict[str, list] = {"wrong_exit": [], "missed": [], "contradictions": []}
    households = {}
    if not _partial(request):
        for household_verdict in engine.household_verdicts(context):
            households[household_verdict.household_no] = household_verdict
            if not household_verdict.passed and household_verdict.exited:
                lists["wrong_exit"].append(household_verdict)
            if not household_verdict.passed and not household_verdict.registered:
                lists["missed"].append(household_verdict)
            if household_verdict.checks:
                lists["contradictions"].append(household_verdict)
    names = dict(
        Household.objects.filter(household_no__in=list(households)).values_list(
            "household_no", "head_name"
        )
    )
    template = "assess/_village.html" if _partial(request) else "assess/village.html"
    return render(
        request,
        template,
        {
            "village": village,
            "context": context,
            "verdict": verdict,
            "rate_items": display(verdict.rates.values()),
            "village_items": display(verdict.items.values()),
            "lists": lists,
            "names": names,
            "check_labels": {k: c.label for k, c in context.ruleset.checks.items()},
        },
    )


@login_required
def household_page(request: HttpRequest, household_no: str) -> HttpResponse:
    household = get_object_or_404(
        Household.objects.visible_to(request.user).select_related("village"),
        household_no=household_no,
    )
    context = _context(request, household.village.code, privacy.disclosure(request.user, household))
    explanation = explain.explain(context, household)
    template = "assess/_household.html" if _partial(request) else "assess/household.html"
    ruleset = context.ruleset
    member_values = list(ruleset.member_values)
    return render(
        request,
        template,
        {
            "household": household,
            "context": context,
            "explanation": explanation,
            "member_labels": [ruleset.label_of(name).label for name in member_values],
            "members": [
                (row.name, [engine.show(row.flags[name]) for name in member_values])
                for row in explanation.members
            ],
            "values": [
                (ruleset.label_of(name), engine.show_named(ruleset, name, value))
                for name, value in explanation.values.items()
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def parameters(request: HttpRequest) -> HttpResponse:
    area = _user_area(request)
    context = _context(request, area.code)
    ruleset = context.ruleset
    if request.method == "POST":
        if not has_capability(request.user, "assess.manage"):
            raise PermissionDenied("只有县脱贫办管理员可以设置评估参数")
        try:
            actions.set_parameter(
                request.user,
                ruleset_key=ruleset.key,
                name=request.POST.get("name", ""),
                value=request.POST.get("value", ""),
                note=request.POST.get("note", "")[:200],
            )
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        except PermissionDenied:
            raise
        else:
            messages.success(request, "参数已保存，评估结果即时按新参数计算")
        return redirect("assess:parameters")
    stored = {
        row.name: row
        for row in RuleParameter.objects.filter(ruleset=ruleset.key).order_by("scope_code")
        if area.code.startswith(row.scope_code)
    }
    rows = [
        (spec, spec.format(context.params.get(name)), stored.get(name))
        for name, spec in ruleset.parameters.items()
        if name not in rulesets.BUILTIN_PARAMETERS
    ]
    return render(
        request,
        "assess/parameters.html",
        {
            "area": area,
            "ruleset": ruleset,
            "rows": rows,
            "can_manage": has_capability(request.user, "assess.manage"),
        },
    )


# ---------------------------------------------------------------- drills


@login_required
@require_http_methods(["GET", "POST"])
def drills(request: HttpRequest) -> HttpResponse:
    area = _user_area(request)
    if request.method == "POST":
        if not has_capability(request.user, "assess.manage"):
            raise PermissionDenied("只有县脱贫办管理员可以组织预评估演练")
        county = get_object_or_404(OrgUnit.objects.visible_to(request.user), code=area.code[:6])
        if not can(request.user, "assess.manage", county):
            raise PermissionDenied("只有县脱贫办管理员可以组织预评估演练")
        try:
            created = actions.create_drill(
                request.user,
                area=county,
                seed=bounds.parse_integer(
                    request.POST.get("seed") or 1, "随机种子", maximum=bounds.MAX_ID
                ),
                as_of=bounds.parse_date(
                    request.POST.get("as_of") or clock.today().isoformat(), "基准日"
                ),
                villages=bounds.parse_integer(request.POST.get("villages") or 25, "抽样村数"),
                households=bounds.parse_integer(request.POST.get("households") or 1500, "抽样户数"),
            )
        except bounds.OutOfBounds as error:
            messages.error(request, str(error))
            return redirect("assess:drills")
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
            return redirect("assess:drills")
        messages.success(request, f"已抽取样本 {created.households.count()} 户")
        return redirect("assess:drill", pk=created.pk)
    return render(
        request,
        "assess/drills.html",
        {
            "drills": Drill.objects.filter(
                Q(pk__in=Drill.objects.visible_to(request.user).values("pk"))
                | Q(pk__in=DrillHousehold.objects.visible_to(request.user).values("drill_id"))
            ).select_related("area"),
            "can_manage": has_capability(request.user, "assess.manage"),
            "today": clock.today(),
        },
    )


def _drill_for(request: HttpRequest, pk: int) -> Drill:
    # A town cadre visits the sampled households of its own town: the drill is visible to
    # anyone with a sampled household in scope, or with the county in scope.
    drill_obj = Drill.objects.filter(pk=pk).select_related("area").first()
    if drill_obj is None:
        raise Http404
    visible = Drill.objects.visible_to(request.user).filter(pk=pk).exists()
    if not visible and not drill_obj.households.visible_to(request.user).exists():
        raise Http404
    return drill_obj


DRILL_ROWS_AT_ONCE = 200


@offline_page
@login_required
def drill_page(request: HttpRequest, pk: int) -> HttpResponse:
    drill_obj = _drill_for(request, pk)
    rows = list(
        drill_obj.households.visible_to(request.user)
        .select_related("household")
        .order_by("sequence")
    )
    try:
        context = engine.context_for(
            drill_obj.area.code, as_of=drill_obj.as_of, ruleset_key=drill_obj.ruleset
        )
    except (rulesets.RuleError, ValueError):  # the drill's rule file was withdrawn since
        context = engine.context_for(drill_obj.area.code, as_of=drill_obj.as_of)
    all_rows = (
        drill_obj.households.all()
        if Drill.objects.visible_to(request.user).filter(pk=pk).exists()
        else rows
    )
    rates = drill.rates(all_rows, context.params)
    villages = dict(
        OrgUnit.objects.filter(code__in={r.village_code for r in rows}).values_list("code", "name")
    )
    # A county's sample is ~1,500 households: the table shows one village at a time.
    shown_village = request.GET.get("village", "")
    if shown_village not in villages:
        shown_village = min(villages) if len(rows) > DRILL_ROWS_AT_ONCE else ""
    shown = [r for r in rows if not shown_village or r.village_code == shown_village]
    return render(
        request,
        "assess/drill.html",
        {
            "drill": drill_obj,
            "rows": rows,
            "shown": shown,
            "shown_village": shown_village,
            "village_choices": sorted(villages.items()),
            "villages": villages,
            "rates": rates.values(),
            "visited": sum(1 for r in rows if r.visited),
            "village_count": len({r.village_code for r in rows}),
            "can_visit": actions.may_visit(request.user),
            "approvals": Approval.choices,
        },
    )


@login_required
def drill_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    drill_obj = _drill_for(request, pk)
    content = sheets.visit_sheet(drill_obj, request.user)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="drill-{drill_obj.pk}-visits.xlsx"'
    return response


@offline_form("assess.drill_visit")
@login_required
@require_POST
def drill_visit(request: HttpRequest, pk: int, sequence: int) -> HttpResponse:
    drill_obj = _drill_for(request, pk)
    sampled = get_object_or_404(
        DrillHousehold.objects.visible_to(request.user), drill=drill_obj, sequence=sequence
    )
    if not actions.may_visit(request.user, sampled):
        raise PermissionDenied("您没有记录走访结果的权限")
    back = f"{reverse('assess:drill', args=[pk])}?village={sampled.village_code}"
    try:
        meets = actions.parse_meets(request.POST.get("meets_standard", ""))
        approval = actions.parse_approval(request.POST.get("approval", ""))
    except ValueError as error:
        messages.error(request, f"样本 {sequence}：{error}")
        return redirect(back)
    actions.record_visit(
        request.user,
        sampled,
        meets_standard=meets,
        approval=approval,
        note=request.POST.get("note", ""),
    )
    messages.success(request, f"样本 {sequence} 的走访结果已保存")
    return redirect(back)


@login_required
@require_POST
def drill_import(request: HttpRequest, pk: int) -> HttpResponse:
    drill_obj = _drill_for(request, pk)
    if not actions.may_visit(request.user):
        raise PermissionDenied("您没有记录走访结果的权限")
    try:
        upload = uploads.received_file(request, "file", kinds=filekinds.TABLES)
    except uploads.UploadRefused as error:
        messages.error(request, f"走访表：{error}")
        return redirect("assess:drill", pk=pk)
    if upload is None:
        messages.error(request, "请选择已填写的走访表（.xlsx 或 .xls）")
        return redirect("assess:drill", pk=pk)
    count, problems = actions.import_visits(request.user, drill_obj, upload.read(), upload.name)
    if problems:
        for problem in problems[:20]:
            messages.error(request, f"走访表：{problem}")
        messages.error(request, "未导入任何结果：请改正以上问题后重新上传")
    else:
        messages.success(request, f"已导入 {count} 户的走访结果")
    return redirect("assess:drill", pk=pk)


@login_required
def comparison(request: HttpRequest) -> HttpResponse:
    """全国对比: the latest imported Spark roll-up, the user's county among all the others."""
    from tuopin.assess import comparison as comparison_module
    from tuopin.assess.models import ComparisonImport

    area = _user_area(request)
    batch = ComparisonImport.objects.first()
    rate_labels: dict[str, str] = {}
    pass_labels: dict[str, str] = {}
    rows: list[dict] = []
    counties: list[dict] = []
    if batch is not None:
        try:
            ruleset = rulesets.load(batch.ruleset)
        except rulesets.RuleError:
            ruleset = None
        if ruleset is not None:
            rate_labels = {key: item.label for key, item in ruleset.rate_items.items()}
            pass_labels = {key: item.label for key, item in ruleset.household_items.items()}
            pass_labels |= {f"gate_{key}": item.label for key, item in ruleset.gates.items()}
        order = {"nation": 0, "province": 1, "city": 2, "county": 3}

        def entry(row) -> dict:
            return {
                "area": row,
                "rates": [row.rates.get(key) for key in rate_labels],
                "pass_rates": [row.pass_rates.get(key) for key in pass_labels],
                "own": bool(row.code) and area.code.startswith(row.code),
            }

        above = batch.areas.exclude(level="county")
        rows = [entry(row) for row in sorted(above, key=lambda a: (order.get(a.level, 9), a.code))]
        counties = [entry(row) for row in comparison_module.ranked_counties(batch)]
        for rank, item in enumerate(counties, start=1):
            item["rank"] = rank
    return render(
        request,
        "assess/comparison.html",
        {
            "batch": batch,
            "rows": rows,
            "counties": counties,
            "rate_labels": list(rate_labels.values()),
            "pass_labels": list(pass_labels.values()),
            "risk_labels": RISK_LABELS,
            "level_labels": {"nation": "全国", "province": "省", "city": "市", "county": "县"},
        },
    )
