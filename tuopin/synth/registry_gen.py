"""Deterministic synthetic households and persons for any set of villages (county or province).

``generate_households(villages, seed=1)`` writes every rural household of the given villages
(registered poor or not), their members and the villages' facts, in bulk, a batch of villages at
a time (memory stays flat at province scale). Each village draws from its own random stream
seeded by (seed, village code), so the result does not depend on the order or the batch size.

Deliberate problems (so the exit assessment has something to find) are listed in
``PROBLEM_RATES`` and documented in docs/usage/registry.md.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from tuopin.lib import clock
from tuopin.lib.citizen_id import check_digit
from tuopin.org.models import Level, OrgUnit
from tuopin.registry import fastdb
from tuopin.registry.codes import (
    ExitStatus,
    Relationship,
    Relocation,
    SchoolingStatus,
)
from tuopin.registry.models import Household, Person, VillageFacts

SURNAMES = "王李张刘杨赵陈马周吴郭何高罗贾雷田薛孙段胡朱曹梁任秦冯姚严侯辛苏董袁魏"
GIVEN = "建国平安红梅秀英志强小军丽娟海燕春华明亮玉兰文斌彩霞永刚宏伟桂芳新民亚宁晓东金凤"
GROUP_NAMES = ["一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组", "九组", "十组"]
HELPER_UNITS = [
    "县脱贫办", "县发改局", "县人社局", "县教育局", "县民政局", "县财政局", "县卫计局",
    "县农业局", "县林业局", "县国土局", "县住建局", "县水利局", "县交通局", "县电力局",
    "县金融办", "县统计局", "县残联", "县商务局", "县文广局", "县审计局",
]  # fmt: skip
HELPER_POSTS = ["科员", "副科长", "科长", "副局长", "干部", "驻村工作队员"]

# household size → weight (mean ≈ 3.0 persons, as in Long County's rural population)
SIZES = ((1, 14), (2, 24), (3, 26), (4, 21), (5, 10), (6, 5))
CAUSES = (
    ("01", 35), ("02", 12), ("03", 10), ("04", 3), ("05", 2), ("06", 1), ("07", 12),
    ("08", 8), ("09", 10), ("10", 2), ("11", 4), ("99", 1),
)  # fmt: skip
PROBLEM_RATES = {
    "exited_low_income": 0.01,  # 错退: per-capita net income below the line
    "exited_unsafe_house": 0.005,  # 错退: grade C/D, no relocation
    "exited_uninsured": 0.004,  # 错退: a member outside 新农合/大病保险
    "exited_bad_water": 0.004,  # 错退: water below standard
    "exited_same_year": 0.002,  # 错退: identified and exited in the same year
    "missed_poor": 0.001,  # 漏评: non-registered, very low income and a bad house
}


@dataclass
class GenerationSummary:
    villages: int = 0
    households: int = 0
    persons: int = 0
    registered_households: int = 0
    registered_persons: int = 0


_TABLES: dict[tuple, tuple[list, list[float], float]] = {}


def _pick(rng: random.Random, weighted: Sequence[tuple]) -> object:
    """A value drawn with the given weights (cumulative tables cached per weight list)."""
    key = tuple(weighted)
    table = _TABLES.get(key)
    if table is None:
        values = [value for value, _ in weighted]
        cumulative = list(itertools.accumulate(weight for _, weight in weighted))
        table = _TABLES[key] = (values, cumulative, cumulative[-1])
    values, cumulative, total = table
    return values[min(bisect.bisect_right(cumulative, rng.random() * total), len(values) - 1)]


def _money(value: float) -> Decimal:
    return Decimal(f"{max(value, 0):.2f}")


@dataclass(frozen=True)
class VillageProgress:
    """How far a village's campaign had got: villages differ, so some are ready to exit and
    others are not (a county where every village fails the same item shows no progress)."""

    still_poor_share: float  # registered households not exited yet (or returned to poverty)
    water_failing: float  # households whose water fails the quality test (0 once works are done)
    unpowered: float  # households without household electricity

    @classmethod
    def draw(cls, village: OrgUnit, seed: int) -> VillageProgress:
        # A stream of its own, so the households' draws stay those of the village stream.
        rng = random.Random(f"{seed}:progress:{village.code}")
        poor = village.is_poor_village
        return cls(
            still_poor_share=rng.uniform(0.0, 0.22) if poor else rng.uniform(0.45, 0.75),
            water_failing=0.0
            if rng.random() < (0.8 if poor else 0.6)
            else rng.uniform(0.002, 0.008),
            unpowered=0.0 if rng.random() < 0.95 else 0.003,
        )


class _VillageGenerator:
    def __init__(self, village: OrgUnit, seed: int, today: dt.date, used_ids: set[str]):
        self.village = village
        self.rng = random.Random(f"{seed}:{village.code}")
        self.today = today
        self.used_ids = used_ids
        self.progress = VillageProgress.draw(village, seed)

    def citizen_id(self, birth: dt.date, male: bool) -> str:
        rng = self.rng
        while True:
            sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)
            first17 = f"{self.village.code[:6]}{birth:%Y%m%d}{sequence:03d}"
            number = first17 + check_digit(first17)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def birth(self, age: int) -> dt.date:
        start = dt.date(self.today.year - age - 1, self.today.month, 1) + dt.timedelta(days=1)
        return start + dt.timedelta(days=self.rng.randrange(0, 364))

    def name(self, surname: str | None = None) -> str:
        rng = self.rng
        given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        return (surname or rng.choice(SURNAMES)) + given

    def members(self, size: int, registered: bool) -> list[dict]:
        rng = self.rng
        surname = rng.choice(SURNAMES)
        head_age = rng.randint(28, 78)
        head_male = rng.random() < 0.86
        people = [(Relationship.HEAD.value, head_age, head_male, surname)]
        if size >= 2 and (size > 2 or rng.random() < 0.7):
            people.append(
                (
                    Relationship.SPOUSE.value,
                    max(20, head_age + rng.randint(-5, 4)),
                    not head_male,
                    None,
                )
            )
        while len(people) < size:
            roll = rng.random()
            if roll < 0.72 and head_age >= 22:
                child_age = max(0, min(head_age - 20, rng.randint(0, max(0, head_age - 20))))
                son = rng.random() < 0.52
                rel = Relationship.SON.value if son else Relationship.DAUGHTER.value
                people.append((rel, child_age, son, surname if son or rng.random() < 0.9 else None))
            elif roll < 0.85 and head_age <= 60:
                mother = rng.random() < 0.6
                rel = Relationship.MOTHER.value if mother else Relationship.FATHER.value
                people.append(
                    (
                        rel,
                        min(95, head_age + rng.randint(22, 32)),
                        not mother,
                        surname if not mother else None,
                    )
                )
            else:
                grandson = rng.random() < 0.5
                rel = Relationship.GRANDSON.value if grandson else Relationship.GRANDDAUGHTER.value
                people.append((rel, rng.randint(0, 12), grandson, surname))
        out = []
        for relationship, age, male, family in people:
            birth = self.birth(age)
            out.append(self.person(relationship, age, male, birth, family, registered))
        return out

    def person(self, relationship, age, male, birth, surname, registered) -> dict:
        rng = self.rng
        if age < 3:
            schooling, education = SchoolingStatus.NOT_STUDENT.value, "6"
        elif age < 6:
            schooling, education = SchoolingStatus.PRESCHOOL.value, "6"
        elif age < 12:
            schooling, education = SchoolingStatus.PRIMARY.value, "2"
        elif age < 15:
            schooling, education = SchoolingStatus.JUNIOR.value, "3"
        elif age < 18:
            roll = rng.random()
            schooling = "04" if roll < 0.6 else "05" if roll < 0.97 else "00"
            education = "3"
        elif age < 22 and rng.random() < 0.4:
            schooling, education = rng.choice(("06", "07")), "4"
        else:
            schooling = SchoolingStatus.NOT_STUDENT.value
            education = _pick(
                rng, (("1", 8 if age > 55 else 2), ("2", 30), ("3", 45), ("4", 13), ("5", 4))
            )
        roll = rng.random()
        old = age >= 60
        health = "1"
        if roll < (0.18 if old else 0.06):
            health = "2"
        elif roll < (0.22 if old else 0.08):
            health = "3"
        elif roll < (0.28 if old else 0.11):
            health = "4"
        if registered and health == "1" and rng.random() < 0.12:
            health = rng.choice(("2", "3", "4"))
        if 16 <= age <= 64:
            labour = (
                "3"
                if health in ("3", "4") and rng.random() < 0.6
                else _pick(rng, (("1", 78), ("2", 22)))
            )
        else:
            labour = "4" if age < 16 or rng.random() < 0.7 else "3"
        work, months = "0", 0
        if labour in ("1", "2") and schooling == "00":
            work = _pick(rng, (("0", 40), ("1", 12), ("2", 16), ("3", 17), ("4", 15)))
            months = 0 if work == "0" else rng.randint(3, 12)
        insured = registered or rng.random() < 0.9998
        return {
            "relationship": relationship,
            "name": self.name(surname),
            "id_number": self.citizen_id(birth, male),
            "sex": "1" if male else "2",
            "birth_date": birth,
            "ethnicity": "03" if rng.random() < 0.01 else "01",
            "education": education,
            "schooling_status": schooling,
            "health": health,
            "labour_skill": labour,
            "work_status": work,
            "work_months": months,
            # 大病保险 is funded from the 新农合 pool, so enrolment in one is enrolment in both.
            "in_rural_medical_insurance": insured,
            "in_serious_illness_insurance": insured,
            "in_pension_insurance": age >= 16 and rng.random() < 0.72,
        }

    def household(
        self, serial: int, registered: bool, groups: list[tuple[int | None, str]]
    ) -> tuple[dict, list[dict]]:
        rng = self.rng
        today = self.today
        size = int(_pick(rng, SIZES))
        if registered and size == 1 and rng.random() < 0.5:
            size = 2
        members = self.members(size, registered)
        for index, member in enumerate(members, start=1):
            member["person_no"] = f"{self.village.code}{serial:04d}{index:02d}"
        head = members[0]
        group_id, group_name = groups[serial % len(groups)]
        problems = set()
        household = {
            "household_no": f"{self.village.code}{serial:04d}",
            "village_id": self.village.pk,
            "group_id": group_id,
            "group_name": group_name,
            "head_name": head["name"],
            "head_id_number": head["id_number"],
            "phone": f"1{rng.choice('3578')}{rng.randrange(10**8, 10**9)}",
            "is_registered": registered,
            "identification_standard": "",
            "poverty_attribute": "",
            "main_cause": "",
            "other_causes": [],
            "exit_status": "",
            "exit_year": None,
            "first_identified_year": None,
            "helper_name": "",
            "helper_unit": "",
            "helper_post": "",
            "helper_phone": "",
            "housing_appraised_on": None,
            "relocation": Relocation.NONE.value,
            "member_count": size,
        }
        workers = sum(1 for m in members if m["work_status"] != "0")
        if registered:
            first_year = int(
                _pick(rng, ((2014, 62), (2015, 14), (2016, 10), (2017, 10), (2018, 4)))
            )
            status_roll = rng.random()
            still_poor = self.progress.still_poor_share
            if first_year == today.year or status_roll < still_poor - 0.03:
                status, exit_year = ExitStatus.NOT_EXITED.value, None
            elif status_roll < still_poor:
                status, exit_year = ExitStatus.RETURNED.value, None
            else:
                status = (
                    ExitStatus.EXITED.value
                    if status_roll < 0.88
                    else ExitStatus.EXITED_NO_POLICY.value
                )
                exit_year = rng.randint(first_year + 1, max(first_year + 1, today.year - 1))
                exit_year = min(exit_year, today.year - 1)
                if exit_year <= first_year:
                    status, exit_year = ExitStatus.NOT_EXITED.value, None
            exited = status in (ExitStatus.EXITED.value, ExitStatus.EXITED_NO_POLICY.value)
            if exited:
                for problem, rate in PROBLEM_RATES.items():
                    if problem.startswith("exited") and rng.random() < rate:
                        problems.add(problem)
            if "exited_same_year" in problems:
                first_year = exit_year = today.year - 1
            main = str(_pick(rng, CAUSES))
            others = sorted(
                {str(_pick(rng, CAUSES)) for _ in range(rng.choice((0, 1, 1, 2)))} - {main}
            )
            household.update(
                identification_standard="1" if rng.random() < 0.95 else "2",
                poverty_attribute=str(_pick(rng, (("01", 70), ("02", 22), ("03", 8)))),
                main_cause=main,
                other_causes=others[:2],
                exit_status=status,
                exit_year=exit_year,
                first_identified_year=first_year,
                helper_name=self.name(),
                helper_unit=rng.choice(HELPER_UNITS),
                helper_post=rng.choice(HELPER_POSTS),
                helper_phone=f"1{rng.choice('3578')}{rng.randrange(10**8, 10**9)}",
            )
            per_capita = rng.uniform(4200, 9800) if exited else rng.uniform(1800, 3600)
            if "exited_low_income" in problems:
                per_capita = rng.uniform(1500, 2900)
        else:
            exited = False
            per_capita = rng.lognormvariate(9.15, 0.35)  # median ≈ 9,400 yuan
            if rng.random() < 0.035:
                household["poverty_attribute"] = "04" if rng.random() < 0.85 else "05"
            if self.village.is_poor_village and rng.random() < PROBLEM_RATES["missed_poor"] * 2.5:
                problems.add("missed_poor")
                per_capita = rng.uniform(1200, 2800)
        net = per_capita * size
        wage_share = min(0.85, 0.2 + 0.15 * workers)
        transfer = net * (0.25 if registered else 0.08) * rng.uniform(0.6, 1.4)
        wage = max(0.0, net - transfer) * wage_share
        business_net = max(0.0, net - transfer - wage)
        expense = business_net * rng.uniform(0.15, 0.45)
        prop = business_net * rng.uniform(0.0, 0.08)
        business_income = business_net - prop + expense
        household.update(
            wage_income=_money(wage),
            business_income=_money(business_income),
            property_income=_money(prop),
            transfer_income=_money(transfer),
            business_expense=_money(expense),
        )
        # Housing and relocation.
        if registered:
            grade = str(_pick(rng, (("A", 30), ("B", 58), ("C", 9), ("D", 3))))
            if grade in ("C", "D") and "exited_unsafe_house" not in problems:
                household["relocation"] = str(
                    _pick(
                        rng,
                        (
                            ("central_keys", 55),
                            ("dispersed_moved_in", 25),
                            ("not_moved_in", 10 if not exited else 0),
                            ("none", 10 if not exited else 0),
                        ),
                    )
                )
                if exited and household["relocation"] == "none":
                    grade = "B"
            if "exited_unsafe_house" in problems:
                grade = rng.choice("CD")
                household["relocation"] = Relocation.NONE.value
        else:
            grade = str(_pick(rng, (("A", 46), ("B", 53.9), ("C", 0.08), ("D", 0.02))))
            if "missed_poor" in problems:
                grade = rng.choice("CD")
        household["housing_grade"] = grade
        if registered or grade in ("C", "D") or rng.random() < 0.3:
            household["housing_appraised_on"] = dt.date(
                today.year - rng.randint(0, 2), rng.randint(1, 12), rng.randint(1, 28)
            )
            if household["housing_appraised_on"] > today:
                household["housing_appraised_on"] = today - dt.timedelta(days=rng.randint(1, 150))
        # Water and electricity.
        # Villages whose water works are finished have piped water to more of their households.
        piped = rng.random() < (0.92 if self.progress.water_failing == 0 else 0.8)
        household.update(
            water_quality_ok=rng.random() >= self.progress.water_failing,
            water_liters_per_person_day=Decimal(f"{rng.uniform(22, 70):.1f}"),
            water_piped=piped,
            water_minutes_round_trip=0 if piped else rng.randint(4, 18),
            water_reliability=Decimal(f"{rng.uniform(95, 100):.1f}"),
            has_household_electricity=rng.random() >= self.progress.unpowered or registered,
        )
        if (
            registered
            and not household["water_quality_ok"]
            and exited
            and "exited_bad_water" not in problems
        ):
            household["water_quality_ok"] = True
        if "exited_bad_water" in problems:
            problem = rng.choice(("liters", "minutes", "reliability"))
            if problem == "liters":
                household["water_liters_per_person_day"] = Decimal(f"{rng.uniform(12, 19):.1f}")
            elif problem == "minutes":
                household.update(water_piped=False, water_minutes_round_trip=rng.randint(25, 45))
            else:
                household["water_reliability"] = Decimal(f"{rng.uniform(85, 94):.1f}")
        if registered and exited:
            for member in members:
                age = (today - member["birth_date"]).days // 365
                if 6 <= age <= 15 and member["schooling_status"] == "08":
                    member["schooling_status"] = "02" if age < 12 else "03"
            if "exited_uninsured" in problems:
                victim = rng.choice(members)
                if rng.random() < 0.5:
                    victim["in_rural_medical_insurance"] = False
                else:
                    victim["in_serious_illness_insurance"] = False
        if registered and not exited and rng.random() < 0.02:
            for member in members:
                age = (today - member["birth_date"]).days // 365
                if 6 <= age <= 15:
                    member["schooling_status"] = "08" if rng.random() < 0.6 else "09"
                    break
        return household, members


def _village_facts(village: OrgUnit, seed: int) -> dict:
    rng = random.Random(f"{seed}:facts:{village.code}")
    natural = rng.randint(1, 6)
    poor = village.is_poor_village
    return {
        "paved_road": rng.random() < (0.95 if poor else 0.99),
        "standard_clinic": rng.random() < (0.93 if poor else 0.98),
        "collective_economy": rng.random() < (0.9 if poor else 0.8),
        "natural_villages_30plus": natural,
        "natural_villages_30plus_with_power": natural if rng.random() < 0.96 else natural - 1,
        "tap_water": rng.random() < 0.92,
    }


def _ids_in_use(region: str) -> set[str]:
    """IDs of a county already in the registry (another call filled some of its villages)."""
    return set(
        Person.objects.filter(id_number__startswith=region).values_list("id_number", flat=True)
    )


def generate_households(
    villages: Iterable[OrgUnit],
    *,
    seed: int,
    mean_households_per_village: int = 750,
    registered_rate_poor_village: float = 0.1,
    registered_rate_other_village: float = 0.036,
    today: dt.date | None = None,
    batch_villages: int = 40,
    log: Callable[[str], None] | None = None,
) -> GenerationSummary:
    """Write households, persons and village facts for ``villages`` (OrgUnits of level village).

    Villages that already have households are skipped (idempotent). ``mean_households_per_village``
    ≈ 750 gives ~270k persons for Long County's ~120 villages; registered poor households are
    ``registered_rate_*`` of a village's households (~6k households / ~18k persons per county).
    """
    today = today or clock.today()
    summary = GenerationSummary()
    villages = [v for v in villages if v.level == Level.VILLAGE]
    done = set(
        Household.objects.filter(village__in=[v.pk for v in villages])
        .values_list("village_id", flat=True)
        .distinct()
    )
    # Villages in code order: a county's villages come together, so the set of IDs in use
    # (collisions are only possible within one county code) is kept for one county at a time.
    todo = sorted((v for v in villages if v.pk not in done), key=lambda v: v.code)
    used_by_region: dict[str, set[str]] = {}
    facts_present = set(
        VillageFacts.objects.filter(village__in=[v.pk for v in todo]).values_list(
            "village_id", flat=True
        )
    )
    now = fastdb.db_datetime(clock.now())
    for start in range(0, len(todo), batch_villages):
        batch = todo[start : start + batch_villages]
        groups_by_village: dict[int, list[tuple[int | None, str]]] = {}
        for group in OrgUnit.objects.filter(
            parent__in=[v.pk for v in batch], level=Level.GROUP
        ).order_by("code"):
            groups_by_village.setdefault(group.parent_id, []).append((group.pk, group.name))
        household_rows: list[dict] = []
        member_rows: list[tuple[str, list[dict]]] = []
        for village in batch:
            region = village.code[:6]
            if region not in used_by_region:
                used_by_region.clear()
                used_by_region[region] = _ids_in_use(region)
            generator = _VillageGenerator(village, seed, today, used_by_region[region])
            rng = generator.rng
            count = max(40, int(mean_households_per_village * rng.uniform(0.55, 1.45)))
            rate = (
                registered_rate_poor_village
                if village.is_poor_village
                else registered_rate_other_village
            )
            groups = groups_by_village.get(village.pk) or [
                (None, name) for name in GROUP_NAMES[: max(3, min(10, count // 90))]
            ]
            for serial in range(1, count + 1):
                registered = rng.random() < rate
                household, members = generator.household(serial, registered, groups)
                household_rows.append(household)
                member_rows.append((household["household_no"], members))
                summary.households += 1
                summary.persons += len(members)
                if registered:
                    summary.registered_households += 1
                    summary.registered_persons += len(members)
        with transaction.atomic():
            _write_batch(batch, household_rows, member_rows, facts_present, seed, now)
        summary.villages += len(batch)
        if log:
            log(f"  农户档案：{summary.villages}/{len(todo)} 个村，{summary.persons:,} 人")
    return summary


def _write_batch(batch, household_rows, member_rows, facts_present, seed, now) -> None:
    if household_rows:
        fields = list(household_rows[0]) if household_rows else []
        fastdb.insert_rows(
            Household,
            [*fields, "is_active", "created_at", "updated_at", "closed_reason"],
            (
                (
                    *(fastdb.db_json(row[f]) if f == "other_causes" else row[f] for f in fields),
                    True,
                    now,
                    now,
                    "",
                )
                for row in household_rows
            ),
        )
        ids = dict(
            Household.objects.filter(village__in=[v.pk for v in batch]).values_list(
                "household_no", "pk"
            )
        )
        person_fields = list(member_rows[0][1][0]) if member_rows else []
        fastdb.insert_rows(
            Person,
            [*person_fields, "household_id", "is_active", "closed_reason"],
            (
                (*(member[f] for f in person_fields), ids[number], True, "")
                for number, members in member_rows
                for member in members
            ),
        )
        new_facts = [
            VillageFacts(village=v, updated_at=clock.now(), **_village_facts(v, seed))
            for v in batch
            if v.pk not in facts_present
        ]
        VillageFacts.objects.bulk_create(new_facts)
