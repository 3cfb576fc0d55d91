"""HQ manages accounts in the app: list, create, edit, deactivate, reset a password (audited)."""

from __future__ import annotations

import pytest
from django.test import Client

from tuopin.lib import clock
from tuopin.org.models import AuditEvent, LoginCounter, LoginCounterKind, OrgUnit, Role, User
from tuopin.org.testing import PASSWORD


def _password(response) -> str:
    text = response.content.decode()
    start = text.index('class="password"')
    return text[text.index(">", start) + 1 : text.index("</b>", start)]


def _logs_in(username: str, password: str) -> bool:
    return Client().login(username=username, password=password)


@pytest.fixture
def outsider(world):
    other_county = OrgUnit.objects.create(code="610328", name="千阳县", level="county")
    return User.objects.create_user("outsider", role=Role.VIEWER, scope=other_county)


def test_hq_lists_the_accounts_of_its_county_only(world, login, outsider):
    response = login(world.hq).get("/org/accounts/")
    assert response.status_code == 200
    text = response.content.decode()
    for user in (world.cadre, world.reporter, world.village_cadre, world.viewer):
        assert f'href="/org/accounts/{user.pk}/"' in text
    assert "outsider" not in text
    assert f'href="/org/accounts/{world.superuser.pk}/"' not in text
    found = login(world.hq).get("/org/accounts/", {"role": Role.TOWN_CADRE}).content.decode()
    assert f'href="/org/accounts/{world.cadre.pk}/"' in found
    assert f'href="/org/accounts/{world.viewer.pk}/"' not in found


@pytest.mark.parametrize("role", ("cadre", "viewer", "reporter", "leader"))
def test_only_hq_may_manage_accounts(world, login, role):
    client = login(getattr(world, role))
    assert client.get("/org/accounts/").status_code == 403
    assert client.get("/org/accounts/new/").status_code == 403
    assert client.get(f"/org/accounts/{world.viewer.pk}/").status_code == 403
    assert client.post(f"/org/accounts/{world.viewer.pk}/password/").status_code == 403
    assert _logs_in("viewer", PASSWORD)
    assert login(None).get("/org/accounts/").status_code == 302


def test_hq_creates_an_account_and_sees_its_password_once(world, login):
    response = login(world.hq).post(
        "/org/accounts/new/",
        {
            "username": "li_zhen",
            "first_name": "李振",
            "phone": "13900001111",
            "role": Role.TOWN_CADRE,
            "scope": world.chengguan.pk,
            "unit": "",
        },
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "此密码只显示这一次" in response.content.decode()
    password = _password(response)
    assert len(password) == 12
    created = User.objects.get(username="li_zhen")
    assert (created.role, created.scope, created.first_name) == (
        Role.TOWN_CADRE,
        world.chengguan,
        "李振",
    )
    assert _logs_in("li_zhen", password)
    event = AuditEvent.objects.get(model="org.user", object_id=str(created.pk))
    assert (event.action, event.actor) == ("创建账号", world.hq)
    assert event.changes["scope"] == [None, "城关镇"]
    assert password not in str(event.changes)
    # The list shows the account, never the password again.
    listing = login(world.hq).get("/org/accounts/").content.decode()
    assert "li_zhen" in listing and password not in listing


def test_a_scope_that_does_not_fit_the_role_is_refused_in_chinese(world, login, outsider):
    client = login(world.hq)
    cases = (
        ({"role": Role.TOWN_CADRE, "scope": world.cg_village.pk}, "镇干部的管辖范围必须是一个镇"),
        ({"role": Role.UNIT_REPORTER, "scope": ""}, "单位填报员和单位主要领导必须指定所在责任单位"),
        ({"role": Role.VIEWER, "scope": outsider.scope.pk}, "选择一个有效的选项"),
    )
    for values, message in cases:
        response = client.post(
            "/org/accounts/new/",
            {"username": "wrong", "first_name": "错", "phone": "", "unit": "", **values},
        )
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not User.objects.filter(username="wrong").exists()


def test_hq_changes_role_and_scope_and_deactivates(world, login):
    client = login(world.hq)
    response = client.post(
        f"/org/accounts/{world.cadre.pk}/",
        {
            "first_name": "城关干部",
            "phone": "",
            "role": Role.VILLAGE_CADRE,
            "scope": world.cg_village.pk,
            "unit": "",
        },
    )
    assert response.status_code == 302
    cadre = User.objects.get(pk=world.cadre.pk)
    assert (cadre.role, cadre.scope, cadre.is_active) == (
        Role.VILLAGE_CADRE,
        world.cg_village,
        False,  # the box was not ticked: deactivated
    )
    assert not _logs_in("cadre", PASSWORD)
    event = AuditEvent.objects.get(model="org.user", object_id=str(cadre.pk))
    assert (event.action, event.actor) == ("修改账号", world.hq)
    assert event.changes["role"] == [Role.TOWN_CADRE, Role.VILLAGE_CADRE]
    assert event.changes["scope"] == ["城关镇", "东关村"]
    assert event.changes["is_active"] == [True, False]


def test_hq_cannot_deactivate_itself_or_reach_other_counties(world, login, outsider):
    client = login(world.hq)
    response = client.post(
        f"/org/accounts/{world.hq.pk}/",
        {
            "first_name": "办公室",
            "phone": "",
            "role": Role.HQ_ADMIN,
            "unit": world.office.pk,
            "scope": world.county.pk,
        },
        follow=True,
    )
    assert "不能停用自己的账号或修改自己的角色" in response.content.decode()
    assert User.objects.get(pk=world.hq.pk).is_active
    assert not AuditEvent.objects.filter(model="org.user").exists()
    assert client.get(f"/org/accounts/{outsider.pk}/").status_code == 404
    assert client.post(f"/org/accounts/{outsider.pk}/password/").status_code == 404
    assert client.get(f"/org/accounts/{world.superuser.pk}/").status_code == 404


def test_hq_resets_a_password_and_lifts_the_login_lock(world, login):
    LoginCounter.objects.create(
        kind=LoginCounterKind.ACCOUNT, key="viewer", failures=5, window_started_at=clock.now()
    )
    client = login(world.hq)
    assert client.get(f"/org/accounts/{world.viewer.pk}/password/").status_code == 405
    response = client.post(f"/org/accounts/{world.viewer.pk}/password/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    password = _password(response)
    assert not _logs_in("viewer", PASSWORD)
    assert _logs_in("viewer", password)
    event = AuditEvent.objects.get(model="org.user", object_id=str(world.viewer.pk))
    assert (event.action, event.actor, event.changes) == ("重置密码", world.hq, {})
    assert not LoginCounter.objects.filter(key="viewer").exists()
