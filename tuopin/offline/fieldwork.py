"""What a phone downloads for field work, gathered from the apps without importing them.

An app that has field forms may add a ``fieldwork.py`` module with either or both of

* ``pages(user) -> list[tuple[str, str]]`` — (label, url) of the field pages this user fills;
* ``data(user) -> dict`` — the records those forms need, already within the user's scope and
  masked through ``org.privacy`` exactly as the pages show them.

The offline app finds these modules by name at first use (like Django's admin autodiscovery),
so lower floors never import higher ones.
"""

from __future__ import annotations

import functools
import importlib
import re
from types import ModuleType

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver


@functools.cache
def hook_modules() -> tuple[ModuleType, ...]:
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("tuopin.") or config.name == "tuopin.offline":
            continue
        try:
            found.append(importlib.import_module(f"{config.name}.fieldwork"))
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.fieldwork":
                raise
    return tuple(found)


def pages_for(user) -> list[dict]:
    seen: set[str] = set()
    pages = []
    for module in hook_modules():
        for label, url in getattr(module, "pages", lambda user: [])(user):
            if url not in seen:
                seen.add(url)
                pages.append({"label": label, "url": url})
    return pages


def data_for(user) -> dict:
    data: dict = {}
    for module in hook_modules():
        data.update(getattr(module, "data", lambda user: {})(user))
    return data


@functools.cache
def form_patterns() -> tuple[dict, ...]:
    """Every opted-in view's address as a JavaScript regular expression, for the page script
    to know which forms it may queue offline."""
    found = []

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            regex = entry.pattern.regex.pattern.lstrip("^")
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + regex)
            elif isinstance(entry, URLPattern):
                kind = getattr(entry.callback, "offline_kind", None)
                if kind:
                    full = prefix + regex
                    full = full.replace("(?P<", "(?<").replace("\\Z", "$")
                    if not full.endswith("$"):
                        full += "$"
                    re.compile(full.replace("(?<", "(?P<"))
                    found.append({"kind": kind, "pattern": "^/" + full})

    walk(get_resolver().url_patterns, "")
    return tuple(found)
