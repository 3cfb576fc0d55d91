"""Every village page answers and speaks Chinese for HQ, a town cadre, an inspector and a viewer
on demo data (no internal names in the visible text, no server error)."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest

from tuopin.lib import clock
from tuopin.org.testing import internal_names
from tuopin.synth import villages_demo
from tuopin.villages.models import ChecklistInspection, TeamMember

SKIP = ("export", "template", ".xlsx", "/photo/")


@pytest.fixture
def demo(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    with clock.frozen("2018-07-20T10:00:00+08:00"):
        villages_demo.populate(world.county, seed=2, log=lambda message: None)
        member = TeamMember.objects.filter(village=world.cg_village).first()
        values = {name: getattr(member, name) for name in ("team", "name", "unit", "phone")}
        from tuopin.villages import actions

        actions.change_member(
            world.hq,
            member,
            {**values, "role": "队长", "started_on": member.started_on, "ended_on": None},
        )
    return world


@pytest.mark.parametrize("who", ["hq", "cadre", "inspector", "viewer"])
def test_village_pages_speak_chinese(demo, login, who):
    client = login(getattr(demo, who))
    start = [
        "/villages/",
        "/villages/?incomplete=1",
        "/villages/training/",
        f"/villages/training/?village={demo.cg_village.code}",
        "/villages/checklists/",
        "/villages/checklists/?edit=sanwu",
        "/villages/import/",
        "/villages/imports/",
        f"/villages/inspection/{ChecklistInspection.objects.first().pk}/",
    ]
    queue, seen, leaks = deque(start), set(), {}
    with clock.frozen("2018-07-20T10:00:00+08:00"):
        while queue and len(seen) < 60:
            url = queue.popleft()
            if url in seen:
                continue
            seen.add(url)
            response = client.get(url)
            assert response.status_code in (200, 302, 403, 404), (url, response.status_code)
            if response.status_code != 200:
                continue
            html = response.content.decode()
            if names := internal_names(html):
                leaks[url] = names
            for href in re.findall(r'href="([^"]+)"', html):
                href = urldefrag(href)[0].replace("&amp;", "&")
                if not href.startswith("/villages/") or any(w in href for w in SKIP):
                    continue
                if urlsplit(href).path not in {urlsplit(u).path for u in seen} or "?" in href:
                    queue.append(href)
    assert not leaks, leaks
    assert len(seen) > 8
