"""Benchmark: the exit assessment evaluated in the database vs a per-household Python loop.

    .venv/bin/python benchmarks/assess_bench.py [--county-villages 120] [--province-households 1000000]

Builds throw-away SQLite databases under a temporary directory (never the project's own):
a county of Long County's size (120 villages × ~750 households ≈ 90k households, 270k people)
and a province-sized one (default ~1M households in ~1,330 villages of 11 counties), with a
bulk generator of its own (raw inserts; the registry's generator writes realistic records but
takes minutes per county). For each it measures

* full evaluation: every village's 7 items, every county's 7 items and the 三率 estimates
  (``engine.evaluate_area``: one grouped query);
* all household verdicts streamed from one query (``engine.household_verdicts``);
* the baseline: a straightforward loop — for each household, fetch it and its members and
  judge it in Python (``explain.explain``, the per-household path) — timed on a sample of
  households and extrapolated linearly to all of them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AS_OF = dt.date(2018, 7, 20)


def setup_django(var_dir: Path) -> None:
    os.environ["TUOPIN_VAR_DIR"] = str(var_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuopin.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(
    counties: int, villages_per_county: int, households_per_village: int, seed: int
) -> tuple[int, int]:
    """Org units, households and people, inserted in bulk; returns (households, people)."""
    from django.db import connection, transaction

    from tuopin.org.models import OrgUnit
    from tuopin.registry.models import Household, Person

    rng = random.Random(seed)
    province = OrgUnit.objects.create(code="61", name="陕西省", level="province")
    city = OrgUnit.objects.create(code="6103", name="宝鸡市", level="city", parent=province)
    villages: list[OrgUnit] = []
    for c in range(counties):
        county = OrgUnit.objects.create(
            code=f"6103{27 + c:02d}", name=f"县{c + 1}", level="county", parent=city
        )
        towns = [
            OrgUnit.objects.create(
                code=f"{county.code}{100 + t}", name=f"镇{t}", level="town", parent=county
            )
            for t in range(10)
        ]
        batch = []
        for v in range(villages_per_county):
            town = towns[v % 10]
            batch.append(
                OrgUnit(
                    code=f"{town.code}{201 + v // 10:03d}",
                    name=f"村{v}",
                    level="village",
                    parent=town,
                    is_poor_village=rng.random() < 0.5,
                )
            )
        villages += OrgUnit.objects.bulk_create(batch)

    household_fields = [f for f in Household._meta.concrete_fields if not f.primary_key]
    person_fields = [f for f in Person._meta.concrete_fields if not f.primary_key]

    def insert_sql(model, fields) -> str:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608

    household_sql = insert_sql(Household, household_fields)
    person_sql = insert_sql(Person, person_fields)
    # Prepared defaults once; each row copies them and sets a few columns by position.
    household_base = [f.get_db_prep_save(f.get_default(), connection) for f in household_fields]
    person_base = [f.get_db_prep_save(f.get_default(), connection) for f in person_fields]
    h_index = {f.attname: i for i, f in enumerate(household_fields)}
    p_index = {f.attname: i for i, f in enumerate(person_fields)}

    def row(base: list, index: dict, **values) -> list:
        out = list(base)
        for name, value in values.items():
            out[index[name]] = value
        return out

    next_household_id = 1
    person_serial = 0
    total_people = 0
    with connection.cursor() as cursor:
        for village in villages:
            h_rows, p_rows = [], []
            for serial in range(households_per_village):
                size = rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5, 6))
                registered = rng.random() < (0.085 if village.is_poor_village else 0.03)
                exit_status = ""
                if registered:
                    exit_status = rng.choices(
                        ["exited", "not_exited", "exited_no_policy"], [70, 25, 5]
                    )[0]
                income = rng.uniform(2500, 14000) * size
                h_rows.append(
                    row(
                        household_base,
                        h_index,
                        household_no=f"{village.code}{serial:04d}",
                        village_id=village.pk,
                        head_name="户主",
                        head_id_number=f"{village.code}{serial:06d}",
                        is_registered=registered,
                        exit_status=exit_status,
                        exit_year=2017 if exit_status.startswith("exited") else None,
                        first_identified_year=rng.choice((2014, 2015, 2016, 2017, 2018))
                        if registered
                        else None,
                        wage_income=round(income * 0.6, 2),
                        business_income=round(income * 0.3, 2),
                        property_income=0,
                        transfer_income=round(income * 0.1, 2),
                        business_expense=round(rng.uniform(0, 800), 2),
                        housing_grade=rng.choices("ABCD", [60, 36, 3, 1])[0],
                        water_quality_ok=rng.random() < 0.99,
                        water_liters_per_person_day=rng.choice((18, 25, 40, 60)),
                        water_piped=rng.random() < 0.86,
                        water_minutes_round_trip=rng.choice((0, 5, 15, 30)),
                        water_reliability=rng.choice((90, 96, 98)),
                        member_count=size,
                    )
                )
                for index in range(size):
                    person_serial += 1
                    age = rng.randint(0, 85)
                    born = dt.date(2018 - age, rng.randint(1, 12), rng.randint(1, 28))
                    p_rows.append(
                        row(
                            person_base,
                            p_index,
                            household_id=next_household_id,
                            name="成员",
                            id_number=f"{person_serial:018d}",
                            relationship="01" if index == 0 else "03",
                            sex="1",
                            birth_date=born.isoformat() if connection.vendor == "sqlite" else born,
                            schooling_status="02"
                            if 6 <= age <= 12
                            else ("03" if 13 <= age <= 15 else "00"),
                            health=rng.choices("1234", [85, 10, 3, 2])[0],
                            labour_skill="1",
                            in_rural_medical_insurance=rng.random() < 0.995,
                            in_serious_illness_insurance=rng.random() < 0.995,
                        )
                    )
                next_household_id += 1
            with transaction.atomic():
                cursor.executemany(household_sql, h_rows)
                cursor.executemany(person_sql, p_rows)
            total_people += len(p_rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return next_household_id - 1, total_people


def measure(area_code: str, sample: int) -> dict[str, float]:
    from tuopin.assess import engine, explain
    from tuopin.registry.models import Household

    context = engine.context_for(area_code, as_of=AS_OF)
    started = time.perf_counter()
    evaluation = engine.evaluate_area(context)
    area_seconds = time.perf_counter() - started
    started = time.perf_counter()
    households = sum(1 for _ in engine.household_verdicts(context, chunk_size=5000))
    list_seconds = time.perf_counter() - started
    ids = list(engine.households_in(area_code).order_by("pk").values_list("pk", flat=True)[:sample])
    started = time.perf_counter()
    for pk in ids:  # the straightforward loop: fetch a household, its members, judge it
        explain.explain(context, Household.objects.get(pk=pk))
    loop_seconds = (time.perf_counter() - started) / len(ids) * households
    return {
        "villages": len(evaluation.villages),
        "counties": len(evaluation.counties),
        "households": households,
        "area_seconds": area_seconds,
        "list_seconds": list_seconds,
        "loop_seconds": loop_seconds,
        "sample": len(ids),
    }


def report(label: str, people: int, figures: dict[str, float]) -> None:
    full = figures["area_seconds"]
    print(
        f"\n== {label}: {figures['households']:,} households, {people:,} people, "
        f"{figures['villages']:,} villages, {figures['counties']} counties (SQLite)"
    )
    print(f"full evaluation (all villages + counties + 三率, one grouped query): {full:8.2f} s")
    print(
        f"all household verdicts streamed (one query):                       {figures['list_seconds']:8.2f} s"
    )
    print(
        f"baseline per-household Python loop (measured on {figures['sample']:,}, extrapolated): "
        f"{figures['loop_seconds']:8.1f} s"
    )
    print(f"speed-up, full evaluation vs loop:       {figures['loop_seconds'] / full:6.0f}×")
    print(
        f"speed-up, household verdicts vs loop:    {figures['loop_seconds'] / figures['list_seconds']:6.0f}×"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--county-villages", type=int, default=120)
    parser.add_argument("--province-households", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--keep", default="", help="directory to keep (and reuse) the province database in"
    )
    parser.add_argument("--skip-county", action="store_true")
    args = parser.parse_args()
    runs = [] if args.skip_county else [("county", 1, args.county_villages, 750)]
    if args.province_households:
        villages = max(1, args.province_households // 750)
        counties = max(1, round(villages / 120))
        runs.append(("province", counties, -(-villages // counties), 750))
    for label, counties, villages, per_village in runs:
        with tempfile.TemporaryDirectory(prefix=f"assess-bench-{label}-") as directory:
            if label == "province":
                # One database per process: run the province in a fresh interpreter.
                import subprocess

                subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--only-province",
                        str(counties),
                        str(villages),
                        str(per_village),
                        str(args.sample),
                        str(args.seed),
                        args.keep,
                    ],
                    check=True,
                )
                continue
            setup_django(Path(directory))
            started = time.perf_counter()
            households, people = generate(counties, villages, per_village, args.seed)
            print(
                f"generated {label}: {households:,} households in {time.perf_counter() - started:.0f} s"
            )
            report(label, people, measure("610327" if counties == 1 else "61", args.sample))


def only_province(
    counties: int, villages: int, per_village: int, sample: int, seed: int, keep: str = ""
) -> None:
    """The province run, in its own process; ``keep`` reuses (or keeps) the database there."""
    with tempfile.TemporaryDirectory(prefix="assess-bench-province-") as directory:
        target = Path(keep or directory)
        target.mkdir(parents=True, exist_ok=True)
        setup_django(target)
        from tuopin.registry.models import Household

        if Household.objects.exists():
            from tuopin.registry.models import Person

            households, people = Household.objects.count(), Person.objects.count()
            print(f"reusing the province database in {target}: {households:,} households")
        else:
            started = time.perf_counter()
            households, people = generate(counties, villages, per_village, seed)
            print(
                f"generated province: {households:,} households in "
                f"{time.perf_counter() - started:.0f} s"
            )
        report("province", people, measure("61", sample))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--only-province":
        only_province(*(int(value) for value in sys.argv[2:7]), *sys.argv[7:8])
    else:
        main()
