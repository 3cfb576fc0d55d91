from __future__ import annotations

import datetime as dt
import ipaddress
import threading

import pytest
from django.db import connection
from django.test import Client, RequestFactory

from tuopin.org import throttle
from tuopin.org.models import LoginCounter, User
from tuopin.org.testing import PASSWORD, build_world

pytestmark = pytest.mark.django_db

NOW = "2018-07-20T10:00:00+08:00"
ACCOUNT_LOCKED = "登录失败次数过多，账号已锁定"
ADDRESS_LOCKED = "该地址尝试过多"


def post_login(client: Client, username: str, password: str, address: str = "10.1.1.1") -> str:
    response = client.post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )
    return response.content.decode() if response.status_code == 200 else "已登录"


def admin_login(client: Client, username: str, password: str) -> str:
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR="10.1.1.1",
    )
    return response.content.decode() if response.status_code == 200 else "已登录"


def test_it_locks_an_account_and_says_so_until_the_window_ends(world, client, frozen_clock):
    with frozen_clock(NOW):
        for _ in range(5):
            assert "用户名或密码不正确" in post_login(client, "cadre", "nope")
        refused = post_login(client, "cadre", PASSWORD)
    assert "登录失败次数过多，账号已锁定，请15分钟后再试" in refused
    assert ADDRESS_LOCKED not in refused
    with frozen_clock("2018-07-20T10:14:59+08:00"):
        assert "请1分钟后再试" in post_login(client, "cadre", PASSWORD)
    with frozen_clock("2018-07-20T10:15:00+08:00"):
        assert post_login(client, "cadre", PASSWORD) == "已登录"
    assert client.session["_auth_user_id"] == str(world.cadre.pk)


def test_it_forgets_an_accounts_failures_after_a_good_login(world, client, frozen_clock):
    with frozen_clock(NOW):
        for _ in range(4):
            post_login(client, "cadre", "nope")
        assert post_login(client, "cadre", PASSWORD) == "已登录"
        client.logout()
        for _ in range(4):
            assert "用户名或密码不正确" in post_login(client, "cadre", "nope")
        assert post_login(client, "cadre", PASSWORD) == "已登录"


def test_made_up_names_lock_only_themselves_not_the_real_accounts_at_that_address(
    world, client, frozen_clock
):
    with frozen_clock(NOW):
        for _ in range(5):
            post_login(client, "no-such-user", "nope")
        refused = post_login(client, "no-such-user", "nope")
        assert ACCOUNT_LOCKED in refused
        assert post_login(client, "cadre", PASSWORD) == "已登录"
    # The locked name stopped counting: 5 failures at the address, not 6.
    assert LoginCounter.objects.get(kind="address", key="10.1.1.1").failures == 5


def test_it_locks_an_address_only_after_many_failures_over_several_accounts(
    world, client, settings, frozen_clock
):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    with frozen_clock(NOW):
        for name in ("ghost-1", "ghost-2"):
            for _ in range(5):
                post_login(client, name, "nope")
        assert "用户名或密码不正确" in post_login(client, "viewer", "nope")
        assert "用户名或密码不正确" in post_login(client, "viewer", "nope")
        refused = post_login(client, "cadre", PASSWORD)
        assert "该地址尝试过多，已暂停从此地址登录，请15分钟后再试（账号本身未被锁定）" in refused
        assert ACCOUNT_LOCKED not in refused
        # The account itself was not charged, and other addresses still get in.
        assert not LoginCounter.objects.filter(kind="account", key="cadre", failures__gt=0).exists()
        assert post_login(client, "cadre", PASSWORD, address="10.2.2.2") == "已登录"


