"""Writing the village team workbook in the import layout (streamed, see ledger.workbook).
Phones go through org.privacy exactly as the pages show them; unmasked exports are logged."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from tuopin.ledger import workbook
from tuopin.org import privacy
from tuopin.villages.codes import Team, TrainingKind, labels
from tuopin.villages.layout import TEAM_SHEET, TEAMS, TRAINING_SHEET
from tuopin.villages.models import TeamMember, TrainingAttendance

_TEAM = labels(Team)
_KIND = labels(TrainingKind)


def _day(value) -> str:
    return "" if value is None else value.isoformat()


def _members(members, shown, counts: dict) -> Iterator[list[Any]]:
    counts["members"] = 0
    rows = members.order_by("village__code", "team", "started_on", "pk").values_list(
        "village__code",
        "village__name",
        "team",
        "name",
        "unit",
        "role",
        "phone",
        "started_on",
        "ended_on",
    )
    for code, village, team, name, unit, role, phone, start, end in rows.iterator():
        phone = shown.of(SimpleNamespace(scope_code=code)).phone(phone)
        counts["members"] += 1
        yield [code, village, _TEAM[team], name, unit, role, phone, _day(start), _day(end)]


def _training(members, shown, counts: dict) -> Iterator[list[Any]]:
    counts["attendance"] = 0
    rows = (
        TrainingAttendance.objects.filter(member__in=members.values("pk"))
        .order_by("session__held_on", "session__topic", "member__village__code", "pk")
        .values_list(
            "session__held_on",
            "session__topic",
            "session__kind",
            "member__village__code",
            "member__name",
            "member__phone",
        )
    )
    for held_on, topic, kind, code, name, phone in rows.iterator():
        phone = shown.of(SimpleNamespace(scope_code=code)).phone(phone)
        counts["attendance"] += 1
        yield [_day(held_on), topic, _KIND[kind], code, name, phone]


class _Fixed:
    """One disclosure for every row (the operator's command-line export)."""

    def __init__(self, disclosure: privacy.Disclosure) -> None:
        self.disclosure = disclosure

    def of(self, record) -> privacy.Disclosure:
        return self.disclosure


def export_bytes(user, members=None, *, shown: privacy.Disclosure | None = None) -> bytes:
    """The whole workbook of the members the user sees (built in memory: rosters are small).
    ``shown`` fixes the disclosure for the command line, which has the database anyway."""
    import io

    members = TeamMember.objects.visible_to(user) if members is None else members
    target = io.BytesIO()

    def write(output) -> None:
        counts: dict[str, int] = {}
        rows = {
            TEAM_SHEET: _members(members, output, counts),
            TRAINING_SHEET: _training(members, output, counts),
        }
        workbook.write_stream(workbook.stream(TEAMS, rows), target)

    if shown is not None:
        write(_Fixed(shown))
    else:
        with privacy.output(user, what="驻村队伍台账导出") as output:
            write(output)
    return target.getvalue()
