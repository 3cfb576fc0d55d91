"""网上信访: a code through the SMS gateway (a loopback HTTP double), limits, traps, merges."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from tuopin.cases.models import Case, CaseEvent, Kind, Source, State
from tuopin.reports.tests.servers import webhook_server

URL = "/cases/file/"
CONTENT = "村里的危房改造补助到现在还没有发放，家里房子漏雨，请帮忙落实。"


@pytest.fixture
def gateway(settings):
    with webhook_server() as server:
        settings.SMS_WEBHOOK_URL = f"http://127.0.0.1:{server.server_address[1]}/sms"
        settings.SMS_DEMO_ECHO = False
        settings.CASES_FILE_MIN_SECONDS = 0
        yield server


def _sent_code(gateway) -> str:
    path, _, body = gateway.bodies[-1]
    assert path == "/sms"
    return re.search(r"验证码为(\d{6})", body["text"]).group(1)


def _form(world, client, **extra):
    page = client.get(URL)
    assert page.status_code == 200
    started = re.search(r'name="t" value="([^"]+)"', page.content.decode()).group(1)
    data = {
        "t": started,
        "name": "李四",
        "phone": "13800001234",
        "town": world.chengguan.code,
        "village": world.cg_village.code,
        "category": "危房改造",
        "content": CONTENT,
        "website": "",
    }
    data.update(extra)
    return data


def _code(client, gateway, data) -> str:
    answer = client.post(URL, {**data, "action": "code"})
    assert answer.status_code == 200, answer.content.decode()
    assert "验证码已发送" in answer.content.decode()
    return _sent_code(gateway)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_a_verified_filing_enters_the_case_engine_at_registration(world, client, gateway):
    data = _form(world, client)
    code = _code(client, gateway, data)
    photo = io.BytesIO(_png())
    photo.name = "漏雨.png"
    answer = client.post(URL, {**data, "code": code, "action": "file", "photo": photo})
    assert answer.status_code == 302, answer.content.decode()
    case = Case.objects.get(kind=Kind.PETITION)
    assert case.state == State.REGISTERED
    assert case.source == Source.ONLINE
    assert case.org_unit == world.cg_village
    assert case.tracking_code and case.clocks.get().deadline is not None
    assert case.events.get().attachments.count() == 1
    done = client.get(answer["Location"]).content.decode()
    assert "信访件已提交" in done
    shown = re.search(r"data-code>([A-Z0-9-]+)<", done).group(1)
    assert shown.replace("-", "") == case.tracking_code
    # The tracking page follows it at once.
    assert client.get("/cases/track/progress/").status_code == 200


def test_the_code_must_match_and_is_used_once(world, client, gateway):
    data = _form(world, client)
    code = _code(client, gateway, data)
    wrong = "000000" if code != "000000" else "111111"
    answer = client.post(URL, {**data, "code": wrong, "action": "file"})
    assert answer.status_code == 400 and "验证码不正确" in answer.content.decode()
    assert client.post(URL, {**data, "code": code, "action": "file"}).status_code == 302
    again = client.post(URL, {**data, "content": CONTENT + "又及", "code": code, "action": "file"})
    assert again.status_code == 400
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "真实姓名"),
        ("phone", "12345", "11位手机号码"),
        ("town", "", "镇和村"),
        ("village", "610327101201", "镇和村"),  # a village of another town
        ("category", "随便", "类别"),
        ("content", "太短了", "不少于15个字"),
        ("content", "啊" * 40, "不是有效的问题描述"),
    ],
)
def test_missing_or_implausible_fields_are_refused(world, client, gateway, field, value, message):
    data = _form(world, client)
    code = _code(client, gateway, data)
    answer = client.post(URL, {**data, field: value, "code": code, "action": "file"})
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not Case.objects.exists()


def test_a_file_that_is_not_an_image_is_refused(world, client, gateway):
    data = _form(world, client)
    code = _code(client, gateway, data)
    fake = io.BytesIO(b"%PDF-1.4 not a photo")
    fake.name = "照片.jpg"
    answer = client.post(URL, {**data, "code": code, "action": "file", "photo": fake})
    assert answer.status_code == 400
    assert "照片" in answer.content.decode()
    assert not Case.objects.exists()


def test_the_same_content_again_is_merged(world, client, gateway):
    data = _form(world, client)
    client.post(URL, {**data, "code": _code(client, gateway, data), "action": "file"})
    spaced = CONTENT.replace("，", " ， ")
    answer = client.post(
        URL, {**data, "content": spaced, "code": _code(client, gateway, data), "action": "file"}
    )
    assert answer.status_code == 302
    assert Case.objects.count() == 1
    assert "已合并" in client.get(answer["Location"]).content.decode()
    assert CaseEvent.objects.filter(action="merge").count() == 1


def test_the_honeypot_and_a_too_quick_form_are_refused(world, client, gateway, settings):
    data = _form(world, client)
    code = _code(client, gateway, data)
    trapped = client.post(URL, {**data, "website": "http://spam", "code": code, "action": "file"})
    assert trapped.status_code == 400
    settings.CASES_FILE_MIN_SECONDS = 60
    hurried = client.post(URL, {**data, "code": code, "action": "file"})
    assert hurried.status_code == 400 and "提交过快" in hurried.content.decode()
    forged = client.post(URL, {**data, "t": "1:forged", "code": code, "action": "file"})
    assert forged.status_code == 400 and "页面已失效" in forged.content.decode()
    assert not Case.objects.exists()


def test_a_flood_from_one_address_is_refused(world, client, gateway, settings):
    settings.CASES_CODES_PER_ADDRESS = 3
    data = _form(world, client)
    for index in range(3):
        phone = f"1390000{index:04d}"
        assert client.post(URL, {**data, "phone": phone, "action": "code"}).status_code == 200
    refused = client.post(URL, {**data, "phone": "13900009999", "action": "code"})
    assert refused.status_code == 400
    assert "过于频繁" in refused.content.decode()
    assert len(gateway.bodies) == 3


def test_filings_per_address_a_day_are_capped(world, client, gateway, settings):
    settings.CASES_FILINGS_PER_ADDRESS = 1
    data = _form(world, client)
    client.post(URL, {**data, "code": _code(client, gateway, data), "action": "file"})
    other = {**data, "content": "另一件事：村道损坏多处，雨天无法通行，希望尽快修复。"}
    answer = client.post(URL, {**other, "code": _code(client, gateway, other), "action": "file"})
    assert answer.status_code == 400 and "已达上限" in answer.content.decode()
    assert Case.objects.count() == 1


def test_without_a_gateway_the_page_says_so(world, client, settings):
    settings.SMS_WEBHOOK_URL = ""
    settings.SMS_DEMO_ECHO = False
    data = _form(world, client)
    answer = client.post(URL, {**data, "action": "code"})
    assert answer.status_code == 400 and "短信通道尚未配置" in answer.content.decode()


def test_the_login_page_links_to_filing_and_tracking(client, db):
    page = client.get("/login/").content.decode()
    assert 'href="/cases/file/"' in page and 'href="/cases/track/"' in page


def test_the_purge_keeps_a_days_filing_counter(world, client, gateway, settings):
    """The worker's purge runs on the login window; the daily cap must outlive it."""
    import datetime as dt

    from tuopin.lib import clock
    from tuopin.org import throttle
    from tuopin.org.models import LoginCounter, LoginCounterKind

    settings.CASES_FILINGS_PER_ADDRESS = 1
    data = _form(world, client)
    client.post(URL, {**data, "code": _code(client, gateway, data), "action": "file"})
    later = clock.now() + dt.timedelta(hours=3)
    throttle.forget_expired(later)
    assert LoginCounter.objects.filter(
        kind=LoginCounterKind.FILE_ADDRESS, key__startswith="file:"
    ).exists()
    assert not LoginCounter.objects.filter(kind=LoginCounterKind.FILE_PHONE).exists()
    throttle.forget_expired(clock.now() + dt.timedelta(days=1, minutes=1))
    assert not LoginCounter.objects.filter(kind=LoginCounterKind.FILE_ADDRESS).exists()
    with pytest.raises(ValueError):
        throttle.reserve(LoginCounterKind.TRACK_CODE, "x", 5, clock.now(), window_seconds=86400)


def test_the_worker_forgets_expired_codes(world, client, gateway):
    import datetime as dt

    from tuopin.cases.models import PhoneCode
    from tuopin.cases.online import forget_expired_codes
    from tuopin.lib import clock

    data = _form(world, client)
    _code(client, gateway, data)
    assert forget_expired_codes(clock.now()) == 0
    assert forget_expired_codes(clock.now() + dt.timedelta(days=2)) == 1
    assert not PhoneCode.objects.exists()
