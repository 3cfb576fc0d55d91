from __future__ import annotations

import pytest

from tuopin.bulletin.tests import data
from tuopin.lib import clock


@pytest.fixture
def now():
    """The demo moment: Friday 2018-07-20 16:00, after week 29's deadline."""
    with clock.frozen(data.NOW):
        yield


@pytest.fixture
def campaign(world, now):
    return data.build(world)
