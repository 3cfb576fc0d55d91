"""The phone forms of the employment and collective-economy records (one flow, ledger.entry):
per kind a good record saves with its history, each bad input is refused with the import's own
Chinese reason and writes nothing, and what may be chosen is scoped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tuopin.assess.tests.factories import adult, household
from tuopin.jobs.models import Attendance, Cooperative, Income, JobFair, Post, Spell, Training
from tuopin.lib.citizen_id import mask
from tuopin.org.models import AuditEvent, Role
from tuopin.org.testing import _user, internal_names, visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world):
    home = household(world.cg_village, members=[adult(), adult()])
    away = household(world.df_village)
    return [*home.members.order_by("id_number"), *away.members.all()]


def url(kind: str, village=None) -> str:
    return f"/jobs/record/{kind}/" + (f"?village={village.code}" if village else "")


def refused(response, *reasons: str) -> None:
    assert response.status_code == 400
    text = visible_text(response.content.decode())
    assert "未保存，请改正" in text
    for reason in reasons:
        assert reason in text, text


def saved(response, client) -> str:
    assert response.status_code == 302, visible_text(response.content.decode())
    return visible_text(client.get(response["Location"]).content.decode())


def entered(model) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(model=model._meta.label_lower).order_by("pk"))


def test_a_spell_saves_with_history_and_bad_spells_are_refused(world, login, people):
    a, b, outsider = people
    client = login(world.village_cadre)
    page = client.get(url("spell"))  # a village cadre: persons of their own village
    text = visible_text(page.content.decode())
    assert page.status_code == 200 and "录入务工就业" in text
    assert mask(a.id_number) in text and a.id_number not in page.content.decode()
    assert outsider.name not in text
    good = {
        "id_number": a.pk,
        "place": "省外",
        "channel": "劳务协作",
        "employer": "深圳某电子厂",
        "started_on": "2018-03-01",
        "monthly_pay": "3500",
    }
    text = saved(client.post(url("spell"), good), client)
    assert "已保存" in text
    spell = Spell.objects.get()
    assert (spell.person, spell.village, spell.full_time) == (a, world.cg_village, True)
    [event] = entered(Spell)
    assert (event.action, event.actor, event.note) == (
        "录入新建",
        world.village_cadre,
        "手机表单录入",
    )

    # ends before it starts; overlaps the stored open-ended full-time spell; a person elsewhere
    refused(
        client.post(url("spell"), {**good, "id_number": b.pk, "ended_on": "2018-02-01"}),
        "结束日期：结束日期不能早于开始日期",
    )
    refused(
        client.post(url("spell"), {**good, "started_on": "2018-05-01"}),
        "与该人 2018-03-01 开始的另一段全职务工时间重叠",
    )
    refused(client.post(url("spell"), {**good, "id_number": outsider.pk}), "选择一个有效的选项")
    refused(client.post(url("spell"), {**good, "started_on": "2030-01-01"}), "日期不能晚于今天")
    refused(client.post(url("spell"), {**good, "id_number": ""}), "必填，不能为空")
    assert Spell.objects.count() == 1 and len(entered(Spell)) == 1

    # the same person and start date changes the record, with old → new in its history
    text = saved(client.post(url("spell"), {**good, "ended_on": "2018-06-30"}), client)
    assert "结束日期：（空） → 2018-06-30" in text
    assert Spell.objects.get().ended_on == dt.date(2018, 6, 30)
    assert entered(Spell)[-1].action == "录入修改"
    # change lines name codes, flags and places as people read them
    text = saved(
        client.post(
            url("spell"), {**good, "ended_on": "2018-06-30", "place": "县内乡外", "full_time": "否"}
        ),
        client,
    )
    assert "务工地点：省外 → 县内乡外" in text and "全职：是 → 否" in text


def test_scope_of_the_forms(world, login, people):
    client = login(world.cadre)  # 城关镇
    assert client.get(url("spell", world.df_village)).status_code == 404
    page = client.get(url("spell"))
    assert "请先选择人员所在村" in visible_text(page.content.decode())
    assert client.get(url("spell", world.cg_village)).status_code == 200
    fair = client.get(url("fair")).content.decode()
    assert world.chengguan.name in fair and world.dongfeng.name not in fair
    assert login(world.viewer).get(url("spell")).status_code == 403
    assert login(world.reporter).get(url("income")).status_code == 403
    department = _user("renshe", Role.UNIT_REPORTER, unit=world.transport)
    world.transport.name = "县人社局"
    world.transport.save()
    assert login(department).get(url("fair")).status_code == 403
    assert login(world.hq).get("/jobs/record/nothing/").status_code == 404


def test_a_job_fair(world, login):
    client = login(world.cadre)
    good = {
        "code": "ZP-01",
        "held_on": "2018-03-01",
        "place": "城关镇广场",
        "area_code": world.chengguan.code,
        "attending": "40",
        "hired": "12",
    }
    refused(
        client.post(url("fair"), {**good, "hired": "50"}),
        "录用贫困劳动力：录用人数不能多于参会人数",
    )
    refused(
        client.post(url("fair"), {**good, "area_code": world.dongfeng.code}), "选择一个有效的选项"
    )
    refused(client.post(url("fair"), {**good, "attending": "-3"}), "应在 0 到 10000000 之间")
    assert not JobFair.objects.exists() and not entered(JobFair)
    saved(client.post(url("fair"), good), client)
    assert JobFair.objects.get().hired == 12
    assert entered(JobFair)[0].actor == world.cadre


def test_a_training_and_its_attendance(world, login, people):
    a, _b, outsider = people
    client = login(world.cadre)
    good = {
        "code": "PX-01",
        "name": "电焊",
        "kind": "两后生培训",
        "area_code": world.chengguan.code,
        "started_on": "2018-04-01",
        "hours": "40",
    }
    refused(
        client.post(url("training"), {**good, "ended_on": "2018-03-01"}),
        "结束日期不能早于开始日期",
    )
    refused(client.post(url("training"), {**good, "kind": "游泳"}), "选择一个有效的选项")
    assert not Training.objects.exists()
    saved(client.post(url("training"), good), client)
    assert Training.objects.get().kind == "lianghou"

    attend = url("attendance", world.cg_village)
    page = visible_text(client.get(attend).content.decode())
    assert "PX-01 电焊" in page
    refused(
        client.post(attend, {"training_code": "PX-01", "id_number": outsider.pk}),
        "选择一个有效的选项",
    )
    refused(client.post(attend, {"training_code": "", "id_number": a.pk}), "必填，不能为空")
    assert not Attendance.objects.exists()
    saved(client.post(attend, {"training_code": "PX-01", "id_number": a.pk}), client)
    row = Attendance.objects.get()
    assert (row.person, row.village, row.completed) == (a, world.cg_village, True)
    assert entered(Attendance)[0].action == "录入新建"
    # 东风镇's cadre sees neither the training nor 城关镇's people
    other = login(world.other_cadre).get(url("attendance", world.df_village)).content.decode()
    assert "PX-01" not in other


def test_a_post_held_from_outside_the_village_needs_a_reason(world, login, people):
    _a, _b, outsider = people
    client = login(world.hq)
    # persons from 东风村 (where the holder lives), the post in 东关村
    form = url("post", world.df_village)
    good = {
        "code": "GY-01",
        "name": "保洁员",
        "kind": "公益性岗位",
        "village_code": world.cg_village.code,
        "id_number": outsider.pk,
        "monthly_pay": "500",
        "started_on": "2018-01-01",
    }
    refused(
        client.post(form, good),
        "在岗人员：在岗人员不是本村建档立卡人员，请填写“非本村人员原因”",
    )
    assert not Post.objects.exists()
    saved(client.post(form, {**good, "outside_reason": "本村无合适人选"}), client)
    post = Post.objects.get()
    assert (post.holder, post.village, post.outside_reason) == (
        outsider,
        world.cg_village,
        "本村无合适人选",
    )
    assert entered(Post)[0].actor == world.hq


def test_collective_income_and_cooperative(world, login):
    client = login(world.village_cadre)
    form = url("income")
    page = client.get(form).content.decode()
    assert 'value="2018" ' in page or 'value="2018">' in page
    good = {"village_code": world.cg_village.code, "year": "2018", "source": "经营收入"}
    refused(client.post(form, {**good, "amount": "-3"}), "金额（万元）：不能为负数")
    refused(client.post(form, {**good, "amount": "3", "year": "2030"}), "应在 2000 到 2018 之间")
    refused(client.post(form, {**good, "amount": "abc"}), "应为数字")
    refused(
        client.post(form, {**good, "village_code": world.df_village.code, "amount": "3"}),
        "选择一个有效的选项",
    )
    assert not Income.objects.exists()
    saved(client.post(form, {**good, "amount": "12.5"}), client)
    assert Income.objects.get().amount == Decimal("12.5")
    assert entered(Income)[0].note == "手机表单录入"

    coop = {
        "village_code": world.cg_village.code,
        "year": "2018",
        "name": "东关村股份经济合作社",
        "kind": "股份经济合作社",
        "registered": "否",
        "registered_on": "2018-03-01",
    }
    refused(client.post(url("coop"), coop), "已登记赋码：填了登记日期，已登记赋码应为“是”")
    assert not Cooperative.objects.exists()
    saved(client.post(url("coop"), {**coop, "registered": "是", "members": "320"}), client)
    assert Cooperative.objects.get().members == 320
    assert entered(Cooperative)[0].action == "录入新建"


def test_the_tabs_link_the_forms(world, login):
    client = login(world.village_cadre)
    jobs = client.get(f"/jobs/village/{world.cg_village.code}/").content.decode()
    assert f"/jobs/record/spell/?village={world.cg_village.code}" in jobs
    economy = client.get(f"/jobs/economy/village/{world.cg_village.code}/").content.decode()
    assert f"/jobs/record/income/?village={world.cg_village.code}" in economy
    home = login(world.cadre).get("/jobs/").content.decode()
    assert "/jobs/record/fair/" in home
    assert "/jobs/record/" not in login(world.viewer).get("/jobs/").content.decode()


def test_every_form_speaks_chinese(world, login, people):
    from tuopin.jobs.entry import KINDS

    client = login(world.hq)
    for kind in KINDS:
        page = client.get(url(kind, world.cg_village))
        assert page.status_code == 200
        assert internal_names(page.content.decode()) == [], kind
        refused_page = client.post(url(kind, world.cg_village), {})
        assert refused_page.status_code == 400
        assert internal_names(refused_page.content.decode()) == [], kind


def _cells(response) -> list[str]:
    import io

    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    return [
        str(value)
        for name in book.sheet_names
        for row in book.get_sheet_by_name(name).to_python()
        for value in row
        if value not in (None, "")
    ]


def test_the_export_logs_unmasked_ids_and_masked_ones_cannot_be_rebuilt(world, login, people):
    from tuopin.registry.models import PersonalDataView

    a = people[0]
    client = login(world.hq)
    saved(
        client.post(
            url("spell", world.cg_village),
            {
                "id_number": a.pk,
                "place": "省外",
                "channel": "劳务协作",
                "started_on": "2018-03-01",
            },
        ),
        client,
    )
    cells = _cells(login(world.hq).get("/jobs/export/"))
    assert a.id_number in cells
    [logged] = PersonalDataView.objects.filter(user=world.hq, via="export")
    assert "就业台账" in logged.what and logged.scope_code == world.county.code

    cells = _cells(login(world.viewer).get("/jobs/export/"))
    assert mask(a.id_number) in cells
    birth = a.id_number[6:14]
    assert not any(a.id_number in cell or birth in cell for cell in cells)
    assert not PersonalDataView.objects.filter(user=world.viewer).exists()
