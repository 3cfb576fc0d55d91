"""What a revised plan changes in the campaign it revises: matching and the diff, read-only.

A revision keeps the campaign and every row that history points at (reports, measurements,
inspections), so each action and milestone of the revised plan is matched to the one it
continues. Actions match by identical title, then by the same number when title or wording is
still close, then by wording alone (numbering shifts when an action is inserted). Milestones of
a matched action match by identical clause, then by the same ordinal with a close clause, then
by the closest clause. What is left over is added (new plan) or dropped (old plan).

HQ's own work on the web survives a revision. Milestones HQ added or split (``origin``) that
have no counterpart in the new document are kept as they are; a document clause HQ split is
matched to its (withdrawn) bundle and not added again, its parts staying. A matched milestone
keeps its binding (source, metric, per-town/unit targets, tolerance) unless the document changes
its target (value, unit or 口径); then what the binding becomes is listed as a change. A goal
whose text is unchanged keeps its row, with its metric.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from django.db.models import Count

from tuopin.lib import clock, metrics
from tuopin.plan.models import (
    Action,
    Campaign,
    Comparator,
    Goal,
    Measurement,
    MetricSource,
    Milestone,
    MilestoneTarget,
    Per,
)

if TYPE_CHECKING:
    from tuopin.plan.actions import _ResolvedAction

# Two clauses this alike are the same commitment reworded (a changed date, a new figure).
SIMILAR = 0.6
# A same-numbered action or same-ordinal milestone needs only this much in common.
CLOSE = 0.5

KIND_LABELS = {
    "added": "新增",
    "changed": "修改",
    "dropped": "撤销",
    "same": "不变",
    "kept": "保留",
    "split": "已拆分",
}
# How the review page and `plan load` name a milestone HQ created that the revision keeps.
KEPT_BY_HQ = "保留（指挥部在系统中添加）"

# "（修订稿）", "(修改版)" … are not part of a plan's identity.
_REVISION_MARK = re.compile(r"[（(][^）)]*(修订|修改|调整|稿|版)[^）)]*[）)]")


def normalized_title(title: str) -> str:
    return re.sub(r"\s+", "", _REVISION_MARK.sub("", title or ""))


def find_revised_campaign(parsed: dict[str, Any], county) -> Campaign | None:
    """The county's campaign this plan is a revision of: the same title, revision marks aside."""
    title = normalized_title(str(parsed.get("title") or ""))
    if not title:
        return None
    for campaign in Campaign.objects.filter(county=county).order_by("-is_active", "-id"):
        if normalized_title(campaign.title) == title:
            return campaign
    return None


def similarity(first: str, second: str) -> float:
    first, second = _squash(first), _squash(second)
    if not first and not second:
        return 1.0
    return SequenceMatcher(None, first, second, autojunk=False).ratio()


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


@dataclass
class Change:
    """One field that differs: its Chinese name, the old and the new value as shown."""

    label: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.label}：{self.old or '（空）'} → {self.new or '（空）'}"


@dataclass
class Binding:
    """What a matched milestone's binding becomes: HQ's, unless the new target rules it out."""

    source: str
    key: str  # the computed metric; "" for a reported milestone (its key follows its number)
    clear_targets: bool = False
    clear_tolerance: bool = False


@dataclass
class MilestoneDiff:
    # added, changed, dropped, same; kept: HQ's milestone without counterpart, left as it is;
    # split: a document clause HQ split (``old`` is the withdrawn bundle), not added again.
    kind: str
    old: Milestone | None = None
    new: Milestone | None = None  # unsaved, built from the revised plan
    matched_by: str = ""
    changes: list[Change] = field(default_factory=list)
    measurements: int = 0  # values kept on the matched (or withdrawn) milestone
    binding: Binding | None = None  # matched milestones: the binding after the revision
    kept: list[str] = field(default_factory=list)  # HQ's settings kept, in words
    note: str = ""  # where an HQ milestone comes from (kept) or what the bundle became (split)
    order_to: int = 0  # kept: its number among the action's milestones after the revision
    parts: list[Milestone] = field(default_factory=list)  # split: the parts in force

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def current(self) -> Milestone:
        return self.new if self.new is not None else self.old

    @property
    def ordinal(self) -> int:
        return self.order_to or self.current.order

    @property
    def hq_label(self) -> str:
        return KEPT_BY_HQ

    @property
    def is_change(self) -> bool:
        """A change the revision makes (kept milestones and an unchanged split clause are not)."""
        if self.kind in ("kept", "same"):
            return False
        return self.kind != "split" or bool(self.changes)

    @property
    def shown(self) -> bool:
        """Listed on the review page even when its action is unchanged."""
        return self.is_change or self.kind in ("kept", "split") or bool(self.kept)


