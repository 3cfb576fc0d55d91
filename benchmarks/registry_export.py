"""Registry export benchmark: the county workbook (~270k persons) downloaded from the export page.

Run: .venv/bin/python benchmarks/registry_export.py [--persons-scale 1.0] [--reuse var/DIR]
Uses a throw-away SQLite database under var/ unless DATABASE_URL is set (then that database's
registry rows are replaced!). Measures the real page (/registry/export/?scope=county, an HQ
admin, full IDs): seconds to the first byte and to the last. Baselines, measured in the same run
on the same rows: the old path (XlsxWriter in constant_memory mode writing every cell through
lib.xlsx_cells.write_cell, a file that is sent only when it is complete) and python-calamine
reading the exported file. Target: first byte within 2 s, the whole county under 20 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.registry_import import Clock, _bare_read, _county, _setup, _wipe  # noqa: E402


def _old_path(path: Path, villages, households) -> tuple[float, float]:
    """The export as it was: every cell through XlsxWriter, the file whole before any byte."""
    from tuopin.lib import xlsx_cells
    from tuopin.org.privacy import UNMASKED
    from tuopin.registry import exporter

    clock = Clock()
    book = xlsx_cells.workbook(path, constant_memory=True)
    exporter._lay_out(book)
    sheets = {sheet.name: sheet for sheet in book.worksheets()}
    counts: dict[str, int] = {}
    for name, rows in exporter.registry_rows(villages, households, UNMASKED, counts).items():
        sheet = sheets[name]
        for number, row in enumerate(rows, start=1):
            for index, value in enumerate(row):
                xlsx_cells.write_cell(sheet, number, index, value)
    book.close()
    return clock.split()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons-scale", type=float, default=1.0, help="1.0 ≈ 270k persons")
    parser.add_argument("--reuse", type=Path, help="work dir of an earlier run (skips generation)")
    args = parser.parse_args()
    work = args.reuse or Path(tempfile.mkdtemp(prefix="export-bench-", dir=ROOT / "var"))
    _setup(work / "bench.sqlite3")
    from django.db import connection
    from django.test import Client

    from tuopin.org.models import Level, OrgUnit, Role, User
    from tuopin.registry.models import Household, Person
    from tuopin.synth.registry_gen import generate_households

    print(f"database: {connection.vendor}, work dir {work}")
    county, villages = _county("610327", "陇县", 120, 62)
    if not Person.objects.filter(household__village__in=villages).exists():
        _wipe()
        clock = Clock()
        summary = generate_households(
            villages, seed=1, mean_households_per_village=int(750 * args.persons_scale)
        )
        print(f"generate county: {summary.persons:,} persons in {clock.split()[0]:.1f}s")
    user, _ = User.objects.get_or_create(
        username="bench-export", defaults={"role": Role.HQ_ADMIN, "scope": county}
    )
    persons = Person.objects.filter(household__village__in=villages, is_active=True).count()
    client = Client()
    client.force_login(user)

    path = work / "county-export.xlsx"
    clock = Clock()
    response = client.get("/registry/export/", {"scope": county.code})
    assert response.status_code == 200 and response.streaming, response.status_code
    with path.open("wb") as handle:
        chunks = iter(response.streaming_content)
        handle.write(next(chunks))
        first = clock.split()
        handle.writelines(chunks)
    done = clock.split()
    response.close()
    print(
        f"county export (page): {persons:,} persons, {path.stat().st_size / 1e6:.1f} MB; "
        f"first byte after {first[0]:.2f}s wall, cpu {first[1]:.2f}s (target ≤ 2 s), last after {done[0]:.2f}s wall, "
        f"cpu {done[1]:.2f}s (target < 20 s) = {persons / done[0]:,.0f} persons/s"
    )

    county_villages = list(OrgUnit.objects.under(county.code).filter(level=Level.VILLAGE))
    old = _old_path(work / "county-old.xlsx", county_villages, Household.objects.under(county.code))
    print(
        f"baseline, the old path (XlsxWriter constant_memory, first byte only when complete): "
        f"{old[0]:.2f}s wall, cpu {old[1]:.2f}s; streamed export is {old[1] / done[1]:.1f}x "
        f"faster by CPU time"
    )
    bare = _bare_read(path)
    print(
        f"baseline, python-calamine reading the exported file: {bare[0]:.2f}s wall, cpu "
        f"{bare[1]:.2f}s; export / read = {done[1] / bare[1]:.2f}x by CPU time"
    )


if __name__ == "__main__":
    main()
