from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from tuopin.org.access import can, in_scope, visible_q
from tuopin.org.models import OrgUnit, ResponsibleUnit
from tuopin.org.privacy import disclosure

pytestmark = pytest.mark.django_db


def codes(queryset) -> list[str]:
    return sorted(queryset.values_list("code", flat=True))


def test_it_limits_a_town_cadre_to_the_town_subtree(world):
    assert codes(OrgUnit.objects.visible_to(world.cadre)) == [
        "610327100",
        "610327100201",
        "610327100202",
    ]


def test_it_shows_county_roles_everything_in_the_county(world):
    for user in (world.hq, world.leader, world.viewer, world.inspector):
        assert OrgUnit.objects.visible_to(user).count() == 7


def test_it_shows_anonymous_and_inactive_users_nothing(world):
    assert OrgUnit.objects.visible_to(AnonymousUser()).count() == 0
    world.cadre.is_active = False
    assert OrgUnit.objects.visible_to(world.cadre).count() == 0


def test_it_limits_a_department_reporter_to_its_own_unit(world):
    assert OrgUnit.objects.visible_to(world.reporter).count() == 0
    assert list(ResponsibleUnit.objects.visible_to(world.reporter)) == [world.transport]


def test_it_lets_a_town_unit_see_itself_through_its_scope(world):
    names = set(
        ResponsibleUnit.objects.visible_to(world.town_reporter).values_list("name", flat=True)
    )
    assert names == {"城关镇"}


def test_it_does_not_confuse_code_prefixes_of_sibling_towns(world):
    q = visible_q(world.cadre, code_path="code")
    assert not OrgUnit.objects.filter(q, code="610327101201").exists()


def test_it_checks_capability_and_scope_together(world):
    assert can(world.cadre, "registry.edit", world.cg_village)
    assert not can(world.cadre, "registry.edit", world.df_village)
    assert not can(world.viewer, "registry.edit", world.cg_village)
    assert can(world.head, "reports.sign", world.transport)
    assert not can(world.head, "reports.sign", world.health)
    assert not can(world.reporter, "reports.sign", world.transport)
    assert can(world.superuser, "anything.at.all", world.df_village)


def test_it_masks_personal_data_for_roles_that_do_not_work_with_households(world):
    assert disclosure(world.cadre, world.cg_village).unmasked
    assert not disclosure(world.cadre, world.df_village).unmasked
    assert not disclosure(world.leader, world.cg_village).unmasked
    assert not disclosure(world.viewer, world.cg_village).unmasked


def test_it_treats_objects_without_scope_as_out_of_scope(world):
    assert not in_scope(world.cadre, object())
