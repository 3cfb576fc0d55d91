"""The project's browser suite: Playwright (sync API) driving Debian's chromium against a live
server that serves the synthetic county built once per module.

Run: ``.venv/bin/pytest tests/browser -m browser -p no:randomly``. Screenshots go to the folder
named by ``TUOPIN_ARTIFACTS`` (default ``ci-artifacts/screenshots``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are
# plain blocking calls, which Django would otherwise refuse inside a running loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("TUOPIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEMO_NOW = dt.datetime.fromisoformat("2018-07-20T10:00:00+08:00")
PASSWORD = "tuopin2018"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "browser: drives a real chromium (tests/browser)")


def artifacts_dir() -> Path:
    path = Path(os.environ.get("TUOPIN_ARTIFACTS", "ci-artifacts/screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"chromium 不存在（{CHROMIUM}）：apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@contextmanager
def served(django_db_blocker, build: Callable[[], object]) -> Iterator[str]:
    """Run ``build`` outside any test transaction, serve the result live, flush it afterwards.

    Later test modules start from an empty database again. The browser tests themselves run
    outside any transaction (the server thread has its own connection and commits, as in
    production); they read the database through the ``db_access`` fixture.
    """
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    name = str(connection.settings_dict["NAME"])
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    if not (in_memory or Path(name).name.startswith("test")):
        # Never build (and later flush) test data in a real database.
        pytest.fail(
            f"浏览器测试必须使用测试数据库（当前为 {name}）：用 -k 只选部分测试时，请同时选中 "
            "test_it_runs_on_a_test_database（它让 pytest-django 建立测试数据库），"
            "例如 -k 'wall or test_database'"
        )
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    fast.enable()
    server = None
    try:
        with django_db_blocker.unblock():
            build()
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        yield server.url
    finally:
        if server is not None:
            server._live_server_modified_settings.disable()
            server.stop()
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)
            connections.close_all()
        fast.disable()


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The demo county (every app's populate()) served by a live server; wiped afterwards."""
    from tuopin.lib import clock
    from tuopin.synth.demo import build_demo

    clock.configure(DEMO_NOW)
    try:
        with served(django_db_blocker, lambda: build_demo(seed=1, log=lambda message: None)) as url:
            yield url
    finally:
        clock.configure(None)


@pytest.fixture
def db_access(django_db_blocker):
    """ORM access inside a browser test, in autocommit: it sees what the live server wrote."""
    from django.db import connections

    with django_db_blocker.unblock():
        yield
        # Playwright's greenlets give this test its own connection context; close it so that
        # PostgreSQL can drop the test database at the end of the session.
        connections.close_all()


@pytest.mark.django_db
def test_it_runs_on_a_test_database():
    """Import this into a browser test module: it makes pytest-django create the test database
    when only that module is collected (the live server must never serve the real one)."""
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    assert (connection.vendor == "sqlite" and connection.is_in_memory_db()) or Path(
        name
    ).name.startswith("test")


def signed_in(
    browser,
    base_url: str,
    username: str,
    *,
    password: str | None = None,
    viewport: dict | None = None,
    timeout: int = 15000,
    **options,
):
    """A fresh browser context (a phone, 390×844 with touch, unless ``viewport`` says otherwise)
    signed in as ``username``: ``(context, page)``. The password is the test world's unless
    given (the demo's is ``PASSWORD``); ``options`` go to ``new_context`` (geolocation …)."""
    if password is None:
        from tuopin.org.testing import PASSWORD as password
    if viewport is None:
        options = {"is_mobile": True, "has_touch": True, **options}
    context = browser.new_context(viewport=viewport or PHONE, locale="zh-CN", **options)
    context.set_default_timeout(timeout)
    page = context.new_page()
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.locator("form button").first.click()
    page.wait_for_load_state()
    assert "/login/" not in page.url, f"{username} 登录失败"
    return context, page


def jpeg(
    colour: tuple[int, int, int] = (120, 120, 120), size: tuple[int, int] = (320, 240)
) -> bytes:
    """A small JPEG, as a phone camera's photo stands in for in a form."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def fits_the_screen(page) -> bool:
    """Nothing to scroll sideways."""
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


class Site:
    """Log in as a demo user in a fresh browser context and take named screenshots."""

    def __init__(self, browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts = []

    def login(
        self,
        username: str,
        viewport: dict | None = None,
        *,
        javascript: bool = True,
        password: str = PASSWORD,
    ):
        """Sign in (demo users by default; ``password`` for a test world's accounts)."""
        context, page = signed_in(
            self.browser,
            self.base_url,
            username,
            password=password,
            viewport=viewport or DESKTOP,
            java_script_enabled=javascript,
        )
        self.contexts.append(context)
        return page

    def go(self, page, path: str):
        response = page.goto(f"{self.base_url}{path}")
        page.wait_for_load_state("networkidle")
        return response

    def shot(self, page, name: str) -> Path:
        path = artifacts_dir() / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def site(browser, demo_site) -> Iterator[Site]:
    helper = Site(browser, demo_site)
    yield helper
    helper.close()


HELPED_HOUSEHOLD = "610327100201001"


@contextmanager
def helped_household_site(
    django_db_blocker, tmp_path_factory, extra: Callable[[object, object], object] | None = None
) -> Iterator[str]:
    """The two-town world with one registered household of 东关村 (``HELPED_HOUSEHOLD``) paired
    with the helper 王帮扶, who signs in as ``helper1``; ``extra(world, household)`` adds more.
    Served on 20 July 2018 with its own media folder (the household phone forms' tests)."""
    from django.test.utils import override_settings

    from tuopin.households.models import Assignment, Helper
    from tuopin.lib import clock
    from tuopin.org.models import Role
    from tuopin.org.testing import _user, build_world
    from tuopin.registry.models import Household

    def build() -> None:
        with clock.frozen("2018-07-20T10:00:00+08:00"):
            world = build_world()
            household = Household.objects.create(
                household_no=HELPED_HOUSEHOLD,
                village=world.cg_village,
                head_name="张建国",
                head_id_number="610327197001010011",
                is_registered=True,
                exit_status="not_exited",
                planned_exit_year=2018,
                member_count=3,
            )
            account = _user("helper1", Role.UNIT_REPORTER, unit=world.transport)
            helper = Helper.objects.create(name="王帮扶", unit="县交通局", user=account)
            Assignment.objects.create(household=household, helper=helper)
            if extra is not None:
                extra(world, household)

    media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    media.enable()
    clock.configure(DEMO_NOW)  # the server's today is 20 July 2018
    try:
        with served(django_db_blocker, build) as url:
            yield url
    finally:
        clock.configure(None)
        media.disable()
