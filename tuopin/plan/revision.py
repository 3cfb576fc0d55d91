"""What a revised plan changes in the campaign it revises: matching and the diff, read-only.

A revision keeps the campaign and every row that history points at (reports, measurements,
inspections), so each action and milestone of the revised plan is matched to the one it
continues. Actions match by identical title, then by the same number when title or wording is
still close, then by wording alone (numbering shifts when an action is inserted). Milestones of
a matched action match by identical clause, then by the same ordinal with a close clause, then
by the closest clause. What is left over is added (new plan) or dropped (old plan).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from django.db.models import Count

from tuopin.lib import clock
from tuopin.plan.models import Action, Campaign, Comparator, Measurement, Milestone, Per

if TYPE_CHECKING:
    from tuopin.plan.actions import _ResolvedAction

# Two clauses this alike are the same commitment reworded (a changed date, a new figure).
SIMILAR = 0.6
# A same-numbered action or same-ordinal milestone needs only this much in common.
CLOSE = 0.5

KIND_LABELS = {"added": "新增", "changed": "修改", "dropped": "撤销", "same": "不变"}

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
class MilestoneDiff:
    kind: str  # added, changed, dropped, same
    old: Milestone | None = None
    new: Milestone | None = None  # unsaved, built from the revised plan
    matched_by: str = ""
    changes: list[Change] = field(default_factory=list)
    measurements: int = 0  # values kept on the matched (or withdrawn) milestone

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def current(self) -> Milestone:
        return self.new if self.new is not None else self.old

    @property
    def ordinal(self) -> int:
        return self.current.order


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
        return self.kind != "same" or any(m.kind != "same" for m in self.milestones)


@dataclass
class RevisionDiff:
    campaign: Campaign
    revision: int  # the number the campaign's revision takes on confirm
    changes: list[Change] = field(default_factory=list)
    actions: list[ActionDiff] = field(default_factory=list)

    def counts(self) -> dict[str, Counter]:
        return {
            "actions": Counter(a.kind for a in self.actions),
            "milestones": Counter(m.kind for a in self.actions for m in a.milestones),
        }

    @property
    def is_empty(self) -> bool:
        return not self.changes and not any(a.touched for a in self.actions)

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
                if milestone.kind == "same":
                    continue
                where = f"{name} 时间节点“{_short(milestone.current.text)}”"
                if milestone.kind == "changed":
                    detail = "；".join(str(c) for c in milestone.changes)
                    lines.append(f"修改 {where}：{detail}")
                else:
                    deadline = format_deadline(milestone.current.deadline)
                    lines.append(f"{milestone.kind_label} {where}（{deadline}）")
        return lines


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
    pairs = _match_actions(old_actions, resolved)
    matched_old = {id(old) for old, _, _ in pairs}
    for old, new, how in sorted(pairs, key=lambda p: p[1].data["number"]):
        action_diff = ActionDiff("same", old, new, how, _action_changes(old, new))
        news = [
            build_milestone(Action(number=new.data["number"]), order, data)
            for order, data in enumerate(new.data.get("milestones") or [], start=1)
        ]
        action_diff.milestones = _milestone_diffs(
            sorted(old.milestones.all(), key=lambda m: m.order), news, counts
        )
        if action_diff.changes or any(m.kind != "same" for m in action_diff.milestones):
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
                        MilestoneDiff("dropped", old=m, measurements=counts.get(m.pk, 0))
                        for m in sorted(old.milestones.all(), key=lambda m: m.order)
                    ],
                )
            )
    diff.actions.sort(key=lambda a: (a.number, a.kind == "dropped"))
    return diff


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
    olds: list[Milestone], news: list[Milestone], counts: dict[int, int]
) -> list[MilestoneDiff]:
    free_old, free_new = list(olds), list(news)
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
        old = next((o for o in free_old if o.order == new.order), None)
        if old is not None and similarity(old.text, new.text) >= CLOSE:
            take(old, new, "序号相同")
    for score, old, new in _best_pairs(free_old, free_new, lambda o, n: similarity(o.text, n.text)):
        take(old, new, f"原文相似（{round(score * 100)}%）")
    diffs = [
        MilestoneDiff(
            "same",
            old,
            new,
            how,
            _milestone_changes(old, new),
            counts.get(old.pk, 0),
        )
        for old, new, how in matched
    ]
    for item in diffs:
        if item.changes:
            item.kind = "changed"
    diffs += [MilestoneDiff("added", new=new) for new in free_new]
    diffs.sort(key=lambda d: d.new.order)
    diffs += [MilestoneDiff("dropped", old=o, measurements=counts.get(o.pk, 0)) for o in free_old]
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
