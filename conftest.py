"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os

import pytest

from tuopin.lib import clock
from tuopin.org.testing import PASSWORD, World, build_world


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def login(client):
    """Log a user in on the test client: ``login(world.cadre)``; ``login(None)`` stays anonymous."""

    def _login(user):
        client.logout()
        if user is not None:
            assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login


@pytest.fixture
def frozen_clock():
    """``with frozen_clock("2018-07-20T11:59:59+08:00"): ...``"""
    return clock.frozen


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_metric_cache():
    """Metric values are cached by a change stamp held a few seconds: each test starts afresh."""
    from tuopin.lib import metrics

    metrics.clear_cache()
    yield
    metrics.clear_cache()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (TUOPIN_FAIL_ON_SKIP=1) a skipped test is a failure: CI installs every tool tests need."""
    report = yield
    if (
        report.skipped
        and os.environ.get("TUOPIN_FAIL_ON_SKIP") == "1"
        and not hasattr(report, "wasxfail")
    ):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every tool must be present: {report.longrepr}"
    return report


@pytest.fixture
def xlsx_formulas():
    """The formula cells of a real .xlsx (every worksheet's ``<f>`` elements), as
    ``[(sheet part, cell reference, formula)]``: what Excel would run when opening the file."""
    import io
    import zipfile
    from xml.etree import ElementTree

    namespace = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

    def formulas(content: bytes) -> list[tuple[str, str, str]]:
        found = []
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for part in archive.namelist():
                if not part.startswith("xl/worksheets/sheet"):
                    continue
                root = ElementTree.fromstring(archive.read(part))  # noqa: S314 - our own output
                for cell in root.iter(f"{namespace}c"):
                    formula = cell.find(f"{namespace}f")
                    if formula is not None:
                        found.append((part, cell.get("r", ""), formula.text or ""))
        return found

    return formulas
