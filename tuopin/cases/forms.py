"""Forms of the case pages; the actions do the real checks, these only parse input."""

from __future__ import annotations

from django import forms

from tuopin.cases.limits import LEVELS, STAGE_LABELS, STAGES_WITH_PARK
from tuopin.cases.models import Kind, Rating, Source, State
from tuopin.lib import bounds
from tuopin.org.form_bounds import SANE_DATE, SANE_MOMENT
from tuopin.org.models import Level, OrgUnit, ResponsibleUnit
from tuopin.org.widgets import DateInput, DateTimeInput


class OrgUnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{obj.name}（{obj.get_level_display()}）"


def _org_units(user):
    return (
        OrgUnit.objects.visible_to(user)
        .filter(level__in=[Level.COUNTY, Level.TOWN, Level.VILLAGE], is_active=True)
        .order_by("code")
    )


class RegisterForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=Kind.choices)
    source = forms.ChoiceField(label="来源", choices=Source.choices)
    org_unit = OrgUnitChoiceField(label="问题所在地", queryset=OrgUnit.objects.none())
    title = forms.CharField(label="标题", max_length=200)
    content = forms.CharField(label="问题内容", widget=forms.Textarea(attrs={"rows": 4}))
    reporter_name = forms.CharField(label="反映人", max_length=50, required=False)
    reporter_phone = forms.CharField(
        label="反映人手机",
        max_length=20,
        required=False,
        help_text="信访件必填，群众凭后四位查询进度",
    )
    subject = forms.CharField(label="被反映对象", max_length=100, required=False)
    attachment = forms.FileField(label="附件", required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = _org_units(user)


class FilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="类别", choices=[("", "全部类别"), *Kind.choices], required=False
    )
    state = forms.ChoiceField(
        label="状态", choices=[("", "全部状态"), ("open", "在办"), *State.choices], required=False
    )
    town = forms.ChoiceField(label="镇", required=False)
    unit = forms.ModelChoiceField(
        label="责任单位",
        queryset=ResponsibleUnit.objects.none(),
        required=False,
        empty_label="全部单位",
    )
    overdue = forms.BooleanField(label="仅超期", required=False)
    q = forms.CharField(label="编号或标题", required=False, max_length=100)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        towns = OrgUnit.objects.visible_to(user).filter(level=Level.TOWN).order_by("code")
        self.fields["town"].choices = [("", "全部镇"), *((t.code, t.name) for t in towns)]
        self.fields["unit"].queryset = ResponsibleUnit.objects.filter(is_active=True).order_by(
            "kind", "name"
        )


class NoteForm(forms.Form):
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    attachment = forms.FileField(label="附件", required=False)


class AssignForm(NoteForm):
    unit = forms.ModelChoiceField(
        label="责任单位",
        queryset=ResponsibleUnit.objects.filter(is_active=True).order_by("kind", "name"),
    )
    due_at = forms.DateTimeField(
        label="办理期限（可选，默认按时限表）",
        required=False,
        validators=SANE_MOMENT,
        widget=DateTimeInput(),
    )


class VisitForm(forms.Form):
    org_unit = OrgUnitChoiceField(label="督查地点", queryset=OrgUnit.objects.none())
    visited_on = forms.DateField(label="督查日期", validators=SANE_DATE, widget=DateInput())
    inspectors = forms.CharField(label="督查人员", max_length=200)
    is_unannounced = forms.BooleanField(label="暗访", required=False)
    cadres_expected = forms.IntegerField(
        label="应在岗驻村干部", min_value=0, max_value=bounds.MAX_COUNT, initial=0
    )
    cadres_present = forms.IntegerField(
        label="实际在岗驻村干部", min_value=0, max_value=bounds.MAX_COUNT, initial=0
    )
    files_checked = forms.IntegerField(
        label="抽查户档案数", min_value=0, max_value=bounds.MAX_COUNT, initial=0
    )
    files_ok = forms.IntegerField(
        label="其中合格", min_value=0, max_value=bounds.MAX_COUNT, initial=0
    )
    milestones = forms.ModelMultipleChoiceField(label="对照时间节点", queryset=None, required=False)
    progress_note = forms.CharField(
        label="工作推进情况", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    notes = forms.CharField(
        label="其他情况", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user=None, **kwargs):
        from tuopin.plan.models import Milestone

        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = _org_units(user)
        self.fields["milestones"].queryset = Milestone.objects.select_related("action").order_by(
            "deadline"
        )


class FindingForm(forms.Form):
    title = forms.CharField(label="问题", max_length=200)
    content = forms.CharField(label="具体情况", widget=forms.Textarea(attrs={"rows": 3}))
    unit = forms.ModelChoiceField(
        label="整改责任单位",
        queryset=ResponsibleUnit.objects.filter(is_active=True).order_by("kind", "name"),
    )
    due_on = forms.DateField(label="整改期限", validators=SANE_DATE, widget=DateInput())


class LimitForm(forms.Form):
    kind = forms.ChoiceField(choices=Kind.choices)
    level = forms.ChoiceField(choices=list(LEVELS.items()))
    stage = forms.ChoiceField(choices=[(s, STAGE_LABELS[s]) for s in STAGES_WITH_PARK])
    days = forms.IntegerField(label="天数", required=False, min_value=1, max_value=365)
    working_days = forms.BooleanField(label="按工作日计", required=False)
    no_limit = forms.BooleanField(label="不限时", required=False)

    def clean(self):
        data = super().clean()
        if not data.get("no_limit") and data.get("days") is None and not self.errors:
            raise forms.ValidationError("请填写天数，或勾选“不限时”")
        return data


class CalendarDayForm(forms.Form):
    day = forms.DateField(label="日期", validators=SANE_DATE, widget=DateInput())
    is_working_day = forms.TypedChoiceField(
        label="安排", choices=[("0", "放假"), ("1", "上班（调休）")], coerce=lambda v: v == "1"
    )
    name = forms.CharField(label="说明", max_length=50, required=False)


class TrackForm(forms.Form):
    code = forms.CharField(label="查询码", max_length=30)
    phone_last4 = forms.CharField(label="手机号后四位", max_length=4, min_length=4)


class RateForm(forms.Form):
    rating = forms.ChoiceField(
        label="您对办理结果的评价", choices=Rating.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="意见（可选）",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
