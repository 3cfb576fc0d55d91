"""The server says what became of a queued form (no guessing from the status), and a refused
form leaves no file behind."""

from __future__ import annotations

import json
import uuid

import pytest
from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.shortcuts import redirect
from django.test import RequestFactory

from tuopin.cases.models import Case, CaseAttachment
from tuopin.offline.models import SyncedItem
from tuopin.offline.sync import RESULT_HEADER, offline_form, refused, saved
from tuopin.offline.tests.test_sync import case_form, offline_post


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def queued(user, path="/field/", **data):
    request = RequestFactory().post(path, data, headers={"X-Tuopin-Offline-Id": str(uuid.uuid4())})
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def body(answer) -> dict:
    return json.loads(answer.content)


def media_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@offline_form("test.page")
def answers_with_a_page(request):
    """Saves a file and answers with the record's page (200), not a redirect."""
    default_storage.save("field/record.txt", ContentFile(b"kept"))
    messages.success(request, "已保存")
    return saved(HttpResponse("<h1>已保存的记录</h1>"))


@offline_form("test.unmarked")
def answers_with_an_unmarked_page(request):
    default_storage.save("field/unmarked.txt", ContentFile(b"x"))
    return HttpResponse("<p>已保存</p>")


@offline_form("test.back")
def redirects_back_refusing(request):
    default_storage.save("field/photo.jpg", ContentFile(b"\xff\xd8\xff"))
    return refused(redirect("/field/"))


@offline_form("test.errors")
def rerenders_with_errors(request):
    default_storage.save("field/photo.jpg", ContentFile(b"\xff\xd8\xff"))
    return HttpResponse('<p class="error">照片：第2项须拍照</p>', status=400)


def test_a_success_answered_with_a_page_is_done_when_the_view_says_so(world, settings):
    answer = answers_with_a_page(queued(world.cadre))
    assert answer.status_code == 200 and answer[RESULT_HEADER] == "done"
    found = body(answer)
    assert found["status"] == "done" and found["url"] == "/field/" and found["message"] == "已保存"
    assert "X-Tuopin-Outcome" not in answer
    assert SyncedItem.objects.get().kind == "test.page"
    assert media_files(settings) == ["field/record.txt"]


def test_an_unmarked_page_is_a_refusal_and_its_file_is_removed(world, settings):
    answer = answers_with_an_unmarked_page(queued(world.cadre))
    assert answer[RESULT_HEADER] == "refused" and body(answer)["status"] == "refused"
    assert not SyncedItem.objects.exists()
    assert media_files(settings) == []


def test_a_refusal_said_by_the_view_rolls_back_and_removes_the_files(world, settings):
    request = queued(world.cadre)
    messages.warning(request, "该户已不在您的管辖范围内")
    answer = redirects_back_refusing(request)
    assert answer[RESULT_HEADER] == "refused"
    assert body(answer)["reason"] == "该户已不在您的管辖范围内"
    errors = rerenders_with_errors(queued(world.cadre))
    assert errors.status_code == 400 and body(errors)["reason"] == "照片：第2项须拍照"
    assert not SyncedItem.objects.exists()
    assert media_files(settings) == []


def test_a_real_form_refused_after_saving_its_photo_leaves_no_file(
    world, login, settings, monkeypatch
):
    """A case registered with a photo, refused by the decorator after the view saved it (a
    message at warning level means the view did not take the form)."""
    client = login(world.cadre)
    photo = SimpleUploadedFile("照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    accepted = offline_post(client, "/cases/new/", case_form(world, attachment=photo)).json()
    assert accepted["status"] == "done" and len(media_files(settings)) == 1

    def warn_instead(request, text, *args, **kwargs):
        return messages.warning(request, "登记后发现重复：" + str(text))

    monkeypatch.setattr(messages, "success", warn_instead)
    photo = SimpleUploadedFile("照片2.png", b"\x89PNG\r\n\x1a\n" + b"1" * 100)
    answer = offline_post(client, "/cases/new/", case_form(world, attachment=photo))
    assert answer[RESULT_HEADER] == "refused" and "登记后发现重复" in answer.json()["reason"]
    assert Case.objects.count() == 1 and CaseAttachment.objects.count() == 1
    assert len(media_files(settings)) == 1


def test_the_phone_is_told_to_retry_a_login_or_a_server_failure(world):
    from django.test import Client

    answer = Client().post("/cases/new/", {}, headers={"X-Tuopin-Offline-Id": str(uuid.uuid4())})
    assert answer.status_code == 401 and answer[RESULT_HEADER] == "retry"
    assert answer.json()["login"] is True


def test_ping_answers_empty(client):
    answer = client.get("/offline/ping")
    assert answer.status_code == 204 and "no-cache" in answer["Cache-Control"]
