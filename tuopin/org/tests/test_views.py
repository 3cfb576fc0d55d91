from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_it_shows_a_town_cadre_their_town_with_counts(world, login):
    response = login(world.cadre).get("/org/610327100/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "城关镇" in body and "东关村" in body and "西关村" in body
    assert "东风村" not in body
    assert response.context["counts"]["villages"] == 2
    assert response.context["counts"]["poor_villages"] == 1


def test_it_hides_another_towns_pages_from_a_town_cadre(world, login):
    client = login(world.cadre)
    assert client.get("/org/610327101/").status_code == 404
    assert client.get("/org/610327101201/").status_code == 404
    assert client.get("/org/610327/").status_code == 404


def test_it_lands_each_user_on_their_own_scope(world, login):
    assert login(world.cadre).get("/org/").url == "/org/610327100/"
    assert login(world.viewer).get("/org/").url == "/org/610327/"
    assert login(world.village_cadre).get("/org/").url == "/org/610327100201/"


def test_it_shows_the_county_to_a_read_only_user(world, login):
    response = login(world.viewer).get("/org/610327/")
    assert response.status_code == 200
    assert response.context["counts"] == {
        "towns": 2,
        "villages": 4,
        "poor_villages": 2,
        "groups": 0,
    }


def test_it_tells_a_user_without_scope_so(world, login):
    response = login(world.reporter).get("/org/")
    assert response.status_code == 200
    assert "暂无可查看的区划" in response.content.decode()


def test_it_sends_anonymous_visitors_to_login(world, client):
    for url in ("/", "/org/", "/org/610327/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/login/")


def test_it_logs_in_and_out(world, client):
    response = client.post("/login/", {"username": "cadre", "password": "test-pass-123"})
    assert response.status_code == 302
    assert client.get("/org/610327100/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/org/610327100/").status_code == 302


def test_it_refuses_a_wrong_password_in_chinese(world, client):
    response = client.post("/login/", {"username": "cadre", "password": "nope"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_it_locks_an_account_after_repeated_failures(world, client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/login/", {"username": "cadre", "password": "nope"})
    response = client.post("/login/", {"username": "cadre", "password": "test-pass-123"})
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_does_not_redirect_to_another_host_after_login(world, client):
    response = client.post(
        "/login/",
        {"username": "cadre", "password": "test-pass-123", "next": "https://evil.example/"},
    )
    assert response.url == "/"


def test_it_serves_vendored_assets_and_no_external_urls(world, login):
    body = login(world.hq).get("/org/610327/").content.decode()
    assert "/static/vendor/htmx-2.0.11.min.js" in body
    assert "http://" not in body.replace("http://testserver", "")
    assert "https://" not in body


def test_every_page_links_an_offline_favicon(world, login):
    from pathlib import Path

    from django.contrib.staticfiles import finders

    page = login(world.hq).get("/registry/").content.decode()
    assert '<link rel="icon" type="image/svg+xml" href="/static/img/favicon.svg">' in page
    icon = finders.find("img/favicon.svg")
    assert icon is not None and Path(icon).read_text(encoding="utf-8").startswith("<svg")
    response = login(None).get("/favicon.ico")
    assert (response.status_code, response["Location"]) == (301, "/static/img/favicon.svg")
