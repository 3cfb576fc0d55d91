"""The installable web app: service worker (served from the site root so it controls every
page), manifest, the 待同步 page and the download of the user's field bundle."""

from __future__ import annotations

import functools
import hashlib
import json

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tuopin.lib import clock
from tuopin.offline import fieldwork
from tuopin.offline.device import keep_signed_in
from tuopin.offline.sync import PAGE_HEADER

# The assets every cached page needs; the service worker stores them when it installs.
SHELL_ASSETS = (
    "css/tuopin.css",
    "vendor/htmx-2.0.11.min.js",
    "offline/offline.js",
    "offline/offline.css",
    "img/favicon.svg",
    "img/icon-192.png",
    "img/icon-512.png",
)
# Bounds of what a phone keeps: pages beyond this are dropped oldest first.
MAX_PAGES = 200


@functools.cache
def shell_version() -> str:
    """Changes whenever an asset or the worker itself changes, so phones fetch the new ones."""
    digest = hashlib.sha256()
    for name in (*SHELL_ASSETS, "offline/sw.js"):
        path = finders.find(name)
        if path:
            with open(path, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()[:12]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    with open(finders.find("offline/sw.js"), encoding="utf-8") as handle:
        source = handle.read()
    config = {
        "version": shell_version(),
        "shell": [reverse("offline:home"), *(static(name) for name in SHELL_ASSETS)],
        "fallback": reverse("offline:home"),
        "maxPages": MAX_PAGES,
        "pageHeader": PAGE_HEADER,
        "forms": [entry["pattern"] for entry in fieldwork.form_patterns()],
    }
    body = f"const TUOPIN = {json.dumps(config)};\n{source}"
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    data = {
        "name": "脱贫攻坚指挥部 · 外业",
        "short_name": "脱贫外业",
        "description": "村干部、帮扶干部与督查人员在村里填报，无信号时先存本机，有信号时自动同步。",
        "lang": "zh-CN",
        "start_url": reverse("offline:home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b71c1c",
        "icons": [
            {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("img/favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type="application/manifest+json"
    )


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    request.offline_form = "page"
    response = render(
        request,
        "offline/home.html",
        {"pages": fieldwork.pages_for(request.user), "max_pages": MAX_PAGES},
    )
    response[PAGE_HEADER] = "page"
    return response


@require_GET
@never_cache
def ping(request: HttpRequest) -> HttpResponse:
    """An empty answer: a page the service worker does not control asks it before posting a
    field form, so that a dead connection queues the form instead of losing it."""
    return HttpResponse(status=204)


@login_required
@require_GET
@never_cache
def bundle(request: HttpRequest) -> JsonResponse:
    """The user's field pages and the data their forms need; asking for it sets the device up
    for field work, so the session lasts a working week."""
    keep_signed_in(request)
    pages = [
        {"label": "待同步", "url": reverse("offline:home")},
        *fieldwork.pages_for(request.user),
    ]
    return JsonResponse(
        {
            "user": request.user.pk,
            "generated_at": clock.now().isoformat(),
            "pages": pages[:MAX_PAGES],
            "data": fieldwork.data_for(request.user),
        },
        json_dumps_params={"ensure_ascii": False},
    )