def test_admin_login_locks_exactly_like_the_site_login(world, client, frozen_clock):
    with frozen_clock(NOW):
        answers = [admin_login(client, "root", "wrong-password") for _ in range(25)]
        assert sum("请输入一个" in answer for answer in answers) == 5
        assert sum(ACCOUNT_LOCKED in answer for answer in answers) == 20
        refused = admin_login(client, "root", PASSWORD)
        assert ACCOUNT_LOCKED in refused
        assert "_auth_user_id" not in client.session
        # One door: the site login is locked for the same account.
        assert ACCOUNT_LOCKED in post_login(client, "root", PASSWORD)
    with frozen_clock("2018-07-20T10:15:00+08:00"):
        assert admin_login(client, "root", PASSWORD) == "已登录"
        assert client.get("/admin/org/orgunit/").status_code == 200


def test_a_staff_login_refused_by_the_admin_is_still_a_good_password(world, client, frozen_clock):
    with frozen_clock(NOW):
        for _ in range(4):
            admin_login(client, "hq", "nope")
        assert "请输入一个" in admin_login(client, "hq", PASSWORD)  # hq is not staff
        assert not LoginCounter.objects.filter(kind="account", key="hq").exists()


def request_from(peer: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_it_ignores_forwarding_headers_unless_configured(settings):
    settings.TRUSTED_PROXY_HEADER = None
    assert throttle.client_address(request_from("127.0.0.1", "198.51.100.7")) == "127.0.0.1"


def test_it_reads_the_client_from_the_trusted_header_of_a_trusted_proxy_only(settings):
    settings.TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/24")]
    assert throttle.client_address(request_from("10.0.0.5", "198.51.100.7")) == "198.51.100.7"
    # What the client wrote itself (left of the proxies' entries) is not believed.
    forged = request_from("10.0.0.5", "1.2.3.4, 198.51.100.7, 10.0.0.9")
    assert throttle.client_address(forged) == "198.51.100.7"
    assert throttle.client_address(request_from("203.0.113.9", "198.51.100.7")) == "203.0.113.9"
    assert throttle.client_address(request_from("10.0.0.5", "not-an-address")) == "10.0.0.5"
    assert throttle.client_address(request_from("10.0.0.5")) == "10.0.0.5"


def test_clients_behind_one_proxy_are_counted_apart(world, client, settings, frozen_clock):
    settings.TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    with frozen_clock(NOW):
        for name in ("ghost-1", "ghost-2"):
            for _ in range(3):
                client.post(
                    "/login/",
                    {"username": name, "password": "nope"},
                    REMOTE_ADDR="127.0.0.1",
                    HTTP_X_FORWARDED_FOR="198.51.100.7",
                )
        response = client.post(
            "/login/",
            {"username": "cadre", "password": PASSWORD},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="198.51.100.8",
        )
    assert response.status_code == 302
    assert LoginCounter.objects.get(kind="address", key="198.51.100.7").failures == 6


def test_the_worker_forgets_counters_whose_window_ended(world, client, frozen_clock):
    with frozen_clock(NOW):
        post_login(client, "ghost", "nope")
    with frozen_clock("2018-07-20T10:10:00+08:00"):
        post_login(client, "cadre", "nope")
    deleted = throttle.forget_expired(dt.datetime.fromisoformat("2018-07-20T10:15:00+08:00"))
    # ghost's counter and the address's, whose window started at 10:00; cadre's is still running.
    assert deleted == 2
    assert list(LoginCounter.objects.values_list("key", flat=True)) == ["cadre"]


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_parallel_logins_checks_at_most_the_limit_of_passwords(monkeypatch):
    build_world()
    checks = []
    lock = threading.Lock()
    original = User.check_password

    def counted(self, raw_password):
        with lock:
            checks.append(raw_password)
        return original(self, raw_password)

    monkeypatch.setattr(User, "check_password", counted)
    answers: list[str] = []
    start = threading.Barrier(40)

    def attempt() -> None:
        try:
            start.wait()
            answer = post_login(Client(), "cadre", "wrong-password")
            with lock:
                answers.append(answer)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checks) == 5
    assert sum("用户名或密码不正确" in answer for answer in answers) == 5
    assert sum(ACCOUNT_LOCKED in answer for answer in answers) == 35
    assert LoginCounter.objects.get(kind="account", key="cadre").failures == 5
    assert LoginCounter.objects.get(kind="address", key="10.1.1.1").failures == 5
