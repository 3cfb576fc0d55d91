"""Benchmark: the village team and check metrics on the demo county.

Run: ``.venv/bin/python benchmarks/villages_bench.py``

Builds a throw-away SQLite database (or uses DATABASE_URL if set — give it an empty database)
with the demo county (no households) and the villages demo (roster of ~1,050 terms, ~200 presence
checks, ~290 checklist inspections with their 整改 cases). It prints:

* load — the villages demo through the real import and actions;
* metrics — every villages metric for all 120 villages in one grouped query (``bulk``), against the
  named baseline *per village*: the one-scope adapter called once per village, as a ratio.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    workdir = tempfile.mkdtemp(prefix="tuopin-villages-bench-")
    os.environ.setdefault("TUOPIN_VAR_DIR", workdir)
    os.environ.setdefault("TUOPIN_MEDIA_ROOT", f"{workdir}/media")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.setdefault("TUOPIN_NOW", "2018-07-20T10:00:00+08:00")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuopin.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from tuopin.org.models import Level, OrgUnit
    from tuopin.synth import villages_demo
    from tuopin.synth.county import build_county
    from tuopin.villages import metrics

    call_command("migrate", verbosity=0)
    county = build_county(seed=1, log=lambda _line: None).county
    started = time.perf_counter()
    villages_demo.populate(county, seed=1, log=lambda line: print(f"  {line}"))
    print(f"load: {time.perf_counter() - started:.1f} s")
    villages = list(
        OrgUnit.objects.filter(level=Level.VILLAGE).order_by("code").values_list("code", flat=True)
    )
    places = list(OrgUnit.objects.filter(level=Level.VILLAGE).order_by("code"))
    on = dt.date(2018, 7, 20)
    print(f"metrics for {len(villages)} villages (bulk vs baseline 'per village'):")
    for definition in metrics.definitions():
        bulk = definition["bulk"]
        started = time.perf_counter()
        bulk("village", on, villages)
        fast = time.perf_counter() - started
        one = metrics._one_scope(bulk)
        started = time.perf_counter()
        for place in places:
            one(place, on)
        slow = time.perf_counter() - started
        print(
            f"  {definition['key']:<32} bulk {fast * 1000:7.1f} ms   per village "
            f"{slow * 1000:8.1f} ms   ({slow / fast:5.1f}× the bulk)"
        )


if __name__ == "__main__":
    main()
