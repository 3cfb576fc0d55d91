"""Sector boards: a department sees its own sector across all towns, read-only and masked."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tuopin.assess.tests.factories import household
from tuopin.dashboard import sectors
from tuopin.dashboard.models import SectorGrant
from tuopin.org.models import AuditEvent
from tuopin.org.testing import visible_text
from tuopin.registry.models import Household, VillageFacts


@pytest.fixture
def data(world):
    for village in (world.cg_village, world.cg_village2, world.df_village, world.df_village2):
        VillageFacts.objects.create(
            village=village, paved_road=village != world.df_village, standard_clinic=False
        )
    dark = household(world.cg_village, has_household_electricity=False)
    lit = household(world.df_village)
    Household.objects.filter(pk=dark.pk).update(head_name="张三丰")
    Household.objects.filter(pk=lit.pk).update(head_name="李四光")
    sectors.grant_defaults(world.county)
    return world


def test_a_transport_head_lands_on_the_villages_without_a_paved_road(data, login):
    world = data
    assert sectors.sectors_of(world.transport) == ["transport"]
    client = login(world.head)
    landing = client.get("/", follow=True)
    assert landing.redirect_chain[-1][0] == reverse("dashboard:sector")
    text = visible_text(landing.content.decode())
    assert "未通硬化路的行政村" in text and "东风村" in text and "东风镇" in text
    assert "行政村通硬化路比例" in text and "75%" in text
    for other in ("电力", "生活用电", "卫生室", "住房", "自来水", "张", "李四光"):
        assert other not in text.split("行业数据", 1)[-1], other
    assert login(world.reporter).get(reverse("dashboard:sector")).status_code == 200


def test_personal_data_is_masked_and_other_units_are_refused(data, login):
    world = data
    SectorGrant.objects.create(unit=world.health, sector="power", granted_at=world.hq.date_joined)
    page = login(world.other_head).get(reverse("dashboard:sector"))
    text = visible_text(page.content.decode())
    assert "未通生活用电的农户" in text and "张**" in text and "张三丰" not in text
    SectorGrant.objects.all().delete()
    assert login(world.other_head).get(reverse("dashboard:sector")).status_code == 403
    # Without a grant a department lands where it always did: its report.
    assert login(world.other_head).get("/").url != reverse("dashboard:sector")


def test_hq_edits_the_grants(data, login):
    world = data
    url = reverse("dashboard:sector_grants")
    assert login(world.head).get(url).status_code == 403
    page = login(world.hq).get(url)
    assert page.status_code == 200 and "县交通局" in visible_text(page.content.decode())
    post = {
        f"u{world.transport.pk}": ["transport", "water"],
        f"u{world.health.pk}": ["health", "power"],
    }
    assert login(world.hq).post(url, post).status_code == 302
    assert sorted(sectors.sectors_of(world.transport)) == ["transport", "water"]
    assert AuditEvent.objects.filter(action="修改行业数据授权").count() == 2
    text = visible_text(login(world.head).get(reverse("dashboard:sector")).content.decode())
    assert "饮水缺口" in text
    preview = login(world.hq).get(reverse("dashboard:sector") + f"?unit={world.health.pk}")
    assert "没有标准化卫生室的行政村" in visible_text(preview.content.decode())
