"""The petitioner's page: no login; a tracking code and the phone's last four digits.

Failed lookups are limited through the project's one throttle (org.throttle): per code *and*
address in a short window, and per address over all codes. Nobody can lock a petitioner out of
their own petition: a lock holds only for that address and a few minutes, and the right digits
get through from any other address at once. A wrong code and wrong digits get the same answer
(and the same lock), so codes cannot be enumerated or confirmed. The page shows only the
steps and the result, never staff names, notes or other people's data. After a successful lookup
the session remembers the case for rating (which needs the same proof again after an hour).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from tuopin.cases import actions, online
from tuopin.cases.forms import RateForm, TrackForm
from tuopin.cases.models import Case, Kind
from tuopin.lib import clock, filekinds
from tuopin.org import throttle, uploads
from tuopin.org.models import Level, LoginCounterKind, OrgUnit
from tuopin.org.throttle import client_address

NOT_FOUND = "未查询到匹配的信访件：请核对查询码和手机号后四位后重试。"
SESSION_KEY = "cases_tracked"
SESSION_SECONDS = 3600


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _refusal(code: str, address: str, now) -> str | None:
    """Reserve one attempt for the address and for this code from it; why not, in Chinese."""
    window = _limit("CASES_TRACK_WINDOW_SECONDS", 300)
    per_address = _limit("CASES_TRACK_PER_ADDRESS", 20)
    unlocks_at = throttle.reserve(
        LoginCounterKind.TRACK_ADDRESS, address, per_address, now, window_seconds=window
    )
    if unlocks_at is not None:
        minutes = throttle.minutes_until(unlocks_at, now)
        return f"此网络地址查询失败次数过多，请{minutes}分钟后再试。"
    per_code = _limit("CASES_TRACK_PER_CODE", 5)
    unlocks_at = throttle.reserve(
        LoginCounterKind.TRACK_CODE, f"{code}@{address}", per_code, now, window_seconds=window
    )
    if unlocks_at is not None:
        throttle.give_back(LoginCounterKind.TRACK_ADDRESS, address)
        minutes = throttle.minutes_until(unlocks_at, now)
        return (
            f"这个查询码在本网络连续核对失败 {per_code} 次，为防止他人猜测，暂停从本网络查询"
            f"{minutes}分钟。您的信访件没有被锁定：{minutes}分钟后再试，或换用其他网络"
            "（如手机流量）输入正确的查询码和手机号后四位，即可查询。"
        )
    return None


def _tracked_case(request: HttpRequest) -> Case | None:
    remembered = request.session.get(SESSION_KEY)
    if not remembered or time.time() - remembered.get("at", 0) > SESSION_SECONDS:
        return None
    return Case.objects.filter(pk=remembered.get("case"), kind=Kind.PETITION).first()


def _progress(case: Case) -> dict:
    events = [e for e in case.events.all() if e.is_public]
    return {
        "case": case,
        "code": actions.format_tracking_code(case.tracking_code),
        "events": events,
        "can_rate": actions.can_rate(case),
        "ratings": case.ratings.all(),
        "rate_form": RateForm(),
    }


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.POST or None)
    context: dict = {"form": form}
    status = 200
    if request.method == "POST":
        code = actions.normalize_tracking_code(request.POST.get("code", ""))
        address = client_address(request)
        refusal = _refusal(code, address, clock.now())
        if refusal is not None:
            context["error"] = refusal
            status = 429
        else:
            case = (
                actions.find_petition(form.data.get("code", ""), form.data.get("phone_last4", ""))
                if form.is_valid()
                else None
            )
            if case is None:
                context["error"] = NOT_FOUND
            else:
                throttle.forget(LoginCounterKind.TRACK_CODE, f"{code}@{address}")
                throttle.give_back(LoginCounterKind.TRACK_ADDRESS, address)
                request.session[SESSION_KEY] = {"case": case.pk, "at": time.time()}
                return redirect("cases:track_progress")
    return render(request, "cases/track.html", context, status=status)


def track_progress(request: HttpRequest) -> HttpResponse:
    case = _tracked_case(request)
    if case is None:
        return redirect("cases:track")
    return render(request, "cases/track_progress.html", _progress(case))


@require_POST
def track_rate(request: HttpRequest) -> HttpResponse:
    case = _tracked_case(request)
    if case is None:
        return redirect("cases:track")
    form = RateForm(request.POST)
    context = _progress(case)
    if not form.is_valid():
        context["rate_form"] = form
        return render(request, "cases/track_progress.html", context, status=400)
    try:
        actions.rate_petition(
            case, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"]
        )
    except actions.CaseError as error:
        context["error"] = str(error)
        return render(request, "cases/track_progress.html", context, status=400)
    return redirect("cases:track_progress")


# ---------------------------------------------------------------------------------------------
# Online filing (网上信访): see cases.online for the rules.

FILED_KEY = "cases_filed"
TIMING_SALT = "cases.file.started"


def _places() -> tuple[list[OrgUnit], dict[str, list[OrgUnit]]]:
    towns = list(OrgUnit.objects.filter(level=Level.TOWN, is_active=True).order_by("code"))
    villages: dict[str, list[OrgUnit]] = {}
    for village in OrgUnit.objects.filter(level=Level.VILLAGE, is_active=True).order_by("code"):
        villages.setdefault(village.parent_id, []).append(village)
    return towns, villages


def _place(data) -> OrgUnit | None:
    """The village chosen (it must lie in the chosen town), else the town."""
    town = OrgUnit.objects.filter(
        code=(data.get("town") or "")[:15], level=Level.TOWN, is_active=True
    ).first()
    if town is None:
        return None
    code = (data.get("village") or "")[:15]
    if not code:
        return town
    return OrgUnit.objects.filter(
        code=code, level=Level.VILLAGE, is_active=True, parent=town
    ).first()


def _timing_refusal(token: str) -> str | None:
    signer = signing.TimestampSigner(salt=TIMING_SALT)
    try:
        started = float(signer.unsign(token or "", max_age=2 * 3600))
    except signing.SignatureExpired:
        return "页面已打开超过2小时，请刷新后重新填写。"
    except (signing.BadSignature, ValueError):
        return "页面已失效，请刷新后重新填写。"
    if time.time() - started < _limit("CASES_FILE_MIN_SECONDS", 5):
        return "提交过快，请核对填写的内容后再提交。"
    return None


def _photos(request: HttpRequest) -> list[actions.Upload]:
    try:
        files = uploads.received_files(request, "photo", kinds=filekinds.IMAGES)
    except uploads.UploadRefused as error:
        raise online.FilingRefused(f"照片：{error}") from None
    return [actions.Upload(f.name, f.read()) for f in files]


@require_http_methods(["GET", "POST"])
def file_petition(request: HttpRequest) -> HttpResponse:
    towns, villages = _places()
    data = request.POST if request.method == "POST" else {}
    context = {
        "towns": towns,
        "villages": [(town, villages.get(town.pk, [])) for town in towns],
        "categories": online.CATEGORIES,
        "data": data,
        "started": data.get("t")
        or signing.TimestampSigner(salt=TIMING_SALT).sign(str(time.time())),
    }
    if request.method == "GET":
        return render(request, "cases/file.html", context)
    address = client_address(request)
    try:
        if data.get("website"):  # the hidden field only a robot fills
            raise online.FilingRefused("提交未通过校验，请刷新页面后重新填写。")
        if data.get("action") == "code":
            echoed = online.send_code(data.get("phone", ""), address)
            context["notice"] = "验证码已发送到您的手机，10分钟内有效。"
            if echoed:
                context["notice"] = f"演示环境未接短信平台，验证码为 {echoed}。"
            return render(request, "cases/file.html", context)
        refusal = _timing_refusal(data.get("t", ""))
        if refusal:
            raise online.FilingRefused(refusal)
        case, merged = online.file_petition(
            name=data.get("name", ""),
            phone=data.get("phone", ""),
            code=data.get("code", ""),
            org_unit=_place(data),
            category=data.get("category", ""),
            content=data.get("content", ""),
            photos=_photos(request),
            address=address,
        )
    except online.FilingRefused as error:
        context["error"] = str(error)
        return render(request, "cases/file.html", context, status=400)
    except actions.CaseError as error:
        context["error"] = str(error)
        return render(request, "cases/file.html", context, status=400)
    request.session[FILED_KEY] = {"case": case.pk, "merged": merged, "at": time.time()}
    request.session[SESSION_KEY] = {"case": case.pk, "at": time.time()}
    return redirect("cases:file_done")


def file_done(request: HttpRequest) -> HttpResponse:
    filed = request.session.get(FILED_KEY) or {}
    case = Case.objects.filter(pk=filed.get("case"), kind=Kind.PETITION).first()
    if case is None or time.time() - filed.get("at", 0) > SESSION_SECONDS:
        return redirect("cases:file")
    return render(
        request,
        "cases/file_done.html",
        {
            "case": case,
            "merged": filed.get("merged"),
            "code": actions.format_tracking_code(case.tracking_code or ""),
        },
    )
