"""Registry import benchmark: a county workbook (~270k persons) and a multi-file province sample.

Run: .venv/bin/python benchmarks/registry_import.py [--persons-scale 1.0] [--province-files 3]
Uses a throw-away SQLite database under var/ unless DATABASE_URL is set (then that database is
flushed of registry rows first!). Baseline: python-calamine alone reading the same file
(CalamineWorkbook.from_path + to_python of the three sheets).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _setup(db_path: Path) -> None:
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{db_path}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuopin.settings")
    os.environ.setdefault("TUOPIN_NOW", "2018-07-20T10:00:00+08:00")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _county(code: str, name: str, villages: int, poor: int):
    from tuopin.org.models import OrgUnit

    county, _ = OrgUnit.objects.get_or_create(code=code, defaults={"name": name, "level": "county"})
    result = []
    for town_index in range(10):
        town, _ = OrgUnit.objects.get_or_create(
            code=f"{code}{100 + town_index}",
            defaults={"name": f"{name}{town_index + 1}镇", "level": "town", "parent": county},
        )
        for v in range(villages // 10):
            number = town_index * (villages // 10) + v
            village, _ = OrgUnit.objects.get_or_create(
                code=f"{town.code}{200 + v:03d}",
                defaults={
                    "name": f"{town.name}{v + 1}村",
                    "level": "village",
                    "parent": town,
                    "is_poor_village": number < poor,
                },
            )
            result.append(village)
    return county, result


class Clock:
    """Wall and CPU seconds. The machine may be shared: CPU time (this process) is the fairer
    base for ratios, wall time is what a user waits."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def split(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def _bare_read(path: Path) -> tuple[float, float]:
    from python_calamine import CalamineWorkbook

    clock = Clock()
    book = CalamineWorkbook.from_path(str(path))
    for name in ("村", "户", "人"):
        book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    return clock.split()


def _import(path: Path) -> tuple[tuple[float, float], tuple[float, float], object]:
    """(wall, cpu) of bare calamine reading, (wall, cpu) of the whole import, the plan."""
    from tuopin.registry.actions import apply_import
    from tuopin.registry.importer import plan_import
    from tuopin.registry.reader import read_workbook

    bare = _bare_read(path)
    clock = Clock()
    sheets = read_workbook(path)
    read = clock.split()
    plan = plan_import(sheets)
    planned = clock.split()
    assert plan.ok, [str(p) for p in plan.problems[:5]]
    if plan.has_changes:
        apply_import(plan, filename=path.name, source="cli")
    done = clock.split()
    print(
        f"    bare calamine {bare[0]:6.2f}s (cpu {bare[1]:6.2f}s) | import: read {read[0]:6.2f}s "
        f"validate+diff {planned[0] - read[0]:6.2f}s write {done[0] - planned[0]:6.2f}s "
        f"= {done[0]:6.2f}s (cpu {done[1]:6.2f}s; read {read[1]:.2f} validate+diff "
        f"{planned[1] - read[1]:.2f} write {done[1] - planned[1]:.2f})"
    )
    return bare, done, plan


def _report(label: str, persons: int, bare, done) -> None:
    print(
        f"{label}: {persons:,} persons in {done[0]:.2f}s wall = {persons / done[0]:,.0f} persons/s "
        f"({persons / done[1]:,.0f}/s per CPU second); ratio to bare calamine read: "
        f"{done[1] / bare[1]:.2f}x by CPU time, {done[0] / bare[0]:.2f}x by wall time (target ≤ 4x)"
    )


def _wipe() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("registry_person", "registry_household"):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons-scale", type=float, default=1.0, help="1.0 ≈ 270k persons")
    parser.add_argument("--province-files", type=int, default=3)
    parser.add_argument("--province-scale", type=float, default=0.34)
    parser.add_argument("--reuse", type=Path, help="work dir of an earlier run (skips generation)")
    args = parser.parse_args()
    work = args.reuse or Path(tempfile.mkdtemp(prefix="registry-bench-", dir=ROOT / "var"))
    _setup(work / "bench.sqlite3")
    from django.db import connection

    from tuopin.org.privacy import UNMASKED
    from tuopin.registry.exporter import write_registry
    from tuopin.registry.models import Household, Person
    from tuopin.synth.registry_gen import generate_households

    print(f"database: {connection.vendor}, work dir {work}")
    path = work / "county.xlsx"
    _, villages = _county("610327", "陇县", 120, 62)
    if not (args.reuse and path.exists()):
        _wipe()
        clock = Clock()
        summary = generate_households(
            villages, seed=1, mean_households_per_village=int(750 * args.persons_scale)
        )
        print(
            f"generate county: {summary.households:,} households, {summary.persons:,} persons "
            f"({summary.registered_households:,} registered / {summary.registered_persons:,} "
            f"persons) in {clock.split()[0]:.1f}s"
        )
        clock = Clock()
        write_registry(path, villages=villages, households=Household.objects.all(), shown=UNMASKED)
        print(f"export county: {clock.split()[0]:.1f}s, {path.stat().st_size / 1e6:.1f} MB")
    print("re-import, no changes:")
    bare, done, plan = _import(path)
    assert not plan.has_changes, plan.counts
    county_persons = Person.objects.filter(household__village__in=villages, is_active=True)
    persons = county_persons.count()
    _report("county re-import (no changes)", persons, bare, done)
    _wipe()
    print("import into empty registry:")
    bare, done, plan = _import(path)
    assert county_persons.count() == persons
    _report("county import (empty registry)", persons, bare, done)

    # Province sample: several counties, one file each, imported one after the other.
    files = []
    for index in range(args.province_files):
        code = f"6103{28 + index:02d}"
        _, cvillages = _county(code, f"县{index + 1}", 120, 40)
        generate_households(
            cvillages, seed=index + 2, mean_households_per_village=int(750 * args.province_scale)
        )
        file = work / f"county-{code}.xlsx"
        households = Household.objects.filter(village__in=cvillages)
        write_registry(file, villages=cvillages, households=households, shown=UNMASKED)
        files.append((file, households.count()))
    from django.db import connection as conn

    with conn.cursor() as cursor:
        cursor.execute(
            "DELETE FROM registry_person WHERE household_id IN (SELECT id FROM registry_household "
            "WHERE village_id IN (SELECT id FROM org_orgunit WHERE code >= '610328' AND code < '610399'))"
        )
        cursor.execute(
            "DELETE FROM registry_household WHERE village_id IN (SELECT id FROM org_orgunit "
            "WHERE code >= '610328' AND code < '610399')"
        )
    total_bare = [0.0, 0.0]
    total = [0.0, 0.0]
    before = Person.objects.count()
    for file, _ in files:
        bare, done, _ = _import(file)
        for i in (0, 1):
            total_bare[i] += bare[i]
            total[i] += done[i]
    imported = Person.objects.count() - before
    if not files:
        return
    _report(f"province sample ({len(files)} files)", imported, total_bare, total)
    print(
        f"extrapolated province (100 counties × 270k = 27M persons, one file per county): "
        f"~{27e6 * total[1] / imported / 60:.0f} CPU-minutes (~{27e6 * total[0] / imported / 60:.0f} "
        "min wall at this machine's current load); linear, larger tables make index inserts "
        "somewhat slower"
    )


if __name__ == "__main__":
    main()
