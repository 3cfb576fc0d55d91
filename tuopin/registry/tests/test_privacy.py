"""Personal data in every registry output, for every role: masked IDs cannot be rebuilt from the
rest of the same output, and every unmasked view or export is logged (org.privacy)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from python_calamine import CalamineWorkbook

from tuopin.lib import clock
from tuopin.lib.citizen_id import check_digit, mask
from tuopin.org import audit
from tuopin.org.privacy import age_band
from tuopin.registry.models import Household, Person, PersonalDataView

NOW = "2018-07-20T10:00:00+08:00"
TODAY = dt.date(2018, 7, 20)
MASKED_ROLES = ("viewer", "leader", "inspector", "town_reporter", "town_head")
_DATE_TEXT = re.compile(r"(1[89]\d\d|20\d\d)-?(\d\d)-?(\d\d)")


@pytest.fixture
def cg_household(registry):
    return Household.objects.filter(village=registry.cg_village).order_by("household_no").first()


def _dates_in(value) -> list[dt.date]:
    """Every date a cell could tell: a date/datetime cell, ISO text or eight digits."""
    if isinstance(value, dt.datetime):
        return [value.date()]
    if isinstance(value, dt.date):
        return [value]
    found = []
    for match in _DATE_TEXT.finditer(str(value)):
        try:
            found.append(dt.date(int(match[1]), int(match[2]), int(match[3])))
        except ValueError:
            continue
    return found


def rebuilt(masked_id: str, row: list) -> set[str]:
    """The full IDs the other cells of ``row`` rebuild from ``masked_id`` (check digit valid;
    digits of codes may pass by chance, so callers compare with the real IDs)."""
    region, tail = masked_id[:6], masked_id[14:]
    ids = set()
    for value in row:
        if value == masked_id:
            continue
        for day in _dates_in(value):
            first17 = f"{region}{day:%Y%m%d}{tail[:3]}"
            if check_digit(first17) == tail[3]:
                ids.add(first17 + tail[3])
    return ids


def candidates_in_band(masked_id: str, band: str, today: dt.date) -> int:
    """How many full IDs fit a masked ID and an age band shown next to it."""
    low, high = (int(part) for part in band.split("–"))
    region, tail = masked_id[:6], masked_id[14:]
    count = 0
    day = dt.date(today.year - high - 1, 1, 1)
    while day <= today:
        years = today.year - day.year - ((today.month, today.day) < (day.month, day.day))
        if low <= years <= high and check_digit(f"{region}{day:%Y%m%d}{tail[:3]}") == tail[3]:
            count += 1
        day += dt.timedelta(days=1)
    return count


def _sheets(response) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    return {name: book.get_sheet_by_name(name).to_python() for name in ("户", "人")}


def test_the_rebuild_check_rebuilds_an_id_next_to_its_birth_date():
    """The attack of the security review, so the tests below can fail."""
    full = "61032719800101123" + check_digit("61032719800101123")
    assert rebuilt(mask(full), [mask(full), "男", "1980-01-01"]) == {full}
    assert rebuilt(mask(full), [mask(full), "男", ""]) == set()


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_no_id_can_be_rebuilt_from_the_masked_export(registry, login, role):
    user = getattr(registry, role)
    code = user.scope.code
    with clock.frozen(NOW):
        response = login(user).get("/registry/export/", {"scope": code})
    assert response.status_code == 200
    assert (
        "脱敏" in response["Content-Disposition"]
        or "%E8%84%B1%E6%95%8F" in (response["Content-Disposition"])
    )
    sheets = _sheets(response)
    persons = sheets["人"]
    header = persons[0]
    id_at, birth_at = header.index("证件号码"), header.index("出生日期")
    expected = Person.objects.filter(
        household__village__code__startswith=code, household__is_active=True, is_active=True
    )
    assert len(persons) - 1 == expected.count() > 0
    assert all(row[birth_at] == "" for row in persons[1:])
    real = set(expected.values_list("id_number", flat=True))
    households = sheets["户"]
    head_at = households[0].index("户主证件号码")
    attempts = set().union(
        *(rebuilt(row[id_at], row) for row in persons[1:]),
        *(rebuilt(row[head_at], row) for row in households[1:]),
    )
    assert attempts & real == set()
    text = "\n".join(str(cell) for sheet in sheets.values() for row in sheet for cell in row)
    assert not any(number in text for number in real)
    assert PersonalDataView.objects.count() == 0


@pytest.mark.parametrize("role", ("hq", "cadre", "village_cadre"))
def test_the_unmasked_export_is_logged(registry, login, role):
    user = getattr(registry, role)
    with clock.frozen(NOW):
        response = login(user).get("/registry/export/", {"scope": user.scope.code})
    persons = _sheets(response)["人"]
    header = persons[0]
    row = persons[1]
    person = Person.objects.get(id_number=row[header.index("证件号码")])
    assert row[header.index("出生日期")] == person.birth_date.isoformat()
    view = PersonalDataView.objects.get()
    assert (view.user, view.via, view.household, view.scope_code) == (
        user,
        "export",
        None,
        user.scope.code,
    )
    assert view.what.startswith(f"导出 {user.scope.name}")


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_the_masked_household_page_shows_no_birth_date_and_only_age_bands(
    registry, login, cg_household, role
):
    with clock.frozen(NOW):
        response = login(getattr(registry, role)).get(
            f"/registry/household/{cg_household.household_no}/"
        )
    assert response.status_code == 200
    body = response.content.decode()
    members = list(cg_household.members.all())
    for person in members:
        assert person.id_number not in body
        assert mask(person.id_number) in body
        band = age_band(person.age_on(TODAY))
        assert f">{band}</td>" in body
        assert candidates_in_band(mask(person.id_number), band, TODAY) >= 100
        for shown in (person.birth_date.isoformat(), f"{person.birth_date:%Y年%-m月%-d日}"):
            assert shown not in body
    if cg_household.phone:
        assert cg_household.phone not in body
    assert PersonalDataView.objects.count() == 0


def test_the_history_hides_a_changed_id_and_birth_date_from_a_masked_reader(
    registry, login, cg_household
):
    person = cg_household.members.first()
    old_id = "61032719700101" + person.id_number[14:]
    with clock.frozen(NOW):
        audit.record_many(
            [
                (
                    person,
                    {
                        "id_number": [old_id, person.id_number],
                        "birth_date": ["1970-01-01", person.birth_date.isoformat()],
                    },
                )
            ],
            actor=registry.hq,
            action="修改",
            source="web",
        )
        body = (
            login(registry.viewer)
            .get(f"/registry/household/{cg_household.household_no}/")
            .content.decode()
        )
        cadre_body = (
            login(registry.cadre)
            .get(f"/registry/household/{cg_household.household_no}/")
            .content.decode()
        )
    for secret in (old_id, "1970-01-01", person.id_number, person.birth_date.isoformat()):
        assert secret not in body
        assert secret in cadre_body


@pytest.mark.parametrize("role", ("hq", "cadre", "village_cadre"))
def test_the_household_page_is_unmasked_and_logged_for_household_workers(
    registry, login, cg_household, role
):
    user = getattr(registry, role)
    with clock.frozen(NOW):
        body = login(user).get(f"/registry/household/{cg_household.household_no}/").content
    person = cg_household.members.first()
    assert person.id_number in body.decode()
    assert f">{person.age_on(TODAY)}</td>" in body.decode()
    view = PersonalDataView.objects.get()
    assert (view.user, view.household, view.via, view.scope_code) == (
        user,
        cg_household,
        "web",
        registry.cg_village.code,
    )


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_the_api_detail_is_masked_beyond_rebuilding(registry, login, cg_household, role):
    with clock.frozen(NOW):
        response = login(getattr(registry, role)).get(
            f"/api/registry/households/{cg_household.household_no}"
        )
    assert response.status_code == 200
    data = response.json()
    assert data["personal_data_masked"] is True
    for member in data["members"]:
        person = Person.objects.get(household=cg_household, name=member["name"], is_active=True)
        assert member["id_number"] == mask(person.id_number)
        assert member["birth_date"] is None
        assert member["age"] == age_band(person.age_on(TODAY))
        assert person.id_number not in rebuilt(member["id_number"], list(member.values()))
    assert PersonalDataView.objects.count() == 0


def test_the_api_detail_is_unmasked_and_logged_for_the_cadre(registry, login, cg_household):
    with clock.frozen(NOW):
        data = (
            login(registry.cadre)
            .get(f"/api/registry/households/{cg_household.household_no}")
            .json()
        )
    head = cg_household.members.get(relationship="01")
    member = next(m for m in data["members"] if m["id_number"] == head.id_number)
    assert (member["birth_date"], member["age"]) == (
        head.birth_date.isoformat(),
        str(head.age_on(TODAY)),
    )
    view = PersonalDataView.objects.get()
    assert (view.user, view.household, view.via) == (registry.cadre, cg_household, "api")


def test_other_towns_and_anonymous_visitors_see_nothing_and_log_nothing(
    registry, login, cg_household
):
    page = f"/registry/household/{cg_household.household_no}/"
    api = f"/api/registry/households/{cg_household.household_no}"
    assert login(registry.other_cadre).get(page).status_code == 404
    assert login(registry.other_cadre).get(api).status_code == 404
    assert login(registry.reporter).get(page).status_code == 404
    assert login(None).get(page).status_code == 302
    assert login(None).get(api).status_code == 401
    assert PersonalDataView.objects.count() == 0


@pytest.mark.parametrize(
    ("role", "found"), [("hq", True), ("cadre", True), *[(r, False) for r in MASKED_ROLES]]
)
def test_search_by_a_full_id_is_no_oracle_for_masked_readers(
    registry, login, cg_household, role, found
):
    """Else trying the ~160 IDs a masked one and its age band leave open would confirm the real one."""
    client = login(getattr(registry, role))
    page = client.get("/registry/", {"q": cg_household.head_id_number})
    api = client.get("/api/registry/households", {"q": cg_household.head_id_number}).json()
    numbers = [row["household_no"] for row in api["items"]]
    assert numbers == ([cg_household.household_no] if found else [])
    assert (cg_household.household_no in page.content.decode()) is found
    assert ("按证件号码查找需要查看个人信息的权限" in page.content.decode()) is not found
    by_name = client.get("/api/registry/households", {"q": cg_household.head_name}).json()
    assert cg_household.household_no in [row["household_no"] for row in by_name["items"]]
