"""The face-to-face agenda: the leaders' open instructions first (overdue ones at the top), then
every unit's problems and suggestions of a week, grouped by action."""

from __future__ import annotations

from dataclasses import dataclass, field

from tuopin.cases.backlog import overdue_q
from tuopin.cases.models import Case, Kind
from tuopin.lib import clock
from tuopin.plan.models import Action
from tuopin.reports.models import Period, ReportVersion


@dataclass
class AgendaEntry:
    unit: str
    problems: str
    suggestions: str
    progress: str


@dataclass
class AgendaItem:
    action: Action
    leaders: str
    entries: list[AgendaEntry] = field(default_factory=list)


def build(period: Period, reports) -> list[AgendaItem]:
    """Agenda items for ``period`` from the given reports queryset (already filtered for access).

    Each unit's newest signed version is used. Content nobody has signed yet (a draft, or a
    version submitted and waiting for the head) is never shown: what the agenda puts before
    the meeting is what a head answered for.
    """
    chosen: dict[int, ReportVersion] = {}
    versions = (
        ReportVersion.objects.filter(
            report__in=reports.filter(period=period), signed_at__isnull=False
        )
        .select_related("report__unit")
        .order_by("report_id", "number")
    )
    for version in versions:
        chosen[version.report_id] = version  # ordered by number: the newest stays
    by_action: dict[int, list[AgendaEntry]] = {}
    for version in sorted(chosen.values(), key=lambda v: (v.report.unit.kind, v.report.unit.name)):
        for entry in version.payload.get("actions", []):
            problems = (entry.get("problems") or "").strip()
            suggestions = (entry.get("suggestions") or "").strip()
            if not problems and not suggestions:
                continue
            by_action.setdefault(entry["action"], []).append(
                AgendaEntry(
                    unit=version.report.unit.name,
                    problems=problems,
                    suggestions=suggestions,
                    progress=(entry.get("progress") or "").strip(),
                )
            )
    actions = (
        Action.objects.filter(pk__in=by_action, campaign_id=period.campaign_id)
        .prefetch_related("leaders")
        .order_by("number")
    )
    return [
        AgendaItem(
            action=action,
            leaders="、".join(p.display_name for p in action.leaders.all()) or action.leaders_text,
            entries=by_action[action.pk],
        )
        for action in actions
    ]


def open_instructions(cases) -> list[Case]:
    """Open 交办事项 from earlier meetings among ``cases`` (already filtered for access):
    overdue first, then by deadline. Each carries ``is_overdue``."""
    return list(
        cases.filter(kind=Kind.INSTRUCTION)
        .open()
        .annotate(is_overdue=overdue_q(clock.now()))
        .select_related("unit")
        .order_by("-is_overdue", "due_at", "id")
    )
