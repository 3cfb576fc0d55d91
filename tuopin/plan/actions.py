"""State changes of the plan app: loading a parsed plan, editing it, measuring milestones.

Each function runs in one transaction and writes its audit rows (tuopin.org.audit) inside it.
Loading resolves everything first (units, leaders, dates) and writes nothing when any check
fails: a refused load leaves the database exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from tuopin.lib import clock, planparse
from tuopin.lib.plain_names import name_problem
from tuopin.org import audit, units
from tuopin.org.models import OrgUnit, Person, ResponsibleUnit
from tuopin.plan import metrics as plan_metrics
from tuopin.plan import revision
from tuopin.plan.models import (
    Action,
    Campaign,
    Comparator,
    Goal,
    Measurement,
    MetricSource,
    Milestone,
    Per,
    Phase,
    PlanDraft,
)


class LoadRefused(Exception):
    """The plan cannot be loaded as it stands; ``errors`` lists every problem in Chinese."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class LoadResult:
    campaign: Campaign
    warnings: list[str] = field(default_factory=list)
    diff: revision.RevisionDiff | None = None  # set when the load revised an existing campaign


@dataclass
class _ResolvedAction:
    data: dict[str, Any]
    leaders: list[tuple[str, str]]  # (name, post): one of them is empty
    units: list[ResponsibleUnit]
    unresolved: list[str]


def resolve_units(names: list[str], county: OrgUnit) -> units.Resolution:
    return units.resolve("、".join(names), county)


def leader_identity(entry: str) -> tuple[str, str]:
    """ "赵 强" → ("赵强", ""); "分管交通运输副县长" → ("", "分管交通运输副县长")."""
    entry = planparse.normalize_person(entry)
    if planparse.is_post(entry):
        return "", entry
    return entry, ""


def check(
    parsed: dict[str, Any], county: OrgUnit, *, allow_unresolved: bool = False
) -> tuple[list[_ResolvedAction], list[str], list[str]]:
    """Resolve units and leaders and validate every field; returns (actions, errors, warnings)."""
    errors: list[str] = []
    warnings: list[str] = []
    if not str(parsed.get("title") or "").strip():
        errors.append("缺少方案标题")
    actions: list[_ResolvedAction] = []
    numbers: set[int] = set()
    for data in parsed.get("actions") or []:
        name = f"行动（{data.get('number')}）{data.get('title', '')}"
        number = data.get("number")
        if not isinstance(number, int) or number < 1 or number in numbers:
            errors.append(f"{name}：序号“{number}”无效或重复")
        numbers.add(number if isinstance(number, int) else -1)
        if not str(data.get("title") or "").strip():
            errors.append(f"{name}：缺少行动名称")
        _check_names(name, data, errors)
        resolution = resolve_units(list(data.get("units") or []), county)
        if resolution.unresolved:
            listed = "、".join(resolution.unresolved)
            message = f"{name}：找不到责任单位“{listed}”（请先在组织机构中添加该单位或别名，或改正单位名称）"
            (warnings if allow_unresolved else errors).append(message)
        leaders = [leader_identity(entry) for entry in data.get("leaders") or [] if entry.strip()]
        for milestone in data.get("milestones") or []:
            _check_milestone(name, milestone, errors)
        actions.append(_ResolvedAction(data, leaders, resolution.units, resolution.unresolved))
    if not actions:
        errors.append("方案中没有任何专项行动")
    for phase in parsed.get("phases") or []:
        start, end = _date(phase.get("start")), _date(phase.get("end"))
        if start is None or end is None:
            errors.append(f"阶段“{phase.get('name', '')}”缺少开始或结束日期（格式 2018-05-01）")
        elif end < start:
            errors.append(f"阶段“{phase.get('name', '')}”的结束日期早于开始日期")
    if parsed.get("issued_on") and _date(parsed.get("issued_on")) is None:
        errors.append(f"印发日期“{parsed.get('issued_on')}”格式不对，应为 2018-06-11")
    return actions, errors, warnings


