"""Pages: allowed user, another town's user, a read-only user and an anonymous visitor."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from tuopin.assess import actions
from tuopin.assess.models import RuleParameter
from tuopin.assess.tests.factories import adult, household
from tuopin.lib import clock
from tuopin.org.testing import internal_names

AS_OF = "2018-07-20"


@pytest.fixture
def homes(world):
    good = household(world.cg_village, housing_grade="A")
    bad = household(world.cg_village, housing_grade="D", phone="13800001111")
    missed = household(world.cg_village, is_registered=False, wage_income=Decimal("100"))
    other = household(world.df_village)
    return {"good": good, "bad": bad, "missed": missed, "other": other}


def test_it_shows_the_county_page_to_county_users(world, homes, login):
    response = login(world.hq).get(f"/assess/?as_of={AS_OF}")
    assert response.status_code == 200
    text = response.content.decode()
    assert "县摘帽指标" in text
    assert "东关村" in text and "东风村" in text
    assert response.context["county"].code == "610327"
    assert dict(response.context["risks"])["错退风险户"] == 1
    assert dict(response.context["risks"])["漏评风险户"] == 1


def test_it_shows_a_town_cadre_only_the_towns_villages(world, homes, login):
    response = login(world.cadre).get(f"/assess/?as_of={AS_OF}")
    assert response.status_code == 200
    assert response.context["county"] is None
    assert [v.code for v in response.context["villages"]] == [
        world.cg_village.code,
        world.cg_village2.code,
    ]


def test_it_shows_the_county_page_read_only_to_a_viewer(world, homes, login):
    response = login(world.viewer).get("/assess/")
    assert response.status_code == 200
    assert response.context["can_manage"] is False


def test_it_sends_anonymous_visitors_to_login(world, homes, login):
    for url in (
        "/assess/",
        f"/assess/village/{world.cg_village.code}/",
        f"/assess/household/{homes['good'].household_no}/",
        "/assess/parameters/",
        "/assess/drills/",
    ):
        response = login(None).get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_it_gives_404_to_a_user_without_an_area(world, homes, login):
    assert login(world.reporter).get("/assess/").status_code == 404


def test_it_redirects_a_village_cadre_to_the_village(world, homes, login):
    response = login(world.village_cadre).get("/assess/")
    assert response.status_code == 302
    assert response["Location"] == f"/assess/village/{world.cg_village.code}/"


def test_it_lists_village_risks(world, homes, login):
    response = login(world.cadre).get(f"/assess/village/{world.cg_village.code}/?as_of={AS_OF}")
    assert response.status_code == 200
    lists = response.context["lists"]
    assert [h.household_no for h in lists["wrong_exit"]] == [homes["bad"].household_no]
    assert [h.household_no for h in lists["missed"]] == [homes["missed"].household_no]
    assert "错退风险" in response.content.decode()


def test_it_hides_a_village_of_another_town(world, homes, login):
    assert (
        login(world.other_cadre).get(f"/assess/village/{world.cg_village.code}/").status_code == 404
    )
    assert login(world.viewer).get(f"/assess/village/{world.cg_village.code}/").status_code == 200


def test_it_serves_the_village_partial_to_htmx(world, homes, login):
    response = login(world.hq).get(
        f"/assess/village/{world.cg_village.code}/", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "<html" not in text
    assert "退出指标" in text


def test_it_explains_a_household(world, homes, login):
    response = login(world.cadre).get(
        f"/assess/household/{homes['bad'].household_no}/?as_of={AS_OF}"
    )
    assert response.status_code == 200
    explanation = response.context["explanation"]
    assert explanation.verdict.items["housing"] is False
    assert "住房等级 D" in response.content.decode()
    assert "13800001111" not in response.content.decode()


def test_it_serves_the_household_partial(world, homes, login):
    response = login(world.viewer).get(f"/assess/household/{homes['good'].household_no}/?partial=1")
    assert response.status_code == 200
    assert "<html" not in response.content.decode()


def test_it_hides_a_household_of_another_town(world, homes, login):
    url = f"/assess/household/{homes['good'].household_no}/"
    assert login(world.other_cadre).get(url).status_code == 404
    assert (
        login(world.other_cadre)
        .get(f"/assess/household/{homes['other'].household_no}/")
        .status_code
        == 200
    )


def test_it_lets_hq_set_a_parameter(world, login):
    response = login(world.hq).post(
        "/assess/parameters/", {"name": "income_line", "value": "3300", "note": "省定"}
    )
    assert response.status_code == 302
    parameter = RuleParameter.objects.get()
    assert (parameter.ruleset, parameter.name, parameter.scope_code, parameter.value) == (
        "shaanxi-2018",
        "income_line",
        "610327",
        "3300",
    )
    page = login(world.hq).get("/assess/parameters/?as_of=2018-07-20")
    assert any(
        spec.name == "income_line" and current == "3300"
        for spec, current, _ in page.context["rows"]
    )


def test_it_rejects_a_bad_parameter_value_in_chinese(world, login):
    client = login(world.hq)
    response = client.post(
        "/assess/parameters/", {"name": "income_line", "value": "三千"}, follow=True
    )
    assert response.status_code == 200
    assert "应为数字" in response.content.decode()
    assert RuleParameter.objects.count() == 0


@pytest.mark.parametrize("who", ["viewer", "cadre", "other_cadre"])
def test_it_forbids_others_to_set_parameters(world, login, who):
    response = login(getattr(world, who)).post(
        "/assess/parameters/", {"name": "income_line", "value": "1"}
    )
    assert response.status_code == 403
    assert RuleParameter.objects.count() == 0


def test_it_shows_parameters_read_only_to_others(world, login):
    response = login(world.viewer).get("/assess/parameters/")
    assert response.status_code == 200
    assert response.context["can_manage"] is False
    assert 'name="value"' not in response.content.decode()
    assert login(world.other_cadre).get("/assess/parameters/").status_code == 200
    assert login(world.reporter).get("/assess/parameters/").status_code == 404


def test_it_lists_drills_by_scope(world, login):
    for user, status in (
        (world.hq, 200),
        (world.other_cadre, 200),
        (world.viewer, 200),
        (world.reporter, 404),
    ):
        assert login(user).get("/assess/drills/").status_code == status


def test_it_explains_a_bad_reference_date_instead_of_failing(world, homes, login):
    response = login(world.hq).get("/assess/?as_of=2018-02-30", follow=True)
    assert response.status_code == 200
    assert "评估基准日“2018-02-30”不是有效日期" in response.content.decode()
    assert login(world.hq).get("/api/assess/county?as_of=nope").status_code == 422
    assert login(world.hq).get("/assess/village/999999999999/").status_code == 404
    assert login(world.hq).get("/assess/household/nope/").status_code == 404


def test_it_rejects_a_file_that_is_not_a_workbook(world, homes, login):
    drill = actions.create_drill(
        world.hq, area=world.county, seed=1, as_of=dt.date(2018, 7, 20), villages=2, households=4
    )
    upload = io.BytesIO(b"not a workbook")
    upload.name = "visits.xlsx"
    response = login(world.hq).post(
        f"/assess/drills/{drill.pk}/import/", {"file": upload}, follow=True
    )
    assert response.status_code == 200
    assert "文件“visits.xlsx”的内容是文本文件，此处只接受" in response.content.decode()


def test_it_explains_a_verdict_in_chinese_sentences(world, login):
    three = household(
        world.cg_village,
        members=[adult(), adult(), adult()],
        wage_income=Decimal("10700"),
        business_income=0,
    )
    response = login(world.cadre).get(f"/assess/household/{three.household_no}/?as_of={AS_OF}")
    html = response.content.decode()
    assert "人均纯收入 3,566.67 元，高于标准 3,200 元，达标" in html
    assert "人均日用水 " in html and "升（标准不少于 20 升）" in html
    assert "全家贫困线合计" in html  # a definition by its Chinese name in 计算过程
    assert internal_names(html) == []


def test_it_names_parameters_and_comparisons_in_chinese(world, homes, login):
    for url in (f"/assess/?as_of={AS_OF}", "/assess/parameters/"):
        html = login(world.hq).get(url).content.decode()
        assert internal_names(html) == [], url
    html = login(world.hq).get(f"/assess/village/{world.cg_village.code}/").content.decode()
    assert "不低于 100%" in html
    assert internal_names(html) == []


def test_a_parameter_reads_by_its_chinese_name(world):
    parameter = actions.set_parameter(
        world.hq, ruleset_key="shaanxi-2018", name="income_line", value="3300", note="省定"
    )
    assert str(parameter) == "贫困线（农民人均纯收入，元/年）：3300"


def test_it_refuses_an_implausible_reference_date(world, homes, login):
    with clock.frozen("2018-07-20T10:00:00+08:00"):
        text = login(world.hq).get("/assess/?as_of=0001-01-01").content.decode()
    assert "评估基准日“0001-01-01”早于 2000 年，不是有效的基准日，已按今天评估" in text
    assert "基准日 2018-07-20" in text


def test_it_brings_a_future_reference_date_back_to_today_visibly(world, homes, login):
    for user, url in (
        (world.hq, "/assess/?as_of=2018-08-01"),
        (world.cadre, f"/assess/village/{world.cg_village.code}/?as_of=2018-08-01"),
    ):
        with clock.frozen("2018-07-20T10:00:00+08:00"):
            text = login(user).get(url).content.decode()
        assert (
            "所选日期晚于今天：评估基准日“2018-08-01”还没有到，已按今天（2018-07-20）评估" in text
        )
        assert "基准日 2018-07-20" in text
        assert "基准日 2018-08-01" not in text
    with clock.frozen("2018-07-20T10:00:00+08:00"):
        text = login(world.hq).get("/assess/?as_of=2018-07-19").content.decode()
    assert "晚于今天" not in text
    assert "基准日 2018-07-19" in text
