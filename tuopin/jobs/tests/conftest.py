from __future__ import annotations

import pytest

from tuopin.lib import clock

NOW = "2018-07-20T10:00:00+08:00"


@pytest.fixture(autouse=True)
def _frozen_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with clock.frozen(NOW):
        yield
