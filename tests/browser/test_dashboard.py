"""The command-centre dashboard in a real browser: roles, the weekly cycle, map, wall, phone."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import (
    PHONE,
    test_it_runs_on_a_test_database,  # noqa: F401 (collected here)
)

pytestmark = pytest.mark.browser


def tile_value(page, key: str) -> str:
    return page.locator(f'[data-key="{key}"]').first.get_attribute("data-value")


def campaign_or_skip():
    from tuopin.plan.models import Campaign

    campaign = Campaign.objects.filter(county__code="610327").first()
    if campaign is None:
        pytest.skip("演示数据中还没有作战计划（tuopin/synth/plan_demo.py 尚未提供）")
    return campaign


def wait_for_exit_figures(page) -> None:
    """assess's tiles arrive by htmx after the page (a cold evaluation takes seconds)."""
    page.wait_for_selector(".exit-tiles[data-loaded]", state="attached", timeout=120_000)


def test_it_shows_the_county_board_to_hq(site, db_access):
    page = site.login("hq")
    site.go(page, "/dashboard/")
    assert page.locator("h1").first.inner_text().startswith("陇县脱贫攻坚指挥大屏")
    wait_for_exit_figures(page)
    # Every headline tile shows a number or 无数据 with a reason, never an empty box.
    for tile in page.locator(".dash-tile").all():
        text = tile.inner_text()
        assert text.strip(), "空白指标块"
        if tile.get_attribute("data-value") == "":
            assert "无数据" in text and tile.locator("em.reason").inner_text().strip()
    towns = page.locator("table.ranking tbody tr")
    assert towns.count() == 10
    site.shot(page, "dashboard-county-desktop")
    phone = site.login("hq", PHONE)
    site.go(phone, "/dashboard/")
    wait_for_exit_figures(phone)
    site.shot(phone, "dashboard-county-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1


def test_it_draws_the_action_grid_and_the_trend_charts(site, db_access):
    campaign = campaign_or_skip()
    page = site.login("leader")
    site.go(page, "/dashboard/")
    assert page.locator(".action-cell").count() == campaign.actions.count() == 19
    for chart in page.locator("[data-trend]").all():
        assert chart.locator("canvas").count() >= 1
    page.locator(".action-cell").nth(12).click()
    page.wait_for_load_state()
    assert "（13）" in page.locator("h1").inner_text()
    site.shot(page, "dashboard-action-desktop")
    milestone_link = page.locator("td a").first
    if milestone_link.count():
        milestone_link.click()
        page.wait_for_load_state()
        assert "推动进展的报送记录" in page.content()
        site.shot(page, "dashboard-milestone-desktop")


def test_it_drills_from_county_to_town_to_village(site, db_access):
    page = site.login("hq")
    site.go(page, "/dashboard/")
    page.get_by_role("link", name="东风镇", exact=True).first.click()
    page.wait_for_load_state()
    assert page.locator("h1").first.inner_text().startswith("东风镇脱贫攻坚指挥大屏")
    assert "陇县" in page.locator("nav.crumbs").inner_text()
    site.shot(page, "dashboard-town-desktop")
    page.locator("table.ranking tbody tr td a").first.click()
    page.wait_for_load_state()
    assert "村脱贫攻坚指挥大屏" in page.locator("h1").first.inner_text()
    site.shot(page, "dashboard-village-desktop")


def test_it_lands_a_town_cadre_on_their_town_and_hides_other_towns(site, db_access):
    from tuopin.org.models import OrgUnit

    dongfeng = OrgUnit.objects.get(name="东风镇").code
    page = site.login("chengguan_cadre")
    site.go(page, "/dashboard/")
    assert page.locator("h1").first.inner_text().startswith("城关镇脱贫攻坚指挥大屏")
    assert "东风镇" not in page.locator("main").inner_text()
    assert site.go(page, f"/dashboard/org/{dongfeng}/").status == 404
    assert site.go(page, f"/dashboard/map/{dongfeng}/").status == 404
    assert site.go(page, "/dashboard/org/610327/").status == 404
    phone = site.login("chengguan_cadre", PHONE)
    site.go(phone, "/dashboard/")
    site.shot(phone, "dashboard-town-cadre-phone")


def test_it_opens_the_village_map(site, db_access):
    page = site.login("hq")
    site.go(page, "/dashboard/")
    page.get_by_role("link", name="村庄地图").click()
    page.wait_for_load_state("networkidle")
    chart = page.locator("#village-map")
    assert chart.get_attribute("data-ready") == "1"
    assert chart.locator("canvas").count() >= 1
    assert int(chart.get_attribute("data-points")) == 120
    site.shot(page, "dashboard-map-desktop")
    page.select_option("select[name=metric]", "households")
    page.get_by_role("button", name="切换").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#village-map").get_attribute("data-metric") == "households"
    site.go(page, "/dashboard/map/?metric=nope")
    assert "参数 metric=nope 无效，已忽略" in page.content()
    phone = site.login("hq", PHONE)
    site.go(phone, "/dashboard/map/")
    site.shot(phone, "dashboard-map-phone")


def test_it_draws_imported_boundaries_on_the_map(site, db_access, tmp_path):
    import json

    from tuopin.org.models import OrgUnit

    half = 0.012
    features = [
        {
            "type": "Feature",
            "properties": {"code": v.code, "name": v.name},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [float(v.longitude) - half, float(v.latitude) - half],
                        [float(v.longitude) + half, float(v.latitude) - half],
                        [float(v.longitude) + half, float(v.latitude) + half],
                        [float(v.longitude) - half, float(v.latitude) + half],
                        [float(v.longitude) - half, float(v.latitude) - half],
                    ]
                ],
            },
        }
        for v in OrgUnit.objects.filter(code__startswith="610327", level="village")
    ]
    path = tmp_path / "陇县村界.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    page = site.login("hq")
    site.go(page, "/dashboard/boundaries/")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="导入").click()
    page.wait_for_load_state()
    assert "导入完成：新增 120，更新 0" in page.content()
    site.go(page, "/dashboard/map/?metric=households")
    assert "已导入 120 个区划边界" in page.content()
    assert page.locator("#village-map").get_attribute("data-ready") == "1"
    site.shot(page, "dashboard-map-boundaries-desktop")


