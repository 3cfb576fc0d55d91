"""Field work without signal, on a phone (390×844): the network goes off, a cadre registers two
problems with photos and records a drill visit, reloads the page still offline, the forms wait
in 待同步; the network comes back and each is on the server exactly once; a replayed sync creates
nothing; a weekly report changed in the office meanwhile stays queued with its reason."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from tests.browser.conftest import (
    DEMO_NOW,
    PHONE,
    artifacts_dir,
    served,
    signed_in,
    test_it_runs_on_a_test_database,  # noqa: F401 (collected here)
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def field_site(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    """The test county, a few households per village, a drill, the week's report, the shipped
    checklists and a helper (帮扶责任人 with a login) assigned three households of 东关村."""
    from django.test.utils import override_settings

    from tuopin.lib import clock

    def build() -> None:
        from tuopin.assess import actions
        from tuopin.assess.tests.factories import household
        from tuopin.households.models import Assignment, Helper
        from tuopin.org.models import Role
        from tuopin.org.testing import _user, build_world
        from tuopin.reports.tests.conftest import build_setup
        from tuopin.villages import shipped

        world = build_world()
        homes = {}
        for village in (world.cg_village, world.cg_village2, world.df_village, world.df_village2):
            homes[village.code] = [household(village) for _ in range(4)]
        actions.create_drill(
            world.hq, area=world.county, seed=5, as_of=DEMO_NOW.date(), villages=4, households=12
        )
        build_setup(world)
        shipped.ship(world.hq)
        account = _user("helper1", Role.UNIT_REPORTER, unit=world.transport)
        helper = Helper.objects.create(name="王帮扶", unit="县交通局", user=account)
        for home in homes[world.cg_village.code][:3]:
            Assignment.objects.create(household=home, helper=helper)

    media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    media.enable()
    clock.configure(DEMO_NOW)
    try:
        with served(django_db_blocker, build) as url:
            yield url
    finally:
        clock.configure(None)
        media.disable()


def photo(seed: int) -> dict:
    """A phone-sized photo (3000×2000, several MB as PNG: noise does not compress)."""
    from PIL import Image

    noise = Image.effect_noise((3000, 2000), 40 + seed)
    image = Image.merge("RGB", (noise, noise.rotate(180), Image.new("L", (3000, 2000), 120)))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return {"name": f"现场照片{seed}.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


def village_value() -> str:
    from tuopin.org.models import OrgUnit

    return str(OrgUnit.objects.get(code="610327100201").pk)  # 东关村


def fill_case(page, title: str, content: str = "内容") -> None:
    """The problem registration form: a 纪律问题 in 东关村."""
    page.select_option("select[name=kind]", "discipline")
    page.select_option("select[name=org_unit]", village_value())
    page.fill("input[name=title]", title)
    page.fill("textarea[name=content]", content)


def sign_in(browser, base_url: str, username: str, *, workers: str = "allow"):
    """A phone with a service worker (unless ``workers="block"``) and a position, signed in."""
    return signed_in(
        browser,
        base_url,
        username,
        viewport=PHONE,
        timeout=20000,
        service_workers=workers,
        geolocation={"latitude": 34.89312, "longitude": 106.8554, "accuracy": 15},
        permissions=["geolocation"],
    )


def set_up_device(page, base_url: str) -> None:
    """Open 待同步, wait for the service worker, download the bundle."""
    page.goto(f"{base_url}/offline/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now the worker controls the page
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.click("#offline-download")
    page.wait_for_selector("#offline-download-state:has-text('已下载')")


def queued(page) -> list[dict]:
    return page.evaluate(
        """() => new Promise((resolve) => {
          const open = indexedDB.open("tuopin-offline", 1);
          open.onsuccess = () => {
            const request = open.result.transaction("queue").objectStore("queue").getAll();
            request.onsuccess = () => resolve(request.result.map((i) => ({
              id: i.id, status: i.status, reason: i.reason, title: i.title, place: i.place,
              files: i.fields.filter((f) => f.file).map((f) => ({name: f.filename, size: f.size})),
            })));
          };
        })"""
    )


def wait_until(check, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("超时")
        time.sleep(0.25)


def test_forms_saved_offline_sync_exactly_once(browser, field_site, db_access):
    from tuopin.assess.models import DrillHousehold
    from tuopin.cases.models import Case, CaseAttachment
    from tuopin.offline.models import SyncedItem

    context, page = sign_in(browser, field_site, "cadre")
    set_up_device(page, field_site)
    sampled = (
        DrillHousehold.objects.filter(village_code__startswith="610327100")
        .order_by("sequence")
        .first()
    )
    drill_url = f"/assess/drills/{sampled.drill_id}/?village={sampled.village_code}"
    # Pages the bundle does not list are kept once visited online.
    page.goto(f"{field_site}{drill_url}")
    page.goto(f"{field_site}/cases/new/")

    context.set_offline(True)
    page.reload()  # served by the service worker from the phone
    assert page.locator("input[name=title]").count() == 1
    sizes = []
    for number in (1, 2):
        fill_case(page, f"入户走访发现问题{number}", f"第{number}户反映低保评定不公")
        upload = photo(number)
        sizes.append(len(upload["buffer"]))
        page.set_input_files("input[name=attachment]", upload)
        page.locator("form.card button").last.click()
        page.wait_for_selector(f"#offline-notice:has-text('入户走访发现问题{number}')")
    page.goto(f"{field_site}{drill_url}")
    row = page.locator(f"form[action$='/visit/{sampled.sequence}/']")
    row.locator("select[name=meets_standard]").select_option("否")
    row.locator("select[name=approval]").select_option(index=1)
    row.locator("button").click()
    page.wait_for_selector("#offline-notice:has-text('已存入本机待同步')")

    page.reload()  # still offline: the queue survives a reload
    page.wait_for_selector("#offline-badge:has-text('待同步 3')")
    items = queued(page)
    assert len(items) == 3 and {i["status"] for i in items} == {"pending"}
    photos = [f for i in items for f in i["files"]]
    assert len(photos) == 2
    for stored, original in zip(sorted(photos, key=lambda f: f["name"]), sizes, strict=True):
        assert stored["name"].endswith(".jpg") and stored["size"] < original / 3
    assert items[0]["place"]["lat"] == pytest.approx(34.89312)
    page.goto(f"{field_site}/offline/")
    page.wait_for_selector("#offline-queue tr.offline-item >> nth=2")
    artifacts_dir()
    page.screenshot(path=str(artifacts_dir() / "offline-queue-phone.png"), full_page=True)
    assert Case.objects.count() == 0

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#offline-queue-empty:visible")
    wait_until(lambda: SyncedItem.objects.count() == 3)
    assert Case.objects.count() == 2
    assert sorted(Case.objects.values_list("title", flat=True)) == [
        "入户走访发现问题1",
        "入户走访发现问题2",
    ]
    attachments = list(CaseAttachment.objects.all())
    assert len(attachments) == 2 and all(a.name.endswith(".jpg") for a in attachments)
    sampled.refresh_from_db()
    assert sampled.meets_standard is False and sampled.visited_by.username == "cadre"
    synced = SyncedItem.objects.order_by("client_time")
    assert [s.kind for s in synced] == ["cases.register", "cases.register", "assess.drill_visit"]
    assert all(s.latitude is not None for s in synced)
    page.wait_for_selector("#offline-done li >> nth=2")
    page.screenshot(path=str(artifacts_dir() / "offline-synced-phone.png"), full_page=True)

    # A replayed sync (the same ids sent again, e.g. an answer lost on the way) creates nothing.
    replies = replay(
        page, "/cases/new/", [str(s.client_id) for s in synced if s.kind == "cases.register"]
    )
    assert [r["replayed"] for r in replies] == [True, True]
    assert Case.objects.count() == 2 and SyncedItem.objects.count() == 3
    context.close()


def test_a_report_changed_meanwhile_stays_queued_with_its_reason(browser, field_site, db_access):
    from tuopin.org.models import User
    from tuopin.reports import actions
    from tuopin.reports.models import Report
    from tuopin.reports.tests.conftest import values_for

    context, page = sign_in(browser, field_site, "reporter")
    set_up_device(page, field_site)
    report = Report.objects.get(unit__name="县交通局", period__deadline__date=DEMO_NOW.date())
    edit_url = f"{field_site}/reports/report/{report.pk}/edit/"
    assert page.locator(f"#offline-pages a[href='/reports/report/{report.pk}/edit/']").count()

    context.set_offline(True)
    page.goto(edit_url)
    page.locator("textarea[name$='-progress']").first.fill("离线填写：本周完成路面硬化2公里")
    page.get_by_role("button", name="保存草稿", exact=True).click()
    page.wait_for_selector("#offline-notice:has-text('已存入本机待同步')")

    # Meanwhile a colleague saves the report in the office.
    from tuopin.lib import clock
    from tuopin.plan.models import Action, Milestone

    office = SimpleNamespace(
        roads=Action.objects.get(number=13),
        road_km=Milestone.objects.get(text="完成通村道路硬化40公里"),
        road_share=Milestone.objects.get(text="贫困村通硬化路比例达到100%"),
    )

    with clock.frozen(DEMO_NOW):
        actions.save_report(
            User.objects.get(username="reporter"),
            report,
            values_for(office),
            revision=report.revision,
        )

    context.set_offline(False)
    page.goto(f"{field_site}/offline/")
    page.wait_for_selector("#offline-queue .offline-reason")
    reason = page.locator("#offline-queue .offline-reason").inner_text()
    assert "被退回" in reason
    page.wait_for_selector("#offline-badge:has-text('1 项被退回')")
    page.screenshot(path=str(artifacts_dir() / "offline-refused-phone.png"), full_page=True)
    items = queued(page)
    assert [i["status"] for i in items] == ["refused"]
    report.refresh_from_db()
    assert "离线填写" not in str(report.current_version.payload)

    # The user fixes it: the form opens with the queued values, saving sends the same id again.
    page.locator("#offline-queue a.offline-edit").click()
    page.wait_for_selector("#offline-notice:has-text('正在修改')")
    assert "离线填写" in page.locator("textarea[name$='-progress']").first.input_value()
    page.get_by_role("button", name="保存草稿", exact=True).click()
    page.wait_for_selector("#offline-notice:has-text('已存入本机待同步')")
    page.goto(f"{field_site}/offline/")
    page.wait_for_selector("#offline-queue-empty:visible")
    report.refresh_from_db()
    assert "离线填写" in str(report.current_version.payload)
    context.close()


def test_logout_asks_about_unsent_forms_and_clears_the_device(browser, field_site, db_access):
    context, page = sign_in(browser, field_site, "village_cadre")
    set_up_device(page, field_site)
    page.goto(f"{field_site}/cases/new/")
    context.set_offline(True)
    fill_case(page, "退出前未同步")
    page.locator("form.card button").last.click()
    page.wait_for_selector("#offline-notice:has-text('已存入本机待同步')")
    # Mark it refused so that it stays on the phone when the network returns.
    page.evaluate(
        """() => new Promise((resolve) => {
          const open = indexedDB.open("tuopin-offline", 1);
          open.onsuccess = () => {
            const store = open.result.transaction("queue", "readwrite").objectStore("queue");
            store.getAll().onsuccess = (event) => {
              for (const item of event.target.result) { item.status = "refused"; store.put(item); }
              store.transaction.oncomplete = () => resolve(true);
            };
          };
        })"""
    )
    context.set_offline(False)
    messages = []

    def dismiss(dialog) -> None:
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.locator(".userbox form button").click()
    page.wait_for_timeout(500)
    assert "没有同步" in messages[0]
    assert "/login/" not in page.url
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".userbox form button").click()
    page.wait_for_url("**/login/")
    assert page.evaluate("caches.keys()") == []
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then((r) => r.length)") == 0
    context.close()


def test_a_dead_connection_while_online_keeps_the_form(browser, field_site, db_access):
    """One bar: the phone thinks it is online but the post does not get through."""
    from tuopin.cases.models import Case

    context, page = sign_in(browser, field_site, "village_cadre")
    set_up_device(page, field_site)
    page.goto(f"{field_site}/cases/new/")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    before = Case.objects.count()

    def drop_posts(route) -> None:
        if route.request.method == "POST":
            route.abort("internetdisconnected")
        else:
            route.continue_()

    context.route("**/cases/new/", drop_posts)
    fill_case(page, "一格信号时填写")
    page.locator("form.card button").last.click()
    page.wait_for_selector("text=网络不通，表单没有发出")
    page.click("text=返回表单")
    page.wait_for_selector("input[name=title]")
    assert page.locator("input[name=title]").input_value() == "一格信号时填写"
    page.locator("form.card button").last.click()
    page.wait_for_selector("#offline-notice:has-text('已存入本机待同步')")
    assert Case.objects.count() == before
    context.unroute("**/cases/new/")
    page.goto(f"{field_site}/offline/")
    page.wait_for_selector("#offline-done li")
    assert Case.objects.filter(title="一格信号时填写").count() == 1
    context.close()


def test_an_inspection_recorded_offline_arrives_once(browser, field_site, db_access):
    """An inspector's 暗访 record (在岗、档案抽查) saved without signal, after a reload."""
    from tuopin.cases.models import InspectionVisit

    context, page = sign_in(browser, field_site, "inspector")
    set_up_device(page, field_site)
    # County-wide roles download the villages, never the county's households.
    data = page.evaluate("tuopinOffline.data()")
    assert len(data["villages"]) == 4 and "households" not in data
    page.goto(f"{field_site}/cases/inspections/new/")
    context.set_offline(True)
    page.reload()
    page.select_option("select[name=org_unit]", village_value())
    page.fill("input[name=inspectors]", "王五、赵六")
    page.check("input[name=is_unannounced]")
    page.fill("input[name=cadres_expected]", "3")
    page.fill("input[name=cadres_present]", "2")
    page.fill("input[name=files_checked]", "10")
    page.fill("input[name=files_ok]", "9")
    page.fill("textarea[name=progress_note]", "通村道路硬化推进中")
    page.locator("form button").last.click()
    page.wait_for_selector("#offline-notice:has-text('已存入本机待同步')")
    page.reload()
    page.wait_for_selector("#offline-badge:has-text('待同步 1')")
    assert InspectionVisit.objects.count() == 0
    context.set_offline(False)
    page.goto(f"{field_site}/offline/")
    page.wait_for_selector("#offline-done li")
    wait_until(lambda: InspectionVisit.objects.count() == 1)
    visit = InspectionVisit.objects.get()
    assert (visit.cadres_present, visit.files_ok, visit.is_unannounced) == (2, 9, True)
    assert page.evaluate("tuopinOffline.queued()") == []
    context.close()


