from __future__ import annotations

import io

import pytest
from python_calamine import CalamineWorkbook

from tuopin.lib import clock
from tuopin.lib.citizen_id import mask, mask_phone
from tuopin.org import audit
from tuopin.org.models import AuditEvent
from tuopin.registry.models import Household, ImportBatch, PersonalDataView
from tuopin.registry.tests.helpers import HEAD_ID, build, build_xls, small_workbook

NOW = "2018-07-20T10:00:00+08:00"


@pytest.fixture
def cg_household(registry):
    return Household.objects.filter(village=registry.cg_village).order_by("household_no").first()


@pytest.fixture
def df_household(registry):
    return Household.objects.filter(village=registry.df_village).order_by("household_no").first()


# Home / search -------------------------------------------------------------------------------


def test_it_searches_within_scope_with_masked_ids(registry, login, cg_household, df_household):
    client = login(registry.cadre)
    response = client.get("/registry/", {"q": cg_household.head_id_number})
    assert response.status_code == 200
    body = response.content.decode()
    assert cg_household.household_no in body
    assert mask(cg_household.head_id_number) in body
    assert body.count(cg_household.head_id_number) == 1  # only the search box echoes the query
    response = client.get("/registry/", {"q": df_household.household_no})
    assert response.context["results"].paginator.count == 0


def test_it_lists_only_villages_of_the_users_town(registry, login):
    response = login(registry.other_cadre).get("/registry/")
    assert [v.code for v in response.context["villages"]] == [
        registry.df_village.code,
        registry.df_village2.code,
    ]


def test_it_shows_viewer_the_county_and_a_unit_user_nothing(registry, login):
    response = login(registry.viewer).get("/registry/")
    assert len(response.context["villages"]) == 4
    assert response.context["totals"]["households"] == Household.objects.count()
    response = login(registry.reporter).get("/registry/")
    assert response.status_code == 200
    assert response.context["has_scope"] is False


def test_it_sends_anonymous_visitors_to_login(registry, login):
    response = login(None).get("/registry/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login")


# Village page ---------------------------------------------------------------------------------


def test_it_shows_a_village_to_its_town(registry, login):
    response = login(registry.cadre).get(f"/registry/village/{registry.cg_village.code}/")
    assert response.status_code == 200
    assert (
        response.context["totals"]["households"]
        == Household.objects.filter(village=registry.cg_village).count()
    )


def test_it_hides_a_village_of_another_town(registry, login):
    assert (
        login(registry.other_cadre)
        .get(f"/registry/village/{registry.cg_village.code}/")
        .status_code
        == 404
    )
    assert (
        login(registry.reporter).get(f"/registry/village/{registry.cg_village.code}/").status_code
        == 404
    )
    assert (
        login(registry.viewer).get(f"/registry/village/{registry.cg_village.code}/").status_code
        == 200
    )
    assert login(None).get(f"/registry/village/{registry.cg_village.code}/").status_code == 302


# Household page -------------------------------------------------------------------------------


def test_it_shows_unmasked_ids_to_the_town_cadre_and_logs_it(registry, login, cg_household):
    response = login(registry.cadre).get(f"/registry/household/{cg_household.household_no}/")
    assert response.status_code == 200
    assert cg_household.head_id_number in response.content.decode()
    view = PersonalDataView.objects.get()
    assert (view.user, view.household, view.via) == (registry.cadre, cg_household, "web")


