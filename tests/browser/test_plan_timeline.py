"""The plan's Gantt chart in a real browser: desktop, a 390×844 phone, and print."""

from __future__ import annotations

import pytest

from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    test_it_runs_on_a_test_database,  # noqa: F401 (collected here)
)

pytestmark = pytest.mark.browser

A4_LANDSCAPE_PRINTABLE = {"width": 1047, "height": 718}  # 297×210 mm less 10 mm margins, 96 dpi


ROWS = """() => [...document.querySelectorAll('.gantt-item')].map(row => {
  const box = el => { const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  const shapes = [...row.querySelectorAll('svg .gantt-bar, svg .marker')].map(box);
  return {
    id: row.dataset.milestone,
    status: row.dataset.status,
    label: row.querySelector('.gantt-text').textContent.trim(),
    meta: row.querySelector('.gantt-meta').textContent.trim(),
    labelBox: box(row.querySelector('.gantt-label')),
    shapes: shapes,
    fill: row.querySelector('.marker').getAttribute('fill'),
    title: row.getAttribute('title'),
  };
})"""


def overlaps(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


def milestone_count() -> int:
    from tuopin.plan.models import Milestone

    return Milestone.objects.filter(
        action__campaign__county__code="610327", action__campaign__is_active=True
    ).count()


def demo_statuses() -> dict:
    from tuopin.lib import clock
    from tuopin.plan import progress
    from tuopin.plan.models import Campaign

    campaign = Campaign.objects.get(county__code="610327", is_active=True)
    return progress.milestone_statuses(campaign, clock.now())


def check_rows(rows: list[dict], expected: int) -> None:
    assert len(rows) == expected
    for row in rows:
        assert row["label"], f"时间节点 {row['id']} 没有标签"
        assert "月" in row["meta"] and "日前 · " in row["meta"]
        assert row["shapes"], f"时间节点 {row['id']} 没有条形"
        label_middle = (row["labelBox"]["top"] + row["labelBox"]["bottom"]) / 2
        for shape in row["shapes"]:
            # The label sits on the same line as its bar.
            assert abs((shape["top"] + shape["bottom"]) / 2 - label_middle) < 2
    for index, row in enumerate(rows):
        for other in rows[index + 1 :]:
            for shape in row["shapes"]:
                for other_shape in other["shapes"]:
                    assert not overlaps(shape, other_shape), (row["id"], other["id"])


def test_it_draws_one_labelled_row_per_milestone_on_a_desktop(site, db_access):
    expected = milestone_count()
    page = site.login("hq", DESKTOP)
    site.go(page, "/plan/timeline/")
    rows = page.evaluate(ROWS)
    check_rows(rows, expected)
    colours = {
        "at_risk": "#e69500",
        "on_track": "#1565c0",
        "overdue": "#c62828",
        "done": "#2e7d32",
        "not_started": "#8a96a3",
    }
    assert all(row["fill"] == colours[row["status"]] for row in rows)
    # Each row shows the status plan.progress computes, in colour and in words.
    statuses = demo_statuses()
    assert {int(row["id"]): row["status"] for row in rows} == {
        pk: str(status) for pk, status in statuses.items()
    }
    assert all(row["meta"].endswith(statuses[int(row["id"])].label) for row in rows)
    # Hovering a row tells why: the forecast's reason is in its tooltip.
    assert all(statuses[int(row["id"])].reason in row["title"] for row in rows)
    assert page.locator(".gantt-group").count() == 19  # every action has an indicator (issue 14)
    today = page.locator(".gantt-today").bounding_box()
    chart = page.locator(".gantt-inner").bounding_box()
    assert today["height"] >= chart["height"] - 1
    assert page.locator(".gantt-today-label").text_content() == "今天 07月20日"
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    legend = page.locator(".plan-legend").inner_text()
    for word in ("已完成", "正常推进", "有风险", "已逾期", "未开始", "今天"):
        assert word in legend
    site.shot(page, "plan-timeline-desktop")


def test_it_scrolls_the_chart_not_the_page_on_a_phone(site, db_access):
    expected = milestone_count()
    page = site.login("hq", PHONE)
    site.go(page, "/plan/timeline/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    chart = page.locator(".gantt")
    assert chart.evaluate("el => el.scrollWidth > el.clientWidth")
    # Opened at today, not at the campaign's first month.
    label_right = page.locator(".gantt-axis .gantt-label").bounding_box()
    today = page.locator(".gantt-today").bounding_box()
    assert label_right["x"] + label_right["width"] < today["x"] < PHONE["width"]
    check_rows(page.evaluate(ROWS), expected)
    site.shot(page, "plan-timeline-phone")
    # Scrolled to the far end, every label is still on screen beside its bar.
    chart.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    for row in page.evaluate(ROWS):
        assert row["labelBox"]["left"] >= 0
        assert row["labelBox"]["right"] <= PHONE["width"]
    site.shot(page, "plan-timeline-phone-scrolled")


def test_it_prints_on_one_page_width(site, db_access):
    page = site.login("hq", A4_LANDSCAPE_PRINTABLE)
    site.go(page, "/plan/timeline/")
    page.emulate_media(media="print")
    assert page.evaluate("document.documentElement.scrollWidth") <= A4_LANDSCAPE_PRINTABLE["width"]
    assert page.locator(".topbar").is_hidden()
    assert page.locator(".gantt").evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    check_rows(page.evaluate(ROWS), milestone_count())
    site.shot(page, "plan-timeline-print")
