"""Exactly-once acceptance of forms queued on a phone while it had no signal.

A view opts in with ``@offline_form("cases.register")`` (outermost decorator). The page's own
form is unchanged: online it posts as always. A form saved offline is replayed later by the
phone as the same multipart POST to the same address, with ``X-Tuopin-Offline-Id: <uuid>``.
For such a request the decorator

* claims ``(user, id)`` in :class:`SyncedItem` inside one transaction together with everything
  the view writes; a second request with the same id (a replay, a double sync from two tabs)
  finds the row — or waits on its unique key and then finds it — and gets the stored result;
* judges the view's answer: a view may say so itself (:func:`saved` / :func:`refused` set
  ``X-Tuopin-Outcome`` on its response — needed for a success answered with a page rather than a
  redirect); otherwise a redirect without warning or error messages is success, and a page
  re-rendered with errors (elements of class ``error``), a warning or error message, a
  403/404/409 is a refusal, rolled back whole (files the view saved are deleted too) and
  answered with the page's own Chinese reasons, so the phone keeps the item and shows why;
* answers in JSON with ``X-Tuopin-Offline-Result: done | refused | retry``, the one thing the
  phone reads to decide whether an item leaves the queue.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Callable
from decimal import Decimal
from html.parser import HTMLParser

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

from tuopin.lib import bounds, clock
from tuopin.offline import storage
from tuopin.offline.models import SyncedItem
from tuopin.org.bad_input import BAD_INPUT_ERRORS
from tuopin.org.bad_input import reason as bad_input_reason

ID_HEADER = "HTTP_X_TUOPIN_OFFLINE_ID"
TIME_HEADER = "HTTP_X_TUOPIN_CLIENT_TIME"
PLACE_HEADER = "HTTP_X_TUOPIN_LOCATION"
VERSION_HEADER = "HTTP_X_TUOPIN_FORM_VERSION"
PAGE_HEADER = "X-Tuopin-Offline"
# Set by a view on its own answer (stripped before the phone sees it): "saved" or "refused".
OUTCOME_HEADER = "X-Tuopin-Outcome"
# Set on every answer to a queued form: "done" (leaves the queue), "refused" (stays, with the
# reason), "retry" (stays untouched; the next round sends it again).
RESULT_HEADER = "X-Tuopin-Offline-Result"
OUTDATED = "表单已更新（例如周报的时间节点有增减），此份按旧表单填写：请打开页面核对后重新填写"

REASON_BY_STATUS = {
    400: "提交的数据不合法",
    403: "您没有此项操作的权限（权限可能已被收回）",
    404: "要提交到的记录已不存在，或已不在您的管辖范围内",
    409: "该记录在您离线期间已被他人修改，请打开页面核对后重新填写",
    413: "文件或照片太大",
    422: "填写的内容有误",
}

_refusable = (*BAD_INPUT_ERRORS,)


def offline_form(kind: str, *, version: Callable[..., str] | None = None) -> Callable:
    """Mark a view as a field form: its page is cached for offline use and its POST accepts
    queued submissions exactly once. Put it above the view's other decorators.

    ``version(request, *args, **kwargs) -> str`` (optional) fingerprints the form's template
    (e.g. a weekly report's milestones): a form queued from an older template is refused with
    a reason instead of being saved with fields missing."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            request.offline_form = kind
            raw_id = request.META.get(ID_HEADER)
            if raw_id is None or request.method != "POST":
                if version is not None and request.method == "GET":
                    request.offline_form_version = _version(version, request, args, kwargs)
                response = view(request, *args, **kwargs)
                if request.method == "GET" and response.status_code == 200:
                    response[PAGE_HEADER] = kind
                return response

            def outdated() -> bool:
                queued = request.META.get(VERSION_HEADER, "")
                if version is None or not queued:
                    return False
                current = _version(version, request, args, kwargs)
                return current is not None and current != queued[:64]

            return accept(
                request, kind, raw_id, lambda: view(request, *args, **kwargs), outdated=outdated
            )

        wrapper.offline_kind = kind
        return wrapper

    return decorate


def offline_page(view: Callable) -> Callable:
    """Mark a page that hosts field forms posting elsewhere (e.g. a drill's sample list)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        request.offline_form = "page"
        response = view(request, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200:
            response[PAGE_HEADER] = "page"
        return response

    return wrapper


def _version(version: Callable[..., str], request: HttpRequest, args, kwargs) -> str | None:
    try:
        return version(request, *args, **kwargs)
    except (Http404, PermissionDenied, *_refusable):
        return None  # the view itself answers these


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def saved(response: HttpResponse) -> HttpResponse:
    """Mark a view's answer as "the form was taken" — for a view that answers a saved form with
    a page (200) instead of a redirect, which would otherwise be judged a refusal."""
    response[OUTCOME_HEADER] = "saved"
    return response


def refused(response: HttpResponse) -> HttpResponse:
    """Mark a view's answer as "the form was not taken" whatever its status (e.g. a redirect
    back to the form); the reason is the page's ``.error`` texts or the warning message."""
    response[OUTCOME_HEADER] = "refused"
    return response


