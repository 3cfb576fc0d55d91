"""Time limits per kind, level and stage, and the working-day calendar they are counted on.

Defaults follow common practice (《信访条例》: decide on acceptance within 15 days, handle within
60 days); HQ overrides any cell in the 办理时限 table, including "no limit" (an explicit row with
no days). Parking (暂停/暂存) has its own ceiling: the ``park`` row.
"""

from __future__ import annotations

from dataclasses import dataclass

from tuopin.cases.models import CalendarDay, Kind, Stage, TimeLimit
from tuopin.lib import clock
from tuopin.lib.workdays import WorkCalendar

PARK = "park"
STAGES_WITH_PARK = [*Stage.values, PARK]
STAGE_LABELS = {**dict(Stage.choices), PARK: "暂存上限"}
LEVELS = {"village": "村级", "town": "镇级", "county": "县级"}


@dataclass(frozen=True)
class Limit:
    days: int | None  # None: no limit
    working_days: bool = True
    customised: bool = False

    @property
    def label(self) -> str:
        if self.days is None:
            return "不限时"
        return f"{self.days}个{'工作日' if self.working_days else '自然日'}"


# (kind, stage) → (days, counted in working days); the same at every level unless listed below.
DEFAULTS: dict[tuple[str, str], tuple[int | None, bool]] = {
    (Kind.PETITION, Stage.ACCEPT): (15, False),
    (Kind.PETITION, Stage.ASSIGN): (3, True),
    (Kind.PETITION, Stage.HANDLE): (60, False),
    (Kind.PETITION, Stage.VERIFY): (10, True),
    (Kind.PETITION, PARK): (30, False),
    (Kind.DISCIPLINE, Stage.ACCEPT): (5, True),
    (Kind.DISCIPLINE, Stage.ASSIGN): (3, True),
    (Kind.DISCIPLINE, Stage.HANDLE): (30, True),
    (Kind.DISCIPLINE, Stage.VERIFY): (10, True),
    (Kind.DISCIPLINE, PARK): (20, True),
    (Kind.INSPECTION, Stage.ACCEPT): (3, True),
    (Kind.INSPECTION, Stage.ASSIGN): (2, True),
    (Kind.INSPECTION, Stage.HANDLE): (15, True),
    (Kind.INSPECTION, Stage.VERIFY): (5, True),
    (Kind.INSPECTION, PARK): (10, True),
    (Kind.RECTIFICATION, Stage.ACCEPT): (3, True),
    (Kind.RECTIFICATION, Stage.ASSIGN): (2, True),
    (Kind.RECTIFICATION, Stage.HANDLE): (30, True),
    (Kind.RECTIFICATION, Stage.VERIFY): (5, True),
    (Kind.RECTIFICATION, PARK): (10, True),
    # A leader's instruction from the face-to-face meeting: its own deadline usually replaces
    # the handling limit; verification is quick.
    (Kind.INSTRUCTION, Stage.ACCEPT): (2, True),
    (Kind.INSTRUCTION, Stage.ASSIGN): (2, True),
    (Kind.INSTRUCTION, Stage.HANDLE): (10, True),
    (Kind.INSTRUCTION, Stage.VERIFY): (3, True),
    (Kind.INSTRUCTION, PARK): (5, True),
    # 矛盾纠纷: 小事不出村 — a village mediates within 7 days, a town 15, the county 30.
    (Kind.MEDIATION, Stage.ACCEPT): (3, True),
    (Kind.MEDIATION, Stage.ASSIGN): (2, True),
    (Kind.MEDIATION, Stage.HANDLE): (30, False),
    (Kind.MEDIATION, Stage.VERIFY): (5, True),
    (Kind.MEDIATION, PARK): (10, True),
}
# Village-level petitions are simple and close to the people: handle them faster.
LEVEL_DEFAULTS: dict[tuple[str, str, str], tuple[int | None, bool]] = {
    (Kind.PETITION, "village", Stage.HANDLE): (30, False),
    (Kind.MEDIATION, "village", Stage.HANDLE): (7, False),
    (Kind.MEDIATION, "town", Stage.HANDLE): (15, False),
}


def default_limit(kind: str, level: str, stage: str) -> Limit:
    days, working = LEVEL_DEFAULTS.get((kind, level, stage)) or DEFAULTS[(kind, stage)]
    return Limit(days, working)


def limit_for(kind: str, level: str, stage: str) -> Limit:
    row = TimeLimit.objects.filter(kind=kind, level=level, stage=stage).first()
    if row is None:
        return default_limit(kind, level, stage)
    return Limit(row.days, row.working_days, customised=True)


def table() -> list[dict]:
    """Every cell of the limits table, for the HQ page: kind × level × stage."""
    rows = {(r.kind, r.level, r.stage): r for r in TimeLimit.objects.all()}
    cells = []
    for kind, kind_label in Kind.choices:
        for level, level_label in LEVELS.items():
            limits = []
            for stage in STAGES_WITH_PARK:
                row = rows.get((kind, level, stage))
                limit = (
                    Limit(row.days, row.working_days, customised=True)
                    if row
                    else default_limit(kind, level, stage)
                )
                limits.append({"stage": stage, "label": STAGE_LABELS[stage], "limit": limit})
            cells.append(
                {
                    "kind": kind,
                    "kind_label": kind_label,
                    "level": level,
                    "level_label": level_label,
                    "limits": limits,
                }
            )
    return cells


def calendar() -> WorkCalendar:
    """The shipped holiday table with HQ's edits applied."""
    edits = list(CalendarDay.objects.values_list("day", "is_working_day"))
    return WorkCalendar.shipped(
        extra_holidays=[day for day, working in edits if not working],
        extra_workdays=[day for day, working in edits if working],
        tz=clock.SHANGHAI,
    )