@dataclass
class GoalDiff:
    """A goal bound to a metric: its row (and binding) kept, or gone with its text."""

    kind: str  # kept, dropped
    goal: Goal
    metric_name: str


@dataclass
class ActionDiff:
    kind: str
    old: Action | None = None
    new: _ResolvedAction | None = None
    matched_by: str = ""
    changes: list[Change] = field(default_factory=list)
    milestones: list[MilestoneDiff] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def number(self) -> int:
        return self.new.data["number"] if self.new is not None else self.old.number

    @property
    def title(self) -> str:
        return self.new.data["title"].strip() if self.new is not None else self.old.title

    @property
    def touched(self) -> bool:
        return self.kind != "same" or any(m.is_change for m in self.milestones)

    @property
    def shown(self) -> bool:
        return self.touched or any(m.shown for m in self.milestones)


@dataclass
class RevisionDiff:
    campaign: Campaign
    revision: int  # the number the campaign's revision takes on confirm
    changes: list[Change] = field(default_factory=list)
    actions: list[ActionDiff] = field(default_factory=list)
    goals: list[GoalDiff] = field(default_factory=list)

    def counts(self) -> dict[str, Counter]:
        return {
            "actions": Counter(a.kind for a in self.actions),
            "milestones": Counter(m.kind for a in self.actions for m in a.milestones),
        }

    @property
    def is_empty(self) -> bool:
        return not self.changes and not any(a.touched for a in self.actions)

    @property
    def kept_goals(self) -> list[GoalDiff]:
        return [g for g in self.goals if g.kind == "kept"]

    @property
    def dropped_goals(self) -> list[GoalDiff]:
        return [g for g in self.goals if g.kind == "dropped"]

    def lines(self) -> list[str]:
        """The diff in plain Chinese, one change per line (the command prints these)."""
        lines = [f"计划信息 {change}" for change in self.changes]
        for action in self.actions:
            name = f"行动（{action.number}）{action.title}"
            if action.changes:
                lines.append(f"修改 {name}：" + "；".join(str(c) for c in action.changes))
            elif action.kind in ("added", "dropped"):
                lines.append(f"{action.kind_label} {name}")
                continue
            for milestone in action.milestones:
                if not milestone.is_change:
                    continue
                where = f"{name} 时间节点“{_short(milestone.current.text)}”"
                detail = "；".join(str(c) for c in milestone.changes)
                if milestone.kind == "changed":
                    lines.append(f"修改 {where}：{detail}")
                elif milestone.kind == "split":
                    lines.append(
                        f"修改 {where}（{milestone.note}；分项未随之修改，请核对）：{detail}"
                    )
                else:
                    deadline = format_deadline(milestone.current.deadline)
                    lines.append(f"{milestone.kind_label} {where}（{deadline}）")
        for goal in self.dropped_goals:
            lines.append(
                f"撤销 目标任务“{_short(goal.goal.text)}”的指标绑定（{goal.metric_name}）："
                "新版中没有这一目标"
            )
        return lines

    def kept_lines(self) -> list[str]:
        """What HQ did on the web that the revision keeps, one line each (after ``lines``)."""
        lines = []
        for action in self.actions:
            if action.new is None:
                continue
            name = f"行动（{action.number}）{action.title}"
            for milestone in action.milestones:
                where = f"{name} 时间节点“{_short(milestone.current.text)}”"
                if milestone.kind == "kept":
                    lines.append(f"{KEPT_BY_HQ} {where}" + _then(milestone.note))
                elif milestone.kind == "split" and not milestone.changes:
                    lines.append(
                        f"保留 {name} 原文条款“{_short(milestone.current.text)}”的拆分（{milestone.note}）"
                    )
                if milestone.kept:
                    lines.append(f"保留 {where}的" + "；".join(milestone.kept))
        for goal in self.kept_goals:
            lines.append(f"保留 目标任务“{_short(goal.goal.text)}”的指标绑定：{goal.metric_name}")
        return lines


def _then(note: str) -> str:
    return f"：{note}" if note else ""


