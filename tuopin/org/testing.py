"""A small county for tests: two towns, four villages, units, and a user for every role.

Tests across apps build on this so that every view can be checked for an allowed user, a user of
another town or unit, a read-only user and an anonymous visitor (STYLE.md habit 8).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

from django.db import connection, connections
from django.test import Client

from tuopin.lib import clock
from tuopin.org.models import OrgUnit, Person, ResponsibleUnit, Role, UnitGroup, UnitKind, User

PASSWORD = "test-pass-123"  # noqa: S105 - test accounts only


@dataclass
class World:
    county: OrgUnit
    chengguan: OrgUnit
    dongfeng: OrgUnit
    cg_village: OrgUnit  # 城关镇 poor village
    cg_village2: OrgUnit
    df_village: OrgUnit  # 东风镇 poor village
    df_village2: OrgUnit
    office: ResponsibleUnit  # 县脱贫办
    transport: ResponsibleUnit  # 县交通局
    health: ResponsibleUnit  # 县卫计局
    chengguan_unit: ResponsibleUnit
    dongfeng_unit: ResponsibleUnit
    group: UnitGroup
    hq: User
    leader: User
    viewer: User
    inspector: User
    reporter: User  # 县交通局 reporter
    head: User  # 县交通局 head
    other_reporter: User  # 县卫计局 reporter
    other_head: User  # 县卫计局 head
    town_reporter: User  # 城关镇 as a unit
    town_head: User
    cadre: User  # 城关镇 town cadre
    other_cadre: User  # 东风镇 town cadre
    village_cadre: User  # cadre of cg_village
    superuser: User


def _user(username: str, role: str, *, scope=None, unit=None, person=None, **extra) -> User:
    user = User(username=username, role=role, scope=scope, unit=unit, person=person, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def build_world() -> World:
    county = OrgUnit.objects.create(code="610327", name="陇县", level="county")
    chengguan = OrgUnit.objects.create(code="610327100", name="城关镇", level="town", parent=county)
    dongfeng = OrgUnit.objects.create(code="610327101", name="东风镇", level="town", parent=county)

    def village(code: str, name: str, town: OrgUnit, poor: bool) -> OrgUnit:
        return OrgUnit.objects.create(
            code=code, name=name, level="village", parent=town, is_poor_village=poor
        )

    cg_village = village("610327100201", "东关村", chengguan, True)
    cg_village2 = village("610327100202", "西关村", chengguan, False)
    df_village = village("610327101201", "东风村", dongfeng, True)
    df_village2 = village("610327101202", "杨家庄村", dongfeng, False)

    def unit(name: str, kind: str, org_unit: OrgUnit, **extra) -> ResponsibleUnit:
        return ResponsibleUnit.objects.create(name=name, kind=kind, org_unit=org_unit, **extra)

    office = unit("县脱贫办", UnitKind.OFFICE, county)
    transport = unit("县交通局", UnitKind.DEPARTMENT, county, short_name="交通局")
    health = unit("县卫计局", UnitKind.DEPARTMENT, county)
    chengguan_unit = unit("城关镇", UnitKind.TOWN, chengguan)
    dongfeng_unit = unit("东风镇", UnitKind.TOWN, dongfeng)
    group = UnitGroup.objects.create(name="八办七组", aliases=["“八办七组”"])
    group.members.set([transport, health])

    transport_head = Person.objects.create(name="王局长", post="县交通局局长", unit=transport)
    transport.head = transport_head
    transport.save(update_fields=["head"])
    leader_person = Person.objects.create(name="葛管社", post="县委书记", is_leader=True)

    return World(
        county=county,
        chengguan=chengguan,
        dongfeng=dongfeng,
        cg_village=cg_village,
        cg_village2=cg_village2,
        df_village=df_village,
        df_village2=df_village2,
        office=office,
        transport=transport,
        health=health,
        chengguan_unit=chengguan_unit,
        dongfeng_unit=dongfeng_unit,
        group=group,
        hq=_user("hq", Role.HQ_ADMIN, scope=county, unit=office),
        leader=_user("leader", Role.LEADER, scope=county, person=leader_person),
        viewer=_user("viewer", Role.VIEWER, scope=county),
        inspector=_user("inspector", Role.INSPECTOR, scope=county),
        reporter=_user("reporter", Role.UNIT_REPORTER, unit=transport),
        head=_user("head", Role.UNIT_HEAD, unit=transport, person=transport_head),
        other_reporter=_user("other_reporter", Role.UNIT_REPORTER, unit=health),
        other_head=_user("other_head", Role.UNIT_HEAD, unit=health),
        town_reporter=_user(
            "town_reporter", Role.UNIT_REPORTER, unit=chengguan_unit, scope=chengguan
        ),
        town_head=_user("town_head", Role.UNIT_HEAD, unit=chengguan_unit, scope=chengguan),
        cadre=_user("cadre", Role.TOWN_CADRE, scope=chengguan),
        other_cadre=_user("other_cadre", Role.TOWN_CADRE, scope=dongfeng),
        village_cadre=_user("village_cadre", Role.VILLAGE_CADRE, scope=cg_village),
        superuser=_user("root", Role.HQ_ADMIN, scope=county, is_superuser=True, is_staff=True),
    )


def run_together(jobs: Sequence[Callable[[], object]], *, at: dt.datetime | str) -> list:
    """Run every job in its own thread and database connection, released at the same instant.

    Returns what each job returned, or the exception it raised, in order. For races between
    requests: the test needs ``django_db(transaction=True)`` so the threads see its rows.
    """
    barrier = threading.Barrier(len(jobs))
    outcomes: list = [None] * len(jobs)

    def run(index: int, job: Callable[[], object]) -> None:
        try:
            connection.ensure_connection()  # connect first: the race starts at the barrier
            barrier.wait()
            with clock.frozen(at):
                outcomes[index] = job()
        except Exception as error:
            outcomes[index] = error
        finally:
            connections.close_all()  # this thread's connections only

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def post_together(
    user: User, url: str, data: dict, *, times: int = 8, at: dt.datetime | str, form: bool = False
) -> list:
    """POST the same body (JSON, or a web form) ``times`` times at once, as ``user``."""
    clients = []
    for _ in range(times):
        client = Client()
        client.force_login(user)
        clients.append(client)
    return run_together(
        [
            (lambda c=c: c.post(url, data))
            if form
            else (lambda c=c: c.post(url, data, content_type="application/json"))
            for c in clients
        ],
        at=at,
    )


# What an internal name looks like on a page: snake_case (issued_on), a rule parameter
# ($income_line), a dotted key (plan.1.1).
INTERNAL_NAME = re.compile(r"\$[A-Za-z_]\w*|\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b|\b[a-z]+(?:\.\d+)+\b")
# Attributes a person reads (tooltips, placeholders, screen-reader names).
_READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1
        self.parts += [value for name, value in attrs if name in _READ_ATTRIBUTES and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text a person reads on a page: text nodes and tooltips, not scripts or markup."""
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def internal_names(html: str) -> list[str]:
    """Internal identifiers showing through a page's visible text (should be none)."""
    return sorted(set(INTERNAL_NAME.findall(visible_text(html))))