def _answer(data: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    if data["status"] == "done":
        response[RESULT_HEADER] = "done"
    else:
        response[RESULT_HEADER] = "retry" if status in (401, 503) else "refused"
    return response


def refusal(status: int, reason: str, **extra) -> JsonResponse:
    return _answer({"status": "refused", "reason": reason, **extra}, status)


def accept(
    request: HttpRequest,
    kind: str,
    raw_id: str,
    run: Callable[[], HttpResponse],
    *,
    outdated: Callable[[], bool] = lambda: False,
):
    if not request.user.is_authenticated:
        # Never let login_required's redirect pass for success: the form stays queued.
        return refusal(401, "登录已过期：请重新登录后再同步（表单仍保存在本机）", login=True)
    try:
        client_id = uuid.UUID(raw_id)
    except ValueError:
        return refusal(400, "离线表单编号无效")
    found = SyncedItem.objects.filter(user=request.user, client_id=client_id).first()
    if found is not None:
        return _replay(found)
    if outdated():
        return refusal(409, OUTDATED)
    place = _place(request.META.get(PLACE_HEADER, ""))
    committed = False
    try:
        with storage.written() as files, transaction.atomic():
            item = SyncedItem.objects.create(
                user=request.user,
                client_id=client_id,
                kind=kind[:60],
                path=request.path[:300],
                client_time=_client_time(request.META.get(TIME_HEADER, "")),
                received_at=clock.now(),
                latitude=place[0],
                longitude=place[1],
                accuracy_m=place[2],
            )
            try:
                response = run()
            except PermissionDenied as error:
                raise Refused(403, str(error) or REASON_BY_STATUS[403]) from None
            except Http404:
                raise Refused(404, REASON_BY_STATUS[404]) from None
            except _refusable as error:
                raise Refused(400, bad_input_reason(error)) from None
            url, message = judge(request, response)
            item.result_url = url[:300]
            item.message = message[:500]
            item.save(update_fields=["result_url", "message"])
        committed = True
    except Refused as refused:
        return refusal(refused.status, refused.reason)
    except IntegrityError:
        # Another request with the same id committed first (we waited on its unique key).
        found = SyncedItem.objects.filter(user=request.user, client_id=client_id).first()
        if found is None:
            raise
        return _replay(found)
    finally:
        if not committed:
            # Rolled back (refused, raced, failed): the photos it saved must not stay behind.
            storage.remove(files)
    return _answer(item.as_result(replayed=False))


def _replay(item: SyncedItem) -> JsonResponse:
    SyncedItem.objects.filter(pk=item.pk).update(replays=F("replays") + 1)
    return _answer(item.as_result(replayed=True))


def judge(request: HttpRequest, response: HttpResponse) -> tuple[str, str]:
    """(result url, message) for a success; raises :class:`Refused` otherwise."""
    queued = _take_messages(request)
    # A warning or an error message means the view did not take the form (the project's
    # views say so before redirecting back, e.g. "已签字的周报不能直接修改").
    errors = [m.message for m in queued if m.level >= messages.WARNING]
    told = "；".join(str(m.message) for m in queued if m.level < messages.WARNING)
    status = response.status_code
    outcome = response.get(OUTCOME_HEADER, "")
    if outcome:
        del response[OUTCOME_HEADER]
    if outcome == "saved" and status < 400:
        location = response.get("Location", "") if status in (301, 302, 303) else request.path
        return location, "；".join(str(m.message) for m in queued)
    if status in (301, 302, 303) and not errors and outcome != "refused":
        return response.get("Location", ""), told
    if status >= 500:
        raise Refused(503, "服务器暂时无法处理，稍后会自动重试")
    if not errors and not getattr(response, "streaming", False):
        errors = error_texts(response.content.decode(response.charset or "utf-8", "replace"))
    if not errors:
        errors = [REASON_BY_STATUS.get(status, "服务器未接受此表单")]
    refused_status = status if 400 <= status < 500 else 422
    raise Refused(refused_status, "；".join(str(e) for e in errors)[:1000])


def _take_messages(request: HttpRequest) -> list:
    storage = messages.get_messages(request)
    queued = list(getattr(storage, "_queued_messages", []))
    if hasattr(storage, "_queued_messages"):
        storage._queued_messages = []
    return queued


class _ErrorText(HTMLParser):
    """Text of the outermost elements whose class names include ``error`` (the project's one
    convention for refusals on a page)."""

    VOID = {"br", "img", "input", "hr", "meta", "link", "source", "wbr", "col", "area"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.current: list[str] = []
        self.found: list[str] = []

    BREAKS = {"br", "p", "li", "div", "tr", "td"}

    def handle_starttag(self, tag, attrs):
        if self.depth and tag in self.BREAKS:
            self.current.append(" ")
        if tag in self.VOID:
            return
        if self.depth:
            self.depth += 1
            return
        classes = (dict(attrs).get("class") or "").split()
        if "error" in classes:
            self.depth = 1
            self.current = []

    def handle_endtag(self, tag):
        if tag in self.VOID or not self.depth:
            return
        self.depth -= 1
        if self.depth == 0:
            text = " ".join("".join(self.current).split())
            if text and text not in self.found:
                self.found.append(text)

    def handle_data(self, data):
        if self.depth:
            self.current.append(data)


def error_texts(html: str) -> list[str]:
    parser = _ErrorText()
    parser.feed(html)
    return parser.found


def _client_time(raw: str) -> dt.datetime | None:
    """The phone's own clock, kept beside the server's (it may be days wrong); None if absurd."""
    try:
        return bounds.parse_moment(raw[:40]) if raw else None
    except (ValueError, OverflowError):
        return None


def _place(raw: str) -> tuple[Decimal | None, Decimal | None, int | None]:
    """``lat,lng,accuracy`` from the phone; nothing when absent or absurd."""
    try:
        lat, lng, accuracy = [*raw.split(","), "", "", ""][:3]
        latitude = Decimal(lat).quantize(Decimal("0.000001"))
        longitude = Decimal(lng).quantize(Decimal("0.000001"))
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            return None, None, None
    except (ValueError, ArithmeticError):
        return None, None, None
    try:
        meters = min(max(int(float(accuracy)), 0), 1_000_000)
    except (ValueError, OverflowError):
        meters = None
    return latitude, longitude, meters