def test_it_shows_the_wall_mode(site, db_access):
    page = site.login("hq", {"width": 1920, "height": 1080})
    site.go(page, "/dashboard/wall/")
    wait_for_exit_figures(page)
    assert page.locator("body.wall").count() == 1
    assert page.locator("header.topbar").is_hidden()
    assert page.locator("#wall[hx-trigger='every 60s']").count() == 1
    # One screen: nothing to scroll, down or across, with every section (and its exit
    # table, which arrives after the page) in view.
    size = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    assert size[0] <= 1920 and size[1] <= 1080, size
    for section in (".s-phases", ".s-headline", ".s-actions", ".s-trends", ".s-ranking"):
        box = page.locator(section).bounding_box()
        assert box["y"] + box["height"] <= 1080, section
    exit_rows = page.locator("#exit-detail table.exit-ranking tbody tr")
    assert exit_rows.count() == 10
    last = exit_rows.last.bounding_box()
    assert last["y"] + last["height"] <= 1080
    site.shot(page, "dashboard-wall-1920")


def unsigned_report_this_week(campaign):
    """(report, username stem) of the first county department whose report is still open."""
    from tuopin.reports.models import Report
    from tuopin.synth.county import DEPARTMENTS

    for name, stem, _kind, _aliases in DEPARTMENTS:
        report = (
            Report.objects.filter(
                unit__name=name,
                period__campaign=campaign,
                period__opens_at__lte="2018-07-20T10:00:00+08:00",
                period__deadline__gt="2018-07-20T10:00:00+08:00",
                first_signed_at__isnull=True,
                status__in=["not_started", "draft"],
            )
            .select_related("period")
            .first()
        )
        if report is not None:
            return report, stem
    return None, ""