def compare(
    campaign: Campaign, parsed: dict[str, Any], resolved: list[_ResolvedAction]
) -> RevisionDiff:
    """The diff of a checked revised plan (``actions.check`` passed) against ``campaign``."""
    from tuopin.plan.actions import build_milestone

    diff = RevisionDiff(
        campaign, campaign.revision + 1, changes=_campaign_changes(campaign, parsed)
    )
    old_actions = list(
        campaign.actions.prefetch_related("leaders", "units", "milestones").order_by("number")
    )
    counts = dict(
        Measurement.objects.filter(milestone__action__campaign=campaign)
        .values_list("milestone")
        .annotate(n=Count("pk"))
        .values_list("milestone", "n")
    )
    context = _Context(counts, _targets(campaign), _bundles(campaign))
    pairs = _match_actions(old_actions, resolved)
    matched_old = {id(old) for old, _, _ in pairs}
    for old, new, how in sorted(pairs, key=lambda p: p[1].data["number"]):
        action_diff = ActionDiff("same", old, new, how, _action_changes(old, new))
        news = [
            build_milestone(Action(number=new.data["number"]), order, data)
            for order, data in enumerate(new.data.get("milestones") or [], start=1)
        ]
        action_diff.milestones = _milestone_diffs(
            sorted(old.milestones.all(), key=lambda m: m.order),
            news,
            context.bundles.get(old.pk, {}),
            context,
        )
        if action_diff.changes or any(m.is_change for m in action_diff.milestones):
            action_diff.kind = "changed"
        diff.actions.append(action_diff)
    matched_new = {id(new) for _, new, _ in pairs}
    for new in resolved:
        if id(new) in matched_new:
            continue
        holder = Action(number=new.data["number"])
        diff.actions.append(
            ActionDiff(
                "added",
                new=new,
                milestones=[
                    MilestoneDiff("added", new=build_milestone(holder, order, data))
                    for order, data in enumerate(new.data.get("milestones") or [], start=1)
                ],
            )
        )
    for old in old_actions:
        if id(old) not in matched_old:
            diff.actions.append(
                ActionDiff(
                    "dropped",
                    old=old,
                    milestones=[
                        MilestoneDiff(
                            "dropped",
                            old=m,
                            measurements=counts.get(m.pk, 0),
                            note=m.get_origin_display() if m.by_hq else "",
                        )
                        for m in sorted(old.milestones.all(), key=lambda m: m.order)
                    ],
                )
            )
    diff.actions.sort(key=lambda a: (a.number, a.kind == "dropped"))
    diff.goals = _goal_diffs(list(campaign.goals.all()), parsed.get("goals") or [])
    return diff


@dataclass
class _Context:
    counts: dict[int, int]  # measurements per milestone
    targets: dict[int, list[str]]  # per-town/unit targets per milestone, in words
    # Per action: each document clause HQ split (withdrawn) → its parts still in force.
    bundles: dict[int, dict[Milestone, list[Milestone]]]


def _targets(campaign: Campaign) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for milestone_id, area, unit, value in (
        MilestoneTarget.objects.filter(milestone__action__campaign=campaign)
        .order_by("milestone", "area__code", "unit__name")
        .values_list("milestone", "area__name", "unit__name", "value")
    ):
        found.setdefault(milestone_id, []).append(f"{area or unit} {metrics.number_text(value)}")
    return found


def _bundles(campaign: Campaign) -> dict[int, dict[Milestone, list[Milestone]]]:
    """The document clauses HQ split: each part in force leads (through parts split again) to
    the withdrawn clause of the document it came from."""
    rows = {m.pk: m for m in Milestone.all_objects.filter(action__campaign=campaign)}
    found: dict[int, dict[Milestone, list[Milestone]]] = {}
    for part in rows.values():
        if part.withdrawn_at is not None or part.split_from_id is None:
            continue
        root = rows.get(part.split_from_id)
        seen = {part.pk}
        while root is not None and root.by_hq and root.split_from_id and root.pk not in seen:
            seen.add(root.pk)
            root = rows.get(root.split_from_id)
        if root is None or root.by_hq or root.withdrawn_at is None:
            continue
        found.setdefault(root.action_id, {}).setdefault(root, []).append(part)
    return found


