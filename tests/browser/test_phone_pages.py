"""The people in the field open tuopin on a phone: every page a village cadre, a town cadre or an
inspector reaches from the menu, on the demo county at 390×844, fits the screen (a wide table
scrolls inside its own box, the page never scrolls sideways)."""

from __future__ import annotations

from collections import Counter, deque
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import (
    PHONE,
    artifacts_dir,
    test_it_runs_on_a_test_database,  # noqa: F401 (collected here)
)
from tests.test_page_words import _kind, followable

pytestmark = pytest.mark.browser

START = ["/", "/households/", "/villages/", "/water/", "/jobs/", "/projects/", "/cases/"]
MAX_PAGES = 60
PER_KIND = 1
DOWNLOADS = {"docx", "xlsx", "pdf", "csv", "file", "photo"}  # last path segments that download

WIDTHS = """() => {
  const wide = [...document.querySelectorAll('body *')].filter((element) => {
    const box = element.getBoundingClientRect();
    return box.width > 0 && box.right > window.innerWidth + 1;
  });
  const outer = wide.filter((element) => !wide.some((other) => other !== element && other.contains(element)));
  return {
    page: document.documentElement.scrollWidth,
    screen: window.innerWidth,
    wide: outer.slice(0, 3).map((element) => element.tagName.toLowerCase() + (element.className ? '.' + String(element.className).split(' ')[0] : '')),
  };
}"""


def crawl(site, page) -> tuple[int, dict[str, str]]:
    """Pages visited and, per page that does not fit, its width and the elements sticking out."""
    seen: set[str] = set()
    kinds: Counter[str] = Counter()
    queue = deque(START)
    wide: dict[str, str] = {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen or kinds[_kind(url)] >= PER_KIND:
            continue
        seen.add(url)
        kinds[_kind(url)] += 1
        response = site.go(page, url)
        if response is None or response.status != 200:
            continue
        measured = page.evaluate(WIDTHS)
        if measured["page"] > measured["screen"]:
            wide[url] = f"{measured['page']}px：{'、'.join(measured['wide'])}"
            site.shot(page, "phone-wide" + url.replace("/", "_"))
        for href in page.eval_on_selector_all(
            "a[href]", "links => links.map(a => a.getAttribute('href'))"
        ):
            href = followable(href)
            if not href or urlsplit(href).path.rstrip("/").rsplit("/", 1)[-1] in DOWNLOADS:
                continue
            if href not in seen:
                queue.append(href)
    return len(seen), wide


@pytest.mark.parametrize("who", ["cun_cadre", "chengguan_cadre", "inspector"])
def test_every_field_page_fits_a_phone(site, db_access, who):
    page = site.login(who, PHONE)
    page.set_default_timeout(60_000)  # the 指标目录 evaluates every metric when cold
    visited, wide = crawl(site, page)
    assert visited >= 15, f"只访问了 {visited} 个页面"
    assert wide == {}, f"在手机上需要横向滚动的页面（截图见 {artifacts_dir()}）：{wide}"
