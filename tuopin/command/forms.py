"""Forms of the command pages; they parse input, the actions check it."""

from __future__ import annotations

from django import forms

from tuopin.command.models import Measure, ReasonKind
from tuopin.lib import clock
from tuopin.org.form_bounds import SANE_DATE
from tuopin.org.models import Level, OrgUnit, Person, ResponsibleUnit
from tuopin.org.widgets import DateInput
from tuopin.plan.models import Milestone

INSTRUCTION_ROWS = 5
PROBLEM_ROWS = 3


class LeaderField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return obj.display_name


class PlaceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return obj.name if obj.level == Level.TOWN else f"　{obj.name}"


def leaders():
    return Person.objects.filter(is_leader=True).order_by("name")


def units():
    return ResponsibleUnit.objects.filter(is_active=True).order_by("kind", "name")


def places():
    return OrgUnit.objects.filter(level__in=[Level.TOWN, Level.VILLAGE], is_active=True).order_by(
        "code"
    )


class MeetingForm(forms.Form):
    held_on = forms.DateField(label="会议日期", validators=SANE_DATE, widget=DateInput())
    chair = forms.CharField(label="主持", max_length=50)
    attendees = forms.CharField(
        label="参会人员", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    discussion = forms.CharField(
        label="会议研究事项",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class InstructionRow(forms.Form):
    text = forms.CharField(label="交办内容", required=False, max_length=1000)
    leader = forms.CharField(label="交办领导", required=False, max_length=50)
    unit = forms.ModelChoiceField(label="承办单位", queryset=units(), required=False)
    due_on = forms.DateField(
        label="办理期限", required=False, validators=SANE_DATE, widget=DateInput()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units()

    @property
    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any(data.get(name) for name in ("text", "unit", "due_on"))


class AssignmentForm(forms.Form):
    leader = LeaderField(label="县级领导", queryset=Person.objects.none())
    town = forms.ModelChoiceField(label="包抓镇", queryset=OrgUnit.objects.none())
    since = forms.DateField(label="开始日期", validators=SANE_DATE, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leaders()
        self.fields["town"].queryset = OrgUnit.objects.filter(level=Level.TOWN, is_active=True)


class ShiftForm(forms.Form):
    day = forms.DateField(label="坐班日期", validators=SANE_DATE, widget=DateInput())
    leader = LeaderField(label="坐班领导", queryset=Person.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leaders()


class VisitForm(forms.Form):
    leader = LeaderField(label="领导", queryset=Person.objects.none())
    visited_on = forms.DateField(label="调研日期", validators=SANE_DATE, widget=DateInput())
    org_unit = PlaceField(label="镇或村", queryset=OrgUnit.objects.none())
    inspected = forms.CharField(
        label="检查内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leaders()
        self.fields["org_unit"].queryset = places()


class ProblemRow(forms.Form):
    title = forms.CharField(label="发现问题", required=False, max_length=200)
    unit = forms.ModelChoiceField(label="责任单位", queryset=units(), required=False)
    due_on = forms.DateField(
        label="整改期限", required=False, validators=SANE_DATE, widget=DateInput()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units()


class MilestoneField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"（{obj.action.number}）{obj.deadline:%m月%d日} {obj.text[:40]}"


class MeasureForm(forms.Form):
    subject_unit = forms.ModelChoiceField(
        label="问责对象（单位）", queryset=units(), required=False
    )
    subject_person = forms.CharField(label="问责对象（个人）", max_length=100, required=False)
    reason_kind = forms.ChoiceField(label="事由类别", choices=ReasonKind.choices)
    reason = forms.CharField(
        label="问责事由", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    milestone = MilestoneField(
        label="逾期时间节点（事由为时间节点逾期时选择）",
        queryset=Milestone.objects.none(),
        required=False,
    )
    case = forms.IntegerField(
        label="相关问题件",
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        widget=forms.HiddenInput,
    )
    measure = forms.ChoiceField(label="处理方式", choices=Measure.choices)
    decided_on = forms.DateField(label="决定日期", validators=SANE_DATE, widget=DateInput())
    decided_by = forms.CharField(label="决定人（机构）", max_length=100)
    evidence = forms.CharField(
        label="依据材料", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject_unit"].queryset = units()
        # Milestones already past their deadline, in the active campaigns.
        self.fields["milestone"].queryset = (
            Milestone.objects.filter(action__campaign__is_active=True, deadline__lt=clock.now())
            .select_related("action")
            .order_by("action__number", "deadline")
        )


class SweepForm(forms.Form):
    org_unit = forms.ModelChoiceField(label="村", queryset=OrgUnit.objects.none())
    round_label = forms.CharField(label="排查轮次", max_length=40)
    swept_on = forms.DateField(label="排查日期", validators=SANE_DATE, widget=DateInput())
    disputes_found = forms.IntegerField(label="排查出矛盾纠纷（件）", min_value=0, max_value=10000)
    notes = forms.CharField(
        label="排查情况", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = (
            OrgUnit.objects.visible_to(user)
            .filter(level=Level.VILLAGE, is_active=True)
            .order_by("code")
        )