def test_it_masks_ids_and_phones_for_the_viewer_and_logs_nothing(registry, login, cg_household):
    response = login(registry.viewer).get(f"/registry/household/{cg_household.household_no}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert cg_household.head_id_number not in body
    assert mask(cg_household.head_id_number) in body
    assert cg_household.phone not in body
    assert PersonalDataView.objects.count() == 0


def test_it_hides_a_household_of_another_town(registry, login, cg_household):
    url = f"/registry/household/{cg_household.household_no}/"
    assert login(registry.other_cadre).get(url).status_code == 404
    assert login(registry.reporter).get(url).status_code == 404
    assert login(None).get(url).status_code == 302
    assert PersonalDataView.objects.count() == 0


def test_it_edits_and_records_history(registry, login, cg_household):
    client = login(registry.cadre)
    with clock.frozen(NOW):
        response = client.post(
            f"/registry/household/{cg_household.household_no}/edit/",
            {
                "phone": "13312345678",
                "helper_name": "新帮扶人",
                "helper_unit": "",
                "helper_post": "",
                "helper_phone": "",
                "housing_grade": "A",
                "housing_appraised_on": "",
                "relocation": "none",
            },
        )
    assert response.status_code == 302
    cg_household.refresh_from_db()
    assert (cg_household.phone, cg_household.helper_name, cg_household.housing_grade) == (
        "13312345678",
        "新帮扶人",
        "A",
    )
    page = client.get(f"/registry/household/{cg_household.household_no}/")
    history = page.context["history"]
    assert history[0]["action"] == "修改"
    assert ("帮扶责任人", history[0]["changes"][0][1], "新帮扶人") in history[0]["changes"] or any(
        c[0] == "帮扶责任人" and c[2] == "新帮扶人" for c in history[0]["changes"]
    )


def test_it_refuses_edits_from_viewer_and_other_town(registry, login, cg_household):
    url = f"/registry/household/{cg_household.household_no}/edit/"
    data = {"phone": "1", "relocation": "none"}
    assert login(registry.viewer).post(url, data).status_code == 403
    assert login(registry.other_cadre).post(url, data).status_code == 404
    assert login(None).post(url, data).status_code == 302
    phone = cg_household.phone
    cg_household.refresh_from_db()
    assert cg_household.phone == phone


def test_it_closes_a_household_with_a_reason_and_keeps_it(registry, login, cg_household):
    client = login(registry.cadre)
    url = f"/registry/household/{cg_household.household_no}/close/"
    with clock.frozen(NOW):
        assert client.post(url, {"reason": "", "confirm": "1"}).status_code == 302
        cg_household.refresh_from_db()
        assert cg_household.is_active is True
        client.post(url, {"reason": "全家迁往外省", "confirm": "1"})
    cg_household.refresh_from_db()
    assert (cg_household.is_active, cg_household.closed_reason) == (False, "全家迁往外省")
    assert cg_household.members.filter(is_active=True).count() == 0
    assert Household.objects.filter(pk=cg_household.pk).exists()
    assert login(registry.viewer).post(url, {"reason": "x", "confirm": "1"}).status_code == 403


def test_it_asks_for_confirmation_before_closing(registry, login, cg_household):
    client = login(registry.cadre)
    page = client.get(f"/registry/household/{cg_household.household_no}/").content.decode()
    assert 'name="confirm" value="1" required' in page
    with clock.frozen(NOW):
        response = client.post(
            f"/registry/household/{cg_household.household_no}/close/",
            {"reason": "全家迁往外省"},
            follow=True,
        )
    assert "未注销：请勾选“确认注销该户”后再提交" in response.content.decode()
    cg_household.refresh_from_db()
    assert (cg_household.is_active, cg_household.closed_at) == (True, None)
    assert AuditEvent.objects.filter(action="注销").count() == 0


@pytest.fixture
def closed_household(registry, cg_household):
    from tuopin.registry import actions

    with clock.frozen(NOW):
        actions.close_household(registry.cadre, cg_household, "全家迁往外省")
    cg_household.refresh_from_db()
    return cg_household


def test_it_reopens_a_closed_household_with_a_reason_and_its_members(
    registry, login, closed_household
):
    member_total = closed_household.members.count()
    url = f"/registry/household/{closed_household.household_no}/reopen/"
    client = login(registry.cadre)
    page = client.get(f"/registry/household/{closed_household.household_no}/").content.decode()
    assert "恢复原因" in page
    with clock.frozen("2018-07-21T09:00:00+08:00"):
        response = client.post(url, {"reason": ""}, follow=True)
        assert "请填写恢复原因" in response.content.decode()
        closed_household.refresh_from_db()
        assert closed_household.is_active is False
        response = client.post(url, {"reason": "误注销"}, follow=True)
    assert f"户 {closed_household.household_no} 已恢复" in response.content.decode()
    closed_household.refresh_from_db()
    assert (closed_household.is_active, closed_household.closed_reason) == (True, "")
    assert closed_household.closed_at is None
    assert closed_household.members.filter(is_active=True).count() == member_total
    event = AuditEvent.objects.get(action="恢复")
    assert (event.actor, event.note) == (registry.cadre, "恢复原因：误注销")
    assert event.changes["is_active"] == [False, True]
    assert AuditEvent.objects.filter(action="随户恢复").count() == member_total
    assert "恢复原因：误注销" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "expected"),
    [("hq", 302), ("other_cadre", 404), ("village_cadre", 403), ("viewer", 403), (None, 302)],
)
def test_it_guards_reopening(registry, login, closed_household, who, expected):
    user = getattr(registry, who) if who else None
    url = f"/registry/household/{closed_household.household_no}/reopen/"
    response = login(user).post(url, {"reason": "误注销"})
    assert response.status_code == expected
    closed_household.refresh_from_db()
    assert closed_household.is_active is (who == "hq")
    if who is None:
        assert response.url.startswith("/login/")


