"""Run every benchmark in turn and print their figures (``make bench``); each script alone also works.

Usage: .venv/bin/python benchmarks/run_all.py [NAME ...]   e.g. ``run_all.py plan cases``
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = {
    "plan": "plan_bench.py",
    "registry": "registry_import.py",
    "export": "registry_export.py",
    "assess": "assess_bench.py",
    "spark": "assess_spark.py",
    "cases": "cases_escalation.py",
    "reports": "reports_friday_rush.py",
    "bulletin": "bulletin_bench.py",
    "dashboard": "dashboard_bench.py",
    "offline": "offline_sync.py",
    "command": "command_metrics.py",
    "projects": "projects_bench.py",
    "villages": "villages_bench.py",
    "water": "water_bench.py",
    "households": "households_bench.py",
}


def main(names: list[str]) -> int:
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"未知的基准测试：{'、'.join(unknown)}（可选：{'、'.join(BENCHMARKS)}）")
        return 2
    failed = []
    for name in names or list(BENCHMARKS):
        print(f"\n===== {name} ({BENCHMARKS[name]}) =====", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(HERE / BENCHMARKS[name])], check=False)
        print(f"===== {name}: {time.perf_counter() - started:.0f} s, exit {result.returncode}")
        if result.returncode:
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