def _check_names(name: str, data: dict[str, Any], errors: list[str]) -> None:
    """Names shown on pages and charts are plain text: no markup, no control characters."""
    named = [("行动名称", data.get("title") or "")]
    named += [("责任领导", entry) for entry in data.get("leaders") or []]
    named += [("责任单位", entry) for entry in data.get("units") or []]
    for what, value in named:
        if problem := name_problem(str(value)):
            errors.append(f"{name}：{what}“{value}”{problem}")


def _check_milestone(name: str, milestone: dict[str, Any], errors: list[str]) -> None:
    where = f"{name}的时间节点“{planparse._short(str(milestone.get('text', '')), 20)}”"
    if _deadline(milestone.get("deadline")) is None:
        errors.append(f"{where}：截止时间“{milestone.get('deadline')}”无效，应为 2018-07-31")
    target = milestone.get("target")
    if milestone.get("metric"):
        from tuopin.plan import indicators

        try:
            indicators.check_binding(
                str(milestone["metric"]),
                target_unit=str((target or {}).get("unit", "")),
                per=(target or {}).get("per", "total"),
            )
        except indicators.BindingRefused as refused:
            errors.extend(f"{where}：{error}" for error in refused.errors)
    if target:
        if _decimal(target.get("value")) is None:
            errors.append(f"{where}：目标值“{target.get('value')}”不是数字")
        if target.get("comparator") not in Comparator.values:
            errors.append(f"{where}：比较方式“{target.get('comparator')}”无效")
        if target.get("per", "total") not in Per.values:
            errors.append(f"{where}：口径“{target.get('per')}”无效")


def load_campaign(
    parsed: dict[str, Any],
    county: OrgUnit,
    *,
    actor=None,
    source: str = "cli",
    source_name: str = "",
    source_text: str = "",
    allow_unresolved: bool = False,
    activate: bool = True,
) -> LoadResult:
    """Create a campaign from a parsed (and possibly corrected) plan; all or nothing."""
    resolved, errors, warnings = check(parsed, county, allow_unresolved=allow_unresolved)
    if errors:
        raise LoadRefused(errors)
    now = clock.now()
    with transaction.atomic():
        if activate:
            Campaign.objects.filter(county=county, is_active=True).update(is_active=False)
        campaign = Campaign.objects.create(
            county=county,
            is_active=activate,
            created_at=now,
            **_campaign_fields(parsed, source_name, source_text, warnings),
        )
        _create_goals_and_phases(campaign, parsed)
        people = _people([leader for item in resolved for leader in item.leaders])
        milestones: list[Milestone] = []
        for item in resolved:
            action = Action.objects.create(campaign=campaign, **_action_fields(item.data))
            action.leaders.set([people[leader] for leader in item.leaders])
            action.units.set(item.units)
            for order, milestone in enumerate(item.data.get("milestones") or [], start=1):
                milestones.append(build_milestone(action, order, milestone))
        Milestone.objects.bulk_create(milestones)
        audit.record(
            campaign,
            {"actions": [None, len(resolved)], "milestones": [None, len(milestones)]},
            actor=actor,
            action="导入作战计划",
            source=source,
            note=source_name,
        )
    plan_metrics.register_milestones(milestones)
    return LoadResult(campaign, warnings)


def _campaign_fields(
    parsed: dict[str, Any], source_name: str, source_text: str, warnings: list[str]
) -> dict[str, Any]:
    reporting = parsed.get("reporting") or {}
    return {
        "title": parsed["title"].strip()[:200],
        "issuer": (parsed.get("issuer") or "")[:200],
        "issued_on": _date(parsed.get("issued_on")),
        "source_name": source_name[:200],
        "source_text": source_text,
        "preamble": parsed.get("preamble") or "",
        "parse_warnings": [_warning_text(w) for w in parsed.get("warnings") or []] + warnings,
        "reporting_weekday": int(reporting.get("weekday") or 5),
        "reporting_time": dt.time.fromisoformat(reporting.get("time") or "12:00"),
        "reporting_sign_off": bool(reporting.get("sign_off", True)),
    }