def test_it_finds_a_closed_household_only_on_request(registry, login, closed_household):
    client = login(registry.cadre)
    plain = client.get("/registry/", {"q": closed_household.household_no})
    assert f"{closed_household.household_no}</a>" not in plain.content.decode()
    assert plain.context["results"].paginator.count == 0
    wider = client.get("/registry/", {"q": closed_household.household_no, "closed": "1"})
    page = wider.content.decode()
    assert wider.context["results"].paginator.count == 1
    assert f'{closed_household.household_no}</a> <span class="tag tag-bad">已注销</span>' in page
    assert 'name="closed" value="1" checked' in page


# Import ---------------------------------------------------------------------------------------


def upload(client, data: bytes, name: str = "t.xlsx", **extra):
    return client.post(
        "/registry/import/", {"file": io.BytesIO(data), **extra} | {"file": _named(data, name)}
    )


def _named(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_it_imports_through_review_and_confirmation(world, login):
    client = login(world.cadre)
    data = build(small_workbook(world))
    with clock.frozen(NOW):
        response = client.post("/registry/import/", {"file": _named(data, "t.xlsx")})
        assert response.status_code == 200
        plan = response.context["plan"]
        assert plan.counts["households_added"] == 2
        assert Household.objects.count() == 0
        response = client.post("/registry/import/confirm/", {"token": response.context["token"]})
    assert response.status_code == 302
    assert Household.objects.count() == 2
    batch = ImportBatch.objects.get()
    assert (batch.actor, batch.summary["persons_added"]) == (world.cadre, 4)
    page = client.get(f"/registry/household/{world.cg_village.code}0001/")
    assert page.context["history"][-1]["action"] == "导入新建"


def test_it_shows_errors_and_imports_nothing(world, login):
    sheets = small_workbook(world)
    sheets["人"][0]["证件号码"] = HEAD_ID[:17] + "0" if HEAD_ID[17] != "0" else HEAD_ID[:17] + "1"
    response = login(world.cadre).post(
        "/registry/import/", {"file": _named(build(sheets), "t.xlsx")}
    )
    assert response.status_code == 400
    assert "本次未导入任何数据" in response.content.decode()
    assert Household.objects.count() == 0


def test_it_refuses_bad_files_without_a_server_error(world, login):
    client = login(world.cadre)
    response = client.post("/registry/import/", {"file": _named(b"hello", "t.csv")})
    assert response.status_code == 400
    assert (
        "文件“t.csv”的内容是CSV 表格（.csv），此处只接受Excel 97-2003 工作簿（.xls）、Excel 工作簿（.xlsx）"
        in (response.content.decode())
    )
    response = client.post("/registry/import/", {"file": _named(b"PK\x03\x04garbage", "t.xlsx")})
    assert response.status_code == 400
    response = client.post("/registry/import/", {})
    assert response.status_code == 400


def test_it_refuses_imports_from_other_towns_and_read_only_users(world, login):
    data = build(small_workbook(world))
    response = login(world.other_cadre).post("/registry/import/", {"file": _named(data, "t.xlsx")})
    assert response.status_code == 400
    assert "该村不在您的管辖范围内" in response.content.decode()
    assert login(world.viewer).get("/registry/import/").status_code == 403
    assert (
        login(world.viewer).post("/registry/import/", {"file": _named(data, "t.xlsx")}).status_code
        == 403
    )
    assert login(world.village_cadre).get("/registry/import/").status_code == 403
    assert login(None).get("/registry/import/").status_code == 302
    assert login(world.viewer).post("/registry/import/confirm/", {"token": "x"}).status_code == 403
    assert Household.objects.count() == 0


def test_it_refuses_a_stale_confirmation(world, login):
    response = login(world.cadre).post("/registry/import/confirm/", {"token": "nope"})
    assert response.status_code == 302
    assert Household.objects.count() == 0


def test_it_lists_imports_to_importers_only(world, login):
    assert login(world.cadre).get("/registry/imports/").status_code == 200
    assert login(world.viewer).get("/registry/imports/").status_code == 403
    assert login(None).get("/registry/imports/").status_code == 302


# Export and template ----------------------------------------------------------------------------


def _read(response) -> dict:
    data = b"".join(response.streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in ("村", "户", "人")}


def test_it_exports_the_users_town_unmasked_and_logs_it(registry, login):
    response = login(registry.cadre).get("/registry/export/", {"scope": registry.chengguan.code})
    assert response.status_code == 200
    sheets = _read(response)
    codes = {row[1][:12] for row in sheets["户"][1:]}
    assert codes == {registry.cg_village.code, registry.cg_village2.code}
    assert all("*" not in row[4] for row in sheets["户"][1:])
    assert PersonalDataView.objects.filter(via="export").count() == 1


def test_it_exports_masked_for_the_viewer(registry, login):
    response = login(registry.viewer).get("/registry/export/", {"scope": registry.county.code})
    assert response.status_code == 200
    sheets = _read(response)
    assert len(sheets["户"]) - 1 == Household.objects.count()
    assert all("********" in row[4] for row in sheets["户"][1:])
    assert PersonalDataView.objects.count() == 0


def test_it_refuses_exports_outside_scope(registry, login):
    assert (
        login(registry.other_cadre)
        .get("/registry/export/", {"scope": registry.chengguan.code})
        .status_code
        == 404
    )
    assert login(registry.reporter).get("/registry/export/").status_code == 404
    assert login(None).get("/registry/export/").status_code == 302


def test_it_serves_the_template_with_drop_downs(world, login):
    response = login(world.viewer).get("/registry/template.xlsx")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.get_sheet_by_name("人").to_python()[0][:4] == [
        "户编号",
        "人编号",
        "姓名",
        "证件号码",
    ]
    import zipfile

    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet2.xml").decode()
    assert "<dataValidation" in sheet_xml
    assert login(None).get("/registry/template.xlsx").status_code == 302


def test_it_shows_code_lists(world, login):
    response = login(world.viewer).get("/registry/codes/")
    assert response.status_code == 200
    assert "自身发展动力不足" in response.content.decode()


def test_it_shows_phone_changes_in_clear_to_hq_logged_and_masked_to_the_viewer(
    registry, login, cg_household
):
    audit.record(cg_household, {"phone": ["13900001111", "13312345678"]}, action="修改")
    page = login(registry.hq).get(f"/registry/household/{cg_household.household_no}/")
    assert ("联系电话", "13900001111", "13312345678") in page.context["history"][0]["changes"]
    view = PersonalDataView.objects.get()
    assert (view.user, view.household) == (registry.hq, cg_household)
    page = login(registry.viewer).get(f"/registry/household/{cg_household.household_no}/")
    changes = page.context["history"][0]["changes"]
    assert changes == [("联系电话", mask_phone("13900001111"), mask_phone("13312345678"))]
    assert "13900001111" not in page.content.decode()
    assert PersonalDataView.objects.count() == 1


def test_a_household_and_its_verdict_link_to_each_other(registry, login, cg_household):
    number = cg_household.household_no
    record = login(registry.viewer).get(f"/registry/household/{number}/").content.decode()
    verdict = login(registry.viewer).get(f"/assess/household/{number}/").content.decode()
    assert f'href="/assess/household/{number}/"' in record
    assert f'href="/registry/household/{number}/"' in verdict


def test_it_imports_an_xls_export_like_an_xlsx(world, login):
    client = login(world.cadre)
    data = build_xls(small_workbook(world))
    assert data[:8] == bytes.fromhex("D0CF11E0A1B11AE1")  # a real compound document
    with clock.frozen(NOW):
        response = upload(client, data, "国家系统导出.xls")
        assert response.status_code == 200
        assert response.context["plan"].counts["households_added"] == 2
        response = client.post("/registry/import/confirm/", {"token": response.context["token"]})
    assert response.status_code == 302
    head = Household.objects.get(household_no=f"{world.cg_village.code}0001")
    assert (head.head_name, head.head_id_number, head.members.count()) == ("张建国", HEAD_ID, 3)


def test_it_refuses_a_web_page_named_xls_and_an_xlsx_named_xls(world, login):
    client = login(world.cadre)
    response = upload(client, b"<html><table><tr><td>1</td></tr></table></html>", "导出.xls")
    assert response.status_code == 400
    assert "文件“导出.xls”的内容是文本文件，此处只接受Excel 97-2003 工作簿（.xls）" in (
        response.content.decode()
    )
    response = upload(client, build(small_workbook(world)), "改了扩展名.xls")
    assert response.status_code == 400
    assert "内容是Excel 工作簿（.xlsx），扩展名应为 .xlsx" in response.content.decode()
    assert Household.objects.count() == 0


def test_search_marks_the_matching_member_and_filters(registry, login, cg_household):
    member = cg_household.members.exclude(relationship="01").first()
    member.name = "欧阳明"
    member.save(update_fields=["name"])
    client = login(registry.cadre)
    response = client.get("/registry/", {"q": "欧阳"})
    assert [h.household_no for h in response.context["results"]] == [cg_household.household_no]
    body = response.content.decode()
    assert f"<mark>欧阳</mark>明（{member.get_relationship_display()}）" in body
    # Filters narrow the same search; a village of another town is not offered (nor applied).
    other = Household.objects.filter(village=registry.cg_village2).first()
    other.head_name = "欧阳平"
    other.save(update_fields=["head_name"])
    found = client.get("/registry/", {"q": "欧阳"}).context["results"]
    assert {h.household_no for h in found} == {cg_household.household_no, other.household_no}
    found = client.get("/registry/", {"q": "欧阳", "village": registry.cg_village2.code})
    assert [h.household_no for h in found.context["results"]] == [other.household_no]
    assert "<mark>欧阳</mark>平" in found.content.decode()
    ignored = client.get("/registry/", {"q": "欧阳", "village": registry.df_village.code})
    assert ignored.context["results"].paginator.count == 2
    assert ignored.context["filters"].village == ""


def test_search_filters_by_status_and_attribute_without_a_query(registry, login):
    client = login(registry.hq)
    not_exited = Household.objects.filter(
        is_active=True, is_registered=True, exit_status="not_exited"
    )
    attribute = not_exited.values_list("poverty_attribute", flat=True).first()
    expected = not_exited.filter(poverty_attribute=attribute).count()
    assert expected < Household.objects.filter(is_active=True).count()
    response = client.get("/registry/", {"status": "not_exited", "attribute": attribute})
    assert response.context["results"].paginator.count == expected > 0
    response = client.get("/registry/", {"status": "unregistered", "town": registry.dongfeng.code})
    assert (
        response.context["results"].paginator.count
        == Household.objects.filter(
            is_active=True, is_registered=False, village__parent=registry.dongfeng
        ).count()
    )


def test_search_pages_keep_the_filters(registry, login):
    client = login(registry.hq)
    response = client.get("/registry/", {"status": "unregistered"})
    assert response.context["results"].paginator.num_pages > 1
    assert 'href="?status=unregistered&amp;page=2"' in response.content.decode()
