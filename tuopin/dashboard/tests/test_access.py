"""Every dashboard view for an allowed user, another town's user, a read-only user and anonymous."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def urls_for(world, campaign) -> dict[str, str]:
    milestone = campaign.actions.get(number=1).milestones.get(order=1)
    return {
        "home": reverse("dashboard:home"),
        "wall": reverse("dashboard:wall"),
        "map": reverse("dashboard:map"),
        "town": reverse("dashboard:unit", args=[world.chengguan.code]),
        "village": reverse("dashboard:unit", args=[world.cg_village.code]),
        "town_map": reverse("dashboard:map_unit", args=[world.chengguan.code]),
        "action": reverse("dashboard:action", args=[1]),
        "milestones": reverse("dashboard:milestones"),
        "milestone": reverse("dashboard:milestone", args=[milestone.pk]),
        "boundaries": reverse("dashboard:import_boundaries"),
    }


# (user, {view: expected status}); views not listed answer 200.
MATRIX = [
    ("hq", {}),
    ("cadre", {"boundaries": 403}),
    ("other_cadre", {"town": 404, "village": 404, "town_map": 404, "boundaries": 403}),
    ("village_cadre", {"town": 404, "town_map": 404, "boundaries": 403}),
    ("viewer", {"boundaries": 403}),
    ("leader", {"boundaries": 403}),
    ("town_head", {"boundaries": 403}),
    (
        "reporter",
        {
            view: 403
            for view in ["home", "wall", "map", "action", "milestones", "milestone", "boundaries"]
        }
        | {"town": 404, "village": 404, "town_map": 404},
    ),
]


@pytest.mark.parametrize(("who", "expected"), MATRIX, ids=[who for who, _ in MATRIX])
def test_it_answers_each_view_by_role_and_scope(world, campaign, login, who, expected):
    client = login(getattr(world, who))
    for view, url in urls_for(world, campaign).items():
        assert client.get(url).status_code == expected.get(view, 200), (who, view)


def test_it_redirects_anonymous_visitors_from_every_view(world, campaign, client):
    for view, url in urls_for(world, campaign).items():
        response = client.get(url)
        assert response.status_code == 302, view
        assert response["Location"] == f"{reverse('login')}?next={url}", view


def test_it_refuses_a_post_to_read_only_pages(world, campaign, login):
    client = login(world.hq)
    assert client.post(reverse("dashboard:home")).status_code == 405
    assert client.post(reverse("dashboard:map")).status_code == 405
