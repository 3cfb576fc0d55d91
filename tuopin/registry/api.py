"""API: households and their members in the caller's scope; personal fields as org.privacy
shows them to the caller (each unmasked detail is logged)."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from tuopin.lib import clock
from tuopin.lib.bounds import Offset, page_size
from tuopin.org import privacy
from tuopin.registry.models import Household, VillageFacts

router = Router(tags=["建档立卡档案"])
MAX_LIMIT = 500


class HouseholdRow(Schema):
    household_no: str
    village_code: str
    village_name: str
    group_name: str
    head_name: str
    head_id_number: str
    is_registered: bool
    exit_status: str
    exit_status_label: str
    exit_year: int | None
    planned_exit_year: int | None
    member_count: int
    is_active: bool


class HouseholdPage(Schema):
    count: int
    offset: int
    limit: int
    items: list[HouseholdRow]


class PersonOut(Schema):
    person_no: str
    name: str
    id_number: str
    relationship: str
    relationship_label: str
    sex: str
    birth_date: dt.date | None  # None when masked
    age: str  # years; a five-year band such as "30–34" when masked
    schooling_status: str
    schooling_status_label: str
    health: str
    health_label: str
    labour_skill: str
    work_status: str
    work_months: int
    in_rural_medical_insurance: bool
    in_serious_illness_insurance: bool
    in_pension_insurance: bool
    is_active: bool


class HouseholdDetail(HouseholdRow):
    phone: str
    identification_standard: str
    poverty_attribute: str
    main_cause: str
    other_causes: list[str]
    first_identified_year: int | None
    helper_name: str
    helper_unit: str
    helper_post: str
    helper_phone: str
    wage_income: str
    business_income: str
    property_income: str
    transfer_income: str
    business_expense: str
    net_income: str
    net_income_per_person: str | None
    housing_grade: str
    housing_appraised_on: dt.date | None
    relocation: str
    water_quality_ok: bool
    water_liters_per_person_day: str
    water_piped: bool
    water_minutes_round_trip: int
    water_reliability: str
    has_household_electricity: bool
    closed_reason: str
    personal_data_masked: bool
    members: list[PersonOut]


class VillageFactsOut(Schema):
    village_code: str
    village_name: str
    is_poor_village: bool
    paved_road: bool | None
    standard_clinic: bool | None
    collective_economy: bool | None
    natural_villages_30plus: int | None
    natural_villages_30plus_with_power: int | None
    tap_water: bool | None


class HouseholdFilter(Schema):
    q: str = ""
    village: str = ""
    registered: bool | None = None
    exit_status: str = ""
    include_closed: bool = False
    offset: Offset = 0
    limit: page_size(MAX_LIMIT) = 100


def _row(household: Household) -> dict:
    return {
        "household_no": household.household_no,
        "village_code": household.village.code,
        "village_name": household.village.name,
        "group_name": household.group_name,
        "head_name": household.head_name,
        "head_id_number": privacy.MASKED.citizen_id(household.head_id_number),
        "is_registered": household.is_registered,
        "exit_status": household.exit_status,
        "exit_status_label": household.get_exit_status_display() if household.exit_status else "",
        "exit_year": household.exit_year,
        "planned_exit_year": household.planned_exit_year,
        "member_count": household.member_count,
        "is_active": household.is_active,
    }


@router.get("/households", response=HouseholdPage, summary="农户列表（证件号码脱敏）")
def households(request, filters: Query[HouseholdFilter]):
    queryset = Household.objects.visible_to(request.user).select_related("village")
    if not filters.include_closed:
        queryset = queryset.filter(is_active=True)
    if filters.village:
        queryset = queryset.under(filters.village)
    if filters.registered is not None:
        queryset = queryset.filter(is_registered=filters.registered)
    if filters.exit_status:
        queryset = queryset.filter(exit_status=filters.exit_status)
    by_id = privacy.disclosure(request.user).unmasked  # no ID oracle for masked readers
    queryset = queryset.search(filters.q[:50], by_citizen_id=by_id).order_by("household_no")
    offset, limit = filters.offset, filters.limit
    return {
        "count": queryset.count(),
        "offset": offset,
        "limit": limit,
        "items": [_row(h) for h in queryset[offset : offset + limit]],
    }


@router.get("/households/{household_no}", response=HouseholdDetail, summary="农户详情")
def household(request, household_no: str):
    found = get_object_or_404(
        Household.objects.visible_to(request.user).select_related("village"),
        household_no=household_no,
    )
    shown = privacy.shown(request.user, found, what="接口：户详情", via="api")
    today = clock.today()
    members = []
    for person in found.members.order_by("-is_active", "relationship", "id"):
        members.append(
            {
                "person_no": person.person_no,
                "name": person.name,
                "id_number": shown.citizen_id(person.id_number),
                "relationship": person.relationship,
                "relationship_label": person.get_relationship_display(),
                "sex": person.get_sex_display(),
                "birth_date": shown.birth_date(person.birth_date),
                "age": shown.age(person.age_on(today)),
                "schooling_status": person.schooling_status,
                "schooling_status_label": person.get_schooling_status_display(),
                "health": person.health,
                "health_label": person.get_health_display(),
                "labour_skill": person.labour_skill,
                "work_status": person.work_status,
                "work_months": person.work_months,
                "in_rural_medical_insurance": person.in_rural_medical_insurance,
                "in_serious_illness_insurance": person.in_serious_illness_insurance,
                "in_pension_insurance": person.in_pension_insurance,
                "is_active": person.is_active,
            }
        )
    per_person = found.net_income_per_person
    data = _row(found)
    data.update(
        head_id_number=shown.citizen_id(found.head_id_number),
        phone=shown.phone(found.phone),
        identification_standard=found.identification_standard,
        poverty_attribute=found.poverty_attribute,
        main_cause=found.main_cause,
        other_causes=list(found.other_causes or []),
        first_identified_year=found.first_identified_year,
        helper_name=found.helper_name,
        helper_unit=found.helper_unit,
        helper_post=found.helper_post,
        helper_phone=shown.phone(found.helper_phone),
        wage_income=str(found.wage_income),
        business_income=str(found.business_income),
        property_income=str(found.property_income),
        transfer_income=str(found.transfer_income),
        business_expense=str(found.business_expense),
        net_income=str(found.net_income),
        net_income_per_person=None if per_person is None else str(per_person),
        housing_grade=found.housing_grade,
        housing_appraised_on=found.housing_appraised_on,
        relocation=found.relocation,
        water_quality_ok=found.water_quality_ok,
        water_liters_per_person_day=str(found.water_liters_per_person_day),
        water_piped=found.water_piped,
        water_minutes_round_trip=found.water_minutes_round_trip,
        water_reliability=str(found.water_reliability),
        has_household_electricity=found.has_household_electricity,
        closed_reason=found.closed_reason,
        personal_data_masked=not shown.unmasked,
        members=members,
    )
    return data


@router.get("/villages/{code}/facts", response=VillageFactsOut, summary="村情")
def village_facts(request, code: str):
    from tuopin.org.models import Level, OrgUnit

    village = get_object_or_404(
        OrgUnit.objects.visible_to(request.user), code=code, level=Level.VILLAGE
    )
    facts = VillageFacts.objects.filter(village=village).first()
    return {
        "village_code": village.code,
        "village_name": village.name,
        "is_poor_village": village.is_poor_village,
        "paved_road": facts.paved_road if facts else None,
        "standard_clinic": facts.standard_clinic if facts else None,
        "collective_economy": facts.collective_economy if facts else None,
        "natural_villages_30plus": facts.natural_villages_30plus if facts else None,
        "natural_villages_30plus_with_power": facts.natural_villages_30plus_with_power
        if facts
        else None,
        "tap_water": facts.tap_water if facts else None,
    }
