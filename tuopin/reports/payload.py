"""What a unit reports: the form's structure, validation, carry-over and the signed content hash.

A payload is plain JSON::

    {"actions": [{"action": 3, "progress": "…", "problems": "…", "suggestions": "…",
                  "milestones": [{"milestone": 12, "value": "35.00", "status": "in_progress"}]}]}

Values are decimal strings with two places (never floats), so the canonical JSON — and with it
the SHA-256 the head signs — is exactly reproducible.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Prefetch

from tuopin.plan.models import Action, Milestone
from tuopin.reports.models import Report, ReportVersion, Status

MILESTONE_STATUSES = {
    "not_started": "未开始",
    "in_progress": "推进中",
    "done": "已完成",
    "behind": "滞后",
}
TEXT_FIELDS = {"progress": "工作进展", "problems": "存在问题", "suggestions": "意见建议"}
TEXT_LIMIT = 2000
VALUE_LIMIT = Decimal("999999999999.99")
PERCENT_UNITS = {"%", "％", "百分比"}


class PayloadInvalid(Exception):
    """The submitted content is not acceptable; ``errors`` say what, where and how to fix."""

    def __init__(self, errors: list[dict[str, str]]):
        super().__init__("；".join(error["message"] for error in errors))
        self.errors = errors


@dataclass
class MilestoneRow:
    milestone: Milestone
    value: str | None = None
    status: str = "not_started"
    previous_value: str | None = None
    explanation: str = ""
    computed: Any = None  # the system's value for this unit (lib.metrics.Value), when "both"

    @property
    def computed_text(self) -> str:
        from tuopin.lib import metrics

        if self.computed is None:
            return ""
        return metrics.display(self.computed, self.milestone.target_unit)

    @property
    def status_label(self) -> str:
        return MILESTONE_STATUSES.get(self.status, self.status)


@dataclass
class ActionSection:
    action: Action
    milestones: list[MilestoneRow] = field(default_factory=list)
    progress: str = ""
    problems: str = ""
    suggestions: str = ""


_memo = threading.local()


@contextlib.contextmanager
def memo() -> Iterator[None]:
    """Within the block, a report's form structure and last week's values are read once.

    One API call or page builds the form several times (validate, check, answer); the plan
    does not change within a request, so the block shares one read.
    """
    previous = getattr(_memo, "cache", None)
    _memo.cache = {} if previous is None else previous
    try:
        yield
    finally:
        _memo.cache = previous


def _cached(key: tuple, compute):
    cache = getattr(_memo, "cache", None)
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def actions_of(report: Report) -> list[Action]:
    campaign_id = report.period.campaign_id
    return _cached(
        ("actions", campaign_id, report.unit_id),
        lambda: list(
            Action.objects.filter(campaign_id=campaign_id, units=report.unit_id)
            # sections() orders the milestones itself: no join to the action for the default order
            .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by()))
            .order_by("number")
        ),
    )


def prepare(report: Report, *, previous: bool = True) -> None:
    """Read the unit's form (and last week's values) into the active :func:`memo` now.

    A change calls this before it takes its lock: neither read depends on the locked row (the
    plan and earlier weeks do not move with this week's report), and on SQLite everything done
    inside a write transaction makes every other unit's write wait.
    """
    actions_of(report)
    if previous:
        last_week_version(report)


def sections(report: Report, payload: dict | None, *, previous: bool = True) -> list[ActionSection]:
    """The form for a report, filled from ``payload`` (missing entries stay blank).

    ``previous=False`` leaves out last week's values (and their query) where nobody shows them.
    """
    by_action = {entry.get("action"): entry for entry in (payload or {}).get("actions", [])}
    previous_by_milestone = previous_values(report) if previous else {}
    result = []
    for action in actions_of(report):
        entry = by_action.get(action.pk, {})
        values = {row.get("milestone"): row for row in entry.get("milestones", [])}
        rows = []
        for milestone in sorted(action.milestones.all(), key=lambda m: (m.deadline, m.order)):
            if milestone.metric_source == "computed":
                continue  # the system measures it: a unit is never asked to type it
            row = values.get(milestone.pk, {})
            rows.append(
                MilestoneRow(
                    milestone=milestone,
                    value=row.get("value"),
                    status=row.get("status") or "not_started",
                    previous_value=previous_by_milestone.get(milestone.pk),
                    explanation=row.get("explanation") or "",
                    computed=_computed_for(report, milestone),
                )
            )
        result.append(
            ActionSection(
                action=action,
                milestones=rows,
                **{name: entry.get(name, "") for name in TEXT_FIELDS},
            )
        )
    return result


def _computed_for(report: Report, milestone: Milestone):
    """What the system computes for this unit, beside the value it types ("both" milestones)."""
    if milestone.metric_source != "both":
        return None
    from tuopin.lib import clock, metrics

    on = min(clock.today(), clock.local(report.period.deadline).date())
    try:
        metric = metrics.get(milestone.metric_key)
    except metrics.UnknownMetric:
        return None
    if not metric.evaluable_at("unit"):
        return None
    # Every unit at once (one cached evaluation), then this unit's value.
    values = metrics.evaluate_many(milestone.metric_key, "unit", on)
    return values.get(str(report.unit_id))


def _row_payload(row: MilestoneRow) -> dict:
    data = {"milestone": row.milestone.pk, "value": row.value, "status": row.status}
    if row.explanation:
        data["explanation"] = row.explanation
    return data


def to_payload(items: list[ActionSection]) -> dict:
    return {
        "actions": [
            {
                "action": section.action.pk,
                "progress": section.progress,
                "problems": section.problems,
                "suggestions": section.suggestions,
                "milestones": [_row_payload(row) for row in section.milestones],
            }
            for section in items
        ]
    }


def last_signed_version(report: Report) -> ReportVersion | None:
    return (
        ReportVersion.objects.filter(report=report, signed_at__isnull=False)
        .order_by("-number")
        .first()
    )


def last_week_version(report: Report) -> ReportVersion | None:
    """The unit's newest signed version of an earlier week of the same campaign."""

    def compute() -> ReportVersion | None:
        return (
            ReportVersion.objects.filter(
                report__unit_id=report.unit_id,
                report__period__campaign_id=report.period.campaign_id,
                report__period__number__lt=report.period.number,
                signed_at__isnull=False,
            )
            .order_by("-report__period__number", "-number")
            .first()
        )

    return _cached(("last_week", report.pk), compute)


def previous_values(report: Report) -> dict[int, str]:
    """Milestone values from the unit's last signed report of an earlier week."""
    version = last_week_version(report)
    if version is None:
        return {}
    return {
        row["milestone"]: row.get("value")
        for entry in version.payload.get("actions", [])
        for row in entry.get("milestones", [])
        if row.get("value") is not None
    }


def carried_over(report: Report) -> dict:
    """The starting point of a new report: last week's signed values, statuses and progress."""
    version = last_week_version(report)
    items = sections(report, version.payload if version else {})
    for section in items:
        # Problems and suggestions are this week's; values and statuses carry over.
        section.problems = ""
        section.suggestions = ""
    return to_payload(items)


def clean(report: Report, data: Any, base: dict | None = None) -> dict:
    """Validate submitted content against the unit's form; raise :class:`PayloadInvalid`.

    Entries in ``data`` override ``base`` (the current content): an action or milestone that
    is not sent keeps its value, so a partial save loses nothing.
    """
    errors: list[dict[str, str]] = []
    if not isinstance(data, dict) or not isinstance(data.get("actions", []), list):
        raise PayloadInvalid(
            [{"field": "actions", "message": "填报内容格式不正确：应为 {actions: [...]}"}]
        )
    items = sections(report, base, previous=False)
    by_id = {section.action.pk: section for section in items}
    for position, entry in enumerate(data.get("actions", []), start=1):
        if not isinstance(entry, dict) or entry.get("action") not in by_id:
            action_id = entry.get("action") if isinstance(entry, dict) else entry
            errors.append(
                {
                    "field": f"actions.{position}.action",
                    "message": f"第{position}项：专项行动编号「{action_id}」不是本单位承担的行动，"
                    "请只填报表单中列出的行动",
                }
            )
            continue
        section = by_id[entry["action"]]
        label = f"（{section.action.number}）{section.action.title}"
        for name, title in TEXT_FIELDS.items():
            if name not in entry:
                continue
            text = entry[name]
            if text is None:
                text = ""
            if not isinstance(text, str):
                errors.append(
                    {"field": f"actions.{position}.{name}", "message": f"{label}的{title}应为文本"}
                )
                continue
            text = text.strip().replace("\r\n", "\n")
            if len(text) > TEXT_LIMIT:
                errors.append(
                    {
                        "field": f"actions.{position}.{name}",
                        "message": f"{label}的{title}有 {len(text)} 字，超过 {TEXT_LIMIT} 字上限，"
                        "请精简或作为附件上传",
                    }
                )
                continue
            setattr(section, name, text)
        rows = {row.milestone.pk: row for row in section.milestones}
        for row_data in entry.get("milestones", []) or []:
            if not isinstance(row_data, dict) or row_data.get("milestone") not in rows:
                mid = row_data.get("milestone") if isinstance(row_data, dict) else row_data
                errors.append(
                    {
                        "field": f"actions.{position}.milestones",
                        "message": f"{label}：时间节点编号「{mid}」不属于该行动",
                    }
                )
                continue
            row = rows[row_data["milestone"]]
            where = f"{label}「{_short(row.milestone.text)}」"
            value, problem = parse_value(row_data.get("value"), row.milestone)
            if problem:
                errors.append(
                    {
                        "field": f"milestone.{row.milestone.pk}.value",
                        "message": f"{where}的数值{problem}",
                    }
                )
            else:
                row.value = value
            status = row_data.get("status") or row.status
            if status not in MILESTONE_STATUSES:
                allowed = "、".join(
                    f"{key}（{label}）" for key, label in MILESTONE_STATUSES.items()
                )
                errors.append(
                    {
                        "field": f"milestone.{row.milestone.pk}.status",
                        "message": f"{where}的状态「{status}」无效，应为：{allowed}",
                    }
                )
            else:
                row.status = status
            explanation = row_data.get("explanation", row.explanation)
            if not isinstance(explanation, str) or len(explanation) > TEXT_LIMIT:
                errors.append(
                    {
                        "field": f"milestone.{row.milestone.pk}.explanation",
                        "message": f"{where}的差异说明应为不超过 {TEXT_LIMIT} 字的文本",
                    }
                )
                continue
            row.explanation = explanation.strip()
            if problem or row.value is None or row.explanation:
                continue
            gap = _unexplained_gap(row)
            if gap is not None:
                errors.append(
                    {
                        "field": f"milestone.{row.milestone.pk}.explanation",
                        "message": f"{where}填报 {row.value}，系统计算 {row.computed_text}，"
                        f"相差 {abs(gap.difference)}，超过容差 {gap.tolerance}："
                        "请在“差异说明”中写明原因",
                    }
                )
    if errors:
        raise PayloadInvalid(errors)
    return to_payload(items)


def _unexplained_gap(row: MilestoneRow):
    from tuopin.plan import indicators

    if row.computed is None:
        return None
    return indicators.needs_explanation(row.milestone, Decimal(row.value), row.computed)


def parse_value(raw: Any, milestone: Milestone) -> tuple[str | None, str]:
    """A value as a two-place decimal string, or the reason it is refused."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None, ""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
        return None, f"「{raw}」不是数字，请填写数字，如 12 或 12.5"
    text = str(raw).strip().replace(",", "").replace("，", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, f"「{raw}」不是数字，请填写数字，如 12 或 12.5"
    if not value.is_finite():
        return None, f"「{raw}」不是数字，请填写数字，如 12 或 12.5"
    if value < 0:
        return None, f"「{raw}」不能为负数"
    if value > VALUE_LIMIT:
        return None, f"「{raw}」超出范围（最大 999999999999.99）"
    if milestone.target_unit in PERCENT_UNITS and value > 100:
        return None, f"「{raw}」超出范围：百分比应在 0–100 之间"
    if value != value.quantize(Decimal("0.01")):
        return None, f"「{raw}」最多保留两位小数"
    return str(value.quantize(Decimal("0.01"))), ""


def _short(text: str, limit: int = 24) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def missing_progress(report: Report, payload: dict) -> list[dict[str, str]]:
    """Submission needs a progress line for every action."""
    problems = []
    for section in sections(report, payload, previous=False):
        if not section.progress.strip():
            problems.append(
                {
                    "field": f"action.{section.action.pk}.progress",
                    "message": f"（{section.action.number}）{section.action.title}的工作进展未填写，"
                    "提交前请填写本周进展",
                }
            )
    return problems


def canonical_json(version: ReportVersion) -> str:
    """The exact text the head signs: content, unit, period and attachment digests."""
    report = version.report
    document = {
        "campaign": report.period.campaign_id,
        "period": report.period.number,
        "deadline": report.period.deadline.isoformat(),
        "unit": report.unit.name,
        "version": version.number,
        "actions": version.payload.get("actions", []),
        "attachments": [
            {"name": item.name, "sha256": item.sha256, "size": item.size}
            for item in version.attachments.order_by("id")
        ],
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


EDITABLE = {Status.DRAFT, Status.SUBMITTED}