def test_it_walks_the_weekly_cycle_onto_the_dashboard(site, db_access):
    campaign = campaign_or_skip()
    report, stem = unsigned_report_this_week(campaign)
    if report is None:
        pytest.skip("演示数据中本周没有尚未填报的县级部门周报")

    hq = site.login("hq")
    site.go(hq, "/dashboard/")
    before = int(tile_value(hq, "reporting_signed"))

    reporter = site.login(f"{stem}_reporter")
    # A department's reporter starts on this week's report, with a menu of pages it can open.
    assert reporter.url.endswith(f"/reports/report/{report.pk}/")
    assert "指挥大屏" not in reporter.locator("nav.mainnav").inner_text()
    reporter.locator("a.button.primary", has_text=re.compile("开始填报|修改")).click()
    reporter.wait_for_load_state()
    for field in reporter.locator("input[name$='-value']").all():
        field.fill("1")
    for area in reporter.locator("textarea[name$='-progress']").all():
        area.fill("本周按节点推进，完成情况见数值。")
    site.shot(reporter, "reports-fill-desktop")
    # An offline-capable form: the page first checks the connection, then posts.
    with reporter.expect_navigation():
        reporter.get_by_role("button", name="保存并提交签字").click()
    assert "待签字" in reporter.content()

    head = site.login(f"{stem}_head")
    assert head.url.endswith(f"/reports/report/{report.pk}/")
    head.get_by_role("button", name="确认内容并签字").click()
    # Signing waits for the head to tick that the content was read.
    assert "待签字" in head.content()
    head.get_by_label("我已核对下方周报内容").check()
    head.get_by_role("button", name="确认内容并签字").click()
    head.wait_for_load_state()
    assert "已签字" in head.content()
    site.shot(head, "reports-signed-desktop")

    report.refresh_from_db()
    assert report.timeliness == "on_time"
    site.go(hq, "/dashboard/")
    assert int(tile_value(hq, "reporting_signed")) == before + 1
    site.shot(hq, "dashboard-after-signing-desktop")


def test_it_matches_every_tile_to_the_page_it_drills_into(site, db_access):
    from tuopin.lib import clock, metrics
    from tuopin.org.models import OrgUnit

    campaign_or_skip()
    page = site.login("hq")
    site.go(page, "/dashboard/")
    wait_for_exit_figures(page)
    board_url = page.url

    for status in ("done", "on_track", "at_risk", "overdue"):
        value = tile_value(page, f"milestones-{status}")
        page.locator(f'[data-key="milestones-{status}"]').click()
        page.wait_for_load_state()
        assert page.locator("#milestone-count").inner_text() == value, status
        site.go(page, board_url.replace(site.base_url, ""))

    signed = tile_value(page, "reporting_signed")
    page.locator('[data-key="reporting_signed"]').click()
    page.wait_for_load_state()
    on_time = page.locator(".tile", has_text="按时签报").first.locator("b").inner_text()
    assert on_time == signed
    site.go(page, "/dashboard/")
    wait_for_exit_figures(page)

    overdue = tile_value(page, "cases_overdue")
    page.locator('[data-key="cases_overdue"]').click()
    page.wait_for_load_state()
    assert page.locator(".tile", has_text="超期未办结").first.locator("b").inner_text() == overdue
    site.go(page, "/dashboard/")
    wait_for_exit_figures(page)

    county = OrgUnit.objects.get(code="610327")
    today = clock.today()
    for key, metric in [
        ("households_failing", "assess.households_failing"),
        ("villages_ready", "assess.villages_ready"),
        ("county_items", "assess.county_items_passing"),
    ]:
        value = metrics.evaluate(metric, county, today).value
        assert tile_value(page, key) == ("" if value is None else str(int(value))), key
    failing = [
        int(n) for n in page.locator('#exit-detail td[data-key="failing"]').all_inner_texts()
    ]
    assert sum(failing) == int(tile_value(page, "households_failing"))

    first_town = page.locator("table.ranking tbody tr").first
    code = first_town.get_attribute("data-code")
    villages = first_town.locator('[data-key="villages"]').inner_text()
    site.go(page, f"/org/{code}/")
    assert page.locator(".tile", has_text="行政村").first.locator("b").inner_text() == villages
