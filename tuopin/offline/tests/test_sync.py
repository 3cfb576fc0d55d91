"""Exactly once: a form queued on a phone is accepted at most once, replays return the stored
result, refusals come back with the page's Chinese reason and write nothing."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tuopin.assess import actions as assess_actions
from tuopin.assess.tests.factories import household
from tuopin.cases.models import Case, CaseAttachment
from tuopin.lib import clock
from tuopin.offline.models import SyncedItem
from tuopin.offline.sync import error_texts
from tuopin.org.testing import run_together
from tuopin.reports import actions as report_actions
from tuopin.reports.models import ReportVersion
from tuopin.reports.tests.conftest import build_setup

NOW = "2018-07-20T10:00:00+08:00"
# The phone's clock is three days behind: the server keeps both times.
PHONE_TIME = "2018-07-17T08:30:00.000Z"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def offline_post(client, url, data, item_id=None, *, place="34.893120,106.855400,12"):
    item_id = item_id or str(uuid.uuid4())
    headers = {"X-Tuopin-Offline-Id": item_id, "X-Tuopin-Client-Time": PHONE_TIME}
    if place:
        headers["X-Tuopin-Location"] = place
    with clock.frozen(NOW):
        return client.post(url, data, headers=headers)


def case_form(world, **changes) -> dict:
    return {
        "kind": "petition",
        "source": "visit",
        "org_unit": world.cg_village.pk,
        "title": "危房改造补助未到位",
        "content": "反映危房改造补助至今未发放",
        "reporter_name": "李四",
        "reporter_phone": "13800001234",
        **changes,
    }


def test_a_queued_case_is_registered_once_and_a_replay_creates_nothing(world, login):
    client = login(world.cadre)
    item_id = str(uuid.uuid4())
    photo = SimpleUploadedFile("照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    first = offline_post(client, "/cases/new/", case_form(world, attachment=photo), item_id)
    assert first.status_code == 200
    answer = first.json()
    assert answer["status"] == "done" and answer["replayed"] is False
    case = Case.objects.get()
    assert answer["url"] == reverse("cases:case", args=[case.pk])
    assert "已登记" in answer["message"]
    assert CaseAttachment.objects.count() == 1

    again = offline_post(client, "/cases/new/", case_form(world), item_id)
    assert again.status_code == 200
    assert again.json()["status"] == "done" and again.json()["replayed"] is True
    assert again.json()["url"] == answer["url"]
    assert Case.objects.count() == 1 and CaseAttachment.objects.count() == 1

    item = SyncedItem.objects.get()
    assert (item.user, item.kind, str(item.client_id)) == (world.cadre, "cases.register", item_id)
    assert item.client_time == dt.datetime.fromisoformat(PHONE_TIME)
    assert item.received_at == dt.datetime.fromisoformat(NOW)
    assert (item.latitude, item.longitude, item.accuracy_m) == (
        Decimal("34.893120"),
        Decimal("106.855400"),
        12,
    )
    assert item.replays == 1
    # Another form (another id) is another case; the same id from another user is that user's.
    offline_post(client, "/cases/new/", case_form(world))
    assert Case.objects.count() == 2


def test_a_refused_form_writes_nothing_and_is_accepted_once_fixed(world, login):
    client = login(world.cadre)
    item_id = str(uuid.uuid4())
    refused = offline_post(client, "/cases/new/", case_form(world, title=""), item_id)
    assert refused.status_code == 422
    assert refused.json()["status"] == "refused"
    assert "标题" in refused.json()["reason"]
    assert not Case.objects.exists() and not SyncedItem.objects.exists()
    fixed = offline_post(client, "/cases/new/", case_form(world), item_id)
    assert fixed.json()["status"] == "done"
    assert Case.objects.count() == 1


def test_a_withdrawn_permission_or_a_village_out_of_scope_is_a_reason(world, login):
    refused = offline_post(login(world.viewer), "/cases/new/", case_form(world))
    assert refused.status_code == 403
    assert refused.json()["reason"] == "您没有登记问题的权限"
    # The household's village left this cadre's scope: the form says which field.
    refused = offline_post(login(world.other_cadre), "/cases/new/", case_form(world))
    assert refused.status_code == 422
    assert "问题所在地" in refused.json()["reason"]
    assert not Case.objects.exists() and not SyncedItem.objects.exists()


def test_an_expired_login_keeps_the_form_queued(world):
    refused = offline_post(Client(), "/cases/new/", case_form(world))
    assert refused.status_code == 401
    assert refused.json()["login"] is True
    assert "重新登录" in refused.json()["reason"]
    assert not Case.objects.exists()


def test_bad_ids_times_and_places_are_refused_or_dropped(world, login):
    client = login(world.cadre)
    assert offline_post(client, "/cases/new/", case_form(world), "not-a-uuid").status_code == 400
    with clock.frozen(NOW):
        response = client.post(
            "/cases/new/",
            case_form(world),
            headers={
                "X-Tuopin-Offline-Id": str(uuid.uuid4()),
                "X-Tuopin-Client-Time": "3000-99-99",
                "X-Tuopin-Location": "NaN,1e999,x",
            },
        )
    assert response.json()["status"] == "done"
    item = SyncedItem.objects.get()
    assert item.client_time is None and item.latitude is None and item.accuracy_m is None


def test_a_view_that_has_not_opted_in_refuses_a_queued_form(world, login):
    client = login(world.hq)
    offline_post(client, "/cases/new/", case_form(world))
    case = Case.objects.get()
    response = offline_post(client, f"/cases/{case.pk}/do/start/", {})
    assert response.status_code == 409
    assert "不支持离线" in response.json()["reason"]
    assert SyncedItem.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_double_sync_at_the_same_instant_creates_one_case():
    from tuopin.org.testing import build_world

    world = build_world()
    item_id = str(uuid.uuid4())
    clients = []
    for _ in range(6):
        client = Client()
        client.force_login(world.cadre)
        clients.append(client)
    outcomes = run_together(
        [
            (
                lambda c=c: c.post(
                    "/cases/new/", case_form(world), headers={"X-Tuopin-Offline-Id": item_id}
                )
            )
            for c in clients
        ],
        at=NOW,
    )
    answers = [o.json() for o in outcomes]
    assert {a["status"] for a in answers} == {"done"}, answers
    assert sum(1 for a in answers if not a["replayed"]) == 1
    assert len({a["url"] for a in answers}) == 1
    assert Case.objects.count() == 1
    assert SyncedItem.objects.count() == 1


def report_form(setup, revision, km="12.5") -> dict:
    return {
        "revision": str(revision),
        "intent": "save",
        f"a{setup.roads.pk}-progress": "本周完成3公里",
        f"a{setup.roads.pk}-problems": "征地协调难",
        f"a{setup.roads.pk}-suggestions": "请县政府协调",
        f"m{setup.road_km.pk}-value": km,
        f"m{setup.road_km.pk}-status": "in_progress",
        f"m{setup.road_share.pk}-value": "80",
        f"m{setup.road_share.pk}-status": "behind",
    }


def test_a_weekly_report_changed_meanwhile_is_refused_with_the_reason(world, login):
    setup = build_setup(world)
    report = setup.report(world.transport)
    url = reverse("reports:edit", args=[report.pk])
    client = login(world.reporter)
    queued_at = report.revision
    # While the phone was offline, a colleague saved the report from the office.
    with clock.frozen(NOW):
        Client().force_login(world.reporter)
        office = Client()
        office.force_login(world.reporter)
        assert office.post(url, report_form(setup, queued_at, km="9")).status_code == 302
    versions = ReportVersion.objects.count()
    refused = offline_post(client, url, report_form(setup, queued_at))
    assert refused.status_code == 409
    assert refused.json()["status"] == "refused"
    assert "修改" in refused.json()["reason"] or "刷新" in refused.json()["reason"]
    assert ReportVersion.objects.count() == versions
    report.refresh_from_db()
    fixed = offline_post(client, url, report_form(setup, report.revision))
    assert fixed.json()["status"] == "done"
    assert fixed.json()["url"] == reverse("reports:report", args=[report.pk])


def test_a_report_signed_meanwhile_is_refused(world, login):
    setup = build_setup(world)
    report = setup.report(world.transport)
    url = reverse("reports:edit", args=[report.pk])
    with clock.frozen(NOW):
        report_actions.save_report(world.reporter, report, _values(setup), revision=report.revision)
        report.refresh_from_db()
        report_actions.submit_report(world.reporter, report, revision=report.revision)
        report.refresh_from_db()
        report_actions.sign_report(world.head, report, revision=report.revision)
    refused = offline_post(login(world.reporter), url, report_form(setup, 0))
    assert refused.json()["status"] == "refused"
    assert "已签字" in refused.json()["reason"]
    assert not SyncedItem.objects.exists()


def _values(setup) -> dict:
    from tuopin.reports.tests.conftest import values_for

    return values_for(setup)


def test_a_drill_visit_with_a_bad_answer_comes_back_and_a_good_one_is_kept(world, login):
    for village in (world.cg_village, world.cg_village2, world.df_village, world.df_village2):
        for _ in range(4):
            household(village)
    drill = assess_actions.create_drill(
        world.hq, area=world.county, seed=5, as_of=dt.date(2018, 7, 20), villages=4, households=12
    )
    sampled = drill.households.filter(village_code__startswith=world.chengguan.code).first()
    url = f"/assess/drills/{drill.pk}/visit/{sampled.sequence}/"
    client = login(world.cadre)
    refused = offline_post(client, url, {"meets_standard": "也许", "approval": "认可"})
    assert refused.json()["status"] == "refused"
    assert f"样本 {sampled.sequence}" in refused.json()["reason"]
    done = offline_post(client, url, {"meets_standard": "否", "approval": "认可", "note": "D级"})
    assert done.json()["status"] == "done"
    sampled.refresh_from_db()
    assert sampled.meets_standard is False and sampled.note == "D级"
    # Another town's sample is not this cadre's to visit.
    other = drill.households.filter(village_code__startswith=world.dongfeng.code).first()
    refused = offline_post(
        client, f"/assess/drills/{drill.pk}/visit/{other.sequence}/", {"meets_standard": "是"}
    )
    assert refused.status_code == 404
    assert "范围" in refused.json()["reason"]


def test_an_inspection_is_recorded_once(world, login):
    client = login(world.inspector)
    data = {
        "org_unit": world.cg_village.pk,
        "visited_on": "2018-07-19",
        "inspectors": "王五、赵六",
        "is_unannounced": "on",
        "cadres_expected": "3",
        "cadres_present": "2",
        "files_checked": "10",
        "files_ok": "9",
        "progress_note": "道路硬化推进中",
    }
    item_id = str(uuid.uuid4())
    assert offline_post(client, "/cases/inspections/new/", data, item_id).json()["status"] == (
        "done"
    )
    assert offline_post(client, "/cases/inspections/new/", data, item_id).json()["replayed"]
    from tuopin.cases.models import InspectionVisit

    assert InspectionVisit.objects.count() == 1


def test_error_texts_reads_the_outermost_error_elements():
    html = (
        '<div class="error" role="alert"><p>未保存：</p><ul><li>数值不对</li></ul></div>'
        '<p class="muted">x</p><p class="error">标题：必填<br>再看</p><input class="error">'
    )
    assert error_texts(html) == ["未保存： 数值不对", "标题：必填 再看"]


def test_the_app_shell_is_served_from_the_root(world, login):
    client = login(world.cadre)
    worker = client.get("/sw.js")
    assert worker.status_code == 200
    assert worker["Service-Worker-Allowed"] == "/"
    assert worker["Content-Type"].startswith("text/javascript")
    assert "tuopin-shell-" in worker.content.decode()
    manifest = json.loads(client.get("/manifest.webmanifest").content)
    assert manifest["scope"] == "/" and manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200
    page = client.get("/cases/new/")
    assert page["X-Tuopin-Offline"] == "cases.register"
    html = page.content.decode()
    assert 'rel="manifest"' in html and "offline/offline.js" in html
    assert "^/cases/new/$" in html
    home = client.get("/offline/")
    assert home.status_code == 200 and "待同步" in home.content.decode()
    assert Client().get("/offline/").status_code == 302


def test_the_bundle_is_the_users_own_scope_masked_and_keeps_the_device_signed_in(
    world, login, settings
):
    own = household(world.cg_village, phone="13912345678")
    household(world.df_village)
    client = login(world.cadre)
    bundle = client.get("/offline/bundle.json").json()
    assert client.session.get_expiry_age() == settings.OFFLINE_SESSION_SECONDS
    urls = {page["url"] for page in bundle["pages"]}
    assert "/cases/new/" in urls and "/offline/" in urls
    rows = bundle["data"]["households"]
    assert {row["no"] for row in rows} == {own.household_no}
    # As on screen: a town cadre sees their own households' names as the household page does.
    from tuopin.org import privacy

    shown = privacy.disclosure(world.cadre, own)
    assert rows[0]["head"] == shown.name(own.head_name)
    assert rows[0]["phone"] == shown.phone("13912345678")
    villages = {v["code"] for v in bundle["data"]["villages"]}
    assert villages == {world.cg_village.code, world.cg_village2.code}
    # County-wide roles download the villages only, never the county's households.
    viewer_data = login(world.viewer).get("/offline/bundle.json").json()["data"]
    assert "households" not in viewer_data and len(viewer_data["villages"]) == 4
    # A department reporter gets the unit's weekly report page.
    setup = build_setup(world)
    with clock.frozen(NOW):
        pages = login(world.reporter).get("/offline/bundle.json").json()["pages"]
    assert reverse("reports:edit", args=[setup.report(world.transport).pk]) in {
        p["url"] for p in pages
    }


def test_logout_clears_the_device(world, login):
    client = login(world.cadre)
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert "Clear-Site-Data" not in Client().get("/login/")


def test_a_report_queued_on_an_older_template_is_refused_but_its_replay_is_not(world, login):
    from tuopin.plan.models import Milestone
    from tuopin.reports.fieldwork import form_version

    setup = build_setup(world)
    report = setup.report(world.transport)
    url = reverse("reports:edit", args=[report.pk])
    client = login(world.reporter)
    with clock.frozen(NOW):
        page = client.get(url)
    version = form_version(None, report.pk)
    assert f'"formVersion": "{version}"' in page.content.decode()
    accepted_id = str(uuid.uuid4())
    with clock.frozen(NOW):
        done = client.post(
            url,
            report_form(setup, report.revision),
            headers={"X-Tuopin-Offline-Id": accepted_id, "X-Tuopin-Form-Version": version},
        )
    assert done.json()["status"] == "done"
    # HQ adds a milestone to the action: the form the phone cached is now an old one.
    Milestone.objects.create(
        action=setup.roads,
        deadline=setup.road_km.deadline,
        text="新增：完成安保工程10公里",
        order=3,
    )
    assert form_version(None, report.pk) != version
    report.refresh_from_db()
    with clock.frozen(NOW):
        refused = client.post(
            url,
            report_form(setup, report.revision),
            headers={"X-Tuopin-Offline-Id": str(uuid.uuid4()), "X-Tuopin-Form-Version": version},
        )
        replay = client.post(
            url,
            report_form(setup, report.revision),
            headers={"X-Tuopin-Offline-Id": accepted_id, "X-Tuopin-Form-Version": version},
        )
    assert refused.status_code == 409 and "表单已更新" in refused.json()["reason"]
    assert replay.json()["replayed"] is True
    assert SyncedItem.objects.count() == 1


def test_a_photo_too_large_is_refused_with_its_reason_and_nothing_is_written(
    world, login, settings
):
    settings.TUOPIN_UPLOAD_MAX_BYTES = 2000
    big = SimpleUploadedFile("照片.jpg", b"\xff\xd8\xff\xe0" + b"0" * 5000, "image/jpeg")
    refused = offline_post(login(world.cadre), "/cases/new/", case_form(world, attachment=big))
    assert refused.json()["status"] == "refused"
    assert "照片.jpg" in refused.json()["reason"] or "过大" in refused.json()["reason"]
    assert not Case.objects.exists() and not SyncedItem.objects.exists()