def _match_actions(
    old_actions: list[Action], resolved: list[_ResolvedAction]
) -> list[tuple[Action, _ResolvedAction, str]]:
    pairs: list[tuple[Action, _ResolvedAction, str]] = []
    free_old = list(old_actions)
    free_new = list(resolved)

    def take(old: Action, new: _ResolvedAction, how: str) -> None:
        pairs.append((old, new, how))
        free_old.remove(old)
        free_new.remove(new)

    for new in list(free_new):
        title = _squash(new.data["title"])
        same = [old for old in free_old if _squash(old.title) == title]
        if same:
            same.sort(key=lambda old: old.number != new.data["number"])
            take(same[0], new, "名称相同")
    for new in list(free_new):
        old = next((o for o in free_old if o.number == new.data["number"]), None)
        if old is not None and (
            similarity(old.title, new.data["title"]) >= CLOSE
            or similarity(old.text, new.data.get("text") or "") >= CLOSE
        ):
            take(old, new, "序号相同")
    for score, old, new in _best_pairs(
        free_old, free_new, lambda o, n: similarity(o.text, n.data.get("text") or "")
    ):
        take(old, new, f"原文相似（{round(score * 100)}%）")
    return pairs


def _milestone_diffs(
    olds: list[Milestone],
    news: list[Milestone],
    bundles: dict[Milestone, list[Milestone]],
    context: _Context,
) -> list[MilestoneDiff]:
    """Match the revised plan's clauses of one action to its milestones in force and to the
    document clauses HQ split. HQ's own milestones match only a clause that says the same
    (identical or most similar wording), never by position."""
    from_document = [m for m in olds if not m.by_hq]
    by_hq = [m for m in olds if m.by_hq]
    free_old: list[Milestone] = [*from_document, *bundles, *by_hq]
    free_new = list(news)
    matched: list[tuple[Milestone, Milestone, str]] = []

    def take(old: Milestone, new: Milestone, how: str) -> None:
        matched.append((old, new, how))
        free_old.remove(old)
        free_new.remove(new)

    for new in list(free_new):
        old = next((o for o in free_old if _squash(o.text) == _squash(new.text)), None)
        if old is not None:
            take(old, new, "原文相同")
    for new in list(free_new):
        old = next((o for o in free_old if not o.by_hq and o.order == new.order), None)
        if old is not None and similarity(old.text, new.text) >= CLOSE:
            take(old, new, "序号相同")
    for score, old, new in _best_pairs(free_old, free_new, lambda o, n: similarity(o.text, n.text)):
        take(old, new, f"原文相似（{round(score * 100)}%）")
    diffs = []
    for old, new, how in matched:
        if old in bundles:
            parts = sorted(bundles[old], key=lambda m: m.order)
            diffs.append(
                MilestoneDiff(
                    "split",
                    old,
                    new,
                    how,
                    _milestone_changes(old, new),
                    note=f"指挥部已在系统中拆分为{len(parts)}个节点，不重新添加："
                    + "；".join(_short(part.text, 20) for part in parts),
                    parts=parts,
                )
            )
            continue
        binding, binding_changes, kept = _binding(old, new, context.targets.get(old.pk, []))
        changes = _milestone_changes(old, new) + binding_changes
        diffs.append(
            MilestoneDiff(
                "changed" if changes else "same",
                old,
                new,
                how,
                changes,
                context.counts.get(old.pk, 0),
                binding=binding,
                kept=kept,
                note=old.get_origin_display() if old.by_hq else "",
            )
        )
    diffs += [MilestoneDiff("added", new=new) for new in free_new]
    diffs.sort(key=lambda d: d.new.order)
    # HQ's milestones without a counterpart stay, numbered after the document's clauses.
    last = len(news)
    split_away = {part.pk for old in bundles if old in free_old for part in bundles[old]}
    for old in sorted((o for o in free_old if o.by_hq), key=lambda m: m.order):
        last = max(old.order, last + 1)
        note = ""
        if old.split_from_id is not None:
            bundle = next((b for b in bundles if old in bundles[b]), None)
            if bundle is not None:
                note = f"拆分自原文条款“{_short(bundle.text, 20)}”"
            if old.pk in split_away:
                note += "，新版原文中已没有这一条款，请核对是否仍需要"
        diffs.append(
            MilestoneDiff(
                "kept",
                old=old,
                matched_by="指挥部在系统中添加",
                measurements=context.counts.get(old.pk, 0),
                note=note,
                order_to=last,
            )
        )
    diffs += [
        MilestoneDiff("dropped", old=o, measurements=context.counts.get(o.pk, 0))
        for o in free_old
        if not o.by_hq and o not in bundles
    ]
    return diffs


