"""The petitioner's page: no login; a tracking code and the phone's last four digits.

Lookups are rate-limited per address and per code (Django cache) and a wrong code and wrong
digits get the same answer, so codes cannot be enumerated or confirmed. The page shows only the
steps and the result, never staff names, notes or other people's data. After a successful lookup
the session remembers the case for rating (which needs the same proof again after an hour).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from tuopin.cases import actions
from tuopin.cases.forms import RateForm, TrackForm
from tuopin.cases.models import Case, Kind
from tuopin.org.throttle import client_address

NOT_FOUND = "未查询到匹配的信访件：请核对查询码和手机号后四位后重试。"
TOO_MANY = "查询过于频繁，请稍后再试。"
SESSION_KEY = "cases_tracked"
SESSION_SECONDS = 3600


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _hit(key: str, limit: int, window: int) -> bool:
    """Count one attempt; True when the attempts in this window exceed ``limit``."""
    if cache.add(key, 1, timeout=window):
        return limit < 1
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit


def _throttled(request: HttpRequest, code: str) -> bool:
    window = _limit("CASES_TRACK_WINDOW_SECONDS", 600)
    address = client_address(request)
    by_address = _hit(f"cases-track:addr:{address}", _limit("CASES_TRACK_PER_ADDRESS", 20), window)
    by_code = _hit(f"cases-track:code:{code}", _limit("CASES_TRACK_PER_CODE", 5), window)
    return by_address or by_code


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
        if _throttled(request, code):
            context["error"] = TOO_MANY
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
