"""Benchmark: the Friday rush — every unit of a province saves, submits and signs before 12:00.

Builds a throw-away database (a SQLite file by default, or the PostgreSQL database
``tuopin_bench_reports`` with ``--postgres``) with N responsible units (about 4,000 for a
province), a reporter and a head with an API token each, and a campaign whose week is due
Friday 2018-07-20 12:00. It starts the real server (``tuopin serve``: waitress) on loopback with
the clock frozen at 11:50 (ten minutes before the deadline) and then, with a bounded thread pool
of HTTP clients (keep-alive connections), drives every unit through the JSON API:

    GET form → PUT save → POST submit (reporter) → POST sign (head)

It prints throughput, p50/p95/max latency per step and errors (must be zero), checks in the
database that every unit is signed on time and exactly once (one signature event, two
measurement rows, no "签字后有更改"), prints the load average, and compares with a named baseline measured in the
same run against the same server: ``GET /api/org/me`` (authentication + one small read — the
floor any API call pays).

Run: ``.venv/bin/python benchmarks/reports_friday_rush.py [--units 4000] [--clients 16]
[--server-threads 8] [--postgres]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_URL = "postgres://postgres@127.0.0.1:5432/tuopin_bench_reports"
FROZEN_AT = "2018-07-20T11:50:00+08:00"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare_postgres() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute("DROP DATABASE IF EXISTS tuopin_bench_reports")
        db.execute("CREATE DATABASE tuopin_bench_reports")


def build(units: int) -> tuple[int, list[tuple[str, str]]]:
    """Create the province-sized world; return the period id and (reporter, head) keys."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction

    from tuopin.lib import clock
    from tuopin.org.models import ApiToken, OrgUnit, ResponsibleUnit, Role, User
    from tuopin.plan.models import Action, Campaign, Milestone
    from tuopin.reports.models import Period
    from tuopin.reports.periods import ensure_periods

    call_command("migrate", verbosity=0)
    password = make_password("bench-pass-123")
    with transaction.atomic():
        county = OrgUnit.objects.create(code="610327", name="陇县", level="county")
        campaign = Campaign.objects.create(
            title="全省百日冲刺（压测）",
            county=county,
            issued_on=dt.date(2018, 6, 11),
            created_at=clock.at(dt.date(2018, 6, 11), 9),
        )
        made = ResponsibleUnit.objects.bulk_create(
            [
                ResponsibleUnit(name=f"压测单位{i:05d}", kind="department", org_unit=county)
                for i in range(units)
            ],
            batch_size=1000,
        )
        made = list(ResponsibleUnit.objects.order_by("id"))
        per_action = 100
        deadline = clock.at(dt.date(2018, 8, 31), 23, 59)
        for number in range(1, (units + per_action - 1) // per_action + 1):
            action = Action.objects.create(
                campaign=campaign, number=number, title=f"专项行动{number}"
            )
            action.units.set(made[(number - 1) * per_action : number * per_action])
            Milestone.objects.create(
                action=action,
                deadline=deadline,
                text="完成任务数",
                target_value=100,
                target_unit="个",
                order=1,
            )
            Milestone.objects.create(
                action=action,
                deadline=deadline,
                text="覆盖率",
                target_value=100,
                target_unit="%",
                order=2,
            )
        users = []
        for unit in made:
            users.append(
                User(username=f"r{unit.pk}", role=Role.UNIT_REPORTER, unit=unit, password=password)
            )
            users.append(
                User(username=f"h{unit.pk}", role=Role.UNIT_HEAD, unit=unit, password=password)
            )
        User.objects.bulk_create(users, batch_size=2000)
        keys = {}
        for user in User.objects.order_by("id"):
            keys[user.username] = ApiToken.issue(user, "压测")[1]
        ensure_periods(campaign, dt.datetime.fromisoformat(FROZEN_AT))
    period = Period.objects.get(campaign=campaign, deadline=clock.at(dt.date(2018, 7, 20), 12))
    pairs = [(keys[f"r{unit.pk}"], keys[f"h{unit.pk}"]) for unit in made]
    return period.pk, pairs


class Client:
    """One keep-alive HTTP connection per worker thread."""

    local = threading.local()

    def __init__(self, port: int):
        self.port = port

    def call(self, method: str, path: str, key: str, body=None) -> tuple[int, dict, float]:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Authorization": f"Bearer {key}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            payload = response.read()
        except (http.client.HTTPException, OSError):
            self.local.conn = None
            conn.close()
            raise
        elapsed = time.perf_counter() - started
        return response.status, (json.loads(payload) if payload else {}), elapsed


def _load() -> str:
    """The machine's load average: other work on a shared machine moves every latency."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report_line(name: str, latencies: list[float], wall: float | None = None) -> str:
    text = (
        f"{name:<22} n={len(latencies):>6}  p50 {percentile(latencies, 0.5) * 1000:7.1f} ms  "
        f"p95 {percentile(latencies, 0.95) * 1000:7.1f} ms  max {max(latencies) * 1000:7.1f} ms"
    )
    if wall:
        text += f"  {len(latencies) / wall:7.1f} req/s"
    return text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients")
    parser.add_argument("--server-threads", type=int, default=8)
    parser.add_argument("--baseline", type=int, default=4000, help="GET /api/org/me requests")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="tuopin-bench-reports-")
    if args.postgres:
        _prepare_postgres()
        url = PG_URL
    else:
        url = f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.update(DATABASE_URL=url, TUOPIN_VAR_DIR=workdir, TUOPIN_NOW=FROZEN_AT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuopin.settings")
    os.environ.setdefault("TUOPIN_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    load_before = _load()
    started = time.perf_counter()
    period_id, pairs = build(args.units)
    print(
        f"数据库：{'PostgreSQL' if args.postgres else 'SQLite 文件'}；单位 {len(pairs)} 个，"
        f"账号 {2 * len(pairs)} 个，准备用时 {time.perf_counter() - started:.1f} s"
    )

    port = _free_port()
    server_log = open(Path(workdir) / "server.log", "wb")  # noqa: SIM115 - closed after the run
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/tuopin"),
            "serve",
            "--port",
            str(port),
            "--threads",
            str(args.server_threads),
        ],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=server_log,  # a file: an unread pipe would fill up and stall the server
    )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        client = Client(port)
        errors: list[str] = []

        # Baseline: the lightest authenticated read, same server, same pool.
        def me(index: int) -> float:
            status, _body, elapsed = client.call("GET", "/api/org/me", pairs[index % len(pairs)][0])
            if status != 200:
                errors.append(f"me {status}")
            return elapsed

        begin = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            baseline = list(pool.map(me, range(args.baseline)))
        baseline_wall = time.perf_counter() - begin

        steps: dict[str, list[float]] = {
            "GET 表单": [],
            "PUT 保存": [],
            "POST 提交": [],
            "POST 签字": [],
        }

        def rush(index: int) -> None:
            reporter, head = pairs[index]
            status, form, elapsed = client.call(
                "GET", f"/api/reports/periods/{period_id}/form", reporter
            )
            steps["GET 表单"].append(elapsed)
            if status != 200:
                errors.append(f"form {status} {form}")
                return
            body = {
                "revision": form["revision"],
                "actions": [
                    {
                        "action": section["action"],
                        "progress": "本周按计划推进",
                        "problems": "资金拨付偏慢" if index % 3 == 0 else "",
                        "milestones": [
                            {
                                "milestone": m["milestone"],
                                "value": str(40 + index % 50),
                                "status": "in_progress",
                            }
                            for m in section["milestones"]
                        ],
                    }
                    for section in form["actions"]
                ],
            }
            report = form["id"]
            revision = form["revision"]
            for name, method, path, key, payload in (
                ("PUT 保存", "PUT", f"/api/reports/reports/{report}", reporter, body),
                ("POST 提交", "POST", f"/api/reports/reports/{report}/submit", reporter, None),
                ("POST 签字", "POST", f"/api/reports/reports/{report}/sign", head, None),
            ):
                if payload is None:
                    payload = {"revision": revision}
                status, answer, elapsed = client.call(method, path, key, payload)
                steps[name].append(elapsed)
                if status != 200:
                    errors.append(f"{name} {status} {answer.get('detail')}")
                    return
                revision = answer["revision"]

        begin = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(rush, range(len(pairs))))
        rush_wall = time.perf_counter() - begin
    finally:
        server.terminate()
        server.wait(timeout=30)
        server_log.close()

    from django.db.models import Count

    from tuopin.plan.models import Measurement
    from tuopin.reports.models import Report, ReportEvent

    on_time = Report.objects.filter(period_id=period_id, timeliness="on_time").count()
    # Exactly once: one signature event and one set of measurements per unit, never a re-sign.
    signatures = (
        ReportEvent.objects.filter(report__period_id=period_id, action="签字")
        .values("report_id")
        .annotate(n=Count("id"))
    )
    signed_once = sum(1 for row in signatures if row["n"] == 1)
    signed_twice = sum(1 for row in signatures if row["n"] > 1)
    changed = Report.objects.filter(period_id=period_id, changed_after_signing=True).count()
    measurements = Measurement.objects.filter(source="report").count()
    total = sum(len(v) for v in steps.values())
    print(f"\n并发客户端 {args.clients}，服务器线程 {args.server_threads}（waitress，127.0.0.1）")
    print(f"基线 GET /api/org/me：{report_line('GET /api/org/me', baseline, baseline_wall)}")
    print(
        f"周五冲刺：{len(pairs)} 个单位、{total} 个请求、用时 {rush_wall:.1f} s、"
        f"{total / rush_wall:.1f} req/s、{len(pairs) / rush_wall:.1f} 单位/s"
    )
    for name, values in steps.items():
        if values:
            print("  " + report_line(name, values))
    all_latencies = [v for values in steps.values() for v in values]
    print("  " + report_line("全部写流程请求", all_latencies))
    print(f"错误：{len(errors)}" + (f"（例：{errors[:3]}）" if errors else ""))
    print(f"按时签字：{on_time} / {len(pairs)}")
    print(
        f"只签一次的单位：{signed_once} / {len(pairs)}；重复签字：{signed_twice}；"
        f"签字后有更改：{changed}；写入计划的数值 {measurements} 行（应为 {2 * len(pairs)} 行）"
    )
    print(f"系统负载（1/5/15 分钟）：开始 {load_before}，结束 {_load()}")
    print(f"服务器日志：{workdir}/server.log")
    print(f"十分钟内完成：{'是' if rush_wall < 600 else '否'}（{rush_wall:.0f} s）")
    ratio = percentile(all_latencies, 0.5) / percentile(baseline, 0.5)
    print(f"写流程 p50 是基线 p50 的 {ratio:.1f} 倍")
    if (
        errors
        or on_time != len(pairs)
        or signed_once != len(pairs)
        or signed_twice
        or changed
        or measurements != 2 * len(pairs)  # each unit's action has two milestones
    ):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