def replay(page, url: str, ids: list[str]) -> list[dict]:
    """Send the same offline ids again (an answer lost on the way, a second tab)."""
    return page.evaluate(
        """async ([url, ids]) => {
          const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
          const out = [];
          for (const id of ids) {
            const r = await fetch(url, {method: "POST", body: new FormData(),
              headers: {"X-Tuopin-Offline-Id": id, "X-CSRFToken": token}});
            out.push({...(await r.json()), result: r.headers.get("X-Tuopin-Offline-Result")});
          }
          return out;
        }""",
        [url, ids],
    )


def test_helper_visits_and_a_checklist_inspection_offline_arrive_once(
    browser, field_site, db_access
):
    """The issue's done-when: a helper records two visits with photos (and a third to a
    household taken from them meanwhile), an inspector a checklist inspection, both without
    signal and after a reload; back online each arrives once, a replay creates nothing, the
    refused visit stays queued with its reason."""
    from tuopin.households.models import Assignment, Helper, Visit
    from tuopin.offline.models import SyncedItem
    from tuopin.org import privacy
    from tuopin.org.models import User
    from tuopin.registry.models import Household
    from tuopin.villages.models import ChecklistInspection, ChecklistTemplate

    helper_context, helper = sign_in(browser, field_site, "helper1")
    set_up_device(helper, field_site)
    roster = helper.evaluate("tuopinOffline.data()")["helper_households"]
    homes = [row["no"] for row in roster]
    assert len(homes) == 3
    account = User.objects.get(username="helper1")
    for row in roster:
        household = Household.objects.get(household_no=row["no"])
        assert row["head"] == privacy.disclosure(account, household).name(household.head_name)
    inspector_context, inspector = sign_in(browser, field_site, "inspector")
    set_up_device(inspector, field_site)
    sanwu = ChecklistTemplate.objects.get(key="sanwu", is_current=True)
    checklists = inspector.evaluate("tuopinOffline.data()")["checklists"]
    assert any(c["key"] == "sanwu" and c["version"] == sanwu.version for c in checklists)
    before = SyncedItem.objects.count()

    helper_context.set_offline(True)
    inspector_context.set_offline(True)
    # Neither form was opened online: both come from the downloaded bundle.
    helper.goto(f"{field_site}/households/visit/")
    for number, home in enumerate(homes, 1):
        helper.fill("input[name=household_no]", home)
        helper.fill("textarea[name=what]", f"离线走访{number}：了解务工收入")
        if number < 3:
            helper.set_input_files("input[name=photo]", photo(number))
        helper.locator("form.visit-form button").click()
        helper.wait_for_selector(f"#offline-notice:has-text('{home}')")
    # The village page's link: the stored checklist page, 东关村 chosen from the address.
    inspector.goto(f"{field_site}/villages/check/sanwu/?place=610327100201")
    assert inspector.locator("select[name=place]").input_value() == "610327100201"
    for item in sanwu.items.all():
        inspector.check(f"input[name=i_{item.pk}][value='1']")
    inspector.locator("#checklist button.primary").click()
    inspector.wait_for_selector("#offline-notice:has-text('已存入本机待同步')")

    helper.reload()  # still offline: the queue survives a reload
    inspector.reload()
    helper.wait_for_selector("#offline-badge:has-text('待同步 3')")
    inspector.wait_for_selector("#offline-badge:has-text('待同步 1')")
    visits = queued(helper)
    assert sorted(len(i["files"]) for i in visits) == [0, 1, 1]
    assert all(f["name"].endswith(".jpg") for i in visits for f in i["files"])
    assert Visit.objects.count() == 0 and ChecklistInspection.objects.count() == 0

    # Meanwhile the office gives the third household to another helper.
    other = Helper.objects.create(name="李帮扶", unit="县卫计局")
    Assignment.objects.filter(household__household_no=homes[2]).update(helper=other)

    for context, page in ((helper_context, helper), (inspector_context, inspector)):
        page.goto(f"{field_site}/offline/")  # still offline: 待同步 from the phone
        page.wait_for_selector("#offline-queue tr.offline-item")
        context.set_offline(False)  # the page syncs on the browser's "online" event
        page.evaluate("window.dispatchEvent(new Event('online'))")
    inspector.wait_for_selector("#offline-queue-empty:visible")
    helper.wait_for_selector("#offline-queue .offline-reason")
    wait_until(lambda: SyncedItem.objects.count() == before + 3)
    assert sorted(Visit.objects.values_list("household__household_no", flat=True)) == homes[:2]
    assert all(v.photo.name.endswith(".jpg") for v in Visit.objects.all())
    inspection = ChecklistInspection.objects.get()
    assert inspection.org_unit.code == "610327100201" and inspection.latitude is not None
    left = queued(helper)
    assert [(i["status"], len(i["files"])) for i in left] == [("refused", 0)]
    assert "不在您的管辖范围内" in left[0]["reason"]
    helper.wait_for_selector("#offline-badge:has-text('1 项被退回')")
    helper.screenshot(
        path=str(artifacts_dir() / "offline-helper-refused-phone.png"), full_page=True
    )

    # A replayed sync creates nothing.
    synced = SyncedItem.objects.order_by("received_at")
    visit_ids = [str(s.client_id) for s in synced if s.kind == "households.visit"]
    check_ids = [str(s.client_id) for s in synced if s.kind == "villages.checklist"]
    assert len(visit_ids) == 2 and len(check_ids) == 1
    again = replay(helper, "/households/visit/", visit_ids)
    again += replay(inspector, "/villages/check/sanwu/", check_ids)
    assert [(r["replayed"], r["result"]) for r in again] == [(True, "done")] * 3
    assert Visit.objects.count() == 2 and ChecklistInspection.objects.count() == 1
    assert SyncedItem.objects.count() == before + 3
    helper_context.close()
    inspector_context.close()


