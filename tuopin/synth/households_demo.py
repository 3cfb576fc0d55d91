"""Demo household files for 陇县 as HQ holds them on Thursday 19 July 2018: planned exit years
(the 2018 cohort), industry bases and cooperatives (some 双百), assistance measures,
renovation and relocation files loaded through the ledger engine's own import; helpers paired
from the registry's 帮扶责任人, their visits and the 七到户 items written directly. The files
have the gaps a July HQ chases: cohort households with a single income project, households not
linked to any base, 七到户 items missing, visits older than 30 days, renovations not yet
habitable, relocations without keys or with 双超 unresolved."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from tuopin.households import actions, importer
from tuopin.households.codes import SevenItem
from tuopin.households.layout import (
    BASE_COLUMNS,
    BASE_SHEET,
    MEASURE_COLUMNS,
    MEASURE_SHEET,
    RELOCATION_COLUMNS,
    RELOCATION_SHEET,
    RENOVATION_COLUMNS,
    RENOVATION_SHEET,
)
from tuopin.households.models import Assignment, Helper, Measure, SevenItemRecord, Visit
from tuopin.ledger.reader import Sheet
from tuopin.lib import clock
from tuopin.org.models import Level, OrgUnit, User
from tuopin.projects.models import Project
from tuopin.registry.models import Household, Person

LOADED = dt.datetime(2018, 7, 19, 17, 30, tzinfo=clock.SHANGHAI)
TODAY = LOADED.date()
INDUSTRIES = ("核桃", "苹果", "奶山羊", "中药材", "食用菌", "肉牛", "蜂蜜", "光伏")
SEVEN = SevenItem.values


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, max((last - first).days, 0)))


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _planned_years(households: list, rng: random.Random) -> None:
    changed = []
    for household in households:
        if household.exit_status in ("exited", "exited_no_policy") and household.exit_year:
            year = household.exit_year
        else:
            roll = rng.random()
            year = 2018 if roll < 0.55 else (2019 if roll < 0.85 else 2020)
        if year >= (household.first_identified_year or 2014):
            household.planned_exit_year = year
            changed.append(household)
    Household.objects.bulk_update(changed, ["planned_exit_year"], batch_size=2000)


def _bases(towns: list[OrgUnit], rng: random.Random) -> tuple[list[list], dict[str, list[str]]]:
    rows, by_town = [], {}
    number = 0
    for town in towns:
        villages = list(town.children.filter(level=Level.VILLAGE).order_by("code"))
        for index in range(rng.randint(2, 4)):
            number += 1
            industry = rng.choice(INDUSTRIES)
            place = rng.choice(villages) if villages else town
            kind = "产业基地" if index % 2 == 0 else "专业合作社"
            suffix = "产业基地" if kind == "产业基地" else "专业合作社"
            code = f"JD{number:03d}"
            rows.append(
                [
                    code,
                    f"{place.name}{industry}{suffix}",
                    kind,
                    place.code,
                    industry,
                    "是" if rng.random() < 0.4 else "否",
                ]
            )
            by_town.setdefault(town.code, []).append(code)
    return rows, by_town


def rows(county: OrgUnit, seed: int) -> dict[str, list[list]]:
    rng = random.Random(seed * 1601)
    households = list(
        Household.objects.filter(
            is_active=True, is_registered=True, village__code__startswith=county.code
        )
        .select_related("village")
        .order_by("household_no")
    )
    _planned_years(households, rng)
    towns = list(OrgUnit.objects.under(county.code).filter(level=Level.TOWN).order_by("code"))
    base_rows, bases_by_town = _bases(towns, rng)
    school = set(
        Person.objects.filter(
            is_active=True, schooling_status__in=["01", "02", "03", "04", "05", "06", "07"]
        ).values_list("household_id", flat=True)
    )
    ill = set(
        Person.objects.filter(is_active=True, health__in=["2", "3", "4"]).values_list(
            "household_id", flat=True
        )
    )
    measures, renovations, relocations = [], [], []
    sites: dict[str, list[str]] = {}
    for code, place in Project.objects.filter(kind="relocation").values_list("code", "place__code"):
        sites.setdefault(place[:9], []).append(code)
    all_sites = [code for codes in sites.values() for code in codes]
    for household in households:
        number = household.household_no
        town = household.village.code[:9]
        poor = household.exit_status in ("not_exited", "returned")
        cohort = household.planned_exit_year == 2018
        income = (2 if rng.random() < 0.8 else 1) if cohort else rng.choice((1, 1, 2, 3))
        if not poor and not cohort:
            income = rng.choice((1, 2))
        kinds = ["产业"] + [
            rng.choice(("就业", "公益性岗位", "小额信贷", "产业")) for _ in range(income - 1)
        ]
        used = set()
        for kind in kinds:
            day = _day(rng, dt.date(2018, 1, 10), TODAY)
            content = f"{kind}扶持"
            if (kind, day, content) in used:
                continue
            used.add((kind, day, content))
            industry = rng.choice(INDUSTRIES) if kind == "产业" else ""
            base = ""
            if kind == "产业" and bases_by_town.get(town) and rng.random() < 0.75:
                base = rng.choice(bases_by_town[town])
            amount = {"产业": rng.randint(10, 50) * 100, "小额信贷": 50000}.get(
                kind, rng.randint(5, 30) * 100
            )
            scale = (
                f"{rng.randint(1, 10)}亩"
                if industry in ("核桃", "苹果", "中药材")
                else (f"{rng.randint(2, 20)}头" if industry in ("奶山羊", "肉牛") else "")
            )
            measures.append([number, kind, day.isoformat(), amount, content, industry, scale, base])
        for flag, kind, share in (
            (household.pk in school, "教育资助", 0.88),
            (household.poverty_attribute in ("02", "03"), "低保兜底", 0.93),
            (household.pk in ill, "医疗救助", 0.8),
        ):
            if flag and rng.random() < share:
                day = _day(rng, dt.date(2018, 1, 10), TODAY)
                measures.append(
                    [
                        number,
                        kind,
                        day.isoformat(),
                        rng.randint(10, 40) * 100,
                        f"{kind}",
                        "",
                        "",
                        "",
                    ]
                )
        if household.housing_grade in ("C", "D") or (poor and rng.random() < 0.04):
            renovations.append(_renovation(rng, number, household.housing_grade))
        if household.relocation != "none":
            relocations.append(
                _relocation(rng, number, household.relocation, sites.get(town) or all_sites)
            )
    return {
        BASE_SHEET: base_rows,
        MEASURE_SHEET: measures,
        RENOVATION_SHEET: renovations,
        RELOCATION_SHEET: relocations,
    }


def _renovation(rng: random.Random, number: str, grade: str) -> list:
    started = _day(rng, dt.date(2018, 3, 1), dt.date(2018, 5, 20))
    roll = rng.random()
    completed = habitable = moved = accepted = None
    after = ""
    if roll < 0.82:
        completed = min(started + dt.timedelta(days=rng.randint(30, 80)), TODAY)
        if roll < 0.6:
            habitable = min(completed + dt.timedelta(days=rng.randint(5, 30)), TODAY)
            if roll < 0.35:
                moved = min(habitable + dt.timedelta(days=rng.randint(3, 20)), TODAY)
                accepted = moved
                after = rng.choice(("A", "B"))
    elif roll > 0.97:
        started = None  # not started yet: the case a July HQ chases first
    approved = rng.choice((15000, 20000, 25000, 35000))
    paid = approved if moved else (approved // 2 if completed else 0)
    return [
        number,
        2018,
        "危房改造" if rng.random() < 0.7 else "土坯房拆改",
        grade or "C",
        _iso(started),
        _iso(completed),
        _iso(habitable),
        _iso(moved),
        approved,
        paid,
        _iso(accepted),
        after,
    ]


def _relocation(rng: random.Random, number: str, status: str, sites: list[str]) -> list:
    central = status == "central_keys" or (
        status == "not_moved_in" and sites and rng.random() < 0.7
    )
    finished = _day(rng, dt.date(2017, 10, 1), dt.date(2018, 5, 31))
    accepted = min(finished + dt.timedelta(days=rng.randint(10, 40)), TODAY)
    moved_in = status in ("central_keys", "dispersed_moved_in")
    keys = (
        min(accepted + dt.timedelta(days=rng.randint(3, 20)), TODAY)
        if moved_in or rng.random() < 0.3
        else None
    )
    moved = min(keys + dt.timedelta(days=rng.randint(1, 15)), TODAY) if moved_in and keys else None
    paid = (
        min(accepted + dt.timedelta(days=rng.randint(5, 30)), TODAY)
        if rng.random() < 0.85
        else None
    )
    demolished = (
        min(moved + dt.timedelta(days=rng.randint(10, 60)), TODAY)
        if moved and rng.random() < 0.6
        else None
    )
    over_area = rng.random() < 0.05
    over_debt = rng.random() < 0.04
    resolved = (
        _day(rng, dt.date(2018, 4, 1), TODAY)
        if (over_area or over_debt) and rng.random() < 0.6
        else None
    )
    return [
        number,
        "集中安置" if central and sites else "分散安置",
        rng.choice(sites) if central and sites else "",
        2018 if rng.random() < 0.7 else 2017,
        _iso(finished),
        _iso(accepted),
        _iso(paid),
        _iso(keys),
        _iso(moved),
        _iso(demolished),
        "是" if over_area else "否",
        "是" if over_debt else "否",
        _iso(resolved),
        "按政策退还超标面积款" if resolved else "",
        1 if rng.random() < 0.85 else 0,
    ]


def _helpers_visits_seven(county: OrgUnit, rng: random.Random) -> tuple[int, int, int]:
    households = list(
        Household.objects.filter(
            is_active=True, is_registered=True, village__code__startswith=county.code
        )
        .exclude(helper_name="")
        .order_by("household_no")
        .values_list("pk", "helper_name", "helper_unit", "helper_phone")
    )
    now = LOADED
    helpers: dict[tuple[str, str], Helper] = {}
    for _pk, name, unit, phone in households:
        helpers.setdefault((name, unit), Helper(name=name, unit=unit, phone=phone))
    Helper.objects.bulk_create(list(helpers.values()), batch_size=2000)
    assignments, visits, items = [], [], []
    for pk, name, unit, _phone in households:
        helper = helpers[(name, unit)]
        assignments.append(
            Assignment(
                household_id=pk,
                helper=helper,
                since=dt.date(2017, 3, 1),
                created_at=now,
                updated_at=now,
            )
        )
        last = TODAY - dt.timedelta(
            days=rng.randint(0, 29) if rng.random() < 0.72 else rng.randint(31, 95)
        )
        for index in range(rng.randint(1, 3)):
            day = last - dt.timedelta(days=index * rng.randint(20, 40))
            visits.append(
                Visit(
                    household_id=pk,
                    helper=helper,
                    visited_on=day,
                    what=rng.choice(
                        (
                            "宣讲扶贫政策",
                            "核对家庭收入",
                            "查看产业发展",
                            "了解子女上学情况",
                            "协调小额信贷",
                        )
                    ),
                    created_at=now,
                    updated_at=now,
                )
            )
        missing = set() if rng.random() < 0.74 else set(rng.sample(SEVEN, rng.randint(1, 3)))
        for item in SEVEN:
            if item in missing:
                continue
            items.append(
                SevenItemRecord(
                    household_id=pk,
                    item=item,
                    done_on=_day(rng, dt.date(2017, 9, 1), dt.date(2018, 6, 30)),
                    done_by=name,
                    created_at=now,
                    updated_at=now,
                )
            )
    Assignment.objects.bulk_create(assignments, batch_size=2000)
    Visit.objects.bulk_create(visits, batch_size=2000)
    SevenItemRecord.objects.bulk_create(items, batch_size=2000)
    return len(assignments), len(visits), len(items)


def populate(county: OrgUnit, *, seed: int, log: Callable[[str], None]) -> None:
    mine = Household.objects.filter(village__code__startswith=county.code)
    if Measure.objects.filter(household__in=mine.values("pk")).exists() or not mine.exists():
        log("帮扶档案：已有数据或没有农户档案，跳过")
        return
    sheets_rows = rows(county, seed)
    columns = {
        BASE_SHEET: BASE_COLUMNS,
        MEASURE_SHEET: MEASURE_COLUMNS,
        RENOVATION_SHEET: RENOVATION_COLUMNS,
        RELOCATION_SHEET: RELOCATION_COLUMNS,
    }
    sheets = {
        name: Sheet(name, 1, [c.header for c in columns[name]], sheet_rows, 2)
        for name, sheet_rows in sheets_rows.items()
    }
    hq = User.objects.filter(username="hq").first()
    with clock.frozen(LOADED):
        plan = importer.plan_import(sheets, user=hq)
        if not plan.ok:
            raise RuntimeError("演示帮扶档案未通过校验：" + "；".join(map(str, plan.problems[:5])))
        actions.apply_import(plan, actor=hq, source="demo", filename="陇县2018年帮扶档案.xlsx")
    paired, visits, items = _helpers_visits_seven(county, random.Random(seed * 1607))
    log(
        f"帮扶档案：基地合作社 {len(sheets_rows[BASE_SHEET])} 个，帮扶措施 {len(sheets_rows[MEASURE_SHEET]):,} 条，"
        f"危房改造 {len(sheets_rows[RENOVATION_SHEET])} 户，易地搬迁 {len(sheets_rows[RELOCATION_SHEET])} 户，"
        f"结对 {paired:,} 户，走访 {visits:,} 次，七到户 {items:,} 项"
    )
