"""安全饮水 pages: the overview (per village: points, this year's reports, households safe or
not by the tests, the registry-vs-test disagreements, villages and households without a report),
a village's 饮水 tab, a phone form for one test report with its file, the report file, and the
ledger's import pages.

Scope: HQ all, a town its villages, a village its own; the county water department (水利局)
sees the whole county read-only (``sector.py``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from tuopin.ledger.pages import LedgerPages
from tuopin.lib import clock, filekinds
from tuopin.org import uploads
from tuopin.org.access import has_capability
from tuopin.org.models import Level, OrgUnit
from tuopin.org.widgets import DateInput
from tuopin.registry.models import Household
from tuopin.water import actions, quality
from tuopin.water.codes import PARAMETERS, SampleKind
from tuopin.water.ledger_app import APP
from tuopin.water.models import SupplyPoint, WaterTest
from tuopin.water.sector import is_sector_department, sector_q

LISTED = 200


def villages_for(user, sector: str):
    return (
        OrgUnit.objects.filter(sector_q(user, sector, "code"), level=Level.VILLAGE, is_active=True)
        .select_related("parent")
        .order_by("code")
    )


def town_rollup(rows) -> list[tuple]:
    """(town, summed counters) of (village, Counter) rows, in town order."""
    towns: dict[int, tuple] = {}
    for village, counter in rows:
        towns.setdefault(village.parent_id, (village.parent, Counter()))[1].update(counter)
    return list(towns.values())


def households_for(user, sector: str):
    return Household.objects.filter(
        sector_q(user, sector, "village__code"), is_registered=True, is_active=True
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    on = clock.today()
    villages = list(villages_for(user, "water"))
    households = households_for(user, "water")
    found = quality.verdicts(households, on)
    start = dt.date(on.year, 1, 1)
    seen = quality.tested_this_year(households, on)
    per_village: dict[int, Counter] = {}
    for pk, village_id in households.values_list("pk", "village_id"):
        counter = per_village.setdefault(village_id, Counter())
        counter["households"] += 1
        verdict = found.get(pk)
        counter["safe" if verdict and verdict.passed else "unsafe" if verdict else "none"] += 1
        counter["tested"] += pk in seen
    tests = WaterTest.objects.visible_to(user).filter(tested_on__range=(start, on))
    for row in tests.values("village_id").annotate(
        n=Count("pk"), bad=Count("pk", filter=Q(passed=False))
    ):
        counter = per_village.setdefault(row["village_id"], Counter())
        counter["reports"], counter["failed_reports"] = row["n"], row["bad"]
    for row in SupplyPoint.objects.visible_to(user).values("village_id").annotate(n=Count("pk")):
        per_village.setdefault(row["village_id"], Counter())["points"] = row["n"]
    rows = [(village, per_village.get(village.pk, Counter())) for village in villages]
    totals = sum((counter for _, counter in rows), Counter())
    disagreements = quality.disagreements(households, on)
    return render(
        request,
        "water/home.html",
        {
            "on": on,
            "rows": rows,
            "towns": town_rollup(rows),
            "totals": totals,
            "pass_rate": _rate(totals["reports"] - totals["failed_reports"], totals["reports"]),
            "disagreements": disagreements[:LISTED],
            "disagreement_count": len(disagreements),
            "untested_villages": [v for v, c in rows if not c["reports"]],
            "can_import": has_capability(user, "water.import")
            and not is_sector_department(user, "water"),
            "can_test": has_capability(user, "water.test"),
        },
    )


def _rate(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def _village(request: HttpRequest, code: str) -> OrgUnit:
    village = get_object_or_404(OrgUnit, code=code, level=Level.VILLAGE)
    if not villages_for(request.user, "water").filter(pk=village.pk).exists():
        raise Http404("没有这个村或您无权查看")
    return village


@login_required
def village_page(request: HttpRequest, code: str) -> HttpResponse:
    village = _village(request, code)
    on = clock.today()
    households = households_for(request.user, "water").filter(village=village)
    found = quality.verdicts(households, on)
    seen = quality.tested_this_year(households, on)
    points = (
        SupplyPoint.objects.filter(village=village)
        .annotate(served=Count("services"))
        .select_related("project")
    )
    return render(
        request,
        "water/village.html",
        {
            "village": village,
            "on": on,
            "points": points,
            "tests": WaterTest.objects.filter(village=village).select_related("point", "household")[
                :100
            ],
            "households": [
                (household, found.get(household.pk), household.pk in seen)
                for household in households.order_by("household_no")
            ],
            "can_test": has_capability(request.user, "water.test"),
        },
    )


class TestForm(forms.Form):
    report_no = forms.CharField(label="报告编号", max_length=40)
    point = forms.ModelChoiceField(
        label="供水点",
        queryset=SupplyPoint.objects.none(),
        required=False,
        empty_label="（入户检测不选）",
    )
    household_no = forms.CharField(label="户编号（入户检测）", max_length=30, required=False)
    tested_on = forms.DateField(label="检测日期", widget=DateInput())
    lab = forms.CharField(label="检测机构", max_length=100)
    sample = forms.ChoiceField(
        label="水样类型", choices=[("", "（不填）"), *SampleKind.choices], required=False
    )
    values = forms.CharField(
        label="检测指标",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "浑浊度=0.6；pH=7.2；菌落总数=20"}),
        help_text="可填：" + "、".join(PARAMETERS),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["point"].queryset = SupplyPoint.objects.filter(
            pk__in=SupplyPoint.objects.visible_to(user).values("pk")
        ).select_related("village")

    def clean(self):
        data = super().clean()
        number = (data.get("household_no") or "").strip()
        data["household"] = None
        if number:
            data["household"] = (
                Household.objects.visible_to(self.user)
                .filter(household_no=number, is_active=True)
                .first()
            )
            if data["household"] is None:
                self.add_error("household_no", "您的管辖范围内没有这个户编号")
        if not data.get("point") and not number:
            raise forms.ValidationError("请选择供水点或填写户编号")
        return data


@login_required
def test_add(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has_capability(user, "water.test"):
        raise PermissionDenied("您没有录入水质检测报告的权限")
    form = TestForm(request.POST or None, user=user, initial={"tested_on": clock.today()})
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            upload = uploads.received_file(request, "report_file", kinds=filekinds.ATTACHMENTS)
            test = actions.add_test(
                report_no=data["report_no"].strip(),
                point=data["point"],
                household=data["household"],
                tested_on=data["tested_on"],
                lab=data["lab"].strip(),
                sample=data["sample"],
                values_text=data["values"],
                upload=upload,
                actor=user,
            )
        except (actions.TestRefused, uploads.UploadRefused) as refused:
            error = str(refused)
        else:
            messages.success(
                request,
                f"已保存{test}：{test.conclusion}"
                + (f"（{test.failed_items}）" if test.failed_items else ""),
            )
            return redirect(reverse("water:village", args=[test.village.code]))
    status = 400 if request.method == "POST" else 200
    return render(request, "water/test_form.html", {"form": form, "error": error}, status=status)


@login_required
def report_file(request: HttpRequest, pk: int) -> FileResponse:
    test = get_object_or_404(WaterTest.objects.visible_to(request.user), pk=pk)
    if not test.report_file:
        raise Http404("该报告没有上传文件")
    return FileResponse(
        test.report_file.open("rb"),
        as_attachment=True,
        filename=f"检测报告-{test.report_no}{test.report_file.name[-4:]}",
    )


PAGES = LedgerPages(APP, "water:", "water:home", "安全饮水")
import_upload, import_confirm, import_list, template = PAGES.views()


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The ledger as the user may see it, in the import layout (re-importable)."""
    from tuopin.water import exporter
    from tuopin.water.layout import POINT_SHEET, SERVICE_SHEET, TEST_SHEET, WATER
    from tuopin.water.models import Service

    user = request.user
    conclusion = {"conclusion": lambda passed: "合格" if passed else "不合格"}
    chunks = exporter.stream(
        WATER,
        {
            POINT_SHEET: (
                SupplyPoint.objects.visible_to(user).order_by("code"),
                {"village_code": "village__code", "project_code": "project__code"},
            ),
            SERVICE_SHEET: (
                Service.objects.visible_to(user).order_by("point__code", "household__household_no"),
                {"point_code": "point__code", "household_no": "household__household_no"},
            ),
            TEST_SHEET: (
                WaterTest.objects.visible_to(user).order_by("tested_on", "report_no"),
                {
                    "point_code": "point__code",
                    "household_no": "household__household_no",
                    "conclusion": "passed",
                },
            ),
        },
        conclusion,
    )
    return exporter.response(chunks, "安全饮水台账", exporter.scope_name(user))
