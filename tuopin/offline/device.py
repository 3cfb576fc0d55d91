"""The device side of sign-in: a working week on a phone set up for field work, and a logout
that wipes what the phone keeps (cached pages, downloaded data, the queue)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from tuopin.offline.sync import ID_HEADER, refusal

# Clear-Site-Data wipes the Cache API, IndexedDB and the service worker of this origin.
CLEAR_SITE_DATA = '"cache", "storage"'


def forget_device(sender, request: HttpRequest | None = None, **kwargs) -> None:
    if request is not None:
        request.offline_clear_device = True


def keep_signed_in(request: HttpRequest) -> None:
    """Called when the user sets the device up for field work: the session lasts a week."""
    request.session.set_expiry(settings.OFFLINE_SESSION_SECONDS)


class OfflineMiddleware:
    """Adds Clear-Site-Data to the logout answer; refuses a queued form replayed to a view that
    has not opted in to exactly-once acceptance (it would run twice on a second sync)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "offline_clear_device", False):
            response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if request.META.get(ID_HEADER) is not None and not getattr(view_func, "offline_kind", None):
            return refusal(409, "此表单不支持离线提交，请在有网络时重新填写")
        return None
