"""Every edit form in the project, saved unchanged, changes nothing (issue 13 item 1).

Dates were erased on save because ``<input type="date">`` was rendered with the localized
``2018/06/11``: a browser shows such a value as empty and submits it empty. This test finds every
form class that the views build around an existing row, finds a page offering each (by walking the
site's links as HQ over the demo county), submits it the way a browser would (a browser blanks a
date, time or number value it cannot read), and asserts the whole database is what it was.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from django import forms
from django.apps import apps
from django.urls import Resolver404, resolve
from lxml import html

from tuopin.lib import clock

DEMO_NOW = "2018-07-20T10:00:00+08:00"

# What a browser keeps of a typed-in value (HTML "value sanitization algorithm"); anything else
# it shows and submits as the empty string.
BROWSER_ACCEPTS = {
    "date": re.compile(r"\d{4,}-\d{2}-\d{2}"),
    "time": re.compile(r"\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?"),
    "datetime-local": re.compile(r"\d{4,}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?"),
    "month": re.compile(r"\d{4,}-\d{2}"),
    "week": re.compile(r"\d{4,}-W\d{2}"),
    "number": re.compile(r"-?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?"),
}
DATE_TYPES = {"date", "time", "datetime-local", "month", "week"}
# Pages not to walk: sign-out, the admin, the API, files and exports.
SKIP_PATHS = re.compile(
    r"^/(logout|admin|api)/|/(export|download|template|attachment)|\.(xlsx|docx|csv|json)$"
)
PAGES_PER_ROUTE = 1
PAGES_PER_HUNGRY_ROUTE = 30
MAX_PAGES = 400
# Tables a save may legitimately write without changing the record: sessions and the audit of
# who looked at personal data.
VOLATILE_TABLES = {"django_session", "registry_personaldataview"}


def edit_form_classes() -> set[type[forms.BaseForm]]:
    """Forms the views build around an existing row: ModelForms, or forms taking ``instance_values``."""
    found = set()
    for config in apps.get_app_configs():
        if not config.name.startswith("tuopin."):
            continue
        try:
            views = importlib.import_module(f"{config.name}.views")
        except ModuleNotFoundError:
            continue
        for value in vars(views).values():
            if not (inspect.isclass(value) and issubclass(value, forms.BaseForm)):
                continue
            takes_instance = "instance_values" in inspect.signature(value.__init__).parameters
            if issubclass(value, forms.BaseModelForm) or takes_instance:
                found.add(value)
    return found


def browser_values(form) -> dict[str, list[str]]:
    """What a browser submits for ``form`` untouched (HTML "constructing the form data set")."""
    data: dict[str, list[str]] = {}
    for element in form.inputs:
        name = element.get("name")
        if not name or element.get("disabled") is not None:
            continue
        if element.tag == "select":
            options = element.xpath(".//option")
            chosen = [o for o in options if o.get("selected") is not None] or options[:1]
            values = [o.get("value", o.text_content()) for o in chosen]
        elif element.tag == "textarea":
            values = [element.text or ""]
        else:
            kind = (element.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                continue
            if kind in ("checkbox", "radio"):
                values = [element.get("value", "on")] if element.get("checked") is not None else []
            else:
                value = element.get("value") or ""
                if kind in BROWSER_ACCEPTS and not BROWSER_ACCEPTS[kind].fullmatch(value.strip()):
                    value = ""  # shown and submitted empty: the defect this test guards
                values = [value]
        data.setdefault(name, []).extend(values)
    return data


def date_inputs(form) -> list:
    return [
        element
        for element in form.inputs
        if element.tag == "input" and (element.get("type") or "").lower() in DATE_TYPES
    ]


def filled(form, cls) -> tuple[int, int]:
    """How full the page filled the form class's fields in: dates first, then any field."""
    dates = sum(1 for element in date_inputs(form) if element.get("value"))
    fields = sum(
        1
        for element in form.inputs
        if element.get("name") in cls.base_fields
        and (element.get("value") or element.text or element.get("checked") is not None)
    )
    return dates, fields


def unreadable_inputs(document, url: str) -> list[str]:
    problems = []
    for element in document.iter("input"):
        kind = (element.get("type") or "").lower()
        value = element.get("value")
        if kind in BROWSER_ACCEPTS and value and not BROWSER_ACCEPTS[kind].fullmatch(value):
            problems.append(
                f"{url}: <input type={kind} name={element.get('name')} value={value!r}>"
            )
    return problems


