from __future__ import annotations

import os
import subprocess
import sys

import pytest
import waitress
from django.core import checks
from django.core.management import call_command
from django.core.management.base import CommandError

ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - the address these tests are about
REFUSAL = "拒绝在 0.0.0.0 上启动：未设置环境变量 TUOPIN_SECRET_KEY，正在使用源代码中公开的演示密钥"


@pytest.fixture
def served(monkeypatch) -> list[dict]:
    calls: list[dict] = []
    monkeypatch.setattr(waitress, "serve", lambda app, **options: calls.append(options))
    return calls


@pytest.mark.parametrize("host", [ALL_INTERFACES, "", "192.168.1.20", "::", "tuopin.county.local"])
def test_it_refuses_a_network_address_with_the_demo_key(settings, served, host):
    settings.SECRET_KEY_IS_DEMO = True
    with pytest.raises(CommandError, match="正在使用源代码中公开的演示密钥"):
        call_command("serve", host=host)
    assert served == []


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_it_serves_the_demo_key_on_this_machine_only(settings, served, host):
    settings.SECRET_KEY_IS_DEMO = True
    call_command("serve", host=host, port=8123)
    assert served == [{"host": host, "port": 8123, "threads": 8, "ident": "tuopin"}]


def test_it_serves_a_network_address_with_a_key_of_its_own(settings, served):
    settings.SECRET_KEY_IS_DEMO = False
    call_command("serve", host=ALL_INTERFACES, port=8123)
    assert served == [{"host": ALL_INTERFACES, "port": 8123, "threads": 8, "ident": "tuopin"}]


@pytest.mark.slow
def test_the_command_line_stops_with_the_message_before_listening():
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"TUOPIN_SECRET_KEY", "TUOPIN_PRODUCTION"}
    }
    result = subprocess.run(
        [sys.executable, "-m", "tuopin", "serve", "--host", ALL_INTERFACES, "--port", "8124"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert REFUSAL in result.stderr
    assert "tuopin 已启动" not in result.stdout


@pytest.mark.slow
def test_the_wsgi_application_warns_when_it_runs_with_the_demo_key():
    env = {key: value for key, value in os.environ.items() if key != "TUOPIN_SECRET_KEY"}
    code = "import tuopin.wsgi"
    demo = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert "警告：未设置 TUOPIN_SECRET_KEY，正在使用公开的演示密钥" in demo.stderr
    env["TUOPIN_SECRET_KEY"] = "k" * 50
    own = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert own.returncode == 0 and "演示密钥" not in own.stderr


def test_the_deployment_check_fails_on_the_demo_key(settings):
    settings.SECRET_KEY_IS_DEMO = True
    found = [m for m in checks.run_checks(include_deployment_checks=True) if m.id == "tuopin.E001"]
    assert [m.msg for m in found] == ["未设置 TUOPIN_SECRET_KEY，正在使用源代码中公开的演示密钥"]
    settings.SECRET_KEY_IS_DEMO = False
    assert "tuopin.E001" not in {m.id for m in checks.run_checks(include_deployment_checks=True)}
    # Ordinary commands (migrate, demo, tests) are not stopped by it.
    settings.SECRET_KEY_IS_DEMO = True
    assert "tuopin.E001" not in {m.id for m in checks.run_checks()}
