"""The pages: scoped lists, the project page with photo upload, funds, import review → confirm."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tuopin.ledger.models import LedgerImport
from tuopin.org.models import AuditEvent
from tuopin.projects import actions
from tuopin.projects.ledger_app import APP
from tuopin.projects.models import Project, ProjectPhoto, ProjectSettings
from tuopin.projects.tests.helpers import fund, project, workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(world):
    rows = [
        project("CG1", world.cg_village.code, 计划完工="2018-06-30"),
        project(
            "CG2",
            world.cg_village2.code,
            项目名称="东关村卫生室",
            项目类型="卫生室",
            责任单位="县卫计局",
        ),
        project(
            "DF1",
            world.df_village.code,
            项目名称="东风镇饮水工程",
            项目类型="饮水",
            责任单位="县卫计局",
        ),
    ]
    funds = [fund("CG1", **{"已拨付（万元）": 10, "已报账（万元）": 0}), fund("DF1")]
    plan = APP.check(workbook(rows, funds), "x.xlsx", world.hq)
    assert plan.ok, plan.problems
    actions.apply_import(plan, actor=world.hq)
    return world


def _jpeg(**exif) -> io.BytesIO:
    image = Image.new("RGB", (40, 30), (120, 160, 90))
    buffer = io.BytesIO()
    data = Image.Exif()
    if exif:
        data[0x0132] = exif["when"]
        gps = {1: "N", 2: (34.0, 53.0, 30.0), 3: "E", 4: (106.0, 51.0, 0.0)}
        data[0x8825] = gps
    image.save(buffer, "JPEG", exif=data)
    buffer.seek(0)
    buffer.name = "现场.jpg"
    return buffer


def test_each_user_sees_their_own_projects(ledger, login):
    page = login(ledger.hq).get("/projects/").content.decode()
    assert all(code in page for code in ("CG1", "CG2", "DF1"))
    page = login(ledger.cadre).get("/projects/").content.decode()  # 城关镇
    assert "CG1" in page and "CG2" in page and "DF1" not in page
    page = login(ledger.other_reporter).get("/projects/").content.decode()  # 县卫计局
    assert "CG2" in page and "DF1" in page and "CG1" not in page
    assert login(ledger.cadre).get("/projects/p/DF1/").status_code == 404
    assert login(ledger.other_reporter).get("/projects/p/DF1/").status_code == 200


def test_filters_and_overdue(ledger, login):
    client = login(ledger.hq)
    page = client.get("/projects/", {"overdue": "on"}).content.decode()
    assert "CG1" in page and "CG2" not in page
    page = client.get(
        "/projects/", {"kind": "clinic", "town": ledger.chengguan.code}
    ).content.decode()
    assert "CG2" in page and "CG1" not in page and "DF1" not in page
    page = client.get("/projects/", {"status": "not_started", "on": "2018-03-01"}).content.decode()
    assert "CG1" in page and "DF1" in page
    # Nonsense in the query never breaks the page.
    assert client.get("/projects/", {"on": "昨天", "action": "x", "kind": "<b>"}).status_code == 200


def test_project_page_funds_history_and_photo_with_time_and_place(ledger, login):
    client = login(ledger.village_cadre)  # 东关村 (cg_village)
    page = client.get("/projects/p/CG1/").content.decode()
    assert "逾期" in page and "统筹整合涉农资金" in page and "导入新建" in page
    response = client.post(
        "/projects/p/CG1/photo/",
        {
            "photo": _jpeg(when="2018:07:18 15:04:05"),
            "note": "路基完成",
            "latitude": "1",
            "longitude": "2",
        },
    )
    assert response.status_code == 302
    photo = ProjectPhoto.objects.get()
    # The photo's own EXIF wins over what the page sent.
    assert photo.taken_at.isoformat() == "2018-07-18T07:04:05+00:00"
    assert (str(photo.latitude), str(photo.longitude)) == ("34.891667", "106.850000")
    assert AuditEvent.objects.filter(action="上传进度照片").count() == 1
    assert client.get(f"/projects/photo/{photo.pk}/").status_code == 200
    assert login(ledger.other_cadre).get(f"/projects/photo/{photo.pk}/").status_code == 404
    # Without EXIF, the page's position and time are kept.
    client = login(ledger.village_cadre)
    client.post(
        "/projects/p/CG1/photo/",
        {
            "photo": _jpeg(),
            "taken_at": "2018-07-19T02:00:00.000Z",
            "latitude": "34.9",
            "longitude": "106.86",
        },
    )
    second = ProjectPhoto.objects.order_by("-id").first()
    assert second.taken_at.isoformat() == "2018-07-19T02:00:00+00:00"
    assert str(second.latitude) == "34.900000"


def test_photo_refusals(ledger, login):
    client = login(ledger.village_cadre)
    fake = io.BytesIO(b"%PDF-1.4 not a photo")
    fake.name = "x.jpg"
    response = client.post("/projects/p/CG1/photo/", {"photo": fake}, follow=True)
    assert ProjectPhoto.objects.count() == 0
    assert "x.jpg" in response.content.decode()
    assert (
        login(ledger.viewer).post("/projects/p/CG1/photo/", {"photo": _jpeg()}).status_code == 403
    )


def test_village_and_funds_pages(ledger, login):
    client = login(ledger.hq)
    page = client.get(f"/projects/place/{ledger.cg_village.code}/").content.decode()
    assert "CG1" in page and "DF1" not in page
    page = client.get("/projects/funds/").content.decode()
    assert "统筹整合涉农资金" in page and "城关镇" in page and "东风镇" in page
    assert "东风镇饮水工程" not in page.split('id="idle"')[1]  # 60 % paid: not idle
    assert "CG1" in page.split('id="idle"')[1] or "通村水泥路" in page.split('id="idle"')[1]
    assert client.post("/projects/funds/", {"idle_days": 200}).status_code == 302
    assert ProjectSettings.current().idle_days == 200
    assert login(ledger.cadre).post("/projects/funds/", {"idle_days": 5}).status_code == 403


def test_web_import_review_then_confirm_and_history(world, login):
    client = login(world.hq)
    upload = io.BytesIO(workbook([project("W1", world.cg_village.code)], [fund("W1")]))
    upload.name = "台账.xlsx"
    review = client.post("/projects/import/", {"file": upload})
    assert review.status_code == 200 and "新增项目" in review.content.decode()
    assert not Project.objects.exists()
    token = review.context["token"]
    done = client.post("/projects/import/confirm/", {"token": token}, follow=True)
    assert "导入完成" in done.content.decode()
    assert Project.objects.filter(code="W1").exists()
    assert LedgerImport.objects.get().actor == world.hq
    assert "台账.xlsx" in client.get("/projects/imports/").content.decode()
    bad = io.BytesIO(workbook([project("W2", "610327999999")]))
    bad.name = "坏.xlsx"
    response = client.post("/projects/import/", {"file": bad})
    assert response.status_code == 400 and "组织机构中没有" in response.content.decode()
    assert login(world.cadre).get("/projects/import/").status_code == 403


def test_export_and_template_downloads(ledger, login):
    client = login(ledger.cadre)
    response = client.get("/projects/export/")
    data = b"".join(response.streaming_content)
    assert data[:2] == b"PK"
    plan = APP.check(data, "x.xlsx", ledger.hq)
    assert plan.ok and plan.counts["projects_unchanged"] == 2  # the town's two projects only
    assert client.get("/projects/template.xlsx").status_code == 200


def test_api_lists_scoped_projects_and_the_summary(ledger, login):
    client = login(ledger.cadre)
    data = client.get("/api/projects/projects", {"as_of": "2018-07-20"}).json()
    assert [item["code"] for item in data["items"]] == ["CG1", "CG2"]
    assert data["items"][0]["overdue"] is True and data["items"][0]["status_label"] == "在建"
    detail = client.get("/api/projects/projects/CG1").json()
    assert detail["funds"][0]["source_label"] == "统筹整合涉农资金"
    assert client.get("/api/projects/projects/DF1").status_code == 404
    summary = client.get("/api/projects/summary", {"as_of": "2018-07-20"}).json()
    assert summary["projects"] == 2 and summary["overdue"] == ["CG1"]
    assert client.get("/api/projects/projects", {"as_of": "3000-01-01"}).status_code in (400, 422)
    assert client.get("/api/projects/projects", {"kind": "bridge"}).status_code in (400, 422)


def test_the_idle_setting_is_bounded(ledger, login):
    client = login(ledger.hq)
    for bad in ("0", "-3", "99999", "abc"):
        response = client.post("/projects/funds/", {"idle_days": bad})
        assert response.status_code == 200, bad  # the form again, with its error
    assert ProjectSettings.current().idle_days == 60


def test_api_import_dry_run_then_import_and_refusal(world, login):
    client = login(world.hq)
    data = workbook([project("A1", world.cg_village.code)], [fund("A1")])
    upload = io.BytesIO(data)
    upload.name = "台账.xlsx"
    response = client.post("/api/projects/import?dry_run=true", {"file": upload})
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] and not body["imported"] and body["counts"]["projects_added"] == 1
    assert not Project.objects.exists()
    upload = io.BytesIO(data)
    upload.name = "台账.xlsx"
    body = client.post("/api/projects/import", {"file": upload}).json()
    assert body["imported"] and Project.objects.filter(code="A1").exists()
    bad = io.BytesIO(workbook([project("A2", world.cg_village.code, 项目类型="桥")]))
    bad.name = "坏.xlsx"
    response = client.post("/api/projects/import", {"file": bad})
    assert response.status_code == 400
    assert response.json()["problems"][0]["column"] == "项目类型"
    history = client.get("/api/projects/imports").json()
    assert [row["source"] for row in history] == ["api"]
    assert login(world.cadre).post("/api/projects/import", {"file": bad}).status_code == 403
