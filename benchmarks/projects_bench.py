"""Benchmark: the project and fund ledger at province size, on the ledger engine.

Run: ``.venv/bin/python benchmarks/projects_bench.py [--copies 60]``

Builds a throw-away SQLite database (or uses DATABASE_URL if set — give it an empty database)
with the demo county and ``--copies`` × its demo ledger (323 projects, 475 allocations each, the
codes renumbered), written to one workbook through lib.xlsx_cells. It prints:

* import — reading, checking and writing the workbook into an empty ledger, against the named
  baseline *bare calamine* (python-calamine alone reading the same two sheets), as a ratio;
* re-import with no change — the check and diff alone;
* metrics — ``projects.completed`` and ``funds.idle`` for every village in one grouped query
  (``bulk``), against the baseline *per village*: the one-scope adapter called for each village.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Clock:
    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def split(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=60, help="copies of the demo ledger")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="tuopin-projects-bench-")
    os.environ.setdefault("TUOPIN_VAR_DIR", workdir)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.setdefault("TUOPIN_NOW", "2018-07-20T10:00:00+08:00")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuopin.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from python_calamine import CalamineWorkbook

    from tuopin.lib import clock, xlsx_cells
    from tuopin.org.models import Level, OrgUnit
    from tuopin.projects import actions
    from tuopin.projects import metrics as project_metrics
    from tuopin.projects.layout import FUND_COLUMNS, PROJECT_COLUMNS
    from tuopin.projects.ledger_app import APP
    from tuopin.synth import projects_demo
    from tuopin.synth.county import build_county

    call_command("migrate", verbosity=0)
    county = build_county(seed=1, log=lambda _line: None).county
    projects, funds = [], []
    for copy in range(args.copies):
        rows, money = projects_demo.rows(county, seed=copy + 1)
        prefix = f"C{copy:03d}-"
        projects += [[prefix + row[0], *row[1:]] for row in rows]
        funds += [[prefix + row[0], *row[1:]] for row in money]
    buffer = io.BytesIO()
    book = xlsx_cells.workbook(buffer, constant_memory=True)
    for name, columns, rows in (("项目", PROJECT_COLUMNS, projects), ("资金", FUND_COLUMNS, funds)):
        sheet = book.add_worksheet(name)
        xlsx_cells.write_row(sheet, 0, 0, [c.header for c in columns])
        for index, row in enumerate(rows, start=1):
            xlsx_cells.write_row(sheet, index, 0, row)
    book.close()
    data = buffer.getvalue()
    print(
        f"database: {os.environ['DATABASE_URL'].split(':')[0]}; workbook: {len(projects):,} "
        f"projects, {len(funds):,} allocations, {len(data) / 1e6:.1f} MB"
    )

    def bare() -> tuple[float, float]:
        timer = Clock()
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        for name in ("项目", "资金"):
            workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        return timer.split()

    with clock.frozen(projects_demo.LOADED):
        baseline = bare()
        timer = Clock()
        plan = APP.check(data, "province.xlsx")
        checked = timer.split()
        assert plan.ok, [str(p) for p in plan.problems[:5]]
        actions.apply_import(plan, source="cli", filename="province.xlsx")
        done = timer.split()
        print(
            f"import (empty ledger): bare calamine {baseline[0]:.2f}s (cpu {baseline[1]:.2f}s) | "
            f"check+diff {checked[0]:.2f}s, write {done[0] - checked[0]:.2f}s, total "
            f"{done[0]:.2f}s (cpu {done[1]:.2f}s) = {done[1] / baseline[1]:.1f}x bare calamine "
            "by CPU time"
        )
        baseline = bare()
        timer = Clock()
        again = APP.check(data, "province.xlsx")
        checked = timer.split()
        assert again.ok and not again.has_changes
        print(
            f"re-import, no change: {checked[0]:.2f}s (cpu {checked[1]:.2f}s) = "
            f"{checked[1] / baseline[1]:.1f}x bare calamine ({baseline[1]:.2f}s cpu)"
        )
    villages = list(OrgUnit.objects.filter(level=Level.VILLAGE).order_by("code"))
    on = projects_demo.LOADED.date()
    definitions = {d["key"]: d for d in project_metrics.definitions()}
    for key in ("projects.completed", "funds.idle"):
        bulk = definitions[key]["bulk"]
        timer = Clock()
        values = bulk("village", on, None)
        grouped = timer.split()
        timer = Clock()
        for village in villages:  # the baseline: the same bulk function, one village at a time
            bulk("village", on, [village.code])
        looped = timer.split()
        print(
            f"metric {key}: all {len(villages)} villages in one query {grouped[0] * 1000:.0f} ms "
            f"({len(values)} with data) | baseline per village {looped[0] * 1000:.0f} ms = "
            f"{looped[0] / max(grouped[0], 1e-9):.1f}x slower"
        )


if __name__ == "__main__":
    main()