def _create_goals_and_phases(
    campaign: Campaign, parsed: dict[str, Any], *, reuse: list[Goal] | None = None
) -> None:
    """The plan's goals and phases. A revision passes the campaign's goals as ``reuse``: a goal
    whose text is unchanged keeps its row (its metric, target and history); the others go."""
    goals = parsed.get("goals") or []
    texts = [str(goal.get("text", ""))[:500] for goal in goals]
    kept = revision.match_goals(reuse or [], texts)
    Goal.objects.filter(pk__in=[g.pk for g in reuse or [] if g not in kept.values()]).delete()
    for index, goal in kept.items():
        goal.order = index + 1
    Goal.objects.bulk_update(list(kept.values()), ["order"])
    Goal.objects.bulk_create(
        Goal(
            campaign=campaign,
            text=texts[index],
            value=_decimal(goal.get("value")),
            unit=str(goal.get("unit") or "")[:20],
            order=index + 1,
        )
        for index, goal in enumerate(goals)
        if index not in kept
    )
    Phase.objects.bulk_create(
        Phase(
            campaign=campaign,
            name=str(phase.get("name", ""))[:100],
            start=_date(phase["start"]),
            end=_date(phase["end"]),
            text=phase.get("text") or "",
            order=index,
        )
        for index, phase in enumerate(parsed.get("phases") or [], start=1)
    )


def _action_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "number": data["number"],
        "label": str(data.get("label") or "")[:20],
        "title": data["title"].strip()[:200],
        "text": data.get("text") or "",
        "leaders_text": (data.get("leaders_text") or "、".join(data.get("leaders") or []))[:300],
        "units_text": (data.get("units_text") or "、".join(data.get("units") or []))[:500],
    }


# What a revision rewrites on a matched milestone from the document (its measurements and
# links stay; its binding is ``MilestoneDiff.binding``: HQ's unless the target changed).
MILESTONE_PLAN_FIELDS = (
    "deadline",
    "text",
    "target_value",
    "target_unit",
    "comparator",
    "per",
    "order",
    "phrase",
    "starts_on",
)


def revise_campaign(
    campaign: Campaign,
    parsed: dict[str, Any],
    *,
    actor=None,
    source: str = "cli",
    source_name: str = "",
    source_text: str = "",
    allow_unresolved: bool = False,
) -> LoadResult:
    """Load a revised plan as the next revision of ``campaign``; all or nothing.

    Matched actions and milestones are updated in place, so reports, measurements, periods and
    inspection links stay attached; new ones are created; dropped ones are withdrawn (kept for
    the history that points at them, hidden from the plan). Milestones HQ added or split on the
    web stay (see :mod:`tuopin.plan.revision`). Every change is audited.
    """
    resolved, errors, warnings = check(parsed, campaign.county, allow_unresolved=allow_unresolved)
    if errors:
        raise LoadRefused(errors)
    now = clock.now()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().select_related("county").get(pk=campaign.pk)
        diff = revision.compare(campaign, parsed, resolved)
        note = f"第{diff.revision}版 {source_name}".strip()

        def record(obj, changes: dict[str, Any], what: str) -> None:
            audit.record(obj, changes, actor=actor, action=what, source=source, note=note)

        for item in diff.actions:
            if item.kind == "dropped":
                _withdraw(item.old, now, record)
        # Numbers of the actions that stay are unique among those in force: park the renumbered
        # ones out of the way first so that swapping two numbers never collides.
        moved = [
            item.old
            for item in diff.actions
            if item.old and item.new and item.old.number != item.new.data["number"]
        ]
        for offset, action in enumerate(moved, start=1):
            Action.objects.filter(pk=action.pk).update(number=30000 + offset)
        people = _people([leader for item in resolved for leader in item.leaders])
        created: list[Milestone] = []
        for item in diff.actions:
            if item.new is None:
                continue
            if item.old is None:
                action = Action.objects.create(campaign=campaign, **_action_fields(item.new.data))
                record(action, {}, "修订时新增专项行动")
            else:
                action = item.old
                fields = _action_fields(item.new.data)
                for name, value in fields.items():
                    setattr(action, name, value)
                action.save(update_fields=list(fields))
                if item.changes:
                    record(action, {c.label: [c.old, c.new] for c in item.changes}, "修订专项行动")
            action.leaders.set([people[leader] for leader in item.new.leaders])
            action.units.set(item.new.units)
            for milestone_item in item.milestones:
                created += _revise_milestone(action, milestone_item, now, record)
        campaign.phases.all().delete()
        _create_goals_and_phases(campaign, parsed, reuse=list(campaign.goals.all()))
        fields = _campaign_fields(parsed, source_name, source_text, warnings)
        fields["revision"] = diff.revision
        for name, value in fields.items():
            setattr(campaign, name, value)
        campaign.save(update_fields=list(fields))
        counts = diff.counts()
        summary: dict[str, Any] = {"修订版次": [diff.revision - 1, diff.revision]}
        summary.update({c.label: [c.old, c.new] for c in diff.changes})
        for scope, label in (("actions", "专项行动"), ("milestones", "时间节点")):
            for kind in ("added", "changed", "dropped", "kept"):
                if counts[scope][kind]:
                    summary[f"{revision.KIND_LABELS[kind]}{label}"] = [None, counts[scope][kind]]
        record(campaign, summary, "修订作战计划")
    plan_metrics.register_milestones(created)
    return LoadResult(campaign, warnings, diff)


