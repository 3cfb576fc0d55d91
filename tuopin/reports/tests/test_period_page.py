"""The period page: who has not signed yet (also units without a report row), filters, sorting."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tuopin.lib import clock
from tuopin.org.models import ResponsibleUnit, UnitKind
from tuopin.reports.models import Report
from tuopin.reports.tests.conftest import FRIDAY_TEN
from tuopin.synth import reports_demo


def _tile(page: str, label: str) -> int:
    match = re.search(rf"<b>(\d+)</b><span>{label}</span>", page)
    assert match is not None, label
    return int(match.group(1))


def _units(response) -> list[str]:
    return [row.unit.name for row in response.context["rows"]]


def test_it_counts_every_unit_not_yet_signed_at_ten_in_the_demo_history(setup, world, login):
    logs: list[str] = []
    with clock.frozen(FRIDAY_TEN):
        reports_demo.populate(world.county, seed=1, log=logs.append)
        # A unit made responsible after this week's report rows were created has no row yet.
        late_comer = ResponsibleUnit.objects.create(
            name="县水利局", kind=UnitKind.DEPARTMENT, org_unit=world.county
        )
        setup.health_action.units.add(late_comer)
        response = login(world.hq).get(reverse("reports:period", args=[setup.period.pk]))
    unsigned_rows = Report.objects.filter(period=setup.period, first_signed_at__isnull=True)
    expected = sorted(
        [*unsigned_rows.values_list("unit__name", flat=True), "县水利局"],
        key=lambda name: (ResponsibleUnit.objects.get(name=name).kind, name),
    )
    # 东风镇 has no accounts, so the demo never fills its report; 县水利局 has no row at all.
    assert {"东风镇", "县水利局"} <= set(expected)
    page = response.content.decode()
    assert _tile(page, "尚未签字") == len(expected)
    assert _tile(page, "应报单位") == 5
    assert _tile(page, "按时签报") == 5 - len(expected)
    with clock.frozen(FRIDAY_TEN):
        shown = login(world.hq).get(
            reverse("reports:period", args=[setup.period.pk]), {"show": "unsigned"}
        )
    assert _units(shown) == expected
    assert '县水利局 <span class="muted">（尚未生成周报）</span>' in shown.content.decode()


@pytest.mark.parametrize(
    ("show", "units"),
    [
        ("all", ["县交通局", "县卫计局", "东风镇", "城关镇"]),
        ("unsigned", ["县卫计局", "东风镇", "城关镇"]),
        ("not_started", ["东风镇"]),
        ("draft", ["城关镇"]),
        ("submitted", ["县卫计局"]),
        ("signed", ["县交通局"]),
        ("on_time", ["县交通局"]),
        ("late", []),
        ("missing", []),
    ],
)
def test_it_filters_by_status(friday, world, login, show, units):
    response = login(world.hq).get(
        reverse("reports:period", args=[friday.period.pk]), {"show": show}
    )
    assert response.status_code == 200
    assert _units(response) == units


def test_it_sorts_by_status_and_signing_time(friday, world, login):
    url = reverse("reports:period", args=[friday.period.pk])
    client = login(world.hq)
    assert _units(client.get(url, {"sort": "status"})) == [
        "东风镇",
        "城关镇",
        "县卫计局",
        "县交通局",
    ]
    assert _units(client.get(url, {"sort": "signed_at"}))[0] == "县交通局"
    page = client.get(url).content.decode()
    assert _tile(page, "尚未签字") == 3 and _tile(page, "按时签报") == 1
    assert '<option value="unsigned" selected>' not in page
    assert "尚未签字（3）" in page


def test_it_says_when_a_filter_or_sort_is_unknown(friday, world, login):
    response = login(world.hq).get(
        reverse("reports:period", args=[friday.period.pk]), {"show": "bogus", "sort": "x"}
    )
    page = response.content.decode()
    assert "筛选条件“bogus”无效，已显示全部单位" in page
    assert "排序方式“x”无效，已按单位排序" in page
    assert len(_units(response)) == 4


def test_it_shows_others_only_what_they_may_see_and_no_chase_buttons(friday, world, login):
    url = reverse("reports:period", args=[friday.period.pk])
    reporter = login(world.reporter).get(url, {"show": "all"})
    assert _units(reporter) == ["县交通局"]
    assert "尚未签字</span>" not in reporter.content.decode()  # no county tiles
    assert "催报" not in reporter.content.decode()
    viewer = login(world.viewer).get(url).content.decode()
    assert _tile(viewer, "尚未签字") == 3
    assert "催报" not in viewer
    hq = login(world.hq).get(url).content.decode()
    assert "向全部尚未签字单位催报（3个）" in hq
    assert hq.count("<button>催报</button>") == 3
    # Another town's cadre sees the week through its own town's report only, and cannot chase.
    other = login(world.other_cadre).get(url, {"show": "all"})
    assert _units(other) == ["东风镇"]
    assert "催报" not in other.content.decode()
    assert login(world.village_cadre).get(url).status_code == 404
    assert login(None).get(url).status_code == 302
