"""记录帮扶措施 on a page: checked by the import's own rules as a one-row sheet (same Chinese
reasons), written with history, evidence kept; a helper reaches his or her households only."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tuopin.households.models import Base, Measure
from tuopin.ledger.models import LedgerImport
from tuopin.offline.sync import ID_HEADER
from tuopin.org.models import AuditEvent

pytestmark = pytest.mark.usefixtures("now")


@pytest.fixture
def base(world):
    return Base.objects.create(
        code="JD-01", name="东关核桃基地", kind="base", place=world.cg_village, is_shuangbai=True
    )


def _photo():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "凭证.jpg"
    return buffer


def _url(household):
    return f"/households/h/{household.household_no}/measure/"


def _data(**extra):
    data = {
        "kind": "industry",
        "done_on": "2018-07-01",
        "amount": "3,000",
        "content": "核桃苗",
        "industry_type": "核桃",
        "scale": "5亩",
        "base_code": "",
    }
    data.update(extra)
    return data


def test_a_village_cadre_records_an_industry_measure_with_evidence(
    client, login, world, homes, base
):
    login(world.village_cadre)
    page = client.get(_url(homes["a"])).content.decode()
    assert "东关核桃基地（JD-01）" in page and "记录帮扶措施" in page
    response = client.post(_url(homes["a"]), {**_data(base_code="JD-01"), "evidence": _photo()})
    assert response.status_code == 302
    measure = Measure.objects.get()
    assert (measure.kind, str(measure.amount), measure.base, measure.scale) == (
        "industry",
        "3000.00",
        base,
        "5亩",
    )
    assert measure.evidence.name.endswith(".jpg")
    made = AuditEvent.objects.get(action="新建", model="households.measure")
    assert made.actor == world.village_cadre and made.note == "手机录入帮扶措施"
    assert AuditEvent.objects.filter(action="上传佐证材料", object_id=str(measure.pk)).exists()
    assert not LedgerImport.objects.exists()  # a page entry is not an import batch
    # the same measure again with another amount: changed, with history old → new
    client.post(_url(homes["a"]), _data(amount="3500"))
    assert str(Measure.objects.get().amount) == "3500.00"
    change = AuditEvent.objects.get(action="修改", model="households.measure").changes
    assert change["amount"] == ["3000.00", "3500.00"]


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"done_on": "2018-08-01"}, "日期不能晚于今天"),
        ({"done_on": ""}, "必填，不能为空"),
        ({"done_on": "明天"}, "应为日期，如 2018-05-01"),
        ({"amount": "-5"}, "不能为负数"),
        ({"amount": "三千"}, "应为数字"),
        ({"content": "<script>"}, "不能包含尖括号"),
        ({"kind": "lottery"}, "不是有效的措施类别"),
        ({"base_code": "JD-99"}, "没有这个基地或合作社"),
    ],
)
def test_bad_input_gets_the_imports_reasons_and_nothing_is_written(
    client, login, world, homes, base, extra, reason
):
    login(world.village_cadre)
    response = client.post(_url(homes["a"]), _data(**extra))
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not Measure.objects.exists()
    assert not AuditEvent.objects.filter(model="households.measure").exists()


def test_a_refused_evidence_file_writes_nothing(client, login, world, homes):
    login(world.village_cadre)
    bad = io.BytesIO(b"MZ\x90\x00 not a document")
    bad.name = "凭证.exe"
    response = client.post(_url(homes["a"]), {**_data(), "evidence": bad})
    assert response.status_code == 200 and not Measure.objects.exists()


def test_a_helper_reaches_own_households_only_and_others_are_refused(
    client, login, world, homes, helper
):
    login(helper.user)
    assert client.post(_url(homes["a"]), _data()).status_code == 302
    assert Measure.objects.filter(household=homes["a"]).count() == 1
    assert client.get(_url(homes["b"])).status_code == 404  # not paired, no scope
    login(world.other_cadre)  # 东风镇 cannot reach 城关镇
    assert client.post(_url(homes["a"]), _data(content="另一项")).status_code == 404
    login(world.viewer)  # sees the county, may not write
    assert client.post(_url(homes["a"]), _data(content="另一项")).status_code == 403
    assert Measure.objects.count() == 1


def test_the_form_is_offline_once_only_and_listed_for_the_helper(client, login, homes, helper):
    from tuopin.offline.fieldwork import pages_for

    login(helper.user)
    urls = [page["url"] for page in pages_for(helper.user)]
    assert _url(homes["a"]) in urls and _url(homes["b"]) not in urls
    for _ in range(2):  # a replay of the same queued form creates nothing more
        response = client.post(
            _url(homes["a"]), _data(), **{ID_HEADER: "6f1c2a4e-0b7d-4c1e-9a53-2d7e8f90a1b2"}
        )
        assert response.status_code < 400
    assert Measure.objects.count() == 1