def _revise_milestone(action: Action, item: revision.MilestoneDiff, now, record) -> list[Milestone]:
    """Apply one milestone of the diff; returns the milestones whose metric key is new."""
    if item.kind == "dropped":
        item.old.withdrawn_at = now
        item.old.save(update_fields=["withdrawn_at"])
        record(item.old, {}, "修订时撤销时间节点")
        return []
    if item.kind == "kept":
        return _keep_milestone(action, item, record)
    fresh = item.new  # built by the diff from the revised plan, not saved yet
    fresh.action = action
    if item.kind == "split":
        # The clause stays withdrawn (its parts measure it); it takes the new wording so that
        # the next revision matches it again.
        bundle = item.old
        for name in MILESTONE_PLAN_FIELDS:
            setattr(bundle, name, getattr(fresh, name))
        bundle.save(update_fields=list(MILESTONE_PLAN_FIELDS))
        if item.changes:
            changes = {c.label: [c.old, c.new] for c in item.changes}
            record(bundle, changes, "修订已拆分的原文条款")
        return []
    if item.old is None:
        fresh.save()
        record(fresh, {}, "修订时新增时间节点")
        return [fresh]
    milestone = item.old
    old_key = milestone.metric_key
    for name in MILESTONE_PLAN_FIELDS:
        setattr(milestone, name, getattr(fresh, name))
    binding = item.binding
    milestone.metric_source = binding.source
    milestone.metric_key = binding.key or f"plan.{action.number}.{milestone.order}"
    fields = [*MILESTONE_PLAN_FIELDS, "metric_source", "metric_key"]
    if binding.clear_tolerance:
        milestone.tolerance = None
        fields.append("tolerance")
    milestone.save(update_fields=fields)
    if binding.clear_targets:
        milestone.targets.all().delete()
    if item.changes:
        record(milestone, {c.label: [c.old, c.new] for c in item.changes}, "修订时间节点")
    return [milestone] if milestone.metric_key != old_key else []


def _keep_milestone(action: Action, item: revision.MilestoneDiff, record) -> list[Milestone]:
    """HQ's milestone without counterpart in the document: kept as it is, numbered after the
    document's clauses (a reported one's key follows its number)."""
    milestone = item.old
    values: dict[str, Any] = {"order": item.order_to}
    if milestone.metric_source == MetricSource.REPORTED:
        values["metric_key"] = f"plan.{action.number}.{item.order_to}"
    changes = audit.diff(milestone, values)
    if not changes:
        return []
    for name in changes:
        setattr(milestone, name, values[name])
    milestone.save(update_fields=list(changes))
    record(milestone, changes, "修订时保留时间节点")
    return [milestone] if "metric_key" in changes else []


