"""Fixtures shared by every app's tests."""

from __future__ import annotations

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
