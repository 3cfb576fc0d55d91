from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command

from tuopin.lib import jobs

pytestmark = pytest.mark.django_db


def test_it_runs_every_registered_job_once_per_tick(capsys):
    names = [job.name for job in jobs.all_jobs()]
    assert "cases.escalate_overdue" in names
    assert "bulletin.auto_publish" in names
    assert names.index("cases.escalate_overdue") < names.index("bulletin.auto_publish")
    call_command("tick")
    output = capsys.readouterr().out
    for name in names:
        assert f"{name}: " in output


def test_it_keeps_running_the_other_jobs_when_one_fails(capsys, monkeypatch):
    monkeypatch.setattr(jobs, "_jobs", {})
    ran = []
    jobs.register("broken", lambda now: 1 / 0, order=1)
    jobs.register("fine", lambda now: ran.append(now) or 3, order=2)
    with pytest.raises(SystemExit):
        call_command("tick")
    assert len(ran) == 1
    assert "broken: -1，fine: 3" in capsys.readouterr().out


@pytest.mark.slow
def test_it_stops_the_worker_cleanly_on_sigterm(tmp_path):
    database = tmp_path / "worker.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "PYTHONUNBUFFERED": "1"}
    subprocess.run([sys.executable, "-m", "tuopin", "migrate", "-v0"], env=env, check=True)
    worker = subprocess.Popen(
        [sys.executable, "-m", "tuopin", "worker", "--interval", "30"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    seen: list[str] = []
    _read_until(worker.stdout, "reports.send_reminders: ", seen)  # started: handlers are set
    worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0
    assert "收到停止信号" in output and "worker 已停止" in output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _read_until(stream, text: str, seen: list[str]) -> str:
    for line in stream:
        seen.append(line)
        if text in line:
            return line
    raise AssertionError(f"“{text}” never appeared in: {''.join(seen)}")


@pytest.mark.slow
@pytest.mark.parametrize("stop", ["ctrl_c", "sigterm"])
def test_serve_with_worker_runs_the_jobs_and_stops_the_worker_with_the_server(tmp_path, stop):
    database = tmp_path / "serve.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "PYTHONUNBUFFERED": "1"}
    subprocess.run([sys.executable, "-m", "tuopin", "migrate", "-v0"], env=env, check=True)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tuopin", "serve", "--with-worker", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    seen: list[str] = []
    try:
        started = _read_until(server.stdout, "后台任务已启动", seen)
        worker_pid = int(re.search(r"进程 (\d+)", started).group(1))
        _read_until(server.stdout, "reports.send_reminders: ", seen)  # the worker's first pass
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=10) as page:
            assert page.status == 200
        if stop == "ctrl_c":
            os.killpg(server.pid, signal.SIGINT)  # what Ctrl+C in the terminal sends
        else:
            server.send_signal(signal.SIGTERM)
        rest, _ = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
    output = "".join(seen) + rest
    assert server.returncode == 0
    assert "收到停止信号，本轮结束后退出" in output and "worker 已停止" in output
    assert "后台任务已停止（退出码 0）" in output and "tuopin 已停止" in output
    with pytest.raises(ProcessLookupError):
        os.kill(worker_pid, 0)


def test_make_run_serves_with_the_worker():
    makefile = Path(__file__).resolve().parents[3] / "Makefile"
    dry_run = subprocess.run(
        ["make", "-n", "-f", str(makefile), "run", "BIN=bin"],
        capture_output=True,
        text=True,
        check=True,
        cwd=makefile.parent,
    ).stdout
    serve_lines = [line for line in dry_run.splitlines() if "tuopin serve" in line]
    assert len(serve_lines) == 1 and "--with-worker" in serve_lines[0]
