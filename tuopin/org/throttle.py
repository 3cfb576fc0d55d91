"""The one login door: every password login (site, admin) is counted here, in the database —
and the one throttle for other guessable secrets (the petition tracking page uses
:func:`reserve` / :func:`forget` / :func:`give_back` with its own kinds and window).

An attempt is reserved for the account and for the client address *before* the password is
checked, with the counter row locked, so a burst of parallel requests from several server
threads or processes never runs more password checks than the limit. A failure keeps its
reservation; a success forgets the account's failures and gives the address its attempt back.

An account locks after ``LOGIN_FAILURE_LIMIT`` failures in the window; an address only after
``LOGIN_ADDRESS_FAILURE_LIMIT`` failures (over several accounts, since each account stops
counting once locked), so a few made-up names typed in a county office behind one NAT do not
lock the real accounts there. django-axes counts only after the check, so it cannot bound a burst.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math

from django.conf import settings
from django.contrib import auth
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest

from tuopin.lib import clock
from tuopin.org.models import LoginCounter, LoginCounterKind, User


class LoginRefused(Exception):
    """The attempt was not let through to the password check; the message says why, in Chinese."""


def authenticate(request: HttpRequest, username: str, password: str) -> User | None:
    """Check a password through the throttle: the user, None for a wrong password, or LoginRefused."""
    now = clock.now()
    account = username.casefold()[:150]
    address = client_address(request)
    unlocks_at = reserve(LoginCounterKind.ACCOUNT, account, settings.LOGIN_FAILURE_LIMIT, now)
    if unlocks_at is not None:
        raise LoginRefused(
            f"登录失败次数过多，账号已锁定，请{minutes_until(unlocks_at, now)}分钟后再试"
        )
    unlocks_at = reserve(
        LoginCounterKind.ADDRESS, address, settings.LOGIN_ADDRESS_FAILURE_LIMIT, now
    )
    if unlocks_at is not None:
        give_back(LoginCounterKind.ACCOUNT, account)
        raise LoginRefused(
            f"该地址尝试过多，已暂停从此地址登录，请{minutes_until(unlocks_at, now)}分钟后再试"
            "（账号本身未被锁定）"
        )
    user = auth.authenticate(request, username=username, password=password)
    if user is not None:
        forget(LoginCounterKind.ACCOUNT, account)
        give_back(LoginCounterKind.ADDRESS, address)
    return user


def client_address(request: HttpRequest) -> str:
    """The client's IP address: REMOTE_ADDR, or the trusted proxy header when the peer is a proxy.

    The header is read right to left and the first address that is not a trusted proxy is the
    client: anything further left was written by the client itself and may be forged.
    """
    peer = request.META.get("REMOTE_ADDR", "")
    header = settings.TRUSTED_PROXY_HEADER
    if not header or not _is_trusted_proxy(peer):
        return peer
    hops = [hop.strip() for hop in request.META.get(header, "").split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            address = ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a malformed header is the proxy's mistake: count the proxy, not nobody
        if not _is_trusted_proxy(hop):
            return str(address)
    return peer


# Kinds counted over a window longer than the login window (the public petition filing page):
# the purge keeps their rows that long, so it never ends a window early.
LONGER_WINDOWS: dict[str, int] = {
    LoginCounterKind.FILE_ADDRESS: 24 * 3600,  # filings per address a day, codes an hour
    LoginCounterKind.FILE_PHONE: 3600,  # codes per phone an hour
}


def _kept_seconds(kind: str) -> int:
    return max(settings.LOGIN_FAILURE_WINDOW_SECONDS, LONGER_WINDOWS.get(kind, 0))


def forget_expired(now: dt.datetime) -> int:
    """Worker job: delete counters whose window has ended (made-up names would pile up)."""
    window = dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    deleted, _ = (
        LoginCounter.objects.filter(window_started_at__lte=now - window)
        .exclude(kind__in=list(LONGER_WINDOWS))
        .delete()
    )
    for kind in LONGER_WINDOWS:
        kept = dt.timedelta(seconds=_kept_seconds(kind))
        more, _ = LoginCounter.objects.filter(kind=kind, window_started_at__lte=now - kept).delete()
        deleted += more
    return deleted


def _is_trusted_proxy(address: str) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in settings.TRUSTED_PROXIES)


def reserve(
    kind: str, key: str, limit: int, now: dt.datetime, *, window_seconds: int | None = None
) -> dt.datetime | None:
    """Count one attempt if the limit allows it; otherwise return when the lock ends. The window
    is the login window unless given: a shorter one is fine, a longer one only for a kind listed
    in :data:`LONGER_WINDOWS` (:func:`forget_expired` keeps rows that long)."""
    if window_seconds is not None and window_seconds > _kept_seconds(kind):
        raise ValueError(f"counter kind {kind} is purged before a {window_seconds} s window ends")
    window = dt.timedelta(seconds=window_seconds or settings.LOGIN_FAILURE_WINDOW_SECONDS)
    with transaction.atomic():
        counter = None
        while counter is None:  # the purge job may delete an expired row between the two steps
            LoginCounter.objects.bulk_create(
                [LoginCounter(kind=kind, key=key, failures=0, window_started_at=now)],
                ignore_conflicts=True,
            )
            counter = LoginCounter.objects.select_for_update().filter(kind=kind, key=key).first()
        if counter.window_started_at + window <= now:
            counter.failures, counter.window_started_at = 0, now
        if counter.failures >= limit:
            return counter.window_started_at + window
        counter.failures += 1
        counter.save(update_fields=["failures", "window_started_at"])
    return None


def give_back(kind: str, key: str) -> None:
    """Return a reserved attempt (it succeeded, or another limit refused it)."""
    LoginCounter.objects.filter(kind=kind, key=key, failures__gt=0).update(
        failures=F("failures") - 1
    )


def forget(kind: str, key: str) -> None:
    """A success: the key's failures no longer count."""
    LoginCounter.objects.filter(kind=kind, key=key).delete()


def minutes_until(unlocks_at: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((unlocks_at - now).total_seconds() / 60))
