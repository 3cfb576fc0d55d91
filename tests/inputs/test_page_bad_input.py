"""Bad input on pages: a Chinese message, nothing stored, never a 500 (issue 12 item 5)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import path, reverse

from tuopin import urls as project_urls
from tuopin.assess import actions as assess_actions
from tuopin.assess.models import DrillHousehold, RuleParameter
from tuopin.assess.tests.factories import household
from tuopin.cases import actions as case_actions
from tuopin.cases.models import Case, CaseAttachment, CaseEvent, State
from tuopin.cases.tests.helpers import problem
from tuopin.dashboard.models import Boundary
from tuopin.lib import clock
from tuopin.org.models import ApiToken
from tuopin.reports.models import Report, ReportEvent
from tuopin.reports.tests.conftest import build_setup

THURSDAY = "2018-07-19T15:00:00+08:00"


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize("value", ["1e999999", "-5", "inf", "NaN", "100001"])
def test_it_refuses_an_income_line_outside_its_range(world, login, value):
    response = login(world.hq).post(
        "/assess/parameters/", {"name": "income_line", "value": value}, follow=True
    )
    assert response.status_code == 200
    [message] = _messages(response)
    assert message.startswith("参数“贫困线（农民人均纯收入，元/年）”应")
    assert RuleParameter.objects.count() == 0


def test_it_keeps_working_for_everyone_with_a_value_stored_before_the_bounds(world, login, client):
    household(world.cg_village)
    RuleParameter.objects.create(
        ruleset="shaanxi-2018", name="income_line", value="1e999999", set_at=clock.now()
    )
    with clock.frozen("2018-07-20T10:00:00+08:00"):
        assert login(world.viewer).get("/assess/").status_code == 200
        _token, key = ApiToken.issue(world.hq, "测试")
        client.logout()
        response = client.get("/api/assess/county", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200


def test_it_evaluates_today_when_the_as_of_date_is_out_of_range(world, login):
    household(world.cg_village)
    response = login(world.hq).get("/assess/?as_of=0001-01-01")
    assert response.status_code == 200
    assert _messages(response) == [
        "评估基准日“0001-01-01”早于 2000 年，不是有效的基准日，已按今天评估"
    ]


def test_it_shows_the_first_campaign_for_a_campaign_that_is_no_id(world, login):
    setup = build_setup(world)
    for raw in ("abc", "99999999999999999999", "-1"):
        response = login(world.hq).get(f"/reports/rates/?campaign={raw}&weeks=99999999999")
        assert response.status_code == 200
        assert response.context["campaign"] == setup.campaign


@pytest.mark.parametrize("grace", ["inf", "nan", "1e999", "-1", "337"])
def test_it_refuses_a_grace_period_that_is_no_sane_number_of_hours(world, login, grace):
    setup = build_setup(world)
    rule = setup.campaign.reporting_rule
    before = rule.grace_minutes
    response = login(world.hq).post(
        reverse("reports:settings", args=[setup.campaign.pk]),
        {"grace_hours": grace, "slots": "5@09:00", "webhook_kind": "wecom"},
    )
    assert response.status_code == 400
    assert f"补报时限「{grace}」无效：应为 0 到 336 之间的小时数" in response.content.decode()
    rule.refresh_from_db()
    assert rule.grace_minutes == before


def test_it_refuses_an_exception_deadline_in_year_9999(world, login):
    setup = build_setup(world)
    report = setup.report(world.transport)
    with clock.frozen(THURSDAY):
        response = login(world.hq).post(
            reverse("reports:exception", args=[report.pk]),
            {"deadline": "9999-12-31T12:00", "reason": "延期"},
            follow=True,
        )
    assert _messages(response) == ["截止时间 9999-12-31 超出有效范围（1900–2100 年）"]
    assert Report.objects.get(pk=report.pk).deadline == report.deadline
    assert ReportEvent.objects.filter(report=report).count() == 0


def _visit_sheet(rows: list[list]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet("走访表")
    sheet.write_row(0, 0, ["序号", "户编号", "核实达标", "群众认可", "走访说明"])
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, row)
    book.close()
    return buffer.getvalue()


def test_it_refuses_a_drill_sequence_of_infinity(world, login):
    household(world.cg_village)
    household(world.df_village)
    drill = assess_actions.create_drill(
        world.hq, area=world.county, seed=1, as_of=dt.date(2018, 7, 20), villages=2, households=2
    )
    sampled = drill.households.select_related("household").first()
    data = _visit_sheet([["inf", sampled.household.household_no, "是", "认可", ""]])
    response = login(world.hq).post(
        reverse("assess:drill_import", args=[drill.pk]),
        {"file": SimpleUploadedFile("走访表.xlsx", data)},
        follow=True,
    )
    assert _messages(response) == [
        "走访表：第 2 行“序号”列（inf）：应为正整数",
        "未导入任何结果：请改正以上问题后重新上传",
    ]
    assert DrillHousehold.objects.filter(visited_at__isnull=False).count() == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "的嵌套层次过深，不是有效的 GeoJSON 边界文件"),
        ('{"type": "FeatureCollection", "features": [NaN]}', "中有无效的数值 NaN"),
        ('{"type": "FeatureCollection", "features": [1e999]}', "中有无效的数值 1e999"),
    ],
)
def test_it_refuses_a_boundary_file_nested_too_deep_or_not_finite(world, login, body, message):
    response = login(world.hq).post(
        reverse("dashboard:import_boundaries"),
        {"file": SimpleUploadedFile("边界.geojson", body.encode())},
    )
    assert response.status_code == 400
    assert f"文件 边界.geojson {message}" in response.content.decode()
    assert Boundary.objects.count() == 0


def test_it_refuses_a_boundary_ring_outside_the_globe(world, login):
    ring = [[500, 34], [107, 34], [107, 35], [500, 34]]
    feature = {
        "type": "Feature",
        "properties": {"code": world.cg_village.code},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    body = json.dumps({"type": "FeatureCollection", "features": [feature]})
    response = login(world.hq).post(
        reverse("dashboard:import_boundaries"),
        {"file": SimpleUploadedFile("边界.geojson", body.encode())},
    )
    assert response.status_code == 400
    assert "坐标不完整或越界" in response.content.decode()
    assert Boundary.objects.count() == 0


def test_it_drops_a_case_attachment_past_20_mb_while_it_streams_in(
    world, login, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    big = SimpleUploadedFile("扫描件.pdf", b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024 + 1))
    response = login(world.hq).post(
        "/cases/new/",
        {
            "kind": "discipline",
            "source": "inspection",
            "org_unit": world.cg_village.pk,
            "title": "驻村干部不在岗",
            "content": "暗访发现",
            "attachment": big,
        },
    )
    assert response.status_code == 200
    assert "文件“扫描件.pdf”超过 20 MB 的上限，未接收" in response.content.decode()
    assert (Case.objects.count(), CaseAttachment.objects.count()) == (0, 0)
    assert list(tmp_path.iterdir()) == []


def _overflowing_view(request):
    return int("9" * 5000)  # ValueError: exceeds the limit for integer string conversion


# This module is the URLconf of the next test: the project's pages plus one that overflows.
urlpatterns = [path("overflow/", _overflowing_view), *project_urls.urlpatterns]


@override_settings(ROOT_URLCONF=__name__)
def test_it_answers_a_value_no_check_caught_with_a_chinese_400_page(world, login):
    response = login(world.hq).get("/overflow/")
    assert response.status_code == 400
    assert (
        "请求中有无法处理的取值（数字过大、日期超出范围或格式不正确）" in response.content.decode()
    )


def test_it_refuses_a_case_deadline_of_year_9999(world, login):
    case = problem(world)
    with clock.frozen("2018-07-02T10:00:00+08:00"):
        case_actions.accept_case(world.hq, case)
        events = CaseEvent.objects.filter(case=case).count()
        response = login(world.hq).post(
            reverse("cases:action", args=[case.pk, "assign"]),
            {"unit": world.transport.pk, "due_at": "9999-12-31T12:00"},
            follow=True,
        )
    [message] = _messages(response)
    assert message.startswith("未能交办：交办信息有误：确保该值小于或等于")
    assert CaseEvent.objects.filter(case=case).count() == events
    assert Case.objects.get(pk=case.pk).state == State.ACCEPTED
