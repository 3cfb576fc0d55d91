"""A petitioner follows and rates their petition in a real browser (Playwright + Debian chromium)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tuopin.cases import actions
from tuopin.cases.models import PetitionRating
from tuopin.cases.tests.helpers import petition, refresh, step

# Playwright's sync API runs an event loop in this thread; Django's ORM must still be usable.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]


@pytest.fixture
def in_browser():
    """Run callables against one page on a dedicated Playwright thread.

    Playwright's sync API owns an event loop in the thread that starts it; another browser suite
    in the same process (tests/browser keeps a session-wide one) would clash with a second one in
    the main thread. The database steps stay in the test's thread.
    """
    from playwright.sync_api import sync_playwright

    executor = ThreadPoolExecutor(max_workers=1)
    held: dict = {}

    def start():
        held["playwright"] = sync_playwright().start()
        held["browser"] = held["playwright"].chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = held["browser"].new_context(
            viewport={"width": 360, "height": 740}, locale="zh-CN"
        )
        context.set_default_timeout(15000)
        held["page"] = context.new_page()

    def stop():
        held["browser"].close()
        held["playwright"].stop()

    executor.submit(start).result()
    try:
        yield lambda steps: executor.submit(steps, held["page"]).result()
    finally:
        executor.submit(stop).result()
        executor.shutdown()


def test_a_petitioner_follows_and_rates_their_petition(world, live_server, in_browser):
    case = petition(world, "2018-07-02 09:00", phone="13912345678")
    step("2018-07-02 10:00", actions.accept_case, world.hq, case)
    step("2018-07-02 11:00", actions.assign_case, world.hq, case, unit=world.chengguan_unit)
    step("2018-07-03 09:00", actions.start_case, world.cadre, case)
    code = actions.format_tracking_code(refresh(case).tracking_code)

    def look_up(page) -> None:
        page.goto(f"{live_server.url}/cases/track/")
        page.get_by_label("查询码").fill(code)
        page.get_by_label("手机号后四位").fill("0000")
        page.get_by_role("button", name="查询").click()
        assert "未查询到匹配的信访件" in page.get_by_role("alert").inner_text()

        page.get_by_label("查询码").fill(code.lower())
        page.get_by_label("手机号后四位").fill("5678")
        page.get_by_role("button", name="查询").click()
        page.wait_for_url("**/cases/track/progress/")
        assert page.locator("#track-state").inner_text() == "办理中"
        assert "已交由城关镇办理" in page.content()
        assert page.get_by_role("button", name="提交评价").count() == 0

    in_browser(look_up)
    step(
        "2018-07-05 09:00",
        actions.resolve_case,
        world.cadre,
        refresh(case),
        resolution="已重新评议并公示",
    )

    def rate(page) -> None:
        page.reload()
        assert page.locator("#track-state").inner_text() == "已办结"
        assert "已重新评议并公示" in page.content()
        page.get_by_label("基本满意").check()
        page.get_by_label("意见（可选）").fill("希望以后及时公示")
        page.get_by_role("button", name="提交评价").click()
        page.wait_for_url("**/cases/track/progress/")
        assert "第1轮办理评价：基本满意" in page.content()
        assert page.get_by_role("button", name="提交评价").count() == 0
        # The page fits a phone: no horizontal scrolling at 360 px.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

    in_browser(rate)
    assert list(PetitionRating.objects.values_list("rating", "comment")) == [
        ("basic", "希望以后及时公示")
    ]


def test_a_member_of_the_public_files_on_a_phone_and_follows_it_to_rating(
    world, live_server, in_browser, settings
):
    """From the login page to filing, the SMS code (a loopback gateway), closure and rating."""
    import re

    from tuopin.cases.models import Case, Kind, Source, State
    from tuopin.reports.tests.servers import webhook_server

    settings.CASES_FILE_MIN_SECONDS = 0
    settings.SMS_DEMO_ECHO = False
    with webhook_server() as gateway:
        settings.SMS_WEBHOOK_URL = f"http://127.0.0.1:{gateway.server_address[1]}/sms"

        def fill_and_ask_for_code(page) -> None:
            page.goto(f"{live_server.url}/login/")
            page.get_by_role("link", name="网上信访").click()
            page.wait_for_url("**/cases/file/")
            page.get_by_label("姓名").fill("王五")
            page.get_by_label("手机号码").fill("139 1234 5678")
            page.get_by_label("所在镇").select_option(label="城关镇")
            page.get_by_label("所在村（可不选）").select_option(label="东关村")
            page.get_by_label("问题类别").select_option(label="低保与兜底保障")
            page.get_by_label("反映内容").fill(
                "我家今年的低保评议没有张榜公示，希望核实评议过程并公开结果。"
            )
            page.get_by_role("button", name="获取验证码").click()
            assert "验证码已发送" in page.get_by_role("status").inner_text()
            assert page.evaluate("document.documentElement.scrollWidth") <= 360

        in_browser(fill_and_ask_for_code)
        sent = gateway.bodies[-1][2]
        assert sent["phone"] == "13912345678"
        code = re.search(r"验证码为(\d{6})", sent["text"]).group(1)

        def file(page) -> str:
            page.get_by_label("短信验证码").fill(code)
            page.get_by_role("button", name="提交").click()
            page.wait_for_url("**/cases/file/done/")
            assert "信访件已提交" in page.content()
            return page.locator("[data-code]").inner_text()

        tracking = in_browser(file)

    case = Case.objects.get()
    assert case.kind == Kind.PETITION and case.source == Source.ONLINE
    assert case.state == State.REGISTERED
    assert actions.format_tracking_code(case.tracking_code) == tracking
    actions.accept_case(world.hq, case)
    actions.assign_case(world.hq, refresh(case), unit=world.chengguan_unit)
    actions.start_case(world.cadre, refresh(case))
    actions.resolve_case(world.cadre, refresh(case), resolution="已补充公示评议结果")
    actions.verify_case(world.leader, refresh(case))
    actions.close_case(world.hq, refresh(case))

    def follow_and_rate(page) -> None:
        page.goto(f"{live_server.url}/login/")
        page.get_by_role("link", name="信访件办理进度查询").click()
        page.get_by_label("查询码").fill(tracking)
        page.get_by_label("手机号后四位").fill("5678")
        page.get_by_role("button", name="查询").click()
        page.wait_for_url("**/cases/track/progress/")
        assert page.locator("#track-state").inner_text() == "已销号"
        assert "已补充公示评议结果" in page.content()
        page.get_by_label("满意", exact=True).check()
        page.get_by_role("button", name="提交评价").click()
        page.wait_for_url("**/cases/track/progress/")
        assert "第1轮办理评价：满意" in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

    in_browser(follow_and_rate)
    assert list(PetitionRating.objects.values_list("rating", flat=True)) == ["satisfied"]