def database_rows() -> dict[str, list[tuple]]:
    from django.db import connection

    rows = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            if table in VOLATILE_TABLES:
                continue
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from introspection
            rows[table] = sorted(map(repr, cursor.fetchall()))
    return rows


def walk(client, hungry: set[str], start: str = "/"):
    """(url, parsed page) for the HTML pages reachable from ``start``, one per URL pattern, or
    up to ``PAGES_PER_HUNGRY_ROUTE`` for the patterns in ``hungry`` (still looking for a row with
    its dates filled in)."""
    seen_urls: set[str] = set()
    per_route: dict[str, int] = {}
    queue = deque([start])
    while queue and len(seen_urls) < MAX_PAGES:
        url = queue.popleft()
        path = urlsplit(url).path
        if url in seen_urls or SKIP_PATHS.search(path):
            continue
        try:
            route = resolve(path).route
        except Resolver404:
            continue
        limit = PAGES_PER_HUNGRY_ROUTE if route in hungry else PAGES_PER_ROUTE
        if per_route.get(route, 0) >= limit:
            continue
        seen_urls.add(url)
        response = client.get(url)
        if response.status_code in (301, 302):
            queue.appendleft(response["Location"])
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        per_route[route] = per_route.get(route, 0) + 1
        document = html.fromstring(response.content)
        yield url, document
        for link in document.iter("a"):
            href = link.get("href")
            if href and not href.startswith(("#", "mailto:", "javascript:")):
                target = urljoin(url, href)
                if not urlsplit(target).netloc or urlsplit(target).netloc == "testserver":
                    queue.append(
                        urlsplit(target)._replace(scheme="", netloc="", fragment="").geturl()
                    )


@pytest.fixture
def demo(db):
    from tuopin.synth.demo import build_demo

    with clock.frozen(DEMO_NOW):
        build_demo(seed=1, log=lambda message: None)


def test_it_saves_every_edit_form_unchanged_without_changing_the_database(
    demo, client, settings, tmp_path
):
    from tuopin.org.models import User

    settings.MEDIA_ROOT = tmp_path
    client.force_login(User.objects.get(username="hq"))
    wanted = {cls: None for cls in edit_form_classes()}
    assert wanted, "no edit forms found in the views"
    unreadable = []
    hungry: set[str] = set()
    with clock.frozen(DEMO_NOW):
        for url, document in walk(client, hungry):
            unreadable += unreadable_inputs(document, url)
            for form in document.forms:
                if (form.method or "").lower() != "post":
                    continue
                names = {element.get("name") for element in form.inputs}
                for cls in wanted:
                    if set(cls.base_fields) <= names:
                        # The fullest instance seen, so that its dates are there to lose.
                        score = filled(form, cls)
                        if wanted[cls] is None or score > wanted[cls][2]:
                            wanted[cls] = (url, form, score)
                        route = resolve(urlsplit(url).path).route
                        if all(e.get("value") for e in date_inputs(wanted[cls][1])):
                            hungry.discard(route)
                        else:
                            hungry.add(route)
        missing = [cls.__name__ for cls, found in wanted.items() if found is None]
        assert not missing, f"no page offers these edit forms: {missing}"
        dateless = [
            f"{cls.__name__} at {url}"
            for cls, (url, form, _) in wanted.items()
            if any(not (e.get("value") or "") for e in date_inputs(form))
        ]
        assert not dateless, f"no instance with every date filled in: {dateless}"
        # One snapshot around all the saves: the whole demo database is large to read.
        before = database_rows()
        for cls, (url, form, _) in wanted.items():
            target = urljoin(url, form.action or url)
            response = client.post(target, browser_values(form), follow=True)
            # Saved and sent on, not refused: a refusal would leave the database alone too.
            assert response.redirect_chain, f"{cls.__name__} at {url}: {response.status_code}"
            refusals = [m.message for m in response.context["messages"] if m.level_tag == "error"]
            assert not refusals, f"{cls.__name__} at {url}: {refusals}"
        after = database_rows()
    changed = sorted(table for table in before if before[table] != after[table])
    posted = [f"{cls.__name__} at {url}" for cls, (url, _, _) in wanted.items()]
    assert not changed, f"saving {posted} unchanged changed the tables {changed}"
    assert not unreadable, "values a browser cannot read:\n" + "\n".join(unreadable)
