"""Pages and phone forms: scope, bad input, 七到户, visits, unvisited lists, 回头看 → 整改."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from tuopin.cases.models import Case
from tuopin.households.models import (
    CheckRound,
    GapCase,
    HouseholdSettings,
    SevenItemRecord,
    Visit,
)
from tuopin.org.models import AuditEvent

pytestmark = pytest.mark.usefixtures("now")


def _photo() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "p.jpg"
    return buffer


def test_a_town_cadre_sees_only_own_households(client, login, world, homes):
    login(world.cadre)
    page = client.get("/households/").content.decode()
    assert homes["a"].household_no in page and homes["f"].household_no not in page
    assert client.get(f"/households/h/{homes['f'].household_no}/").status_code == 404
    assert client.get(f"/households/h/{homes['a'].household_no}/").status_code == 200
    assert client.get(f"/households/h/{homes['n'].household_no}/").status_code == 404


def test_a_masked_reader_sees_masked_names(client, login, world, homes):
    login(world.viewer)
    page = client.get("/households/").content.decode()
    assert homes["a"].head_name not in page and homes["a"].head_name[:1] + "**" in page


def test_a_helper_records_a_visit_to_an_assigned_household(client, login, world, homes, helper):
    login(helper.user)
    number = homes["f"].household_no  # outside any scope the account has, but assigned
    response = client.post(
        "/households/visit/",
        {
            "household_no": number,
            "visited_on": "2018-07-19",
            "what": "宣讲政策，核对收入",
            "photo": _photo(),
            "latitude": "34.9",
            "longitude": "106.8",
        },
    )
    assert response.status_code == 302, response.content.decode()
    visit = Visit.objects.get()
    assert visit.helper == helper and visit.photo.name and str(visit.latitude) == "34.900000"
    assert AuditEvent.objects.filter(action="记录走访").count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"household_no": "610327100201999"}, "没有这个建档立卡户"),
        ({"household_no": "KEY:b"}, "不在您的管辖范围内"),
        ({"visited_on": "2018-07-21"}, "走访日期不能晚于今天"),
        ({"visited_on": "2018-13-40"}, "有效"),
        ({"latitude": "34.9", "longitude": ""}, "位置须同时有纬度和经度"),
        ({"what": ""}, "必填"),
    ],
)
def test_bad_visits_are_refused_and_nothing_is_written(client, login, homes, helper, data, message):
    login(helper.user)
    fields = {"household_no": homes["a"].household_no, "visited_on": "2018-07-19", "what": "走访"}
    fields.update(data)
    if fields["household_no"].startswith("KEY:"):
        fields["household_no"] = homes[fields["household_no"][4:]].household_no
    response = client.post("/households/visit/", fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Visit.objects.count() == 0


def test_a_cadre_cannot_record_a_visit_outside_the_scope(client, login, world, homes, helper):
    login(world.cadre)
    response = client.post(
        "/households/visit/",
        {"household_no": homes["f"].household_no, "visited_on": "2018-07-19", "what": "走访"},
    )
    assert "不在您的管辖范围内" in response.content.decode()
    assert Visit.objects.count() == 0


def test_a_village_cadre_fills_the_seven_items(client, login, world, homes):
    login(world.village_cadre)
    url = f"/households/h/{homes['a'].household_no}/seven/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"publicity_on": "2018-07-30", "publicity_by": "李"})
    assert "不能晚于今天" in bad.content.decode() and SevenItemRecord.objects.count() == 0
    missing = client.post(url, {"publicity_on": "2018-07-01"})
    assert "请填写政策宣传到户的完成人" in missing.content.decode()
    ok = client.post(
        url,
        {
            "publicity_on": "2018-07-01",
            "publicity_by": "李村干",
            "survey_on": "2018-07-02",
            "survey_by": "李村干",
        },
    )
    assert ok.status_code == 302
    assert SevenItemRecord.objects.filter(household=homes["a"]).count() == 2
    # another town's household is not the village cadre's
    other = f"/households/h/{homes['f'].household_no}/seven/"
    assert client.get(other).status_code == 404


def test_unvisited_lists_by_town_and_helper_with_the_hq_setting(
    client, login, world, homes, helper
):
    Visit.objects.create(
        household=homes["a"], helper=helper, visited_on=dt.date(2018, 7, 1), what="走访"
    )
    Visit.objects.create(
        household=homes["f"], helper=helper, visited_on=dt.date(2018, 5, 1), what="走访"
    )
    login(world.hq)
    page = client.get("/households/unvisited/").content.decode()
    assert "（6 户）" not in page and "5 户" in page  # a was visited within 30 days
    assert homes["f"].household_no in page and homes["a"].household_no not in page
    response = client.post("/households/settings/", {"visit_days": "10"})
    assert response.status_code == 302 and HouseholdSettings.current().visit_days == 10
    page = client.get("/households/unvisited/").content.decode()
    assert homes["a"].household_no in page
    assert client.post("/households/settings/", {"visit_days": "0"}).status_code == 200
    login(world.cadre)
    assert client.post("/households/settings/", {"visit_days": "5"}).status_code == 403


def test_hq_opens_a_round_and_turns_a_gap_into_a_case(client, login, world, homes):
    homes["b"].poverty_attribute = "02"  # 低保贫困户 without a 低保兜底 measure
    homes["b"].save()
    login(world.cadre)
    assert client.post("/households/rounds/", {"name": "七月回头看"}).status_code == 403
    login(world.hq)
    response = client.post("/households/rounds/", {"name": "七月回头看"})
    checked = CheckRound.objects.get()
    page = client.get(response.url).content.decode()
    assert homes["b"].household_no in page and "低保兜底" in page
    made = client.post(
        f"/households/rounds/{checked.pk}/case/",
        {"household": homes["b"].household_no, "policy": "dibao"},
    )
    assert made.status_code == 302
    case = Case.objects.get()
    assert case.kind == "rectification" and case.org_unit == homes["b"].village
    again = client.post(
        f"/households/rounds/{checked.pk}/case/",
        {"household": homes["b"].household_no, "policy": "dibao"},
    )
    assert again.status_code == 302 and Case.objects.count() == 1 == GapCase.objects.count()
    none = client.post(
        f"/households/rounds/{checked.pk}/case/",
        {"household": homes["a"].household_no, "policy": "dibao"},
    )
    assert none.status_code == 302 and Case.objects.count() == 1


def test_import_export_pages(client, login, world, homes):
    login(world.cadre)
    assert client.get("/households/import/").status_code == 200
    assert client.get("/households/template.xlsx").status_code == 200
    response = client.get("/households/export/")
    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"PK"
    login(world.viewer)
    assert client.get("/households/import/").status_code == 403


def test_the_api_is_scoped(client, login, world, homes):
    login(world.cadre)
    response = client.get(f"/api/households/h/{homes['a'].household_no}")
    assert response.status_code == 200 and response.json()["planned_exit_year"] == 2018
    assert client.get(f"/api/households/h/{homes['f'].household_no}").status_code == 404
    rows = client.get("/api/households/metrics/households.cohort_2018").json()
    assert rows == [{"code": world.chengguan.code, "name": "城关镇", "value": "3", "reason": ""}]
    assert client.get("/api/households/metrics/nope").status_code == 404


def test_evidence_is_uploaded_in_scope_only(client, login, world, homes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tuopin.households.models import Measure

    measure = Measure.objects.create(
        household=homes["a"], kind="industry", done_on=dt.date(2018, 3, 1)
    )
    login(world.other_cadre)
    pdf = SimpleUploadedFile("凭证.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
    assert client.post(f"/households/m/{measure.pk}/evidence/", {"file": pdf}).status_code == 404
    login(world.village_cadre)
    pdf.seek(0)
    response = client.post(f"/households/m/{measure.pk}/evidence/", {"file": pdf})
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.evidence.name.endswith(".pdf")
    assert client.get(f"/households/m/{measure.pk}/evidence/file/").status_code == 200
    bad = SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf")
    client.post(f"/households/m/{measure.pk}/evidence/", {"file": bad})
    measure.refresh_from_db()
    assert measure.evidence.name.endswith(".pdf")
    assert AuditEvent.objects.filter(action="上传佐证材料").count() == 1
