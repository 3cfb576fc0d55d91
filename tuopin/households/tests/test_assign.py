"""结对帮扶: a town pairs helpers with its villages' households (HQ with all), audited old → new;
helpers offered are those known in scope; the registry's recorded helper can be taken over."""

from __future__ import annotations

import pytest

from tuopin.households.models import Assignment, Helper
from tuopin.org.models import AuditEvent, Role
from tuopin.org.testing import _user

URL = "/households/helpers/"


pytestmark = pytest.mark.usefixtures("now")


@pytest.fixture
def known(world, homes):
    """王帮扶 pairs with a household of 城关镇, 赵帮扶 with one of 东风镇 only."""
    wang = Helper.objects.create(name="王帮扶", unit="县交通局", phone="13900000001")
    zhao = Helper.objects.create(name="赵帮扶", unit="县卫计局")
    Assignment.objects.create(household=homes["a"], helper=wang)
    Assignment.objects.create(household=homes["f"], helper=zhao)
    return {"wang": wang, "zhao": zhao}


def _post(client, village, numbers, **extra):
    data = {"village": village.code, "households": numbers, "since": "2018-07-01"}
    data.update(extra)
    return client.post(URL, data)


def test_a_town_pairs_a_known_helper_with_ticked_households_and_history_says_old_to_new(
    client, login, world, homes, known
):
    login(world.cadre)
    page = client.get(URL, {"village": world.cg_village.code}).content.decode()
    assert homes["a"].household_no in page and homes["b"].household_no in page
    assert "王帮扶" in page and "赵帮扶" not in page  # 赵帮扶 is only known in 东风镇
    assert world.df_village.name not in page  # only the town's own villages are offered
    a, b = homes["a"].household_no, homes["b"].household_no
    response = _post(client, world.cg_village, [a, b], source="known", helper=known["wang"].pk)
    assert response.status_code == 302
    assert set(
        Assignment.objects.filter(helper=known["wang"]).values_list("household_id", flat=True)
    ) == {
        homes["a"].pk,
        homes["b"].pk,
    }
    events = AuditEvent.objects.filter(action="结对帮扶")
    assert [e.changes["helper"] for e in events] == [[None, "王帮扶（县交通局）"]]  # a unchanged
    assert events[0].actor == world.cadre and events[0].scope_code == world.cg_village.code


def test_a_new_helper_replaces_the_old_one_with_history(client, login, world, homes, known):
    login(world.hq)
    a = homes["a"].household_no
    response = _post(
        client, world.cg_village, [a], source="new", name="李帮扶", unit="县脱贫办", phone="139-1"
    )
    assert response.status_code == 302
    helper = Helper.objects.get(name="李帮扶")
    assert Assignment.objects.get(household=homes["a"]).helper == helper
    change = AuditEvent.objects.get(action="结对帮扶").changes
    assert change == {"helper": ["王帮扶（县交通局）", "李帮扶（县脱贫办）"]}
    assert AuditEvent.objects.filter(action="新增帮扶责任人", object_id=str(helper.pk)).exists()


def test_the_registry_recorded_helper_is_taken_over(client, login, world, homes, known):
    for key, unit in (("b", "县交通局"), ("c", "县水利局")):
        homes[key].helper_name, homes[key].helper_unit = "王帮扶" if key == "b" else "钱帮扶", unit
        homes[key].helper_phone = "13700000000"
        homes[key].save()
    login(world.cadre)
    numbers = [homes[k].household_no for k in "abc"]
    response = _post(client, world.cg_village, numbers, source="registry")
    assert response.status_code == 302
    pairs = dict(Assignment.objects.values_list("household_id", "helper__name"))
    assert pairs[homes["b"].pk] == "王帮扶" and pairs[homes["c"].pk] == "钱帮扶"
    assert Helper.objects.filter(name="王帮扶").count() == 1  # the known one, not a copy
    assert Helper.objects.get(name="钱帮扶").phone == "13700000000"
    assert pairs[homes["a"].pk] == "王帮扶"  # a has no registry helper: left as it was
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("没有登记帮扶责任人" in m and homes["a"].household_no in m for m in messages)


@pytest.mark.parametrize(
    ("extra", "field_error"),
    [
        ({"source": "known", "helper": ""}, "请选择帮扶责任人"),
        ({"source": "new", "name": ""}, "请填写帮扶责任人姓名"),
        ({"source": "new", "name": "<b>王</b>"}, "尖括号"),
        ({"source": "new", "name": "王1"}, "姓名中不应有数字"),
        ({"source": "new", "name": "王", "phone": "电话"}, "电话号码只能由数字"),
        ({"source": "known", "since": "2019-01-01"}, "结对日期不能晚于今天"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_written(
    client, login, world, homes, known, extra, field_error
):
    login(world.cadre)
    extra.setdefault("helper", known["wang"].pk)
    response = _post(client, world.cg_village, [homes["b"].household_no], **extra)
    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert not Assignment.objects.filter(household=homes["b"]).exists()
    assert not AuditEvent.objects.filter(action__in=["结对帮扶", "新增帮扶责任人"]).exists()


def test_scope_households_and_helpers_of_another_town_and_roles(client, login, world, homes, known):
    login(world.cadre)
    # a household of 东风镇 posted with a 城关镇 village: not a choice
    response = _post(
        client, world.cg_village, [homes["f"].household_no], source="known", helper=known["wang"].pk
    )
    assert "所选农户不在该村或不在您的管辖范围内" in response.content.decode()
    # a helper known only in 东风镇 cannot be chosen by 城关镇
    response = _post(
        client, world.cg_village, [homes["b"].household_no], source="known", helper=known["zhao"].pk
    )
    assert "所选帮扶责任人不在您的管辖范围内" in response.content.decode()
    # another town's village is not offered: the form asks for a village again
    response = _post(
        client, world.df_village, [homes["f"].household_no], source="known", helper=known["wang"].pk
    )
    assert response.status_code == 302
    assert any("请先选择村" in str(m) for m in response.wsgi_request._messages)
    assert not AuditEvent.objects.filter(action="结对帮扶").exists()
    for user in (
        world.village_cadre,
        world.viewer,
        _user("h2", Role.UNIT_REPORTER, unit=world.transport),
    ):
        login(user)
        assert client.get(URL).status_code == 403
