"""Benchmark: the water, jobs and economy ledgers and their metrics on the demo county.

Run: ``.venv/bin/python benchmarks/water_bench.py [--villages 120]``

Builds a throw-away SQLite database (or uses DATABASE_URL if set — give it an empty database)
with the demo county's households in ``--villages`` villages, then prints:

* load — the demo's three ledgers planned and applied (supply points, served households,
  reports; spells, training, posts; collective income), in rows per second;
* metrics — every water/jobs/economy metric for every village in one call (``bulk``), against
  the named baseline *per village*: the one-scope adapter called once for each village.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=120, help="villages given households")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="tuopin-water-bench-")
    os.environ.setdefault("TUOPIN_VAR_DIR", workdir)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.setdefault("TUOPIN_NOW", "2018-07-20T10:00:00+08:00")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuopin.settings")
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command

    from tuopin.jobs.metrics import definitions as jobs_definitions
    from tuopin.jobs.models import Income, Spell
    from tuopin.org.models import Level, OrgUnit
    from tuopin.registry.models import Household
    from tuopin.synth import water_demo
    from tuopin.synth.county import build_county
    from tuopin.synth.registry_gen import generate_households
    from tuopin.water.metrics import _one_scope
    from tuopin.water.metrics import definitions as water_definitions
    from tuopin.water.models import Service, WaterTest

    call_command("migrate", verbosity=0)
    county = build_county(seed=1, log=lambda _line: None).county
    villages = list(OrgUnit.objects.under(county.code).villages().order_by("code"))[: args.villages]
    generate_households(villages, seed=1, log=lambda _line: None)
    print(
        f"县：{len(villages)} 个村，{Household.objects.count():,} 户，"
        f"建档立卡 {Household.objects.filter(is_registered=True).count():,} 户"
    )
    started = time.perf_counter()
    water_demo.populate(county, seed=1, log=lambda _line: None)
    took = time.perf_counter() - started
    rows = Service.objects.count() + WaterTest.objects.count() + Spell.objects.count()
    rows += Income.objects.count()
    print(
        f"load：{rows:,} 行（受益户、检测报告、务工、集体收入等）{took:.1f} s，{rows / took:,.0f} 行/秒"
    )
    on = dt.date(2018, 7, 20)
    codes = [v.code for v in villages]
    scopes = list(OrgUnit.objects.filter(code__in=codes, level=Level.VILLAGE))
    for definition in (*water_definitions(), *jobs_definitions()):
        started = time.perf_counter()
        definition["bulk"]("village", on, codes)
        bulk = time.perf_counter() - started
        compute = _one_scope(definition["bulk"])
        started = time.perf_counter()
        for scope in scopes[:20]:
            compute(scope, on)
        per_village = (time.perf_counter() - started) / min(len(scopes), 20) * len(scopes)
        print(
            f"{definition['key']:<34} bulk {bulk * 1000:8.0f} ms；"
            f"基线 per village（估算 {len(scopes)} 次）{per_village * 1000:9.0f} ms；"
            f"{per_village / bulk if bulk else 0:6.1f}×"
        )


if __name__ == "__main__":
    main()
