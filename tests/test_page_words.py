"""Every page speaks Chinese: crawl the main pages as HQ, a town cadre and a viewer on demo-like data and
fail on any internal identifier in a page's visible text (snake_case field names, ``$param``,
dotted keys such as ``plan.1.1``)."""

from __future__ import annotations

import re
from collections import Counter, deque
from urllib.parse import urldefrag, urlsplit

import pytest

from tuopin.bulletin.tests import data
from tuopin.lib import clock
from tuopin.org import audit
from tuopin.org.models import User
from tuopin.org.testing import internal_names
from tuopin.registry.models import Household
from tuopin.synth.registry_gen import generate_households

START = [
    "/",
    "/plan/",
    "/reports/",
    "/registry/",
    "/assess/",
    "/cases/",
    "/projects/",
    "/households/",
    "/bulletin/",
    "/dashboard/",
    "/command/",
    "/cases/file/",
]
# Links that change state, download files or leave the pages (admin, API docs).
SKIP_PREFIXES = ("/logout", "/admin/", "/api/", "/static/", "/media/")
SKIP_WORDS = ("export", "download", "template", "sheet", ".xlsx", ".docx", ".pdf", "print")
MAX_PAGES = 250
PER_KIND = 3  # pages of one kind (same path up to its numbers): enough to see each template


def _kind(url: str) -> str:
    """Pages of one kind: ids become #, and a metric key (a dotted segment) becomes *."""
    path = re.sub(r"/[a-z_]+(\.[a-z_]+)+/", "/*/", urlsplit(url).path)
    return re.sub(r"\d+", "#", path)


def followable(href: str) -> str:
    """The site-relative page a link leads to, or "" for links a crawl leaves alone."""
    href = urldefrag(href)[0]
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return ""
    if parts.path.startswith(SKIP_PREFIXES) or any(word in href for word in SKIP_WORDS):
        return ""
    return href


def _links(html: str) -> list[str]:
    from html.parser import HTMLParser

    found: list[str] = []

    class Anchors(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "a":
                href = dict(attrs).get("href") or ""
                found.append(href)

    Anchors().feed(html)
    return found


def crawl(client) -> dict[str, list[str]]:
    """Visible internal names per page, over the pages reachable from START."""
    seen: set[str] = set()
    kinds: Counter[str] = Counter()
    queue = deque(START)
    leaks: dict[str, list[str]] = {}
    # Login names are data a person types (账号管理 lists them), not the code's names.
    logins = set(User.objects.values_list("username", flat=True))
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen or kinds[_kind(url)] >= PER_KIND:
            continue
        seen.add(url)
        kinds[_kind(url)] += 1
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        names = [name for name in internal_names(html) if name not in logins]
        if names:
            leaks[url] = names
        for href in _links(html):
            href = followable(href)
            if href and href not in seen:
                queue.append(href)
    # The crawl really reached the apps' pages, a household's verdict among them.
    assert len(kinds) > 30 and kinds["/assess/household/#/"] > 0
    return leaks


def _projects(world) -> None:
    """A small project and fund ledger, re-imported once so that pages show changes."""
    from tuopin.projects import actions
    from tuopin.projects.ledger_app import APP
    from tuopin.projects.tests.helpers import fund, project, workbook

    rows = [
        project("P1", world.cg_village.code, 计划完工="2018-06-30"),
        project("P2", world.df_village.code, 项目类型="卫生室", 责任单位="县卫计局"),
    ]
    for paid in (20, 30):
        plan = APP.check(workbook(rows, [fund("P1", **{"已拨付（万元）": paid})]), "x.xlsx")
        assert plan.ok, [str(p) for p in plan.problems]
        actions.apply_import(plan, actor=world.hq)


@pytest.fixture
def demo(world):
    """The test county with households in every village, a campaign with weeks of reports and a
    history of edits: enough for every main page to show real rows."""
    with clock.frozen(data.NOW):
        generate_households(
            [world.cg_village, world.cg_village2, world.df_village, world.df_village2],
            seed=3,
            mean_households_per_village=12,
            registered_rate_poor_village=0.4,
            registered_rate_other_village=0.2,
        )
        campaign = data.build(world)
        audit.record(campaign, {"issued_on": ["2018-06-11", None]}, actor=world.hq, action="修改")
        household = Household.objects.filter(village=world.cg_village).first()
        audit.record(household, {"phone": ["13900001111", ""]}, actor=world.hq, action="修改")
        command_loop(world)
        _projects(world)
    from tuopin.synth import water_demo

    water_demo.populate(world.county, seed=3, log=lambda _line: None)
    return world


def command_loop(world) -> None:
    """A meeting with an instruction, a duty day, a visit, a decision, a sweep and a dispute."""
    import datetime as dt

    from tuopin.cases import actions as case_actions
    from tuopin.cases.models import Kind, Source
    from tuopin.command import actions

    today = clock.today()
    actions.record_meeting(
        world.hq,
        held_on=today,
        chair="葛管社",
        attendees="各责任单位",
        instructions=[
            actions.InstructionInput("拨付道路资金", world.transport, today + dt.timedelta(days=3))
        ],
    )
    leader = world.leader.person
    actions.schedule_duty(world.hq, day=today, leader=leader)
    actions.assign_town(world.hq, leader=leader, town=world.chengguan, since=today)
    actions.record_visit(
        world.hq, leader=leader, visited_on=today, org_unit=world.cg_village, inspected="饮水"
    )
    actions.record_measure(
        world.hq,
        subject_unit=world.health,
        reason_kind="report",
        reason="连续3周漏报",
        measure="talk",
        decided_on=today,
        decided_by="指挥部",
    )
    case_actions.record_sweep(
        world.cadre,
        org_unit=world.cg_village,
        round_label="第一轮",
        swept_on=today,
        disputes_found=1,
    )
    case_actions.register_case(
        world.cadre,
        kind=Kind.MEDIATION,
        source=Source.SWEEP,
        title="宅基地纠纷",
        content="边界争执",
        org_unit=world.cg_village,
    )


@pytest.mark.parametrize("who", ["hq", "cadre", "viewer"])
def test_no_page_shows_an_internal_name(demo, login, who):
    client = login(getattr(demo, who))
    with clock.frozen(data.NOW):
        leaks = crawl(client)
    assert leaks == {}
