"""Forms of the plan pages; the review page edits the parsed dict directly (apply_review_post)."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.conf import settings
from django.http import QueryDict

from tuopin.lib import clock, filekinds, planparse
from tuopin.org.form_bounds import SANE_DATE, SANE_MOMENT
from tuopin.org.widgets import DateInput, DateTimeInput, TimeInput
from tuopin.plan.models import Comparator, MetricSource, Per

ALLOWED_SUFFIXES = (".txt", ".docx")
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


class UploadForm(forms.Form):
    document = forms.FileField(
        label="工作方案文件（.txt 或 .docx）",
        error_messages={
            "required": "请选择要上传的工作方案文件",
            "empty": "文件为空：没有任何文字内容，请检查上传的文件",
            "invalid": "上传的不是文件，请重新选择",
        },
    )

    def clean_document(self):
        document = self.cleaned_data["document"]
        if not document.name.lower().endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError("只能上传 .txt 或 .docx 文件（.doc 请先另存为 .docx）")
        if document.size > min(settings.TUOPIN_UPLOAD_MAX_BYTES, MAX_DOCUMENT_BYTES):
            raise forms.ValidationError("文件过大：工作方案文件不应超过 20 MB")
        try:
            filekinds.check(document, document.name, filekinds.DOCUMENTS)
        except filekinds.WrongKind as error:
            raise forms.ValidationError(str(error)) from None
        return document


class _InstanceForm(forms.Form):
    def __init__(self, data=None, *, instance_values, **kwargs) -> None:
        initial = {name: getattr(instance_values, name) for name in self.base_fields}
        super().__init__(data, initial=initial, **kwargs)


class CampaignForm(_InstanceForm):
    title = forms.CharField(label="标题", max_length=200)
    issuer = forms.CharField(label="印发单位", max_length=200, required=False)
    issued_on = forms.DateField(
        label="印发日期", required=False, validators=SANE_DATE, widget=DateInput()
    )
    reporting_weekday = forms.TypedChoiceField(
        label="周报截止星期",
        coerce=int,
        choices=[(i, f"星期{'一二三四五六日'[i - 1]}") for i in range(1, 8)],
    )
    reporting_time = forms.TimeField(label="周报截止时间", widget=TimeInput())
    reporting_sign_off = forms.BooleanField(label="周报须主要领导签字", required=False)
    is_active = forms.BooleanField(label="当前作战计划", required=False)
    tolerance = forms.DecimalField(
        label="核对容差（单位填报值与系统计算值相差超过此数须写明原因；比例指标为百分点）",
        max_digits=8,
        decimal_places=2,
        min_value=0,
        max_value=1000000,
        required=False,
    )

    def clean_tolerance(self):
        value = self.cleaned_data.get("tolerance")
        return self.initial["tolerance"] if value is None else value


class ActionForm(_InstanceForm):
    title = forms.CharField(label="行动名称", max_length=200)
    leaders_text = forms.CharField(label="责任领导（用顿号分隔）", max_length=300, required=False)
    units_text = forms.CharField(
        label="责任单位（用顿号分隔，可写“各镇”“八办七组成员单位”）", max_length=500
    )


class MilestoneForm(forms.Form):
    deadline = forms.DateTimeField(
        label="截止时间",
        validators=SANE_MOMENT,
        widget=DateTimeInput(),
    )
    text = forms.CharField(label="原文条款", widget=forms.Textarea(attrs={"rows": 3}))
    target_value = forms.DecimalField(
        label="目标值", max_digits=14, decimal_places=2, required=False
    )
    target_unit = forms.CharField(label="目标单位", max_length=20, required=False)
    comparator = forms.ChoiceField(
        label="比较方式", choices=[("", "—"), *Comparator.choices], required=False
    )
    per = forms.ChoiceField(label="口径", choices=Per.choices)
    completed = forms.BooleanField(label="已完成", required=False)

    metric_source = forms.ChoiceField(
        label="指标来源", choices=MetricSource.choices, required=False
    )
    metric_key = forms.ChoiceField(
        label="度量指标（系统计算或填报并计算时选择）", choices=[("", "—")], required=False
    )
    tolerance = forms.DecimalField(
        label="核对容差（填报值与计算值相差超过此数须说明；空则用作战计划的容差）",
        max_digits=8,
        decimal_places=2,
        min_value=0,
        max_value=1000000,
        required=False,
    )

    def __init__(self, data=None, *, instance_values, metric_choices=None, **kwargs) -> None:
        self.instance = instance_values
        key = instance_values.metric_key or ""
        initial = {
            "deadline": clock.local(instance_values.deadline) if instance_values.deadline else None,
            "text": instance_values.text,
            "target_value": instance_values.target_value,
            "target_unit": instance_values.target_unit,
            "comparator": instance_values.comparator,
            "per": instance_values.per,
            "completed": instance_values.completed_at is not None,
            "metric_source": instance_values.metric_source or MetricSource.REPORTED,
            "metric_key": "" if key.startswith("plan.") else key,
            "tolerance": instance_values.tolerance,
        }
        super().__init__(data, initial=initial, **kwargs)
        self.fields["metric_key"].choices = metric_choices or [("", "—")]

    def clean(self):
        from tuopin.plan import indicators

        data = super().clean()
        if data.get("target_value") is not None and not data.get("comparator"):
            self.add_error("comparator", "填写了目标值时必须选择比较方式")
        if self.errors:
            return data
        try:
            self.binding = indicators.binding_values(
                self.instance,
                source=data.get("metric_source") or self.instance.metric_source or "reported",
                key=data.get("metric_key") or "",
                target_unit=data.get("target_unit") or "",
                per=data.get("per") or Per.TOTAL,
            )
        except indicators.BindingRefused as refused:
            for error in refused.errors:
                self.add_error("metric_key", error)
        return data

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        deadline = data["deadline"]
        if deadline.tzinfo is None:
            deadline = deadline.replace(tzinfo=clock.SHANGHAI)
        completed_at = self.instance.completed_at
        if data["completed"] and completed_at is None:
            completed_at = clock.now()
        elif not data["completed"]:
            completed_at = None
        return {
            "deadline": deadline,
            "text": data["text"],
            "target_value": data["target_value"],
            "target_unit": data["target_unit"],
            "comparator": data["comparator"] if data["target_value"] is not None else "",
            "per": data["per"],
            "completed_at": completed_at,
            "tolerance": data["tolerance"],
            **self.binding,
        }


class SplitForm(forms.Form):
    parts = forms.CharField(
        label="分项（每行一个；截止时间和目标沿用原节点，拆分后可逐个修改、绑定指标）",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )

    def clean_parts(self):
        lines = [line.strip() for line in self.cleaned_data["parts"].splitlines() if line.strip()]
        if len(lines) < 2:
            raise forms.ValidationError("拆分至少需要两个分项，每个分项一行")
        if len(lines) > 20:
            raise forms.ValidationError("一次最多拆分为 20 个分项")
        if any(len(line) > 500 for line in lines):
            raise forms.ValidationError("每个分项不超过 500 字")
        return lines


class TargetsForm(forms.Form):
    """One target field per responsible unit of the action (a town's office for its town)."""

    def __init__(self, data=None, *, units, current, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.units = list(units)
        for unit in self.units:
            self.fields[f"unit_{unit.pk}"] = forms.DecimalField(
                label=unit.name,
                max_digits=14,
                decimal_places=2,
                min_value=0,
                max_value=Decimal("999999999999"),
                required=False,
                initial=current.get(unit.pk),
            )

    def targets(self) -> dict:
        result = {}
        for unit in self.units:
            owner = unit.org_unit if unit.kind == "town" else unit
            result[owner] = self.cleaned_data.get(f"unit_{unit.pk}")
        return result


class GoalForm(forms.Form):
    metric_key = forms.ChoiceField(label="度量指标", choices=[("", "—")], required=False)

    def __init__(self, data=None, *, goal, metric_choices, **kwargs) -> None:
        super().__init__(data, initial={"metric_key": goal.metric_key}, **kwargs)
        self.fields["metric_key"].choices = metric_choices


# ------------------------------------------------------------------ review page


def _proposal(milestone: dict[str, Any]) -> str | None:
    """The computed metric the parser proposes for a milestone with a target (HQ confirms)."""
    from tuopin.plan import indicators

    target = milestone.get("target") or {}
    if target.get("value") is None:
        return None
    return indicators.propose(str(milestone.get("text", "")), str(target.get("unit", "")))


def review_rows(parsed: dict[str, Any]) -> list[dict[str, Any]]:
    from tuopin.lib import metrics

    rows = []
    for index, action in enumerate(parsed.get("actions") or []):
        milestones = []
        for position, milestone in enumerate(action.get("milestones") or []):
            target = milestone.get("target") or {}
            milestones.append(
                {
                    "key": f"ms-{index}-{position}",
                    "deadline": str(milestone.get("deadline") or "")[:10],
                    "text": milestone.get("text", ""),
                    "line": milestone.get("line"),
                    "value": "" if target.get("value") is None else target.get("value"),
                    "unit": target.get("unit", ""),
                    "comparator": target.get("comparator", ""),
                    "per": target.get("per", "total"),
                    "proposal": (proposal := _proposal(milestone)),
                    "proposal_name": metrics.get(proposal).name if proposal else "",
                    "accepted": milestone.get("metric", proposal) == proposal,
                }
            )
        rows.append(
            {
                "key": f"action-{index}",
                "number": action.get("number"),
                "label": action.get("label", ""),
                "line": action.get("line"),
                "title": action.get("title", ""),
                "leaders": "、".join(action.get("leaders") or []),
                "units": "、".join(action.get("units") or []),
                "milestones": milestones,
            }
        )
    return rows


def _iso_date(value: str, where: str, errors: list[str]) -> str | None:
    value = value.strip()
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        errors.append(f"{where}：日期“{value}”格式不对，应为 2018-07-31")
        return None


def apply_review_post(parsed: dict[str, Any], post: QueryDict) -> tuple[dict[str, Any], list[str]]:
    """The parsed plan with the reviewer's corrections applied, and the problems found."""
    plan = copy.deepcopy(parsed)
    errors: list[str] = []
    for name in ("title", "issuer"):
        if name in post:
            plan[name] = post[name].strip()
    if not plan.get("title"):
        errors.append("标题不能为空")
    if post.get("issued_on", "").strip():
        plan["issued_on"] = _iso_date(post["issued_on"], "印发日期", errors)
    elif "issued_on" in post:
        plan["issued_on"] = None
    for index, phase in enumerate(plan.get("phases") or []):
        prefix = f"phase-{index}"
        if f"{prefix}-name" in post:
            phase["name"] = post[f"{prefix}-name"].strip()
            where = f"阶段“{phase['name']}”"
            phase["start"] = _iso_date(post.get(f"{prefix}-start", ""), where + "开始", errors)
            phase["end"] = _iso_date(post.get(f"{prefix}-end", ""), where + "结束", errors)
    for index, action in enumerate(plan.get("actions") or []):
        prefix = f"action-{index}"
        if f"{prefix}-title" not in post:
            continue
        action["title"] = post[f"{prefix}-title"].strip()
        action["leaders"] = [
            planparse.normalize_person(n)
            for n in planparse.split_names(post.get(f"{prefix}-leaders", ""))
        ]
        action["units"] = planparse.split_names(post.get(f"{prefix}-units", ""))
        action["leaders_text"] = "、".join(action["leaders"])
        action["units_text"] = "、".join(action["units"])
        kept = []
        for position, milestone in enumerate(action.get("milestones") or []):
            key = f"ms-{index}-{position}"
            if post.get(f"{key}-drop") == "1":
                continue
            where = f"行动（{action.get('number')}）第{position + 1}个时间节点"
            day = _iso_date(post.get(f"{key}-deadline", ""), where, errors)
            if day:
                milestone["deadline"] = f"{day}T23:59:59+08:00"
            raw = post.get(f"{key}-value", "").strip()
            if raw:
                try:
                    value = Decimal(raw)
                except InvalidOperation:
                    errors.append(f"{where}：目标值“{raw}”不是数字")
                    value = None
                comparator = post.get(f"{key}-comparator") or "equal"
                per = post.get(f"{key}-per") or "total"
                if comparator not in Comparator.values or per not in Per.values:
                    errors.append(f"{where}：比较方式或口径无效")
                if value is not None:
                    milestone["target"] = {
                        "value": int(value) if value == value.to_integral_value() else float(value),
                        "unit": post.get(f"{key}-unit", "").strip()[:20],
                        "comparator": comparator,
                        "per": per,
                    }
            else:
                milestone["target"] = None
            if f"{key}-metric-shown" in post:
                # Only the parser's own proposal can be accepted here; anything else is declined.
                chosen = post.get(f"{key}-metric", "")
                milestone["metric"] = chosen if chosen and chosen == _proposal(milestone) else ""
            kept.append(milestone)
        action["milestones"] = kept
    reporting = plan.get("reporting") or {}
    if "reporting-weekday" in post:
        try:
            weekday = int(post["reporting-weekday"])
            if not 1 <= weekday <= 7:
                raise ValueError
            reporting["weekday"] = weekday
        except ValueError:
            errors.append("周报截止星期应为 1—7")
        try:
            reporting["time"] = dt.time.fromisoformat(post.get("reporting-time", "")).strftime(
                "%H:%M"
            )
        except ValueError:
            errors.append(f"周报截止时间“{post.get('reporting-time', '')}”格式不对，应为 12:00")
        reporting["sign_off"] = post.get("reporting-sign_off") == "1"
        plan["reporting"] = reporting
    return plan, errors
