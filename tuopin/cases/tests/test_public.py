from __future__ import annotations

import ipaddress
import re

import pytest

from tuopin.cases import actions
from tuopin.cases.models import Case, CaseEvent, PetitionRating
from tuopin.cases.public import NOT_FOUND
from tuopin.cases.tests.helpers import at, petition, refresh, step
from tuopin.lib import clock


@pytest.fixture
def tracked(world):
    case = petition(world)
    step("2018-07-02 10:00", actions.accept_case, world.hq, case)
    step("2018-07-02 11:00", actions.assign_case, world.hq, case, unit=world.chengguan_unit)
    step("2018-07-03 09:00", actions.start_case, world.cadre, case)
    with clock.frozen(at("2018-07-20 10:00")):
        yield refresh(case)


def _strip_token(body: str) -> str:
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", body)


def test_the_petitioner_follows_progress_without_login(client, tracked):
    response = client.post(
        "/cases/track/", {"code": tracked.tracking_code.lower(), "phone_last4": "5678"}
    )
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    assert "办理中" in body
    assert "已交由城关镇办理" in body
    assert tracked.title in body
    # No personal data beyond the petitioner's own, no staff names or internal notes.
    assert "13912345678" not in body
    assert "张三" not in body
    assert "cadre" not in body
    assert "登记" in body  # the registration date line


def test_wrong_code_and_wrong_digits_get_the_same_answer(client, tracked):
    wrong_digits = client.post(
        "/cases/track/", {"code": tracked.tracking_code, "phone_last4": "0000"}
    )
    wrong_code = client.post("/cases/track/", {"code": "ABCDEFGHJKMN", "phone_last4": "5678"})
    assert wrong_digits.status_code == wrong_code.status_code == 200
    assert NOT_FOUND in wrong_digits.content.decode()
    assert _strip_token(wrong_digits.content.decode()) == _strip_token(wrong_code.content.decode())


def _track(client, code: str, digits: str, address: str = "127.0.0.1"):
    return client.post("/cases/track/", {"code": code, "phone_last4": digits}, REMOTE_ADDR=address)


def test_wrong_digits_pause_that_code_from_that_address_only(client, tracked, settings):
    settings.CASES_TRACK_PER_CODE = 3
    code = tracked.tracking_code
    assert [_track(client, code, "1111").status_code for _ in range(3)] == [200, 200, 200]
    # The right digits wait a few minutes at this address, and the page says why and what to do.
    refused = _track(client, code, "5678")
    assert refused.status_code == 429
    text = refused.content.decode()
    assert "这个查询码在本网络连续核对失败 3 次" in text
    assert "您的信访件没有被锁定：5分钟后再试，或换用其他网络" in text
    # A made-up code gets the same pause: the answer confirms nothing.
    for _ in range(3):
        _track(client, "ABCDEFGHJKMN", "5678")
    assert _track(client, "ABCDEFGHJKMN", "5678").status_code == 429
    # The genuine petitioner gets through from another network at once ...
    assert _track(client, code, "5678", address="10.0.0.9").status_code == 302
    # ... and from the first one after the short window.
    with clock.frozen(at("2018-07-20 10:05")):
        assert _track(client, code, "5678").status_code == 302
    # A success clears the count: a later typing slip does not count against the old ones.
    with clock.frozen(at("2018-07-20 10:06")):
        assert _track(client, code, "1111").status_code == 200
        assert _track(client, code, "5678").status_code == 302


def test_guessing_many_codes_from_one_address_is_limited(client, tracked, settings):
    settings.CASES_TRACK_PER_ADDRESS = 5
    statuses = [_track(client, f"ZZZZZZZZZZ{i:02d}", "5678").status_code for i in range(6)]
    assert statuses == [200, 200, 200, 200, 200, 429]
    assert (
        "此网络地址查询失败次数过多，请5分钟后再试"
        in _track(client, "Z" * 12, "5678").content.decode()
    )
    # Other addresses and the right digits elsewhere are untouched.
    assert _track(client, "YYYYYYYYYYYY", "5678", address="10.0.0.9").status_code == 200
    assert _track(client, tracked.tracking_code, "5678", address="10.0.0.9").status_code == 302


def test_petitioners_behind_a_trusted_proxy_are_limited_apart(client, tracked, settings):
    settings.CASES_TRACK_PER_ADDRESS = 2
    settings.TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]

    def lookup(code: str, forwarded_for: str) -> int:
        return client.post(
            "/cases/track/",
            {"code": code, "phone_last4": "5678"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded_for,
        ).status_code

    assert [lookup(f"ZZZZZZZZZZ{i:02d}", "198.51.100.7") for i in range(3)] == [200, 200, 429]
    assert lookup("YYYYYYYYYYYY", "198.51.100.8") == 200


def test_progress_and_rating_need_a_successful_lookup(client, tracked):
    assert client.get("/cases/track/progress/")["Location"] == "/cases/track/"
    response = client.post("/cases/track/rate/", {"rating": "satisfied"})
    assert response["Location"] == "/cases/track/"
    assert PetitionRating.objects.count() == 0


def test_the_petitioner_rates_once_resolved_and_unsatisfied_reopens(client, world, tracked):
    client.post("/cases/track/", {"code": tracked.tracking_code, "phone_last4": "5678"})
    body = client.get("/cases/track/progress/").content.decode()
    assert "提交评价" not in body
    response = client.post("/cases/track/rate/", {"rating": "unsatisfied"})
    assert response.status_code == 400
    assert "尚未办结" in response.content.decode()
    assert PetitionRating.objects.count() == 0
    actions.resolve_case(world.cadre, tracked, resolution="已重新评议，结果已公示")
    body = client.get("/cases/track/progress/").content.decode()
    assert "提交评价" in body
    assert "已重新评议，结果已公示" in body
    response = client.post("/cases/track/rate/", {"rating": "unsatisfied", "comment": "仍不公平"})
    assert response.status_code == 302
    case = refresh(tracked)
    assert case.state == "reopened"
    assert list(PetitionRating.objects.values_list("round", "rating", "comment")) == [
        (1, "unsatisfied", "仍不公平")
    ]
    assert list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))[-2:] == [
        "rate",
        "reopen",
    ]
    body = client.get("/cases/track/progress/").content.decode()
    assert "重新办理" in body
    assert "提交评价" not in body


def test_tracking_codes_are_unguessable(world):
    codes = set()
    for number in range(20):
        case = petition(world, phone=f"139000{number:05d}")
        step("2018-07-02 10:00", actions.accept_case, world.hq, case)
        codes.add(refresh(case).tracking_code)
    assert len(codes) == 20
    assert all(len(code) == 12 and set(code) <= set(actions.TRACKING_ALPHABET) for code in codes)
    assert Case.objects.filter(tracking_code__isnull=False).count() == 20