def _withdraw(action: Action, now, record) -> None:
    action.withdrawn_at = now
    action.save(update_fields=["withdrawn_at"])
    Milestone.objects.filter(action=action).update(withdrawn_at=now)
    record(action, {}, "修订时撤销专项行动")


def build_milestone(action: Action, order: int, data: dict[str, Any]) -> Milestone:
    """An unsaved milestone of ``action`` from its parsed (and checked) data."""
    target = data.get("target") or None
    milestone = Milestone(
        action=action,
        deadline=_deadline(data["deadline"]),
        text=data.get("text") or "",
        order=order,
        phrase=str(data.get("phrase") or "")[:40],
        starts_on=_date(data.get("start")),
        metric_key=f"plan.{action.number}.{order}",
        metric_source=MetricSource.REPORTED,
    )
    if target:
        milestone.target_value = _decimal(target["value"])
        milestone.target_unit = str(target.get("unit") or "")[:20]
        milestone.comparator = target.get("comparator") or Comparator.EQUAL
        milestone.per = target.get("per") or Per.TOTAL
    if "metric" in data:  # HQ confirmed (or declined) the parser's proposal on the review page
        computed = data["metric"] or None
    else:
        computed = plan_metrics.computed_metric_for(milestone)
    if computed is not None:
        milestone.metric_key = computed
        milestone.metric_source = MetricSource.COMPUTED
    return milestone


def _people(identities: list[tuple[str, str]]) -> dict[tuple[str, str], Person]:
    """Find each leader by name (or post, for post-only leaders); create the missing ones."""
    found: dict[tuple[str, str], Person] = {}
    for name, post in dict.fromkeys(identities):
        if name:
            person = Person.objects.filter(name=name).order_by("-is_leader", "pk").first()
        else:
            person = Person.objects.filter(name="", post=post).order_by("pk").first()
        if person is None:
            person = Person.objects.create(name=name, post=post, is_leader=True)
        found[(name, post)] = person
    return found


def load_document(
    name: str,
    data: bytes,
    county: OrgUnit,
    **options: Any,
) -> LoadResult:
    """Parse a .txt/.docx and load it (``tuopin plan load``); ParseError or LoadRefused on bad input."""
    text = planparse.read_document(name, data)
    parsed = planparse.parse(text)
    return load_campaign(parsed, county, source_name=name, source_text=text, **options)


# ------------------------------------------------------------------ review drafts


def create_draft(name: str, data: bytes, county: OrgUnit, *, actor) -> PlanDraft:
    """Parse an upload and keep it for review; raises ParseError before anything is stored.

    A plan with the title of one of the county's campaigns is taken as its revision; the
    review page shows the diff and lets HQ load it as a new campaign instead.
    """
    text = planparse.read_document(name, data)
    parsed = planparse.parse(text)
    return PlanDraft.objects.create(
        county=county,
        source_name=name[:200],
        source_text=text,
        parsed=parsed,
        revises=revision.find_revised_campaign(parsed, county),
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
        uploaded_at=clock.now(),
    )


def save_draft_corrections(
    draft: PlanDraft, parsed: dict[str, Any], *, revises: Campaign | None
) -> None:
    if revises is not None and revises.county_id != draft.county_id:
        raise ValueError("a draft revises a campaign of its own county only")
    with transaction.atomic():
        draft.parsed = parsed
        draft.revises = revises
        draft.save(update_fields=["parsed", "revises"])


def confirm_draft(draft: PlanDraft, *, actor, allow_unresolved: bool = False) -> LoadResult:
    options = {
        "actor": actor,
        "source": "web",
        "source_name": draft.source_name,
        "source_text": draft.source_text,
        "allow_unresolved": allow_unresolved,
    }
    with transaction.atomic():
        if draft.revises is not None:
            result = revise_campaign(draft.revises, draft.parsed, **options)
        else:
            result = load_campaign(draft.parsed, draft.county, **options)
        draft.campaign = result.campaign
        draft.save(update_fields=["campaign"])
    return result


