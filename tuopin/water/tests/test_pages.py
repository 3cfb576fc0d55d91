"""The water, jobs and economy pages: scope (HQ all, a town its villages, the sector department
read-only), masking of citizen IDs through org.privacy, the phone form and bad input."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tuopin.assess.tests.factories import household
from tuopin.jobs.layout import INCOME_COLUMNS, POST_COLUMNS, SPELL_COLUMNS
from tuopin.jobs.ledger_app import ECONOMY_APP, JOBS_APP
from tuopin.lib.citizen_id import mask
from tuopin.water.ledger_app import APP
from tuopin.water.models import WaterTest
from tuopin.water.tests.helpers import workbook
from tuopin.water.tests.test_water import POINT_H, SERVICE_H, point

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(world):
    cg = household(world.cg_village)
    df = household(world.df_village)
    plan = APP.check(
        workbook(
            {
                "供水点": (POINT_H, [point("W1", world.cg_village), point("W2", world.df_village)]),
                "受益农户": (SERVICE_H, [{"供水点编号": "W1", "户编号": cg.household_no}]),
            }
        ),
        "x.xlsx",
        world.hq,
    )
    APP.apply(plan, actor=world.hq)
    person = cg.members.get()
    plan = JOBS_APP.check(
        workbook(
            {
                "务工": (
                    [c.header for c in SPELL_COLUMNS],
                    [
                        {
                            "证件号码": person.id_number,
                            "务工地点": "省外",
                            "就业渠道": "劳务协作",
                            "开始日期": "2018-03-01",
                        }
                    ],
                ),
                "公益岗位": (
                    [c.header for c in POST_COLUMNS],
                    [
                        {
                            "岗位编号": "G1",
                            "岗位名称": "护林员",
                            "岗位类别": "特设公岗",
                            "所在村代码": world.cg_village.code,
                            "在岗人员证件号码": person.id_number,
                            "开始日期": "2018-01-01",
                        }
                    ],
                ),
            }
        ),
        "x.xlsx",
        world.hq,
    )
    JOBS_APP.apply(plan, actor=world.hq)
    plan = ECONOMY_APP.check(
        workbook(
            {
                "集体收入": (
                    [c.header for c in INCOME_COLUMNS],
                    [
                        {
                            "所在村代码": world.cg_village.code,
                            "年度": 2018,
                            "收入来源": "投资收益",
                            "金额（万元）": 2.5,
                        }
                    ],
                )
            }
        ),
        "x.xlsx",
        world.hq,
    )
    ECONOMY_APP.apply(plan, actor=world.hq)
    return cg, df, person


def test_pages_are_scoped(world, data, login):
    client = login(world.hq)
    page = client.get("/water/").content.decode()
    assert world.cg_village.name in page and world.df_village.name in page
    client = login(world.cadre)  # 城关镇
    page = client.get("/water/").content.decode()
    assert world.cg_village.name in page and world.df_village.name not in page
    assert client.get(f"/water/village/{world.df_village.code}/").status_code == 404
    assert client.get(f"/jobs/village/{world.df_village.code}/").status_code == 404
    page = client.get("/jobs/economy/").content.decode()
    assert "空壳村（1 个）" in page  # cg_village2; cg_village has investment income
    # a department that does not run the sector sees nothing; the water department all, read-only
    client = login(world.reporter)
    assert world.cg_village.name not in client.get("/water/").content.decode()
    world.transport.name = "县水利局"
    world.transport.save()
    page = login(world.reporter).get("/water/").content.decode()
    assert world.df_village.name in page and "导入台账" not in page
    assert login(world.reporter).get("/water/test/").status_code == 403
    assert login(world.reporter).get("/water/import/").status_code == 403


def test_citizen_ids_are_masked_unless_the_reader_works_with_households(world, data, login):
    _, _, person = data
    page = (
        login(world.village_cadre).get(f"/jobs/village/{world.cg_village.code}/").content.decode()
    )
    assert person.id_number in page
    world.transport.name = "县人社局"
    world.transport.save()
    page = login(world.reporter).get(f"/jobs/village/{world.cg_village.code}/").content.decode()
    assert person.id_number not in page and mask(person.id_number) in page


def test_phone_form_saves_a_report_with_its_file_and_refuses_bad_values(world, data, login):
    cg, _, _ = data
    client = login(world.village_cadre)
    form = {
        "report_no": "M1",
        "household_no": cg.household_no,
        "tested_on": "2018-07-19",
        "lab": "县疾控中心",
        "sample": "household",
        "values": "浑浊度=99999",
    }
    response = client.post("/water/test/", form)
    assert response.status_code == 400 and "超出可能的范围" in response.content.decode()
    assert not WaterTest.objects.exists()
    response = client.post(
        "/water/test/",
        {
            **form,
            "values": "砷=0.05",
            "report_file": SimpleUploadedFile(
                "r.pdf",
                b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                content_type="application/pdf",
            ),
        },
    )
    assert response.status_code == 302
    test = WaterTest.objects.get()
    assert not test.passed and test.report_file
    cg.refresh_from_db()
    assert cg.water_quality_ok is False
    assert client.get(f"/water/test/{test.pk}/file/").status_code == 200
    assert login(world.other_cadre).get(f"/water/test/{test.pk}/file/").status_code == 404
    # another town's household is refused
    response = login(world.other_cadre).post(
        "/water/test/", {**form, "report_no": "M2", "values": "pH=7"}
    )
    assert (
        response.status_code == 400 and "您的管辖范围内没有这个户编号" in response.content.decode()
    )


def test_import_pages_review_and_confirm(world, login):
    client = login(world.cadre)
    assert client.get("/water/import/").status_code == 200
    assert client.get("/water/template.xlsx").status_code == 200
    assert client.get("/jobs/economy/template.xlsx").status_code == 200
    upload = SimpleUploadedFile(
        "w.xlsx", workbook({"供水点": (POINT_H, [point("W9", world.cg_village)])})
    )
    response = client.post("/water/import/", {"file": upload})
    assert response.status_code == 200 and "供水点 新增 1" in response.content.decode()
    token = re.search(r'name="token" value="([0-9a-f]+)"', response.content.decode()).group(1)
    response = client.post("/water/import/confirm/", {"token": token})
    assert response.status_code == 302, response.content.decode()
    assert response.url == "/water/imports/", [str(m) for m in response.wsgi_request._messages]
    assert "供水点 新增 1" in client.get("/water/imports/").content.decode()


def test_exports_read_back_without_changes_and_mask_ids_for_departments(world, data, login):
    from tuopin.jobs.ledger_app import ECONOMY_APP, JOBS_APP

    for url, app in (
        ("/water/export/", APP),
        ("/jobs/export/", JOBS_APP),
        ("/jobs/economy/export/", ECONOMY_APP),
    ):
        response = login(world.hq).get(url)
        assert response.status_code == 200
        content = b"".join(response.streaming_content)
        plan = app.check(content, "export.xlsx", world.hq)
        assert plan.ok and not plan.has_changes, (url, [str(p) for p in plan.problems])
    _, _, person = data
    world.transport.name = "县人社局"
    world.transport.save()
    content = b"".join(login(world.reporter).get("/jobs/export/").streaming_content)
    rows = JOBS_APP.read(content, "x.xlsx")["务工"].rows
    assert rows and rows[0][0] == mask(person.id_number)


def test_hq_sees_town_rollups(world, data, login):
    page = login(world.hq).get("/water/").content.decode()
    assert "各镇汇总" in page and world.chengguan.name in page
    assert "各镇汇总" in login(world.hq).get("/jobs/").content.decode()
    page = login(world.hq).get("/jobs/economy/").content.decode()
    assert "各镇汇总" in page and "空壳村（3 个）" in page
    assert "各镇汇总" not in login(world.cadre).get("/water/").content.decode()


def test_api_verdicts_hollow_list_and_import(world, data, login):
    cg, _, _ = data
    client = login(world.cadre)
    rows = client.get(f"/api/water/villages/{world.cg_village.code}/households").json()
    assert [(r["household_no"], r["tested"], r["reason"]) for r in rows] == [
        (cg.household_no, False, "无检测报告")
    ]
    assert client.get(f"/api/water/villages/{world.df_village.code}/households").status_code == 404
    hollow = client.get("/api/jobs/economy/hollow?year=2018").json()
    assert [h["code"] for h in hollow] == [world.cg_village2.code]
    upload = {
        "file": SimpleUploadedFile(
            "w.xlsx", workbook({"供水点": (POINT_H, [point("W9", world.df_village)])})
        )
    }
    answer = client.post("/api/water/import?dry_run=true", upload)
    assert answer.status_code == 400
    assert [p["reason"] for p in answer.json()["problems"]] == ["不在您的管辖范围内"]


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        ({"tested_on": "9999-12-31"}, "检测日期不能晚于今天"),
        ({"tested_on": "not a day"}, "有效的日期"),
        ({"household_no": "", "point": ""}, "请选择供水点或填写户编号"),
        ({"point": "999999"}, "选择一个有效的选项"),
        ({"values": "pH=NaN"}, "超出可能的范围"),
        ({"values": "砷=1e999"}, "超出可能的范围"),
        ({"report_no": "x" * 41}, "41"),
    ],
)
def test_bad_form_input_is_refused_in_chinese(world, data, login, form, reason):
    cg, _, _ = data
    base = {
        "report_no": "M1",
        "household_no": cg.household_no,
        "tested_on": "2018-07-19",
        "lab": "县疾控中心",
        "values": "pH=7",
    }
    response = login(world.cadre).post("/water/test/", {**base, **form})
    assert response.status_code == 400 and reason in response.content.decode()
    assert not WaterTest.objects.exists()


def test_odd_urls_answer_without_a_server_error(world, data, login):
    client = login(world.hq)
    assert client.get("/water/village/abc/").status_code == 404
    assert client.get("/jobs/economy/?year=abc").status_code == 200
    assert client.get("/jobs/economy/?year=99999999999999999999").status_code == 200
    assert client.get("/jobs/economy/village/000000000000/").status_code == 404
    assert client.get("/water/test/999/file/").status_code == 404


def test_jobs_page_counts_relocated_households_without_stable_work(world, login):
    household(world.cg_village, relocation="central_keys")
    page = login(world.hq).get("/jobs/").content.decode()
    assert "无稳定就业成员的搬迁户（共 1 户）" in page


def test_the_registry_village_page_links_the_village_tabs(world, data, login):
    page = login(world.hq).get(f"/registry/village/{world.cg_village.code}/").content.decode()
    assert f'href="/water/village/{world.cg_village.code}/">饮水' in page
    assert f'href="/jobs/economy/village/{world.cg_village.code}/">集体经济' in page
