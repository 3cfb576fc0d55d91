"""The last line against bad input: a value no check caught becomes a Chinese 400, never a 500.

Every view validates its own input (``lib.bounds``, forms, schemas) and says precisely what is
wrong; this catches what slipped through — a number that overflows the database column, a date
past year 9999 — and answers with a plain refusal. Each catch is logged with its traceback so
the missing check can be added where the value came in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import InvalidOperation

from django.core.exceptions import ValidationError
from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tuopin.lib.bounds import OutOfBounds

log = logging.getLogger(__name__)

# What parsing and storing a bad value raises: ``int("x")``, ``Decimal("1e999999")`` stored in
# a numeric column, ``date(99999, 1, 1)``, a 20-digit id on PostgreSQL.
BAD_INPUT_ERRORS = (ValueError, OverflowError, InvalidOperation, ValidationError, DataError)
GENERIC_REASON = "请求中有无法处理的取值（数字过大、日期超出范围或格式不正确），请检查后重试"


def reason(error: BaseException) -> str:
    """The Chinese words for a refusal: our own messages as they are, anything else generic."""
    if isinstance(error, OutOfBounds):
        return str(error)
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    return GENERIC_REASON


def log_refusal(request: HttpRequest, error: BaseException) -> None:
    log.warning("bad input refused on %s %s", request.method, request.path, exc_info=error)


class BadInputMiddleware:
    """Pages: render the refusal with status 400 (the API has its own JSON handler)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, BAD_INPUT_ERRORS):
            return None
        log_refusal(request, exception)
        return render(request, "bad_input.html", {"reason": reason(exception)}, status=400)
