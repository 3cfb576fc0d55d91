from __future__ import annotations

import ipaddress
import re

import pytest

from tuopin.cases import actions
from tuopin.cases.models import Case, CaseEvent, PetitionRating
from tuopin.cases.public import NOT_FOUND, TOO_MANY
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


def test_lookups_are_rate_limited_per_code_and_per_address(client, tracked, settings):
    settings.CASES_TRACK_PER_CODE = 3
    settings.CASES_TRACK_PER_ADDRESS = 5
    for _ in range(3):
        client.post("/cases/track/", {"code": tracked.tracking_code, "phone_last4": "1111"})
    # The right digits no longer help once the code has been tried too often.
    response = client.post("/cases/track/", {"code": tracked.tracking_code, "phone_last4": "5678"})
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    # Guessing other codes from the same address hits the address limit (5 per window).
    statuses = [
        client.post(
            "/cases/track/",
            {"code": f"ZZZZZZZZZZ{i:02d}", "phone_last4": "5678"},
            REMOTE_ADDR="127.0.0.1",
        ).status_code
        for i in range(2)
    ]
    assert statuses == [200, 429]
    other = client.post(
        "/cases/track/", {"code": "YYYYYYYYYYYY", "phone_last4": "5678"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 200


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
