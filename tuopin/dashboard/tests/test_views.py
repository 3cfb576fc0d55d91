from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def tiles(html: str) -> dict[str, str]:
    """{data-key: data-value} of the figure tiles on a page ('' means 无数据)."""
    return dict(re.findall(r'data-key="([^"]+)" data-value="([^"]*)"', html))


def test_it_shows_the_county_board_to_hq(world, campaign, households, login):
    response = login(world.hq).get(reverse("dashboard:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "陇县脱贫攻坚指挥大屏" in html
    figures = tiles(html)
    # 2018-07-20: 42 days to 8-31, 72 days to 9-30.
    assert figures[f"phase-{campaign.phases.get(order=1).pk}"] == "42"
    assert figures[f"phase-{campaign.phases.get(order=2).pk}"] == "72"
    assert "城关镇" in html and "东风镇" in html


def test_it_lands_a_town_cadre_on_their_town(world, campaign, households, login):
    response = login(world.cadre).get(reverse("dashboard:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "城关镇脱贫攻坚指挥大屏" in html
    assert "东风镇" not in html
    assert "东关村" in html and "西关村" in html


def test_it_hides_another_town_from_a_town_cadre(world, login):
    client = login(world.cadre)
    assert client.get(reverse("dashboard:unit", args=[world.dongfeng.code])).status_code == 404
    assert client.get(reverse("dashboard:unit", args=[world.df_village.code])).status_code == 404
    assert client.get(reverse("dashboard:map_unit", args=[world.dongfeng.code])).status_code == 404
    assert client.get(reverse("dashboard:unit", args=[world.county.code])).status_code == 404
    assert client.get(reverse("dashboard:unit", args=[world.cg_village.code])).status_code == 200


def test_it_shows_any_town_to_a_read_only_viewer(world, login):
    client = login(world.viewer)
    assert client.get(reverse("dashboard:home")).status_code == 200
    assert client.get(reverse("dashboard:unit", args=[world.dongfeng.code])).status_code == 200


def test_it_sends_anonymous_visitors_to_login(world, campaign, client):
    for url in [
        reverse("dashboard:home"),
        reverse("dashboard:wall"),
        reverse("dashboard:map"),
        reverse("dashboard:unit", args=[world.chengguan.code]),
        reverse("dashboard:action", args=[1]),
        reverse("dashboard:milestones"),
        reverse("dashboard:import_boundaries"),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_it_explains_the_board_to_a_unit_account_without_a_scope(world, campaign, login):
    response = login(world.reporter).get(reverse("dashboard:home"))
    assert response.status_code == 403
    assert "没有行政区划管辖范围" in response.content.decode()
    assert login(world.head).get(reverse("dashboard:action", args=[1])).status_code == 403


def test_it_gives_404_for_an_unknown_unit_code(world, login):
    client = login(world.hq)
    assert client.get(reverse("dashboard:unit", args=["999999"])).status_code == 404
    assert client.get(reverse("dashboard:unit", args=["nope"])).status_code == 404


def test_it_shows_a_village_with_its_households(world, households, login):
    response = login(world.village_cadre).get(reverse("dashboard:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "东关村脱贫攻坚指挥大屏" in html
    assert "H0001" in html and "H0002" in html
    assert "H0003" not in html


def test_it_shows_no_data_with_a_reason_not_zero(world, login):
    html = login(world.hq).get(reverse("dashboard:home")).content.decode()
    figures = tiles(html)
    assert figures["phase"] == ""
    assert "尚未导入作战计划" in html
    assert figures["milestones-done"] == ""
    assert figures["reporting_rate"] == ""
    assert figures["cases_overdue"] == "0"  # cases answers: a true zero, not missing data
    assert html.count("无数据：尚未导入作战计划") >= 3


def test_it_ignores_a_bad_week_with_a_notice(world, campaign, login):
    response = login(world.hq).get(reverse("dashboard:home"), {"week": "garbage"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "参数 week=garbage 无效，已忽略" in html
    assert tiles(html)[f"phase-{campaign.phases.get(order=1).pk}"] == "42"


def test_it_ignores_a_future_week_with_a_notice(world, campaign, login):
    response = login(world.hq).get(reverse("dashboard:home"), {"week": "2019-01-01"})
    assert response.status_code == 200
    assert "晚于今天，已忽略" in response.content.decode()


def test_it_shows_a_past_week_as_of_its_sunday(world, campaign, login):
    response = login(world.hq).get(reverse("dashboard:home"), {"week": "2018-07-02"})
    figures = tiles(response.content.decode())
    # Sunday 2018-07-08 → 54 days to 8-31.
    assert figures[f"phase-{campaign.phases.get(order=1).pk}"] == "54"


def add_villages(town, count: int, households: int) -> None:
    from tuopin.org.models import OrgUnit
    from tuopin.registry.models import Household

    start = OrgUnit.objects.filter(parent=town).count() + 201
    for number in range(start, start + count):
        village = OrgUnit.objects.create(
            code=f"{town.code}{number}",
            name=f"村{town.code[-3:]}{number}",
            level="village",
            parent=town,
            is_poor_village=number % 2 == 0,
        )
        Household.objects.bulk_create(
            Household(
                household_no=f"{village.code}{n:03d}",
                village=village,
                head_name="户主",
                head_id_number="610327198001010000",
                is_registered=True,
                member_count=2,
            )
            for n in range(households)
        )


def test_it_keeps_the_county_view_to_a_bounded_number_of_queries(
    world, campaign, households, login, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tuopin.org.models import OrgUnit

    client = login(world.hq)
    client.get(reverse("dashboard:home"))
    with django_assert_max_num_queries(50):
        assert client.get(reverse("dashboard:home")).status_code == 200

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("dashboard:home")).status_code == 200
        return len(queries.captured_queries)

    small = count()
    # More villages and households: not one query more.
    for town in (world.chengguan, world.dongfeng):
        add_villages(town, 10, 30)
    assert count() <= small + 1
    # More towns: the ranking's household counts are one bulk query whatever their number (one
    # query here because the new list of towns is not cached yet).
    for number in range(102, 110):
        town = OrgUnit.objects.create(
            code=f"610327{number}", name=f"镇{number}", level="town", parent=world.county
        )
        add_villages(town, 3, 5)
    assert count() <= small + 1


def test_it_shows_the_action_grid_with_links(world, campaign, login):
    html = login(world.hq).get(reverse("dashboard:home")).content.decode()
    assert html.count('class="action-cell') == 3
    assert reverse("dashboard:action", args=[13]) in html


def test_it_drills_from_an_action_to_its_milestones(world, campaign, login):
    response = login(world.hq).get(reverse("dashboard:action", args=[1]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "党建引领专项行动" in html
    assert html.count("data-milestone=") == 2


def test_it_gives_404_for_an_unknown_action(world, campaign, login):
    assert login(world.hq).get(reverse("dashboard:action", args=[77])).status_code == 404


def test_it_lists_the_measurements_behind_a_milestone_scoped_to_the_user(world, campaign, login):
    milestone = campaign.actions.get(number=1).milestones.get(order=1)
    url = reverse("dashboard:milestone", args=[milestone.pk])
    hq_html = login(world.hq).get(url).content.decode()
    assert hq_html.count("data-measurement=") == 2
    cadre = login(world.cadre).get(url)
    assert cadre.status_code == 200
    html = cadre.content.decode()
    assert html.count("data-measurement=") == 1
    assert "城关镇" in html and "东风镇" not in html.split("推动进展的报送记录")[1]
    viewer_html = login(world.viewer).get(url).content.decode()
    assert viewer_html.count("data-measurement=") == 2


def test_it_ignores_a_bad_milestone_status_filter(world, campaign, login):
    response = login(world.hq).get(reverse("dashboard:milestones"), {"status": "nope"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "参数 status=nope 无效，已忽略" in html
    assert 'id="milestone-count">5<' in html


def test_it_renders_the_wall_and_its_refresh_fragment(world, campaign, login):
    client = login(world.hq)
    page = client.get(reverse("dashboard:wall"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'hx-trigger="every 60s"' in html and 'class="wall"' in html
    fragment = client.get(reverse("dashboard:wall"), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert "陇县脱贫攻坚指挥部" in fragment.content.decode()


def test_it_scopes_the_wall_to_a_town_cadre(world, login):
    html = login(world.cadre).get(reverse("dashboard:wall")).content.decode()
    assert "城关镇脱贫攻坚指挥部" in html
    assert login(world.viewer).get(reverse("dashboard:wall")).status_code == 200


def test_it_lands_a_superuser_and_a_province_account_on_a_county(world, login):
    from tuopin.org.models import OrgUnit, Role, User
    from tuopin.org.testing import PASSWORD

    html = login(world.superuser).get(reverse("dashboard:home")).content.decode()
    assert "陇县脱贫攻坚指挥大屏" in html
    province = OrgUnit.objects.create(code="61", name="陕西省", level="province")
    city = OrgUnit.objects.create(code="6103", name="宝鸡市", level="city", parent=province)
    world.county.parent = city
    world.county.save(update_fields=["parent"])
    user = User(username="sheng", role=Role.VIEWER, scope=province)
    user.set_password(PASSWORD)
    user.save()
    response = login(user).get(reverse("dashboard:home"))
    assert response.status_code == 200
    assert "陇县脱贫攻坚指挥大屏" in response.content.decode()