def _computed_key(milestone: Milestone) -> str:
    return "" if milestone.metric_source == MetricSource.REPORTED else milestone.metric_key


def binding_text(source: str, key: str) -> str:
    """ "系统计算：农户通生活用电比例", "单位填报"."""
    label = MetricSource(source).label if source in MetricSource.values else source
    if source == MetricSource.REPORTED or not key:
        return label
    try:
        name = metrics.get(key).name
    except metrics.UnknownMetric:
        name = "指标已不存在"
    return f"{label}：{name}"


def _binding_problem(source: str, key: str, new: Milestone) -> str:
    """Why a computed binding cannot measure the revised target ("" when it can)."""
    from tuopin.plan import indicators

    if source == MetricSource.REPORTED or not key:
        return ""
    try:
        indicators.check_binding(key, target_unit=new.target_unit, per=new.per)
    except indicators.BindingRefused as refused:
        return "；".join(refused.errors)
    return ""


def _binding(
    old: Milestone, new: Milestone, targets: list[str]
) -> tuple[Binding, list[Change], list[str]]:
    """The binding of a matched milestone after the revision, the changes to it the review
    lists, and what is kept of HQ's settings (in words)."""
    mine = (old.metric_source, _computed_key(old))
    proposed = (new.metric_source, _computed_key(new))
    shown_targets = "、".join(targets[:3]) + (f"等{len(targets)}项" if len(targets) > 3 else "")
    tolerance = "" if old.tolerance is None else metrics.number_text(old.tolerance)
    kept: list[str] = []
    if (old.target_value, old.target_unit, old.per) == (new.target_value, new.target_unit, new.per):
        if mine != proposed:
            kept.append(
                f"指标绑定“{binding_text(*mine)}”（新版原文建议“{binding_text(*proposed)}”）"
            )
        if targets:
            kept.append(f"分解目标（{shown_targets}）")
        if tolerance:
            kept.append(f"核对容差 {tolerance}")
        return Binding(*mine), [], kept
    # The document changed the target: HQ's binding stays where it still fits the new one.
    changes: list[Change] = []
    binding = Binding(*mine)
    if mine != proposed:
        problem = _binding_problem(*mine, new)
        if problem:
            binding = Binding(*proposed)
            changes.append(
                Change(
                    "指标绑定",
                    binding_text(*mine),
                    f"{binding_text(*proposed)}（原绑定不适用于新目标：{problem}）",
                )
            )
        else:
            kept.append(f"指标绑定“{binding_text(*mine)}”（目标有变化，绑定仍适用）")
    if targets:
        binding.clear_targets = True
        changes.append(Change("分解目标", shown_targets, "清除（请按新目标重新分解）"))
    if tolerance and old.target_unit != new.target_unit:
        binding.clear_tolerance = True
        changes.append(Change("核对容差", tolerance, "用作战计划的容差"))
    elif tolerance:
        kept.append(f"核对容差 {tolerance}")
    return binding, changes, kept


def match_goals(olds: list[Goal], texts: list[str]) -> dict[int, Goal]:
    """The revised plan's goals (by position) whose text is an old goal's, spacing aside."""
    by_text: dict[str, list[Goal]] = {}
    for goal in sorted(olds, key=lambda g: g.order):
        by_text.setdefault(_squash(goal.text), []).append(goal)
    found = {}
    for index, text in enumerate(texts):
        same = by_text.get(_squash(text))
        if same:
            found[index] = same.pop(0)
    return found


def _goal_diffs(olds: list[Goal], parsed_goals: list[dict[str, Any]]) -> list[GoalDiff]:
    kept = {
        goal.pk
        for goal in match_goals(olds, [str(g.get("text", ""))[:500] for g in parsed_goals]).values()
    }
    diffs = []
    for goal in sorted(olds, key=lambda g: g.order):
        if not goal.metric_key:
            continue
        try:
            name = metrics.get(goal.metric_key).name
        except metrics.UnknownMetric:
            name = "指标已不存在"
        diffs.append(GoalDiff("kept" if goal.pk in kept else "dropped", goal, name))
    return diffs