def test_a_page_no_worker_controls_asks_before_posting(browser, field_site, db_access):
    """No service worker behind the page (first load, forced reload, plain-HTTP intranet) and
    one bar: the page script finds the server unreachable and queues the form."""
    from tuopin.cases.models import Case

    context, page = sign_in(browser, field_site, "village_cadre", workers="block")
    page.goto(f"{field_site}/cases/new/")
    assert page.evaluate("navigator.serviceWorker.controller") is None
    context.route("**/*", lambda route: route.abort("internetdisconnected"))
    fill_case(page, "没有离线助手时填写")
    page.locator("form.card button").last.click()
    page.wait_for_selector("#offline-notice:has-text('已存入本机待同步')")
    assert Case.objects.filter(title="没有离线助手时填写").count() == 0
    context.unroute("**/*")
    page.evaluate("tuopinOffline.sync()")
    wait_until(lambda: Case.objects.filter(title="没有离线助手时填写").count() == 1)
    # With the server reachable the form posts as always (no queue).
    page.goto(f"{field_site}/cases/new/")
    fill_case(page, "有信号时填写")
    page.locator("form.card button").last.click()
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    assert Case.objects.filter(title="有信号时填写").count() == 1
    assert page.evaluate("tuopinOffline.queued()") == []
    context.close()
