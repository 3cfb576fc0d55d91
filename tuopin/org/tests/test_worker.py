from __future__ import annotations

import os
import signal
import subprocess
import sys

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
    # The first round's report line means the signal handlers are installed: no fixed sleep,
    # which a loaded machine outran.
    first_round = worker.stdout.readline()
    assert ": " in first_round
    worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0
    assert "收到停止信号" in output and "worker 已停止" in output