def _best_pairs(olds: list, news: list, score) -> list[tuple[float, Any, Any]]:
    """Greedy one-to-one pairing, most similar first, of pairs at least SIMILAR."""
    scored = sorted(
        (
            (score(old, new), index_old, index_new)
            for index_old, old in enumerate(olds)
            for index_new, new in enumerate(news)
        ),
        reverse=True,
    )
    used_old: set[int] = set()
    used_new: set[int] = set()
    chosen = []
    for value, index_old, index_new in scored:
        if value < SIMILAR:
            break
        if index_old in used_old or index_new in used_new:
            continue
        used_old.add(index_old)
        used_new.add(index_new)
        chosen.append((value, olds[index_old], news[index_new]))
    return chosen


# ------------------------------------------------------------------ field changes


def _action_changes(old: Action, new: _ResolvedAction) -> list[Change]:
    changes = []
    if old.number != new.data["number"]:
        changes.append(Change("序号", f"（{old.number}）", f"（{new.data['number']}）"))
    if old.title != new.data["title"].strip():
        changes.append(Change("名称", old.title, new.data["title"].strip()))
    old_leaders = "、".join(p.display_name for p in old.leaders.all())
    new_leaders = "、".join(name or post for name, post in new.leaders)
    if old_leaders != new_leaders:
        changes.append(Change("责任领导", old_leaders, new_leaders))
    old_units = "、".join(sorted(u.name for u in old.units.all()))
    new_units = "、".join(sorted(u.name for u in new.units))
    if old_units != new_units:
        changes.append(Change("责任单位", old_units, new_units))
    return changes


def _milestone_changes(old: Milestone, new: Milestone) -> list[Change]:
    changes = []
    if old.deadline != new.deadline:
        changes.append(
            Change("截止日期", format_deadline(old.deadline), format_deadline(new.deadline))
        )
    if old.starts_on != new.starts_on:
        changes.append(Change("开始日期", _day(old.starts_on), _day(new.starts_on)))
    if format_target(old) != format_target(new):
        changes.append(Change("目标", format_target(old), format_target(new)))
    if _squash(old.text) != _squash(new.text):
        changes.append(Change("原文", old.text, new.text))
    return changes


def _campaign_changes(campaign: Campaign, parsed: dict[str, Any]) -> list[Change]:
    from tuopin.plan.actions import _date

    changes = []
    reporting = parsed.get("reporting") or {}
    pairs = [
        ("标题", campaign.title, str(parsed.get("title") or "").strip()),
        ("印发单位", campaign.issuer, str(parsed.get("issuer") or "")),
        ("印发日期", _day(campaign.issued_on), _day(_date(parsed.get("issued_on")))),
        (
            "周报截止",
            _reporting(campaign.reporting_weekday, campaign.reporting_time),
            _reporting(
                int(reporting.get("weekday") or 5),
                dt.time.fromisoformat(reporting.get("time") or "12:00"),
            ),
        ),
        (
            "周报须主要领导签字",
            "是" if campaign.reporting_sign_off else "否",
            "是" if reporting.get("sign_off", True) else "否",
        ),
        (
            "阶段安排",
            "；".join(f"{p.name} {_day(p.start)}至{_day(p.end)}" for p in campaign.phases.all()),
            "；".join(
                f"{p.get('name', '')} {_day(_date(p.get('start')))}至{_day(_date(p.get('end')))}"
                for p in parsed.get("phases") or []
            ),
        ),
        (
            "目标任务",
            "；".join(_short(g.text) for g in campaign.goals.all()),
            "；".join(_short(str(g.get("text", ""))) for g in parsed.get("goals") or []),
        ),
    ]
    for label, old, new in pairs:
        if old != new:
            changes.append(Change(label, old, new))
    return changes


def format_deadline(moment: dt.datetime | None) -> str:
    return _day(clock.local(moment).date()) if moment else ""


def format_target(milestone: Milestone) -> str:
    if milestone.target_value is None:
        return ""
    value = milestone.target_value.normalize()
    number = f"{value:f}"
    comparator = {
        Comparator.AT_LEAST: "至少",
        Comparator.MORE_THAN: "以上",
        Comparator.EQUAL: "达到",
        Comparator.ALL: "全部",
        Comparator.AT_MOST: "不超过",
    }.get(milestone.comparator, "")
    per = "" if milestone.per == Per.TOTAL else f"（{Per(milestone.per).label}）"
    return f"{comparator} {number}{milestone.target_unit}{per}".strip()


def _day(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _reporting(weekday: int, time: dt.time) -> str:
    return f"每周{'一二三四五六日'[weekday - 1]} {time:%H:%M}"


def _short(text: str, limit: int = 30) -> str:
    text = _squash(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
