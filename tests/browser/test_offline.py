"""Field work without signal, on a phone (390×844): the network goes off, a cadre registers two
problems with photos and records a drill visit, reloads the page still offline, the forms wait
in 待同步; the network comes back and each is on the server exactly once; a replayed sync creates
nothing; a weekly report changed in the office meanwhile stays queued with its reason."""

from __future__ import annotations

import io
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
def field_site(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The test county, a few households per village, a drill and the week's report."""
    from tuopin.lib import clock

    def build() -> None:
        from tuopin.assess import actions
        from tuopin.assess.tests.factories import household
        from tuopin.org.testing import build_world
        from tuopin.reports.tests.conftest import build_setup

        world = build_world()
        for village in (world.cg_village, world.cg_village2, world.df_village, world.df_village2):
            for _ in range(4):
                household(village)
        actions.create_drill(
            world.hq, area=world.county, seed=5, as_of=DEMO_NOW.date(), villages=4, households=12
        )
        build_setup(world)

    clock.configure(DEMO_NOW)
    try:
        with served(django_db_blocker, build) as url:
            yield url
    finally:
        clock.configure(None)


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


def sign_in(browser, base_url: str, username: str):
    """A phone with a service worker and a position, signed in."""
    return signed_in(
        browser,
        base_url,
        username,
        viewport=PHONE,
        timeout=20000,
        service_workers="allow",
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
    replies = page.evaluate(
        """async (ids) => {
          const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
          const out = [];
          for (const id of ids) {
            const body = new FormData();
            body.append("kind", "discipline");
            body.append("title", "重放");
            const r = await fetch("/cases/new/", {method: "POST", body,
              headers: {"X-Tuopin-Offline-Id": id, "X-CSRFToken": token}});
            out.push(await r.json());
          }
          return out;
        }""",
        [str(s.client_id) for s in synced if s.kind == "cases.register"],
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