# ------------------------------------------------------------------ edits after loading


def update_campaign(campaign: Campaign, values: dict[str, Any], *, actor) -> dict[str, list[Any]]:
    """Change the campaign's own fields; making it active retires the county's other campaigns."""
    with transaction.atomic():
        if values.get("is_active") and not campaign.is_active:
            Campaign.objects.filter(county=campaign.county, is_active=True).update(is_active=False)
        return audit.apply_changes(campaign, values, actor=actor, action="修改作战计划")


def update_action(
    action: Action,
    *,
    title: str,
    leaders_text: str,
    units_text: str,
    actor,
) -> dict[str, list[Any]]:
    """Change an action's title, leaders and units (re-resolved from the wording)."""
    county = action.campaign.county
    names = planparse.split_names(units_text)
    resolution = resolve_units(names, county)
    if resolution.unresolved:
        raise LoadRefused(
            [
                f"找不到责任单位“{'、'.join(resolution.unresolved)}”：请改正单位名称或先在组织机构中添加"
            ]
        )
    identities = [leader_identity(entry) for entry in planparse.split_names(leaders_text)]
    with transaction.atomic():
        before_leaders = "、".join(p.display_name for p in action.leaders.all())
        before_units = "、".join(u.name for u in action.units.all())
        changes = audit.diff(
            action, {"title": title, "leaders_text": leaders_text, "units_text": units_text}
        )
        for name in changes:
            setattr(
                action,
                name,
                {"title": title, "leaders_text": leaders_text, "units_text": units_text}[name],
            )
        if changes:
            action.save(update_fields=list(changes))
        people = _people(identities)
        action.leaders.set([people[identity] for identity in identities])
        action.units.set(resolution.units)
        after_leaders = "、".join(people[identity].display_name for identity in identities)
        after_units = "、".join(u.name for u in resolution.units)
        if before_leaders != after_leaders:
            changes["leaders"] = [before_leaders, after_leaders]
        if before_units != after_units:
            changes["units"] = [before_units, after_units]
        if changes:
            audit.record(action, changes, actor=actor, action="修改专项行动")
    return changes


def update_milestone(
    milestone: Milestone, values: dict[str, Any], *, actor
) -> dict[str, list[Any]]:
    with transaction.atomic():
        return audit.apply_changes(milestone, values, actor=actor, action="修改时间节点")


def set_milestone_completed(
    milestone: Milestone, completed: bool, *, actor
) -> dict[str, list[Any]]:
    value = clock.now() if completed else None
    with transaction.atomic():
        return audit.apply_changes(
            milestone,
            {"completed_at": value},
            actor=actor,
            action="标记完成" if completed else "取消完成",
        )


def record_measurement(
    milestone: Milestone,
    value: Decimal,
    *,
    unit: ResponsibleUnit | None = None,
    at: dt.datetime | None = None,
    source: str = "report",
    source_ref: str = "",
) -> Measurement:
    """One measured value of a milestone (the reports app calls this when a report is signed)."""
    with transaction.atomic():
        return Measurement.objects.create(
            milestone=milestone,
            unit=unit,
            value=value,
            measured_at=at or clock.now(),
            source=source,
            source_ref=source_ref[:60],
        )


def refresh_computed(campaign: Campaign, *, on: dt.date | None = None) -> int:
    """Evaluate the computed metrics of a campaign's milestones and goals; store changed values."""
    from tuopin.plan import indicators

    return indicators.refresh(campaign, on=on)["measurements"]


# ------------------------------------------------------------------ conversions


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _deadline(value: Any) -> dt.datetime | None:
    """ISO date or datetime → aware datetime (a bare date is that day's end, as in 底前)."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=clock.SHANGHAI)
    text = str(value or "").strip()
    if not text:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return clock.end_of_day(dt.date.fromisoformat(text))
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=clock.SHANGHAI)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _warning_text(warning: dict[str, Any] | str) -> str:
    if isinstance(warning, str):
        return warning
    line = warning.get("line")
    return f"第{line}行：{warning['message']}" if line else warning["message"]
