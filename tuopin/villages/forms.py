"""Forms of the village team pages: a roster member, a presence check (one row per member in
post), a training session, a commendation, a checklist definition and a checklist inspection
(one row per item)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms

from tuopin.org.form_bounds import SANE_DATE
from tuopin.org.widgets import DateInput
from tuopin.villages.actions import ItemSpec
from tuopin.villages.codes import Absence, CheckKind, ItemMode, Target, Team, TrainingKind

PRESENT = "present"
PRESENCE_CHOICES = [(PRESENT, "在岗"), *Absence.choices]


class MemberForm(forms.Form):
    team = forms.ChoiceField(label="队伍类别", choices=Team.choices)
    name = forms.CharField(label="姓名", max_length=50)
    unit = forms.CharField(label="派出单位", max_length=100, required=False)
    role = forms.CharField(label="职务", max_length=50, required=False)
    phone = forms.CharField(label="手机", max_length=20)
    started_on = forms.DateField(label="到岗日期", validators=SANE_DATE, widget=DateInput())
    ended_on = forms.DateField(
        label="离岗日期", validators=SANE_DATE, widget=DateInput(), required=False
    )


class PresenceForm(forms.Form):
    kind = forms.ChoiceField(label="检查方式", choices=CheckKind.choices)
    checked_on = forms.DateField(label="检查日期", validators=SANE_DATE, widget=DateInput())
    inspectors = forms.CharField(label="检查人员", max_length=200)
    note = forms.CharField(
        label="情况说明", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        for member in self.members:
            self.fields[f"m_{member.pk}"] = forms.ChoiceField(
                label=f"{member.name}（{member.get_team_display()}）",
                choices=PRESENCE_CHOICES,
                widget=forms.RadioSelect,
                initial=PRESENT,
            )

    def member_fields(self):
        return [(member, self[f"m_{member.pk}"]) for member in self.members]


class TrainingForm(forms.Form):
    held_on = forms.DateField(label="培训日期", validators=SANE_DATE, widget=DateInput())
    topic = forms.CharField(label="培训主题", max_length=200)
    kind = forms.ChoiceField(label="类别", choices=TrainingKind.choices)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"] = forms.ModelMultipleChoiceField(
            label="参训人员",
            queryset=members,
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["members"].label_from_instance = lambda m: (
            f"{m.village.name} {m.name}（{m.get_team_display()}）"
        )


class CommendForm(forms.Form):
    title = forms.CharField(label="荣誉称号", max_length=100)
    awarded_on = forms.DateField(label="评选日期", validators=SANE_DATE, widget=DateInput())
    awarded_by = forms.CharField(label="评选单位", max_length=100, required=False)


ITEM_HELP = (
    "每行一个检查事项，用“|”分隔：事项|评判方式（合格 或 评分）|满分|合格分|须拍照（是/否）|权重。"
    "例：垃圾清运及时|合格||||是|1；村容整洁|评分|10|8|否|2"
)


class TemplateForm(forms.Form):
    key = forms.CharField(label="清单代号（字母数字）", max_length=30)
    name = forms.CharField(label="清单名称", max_length=100)
    target = forms.ChoiceField(label="检查对象", choices=Target.choices)
    items = forms.CharField(
        label="检查事项", widget=forms.Textarea(attrs={"rows": 8}), help_text=ITEM_HELP
    )

    def clean_items(self) -> list[ItemSpec]:
        specs = []
        lines = [line.strip() for line in self.cleaned_data["items"].splitlines() if line.strip()]
        if len(lines) > 100:
            raise forms.ValidationError("检查事项最多 100 项")
        for number, line in enumerate(lines, 1):
            parts = [part.strip() for part in line.replace("｜", "|").split("|")]
            parts += [""] * (6 - len(parts))
            text, mode, top, mark, photo, weight = parts[:6]
            try:
                specs.append(
                    ItemSpec(
                        text=text,
                        mode=ItemMode.SCORE if mode == "评分" else ItemMode.PASS_FAIL,
                        max_score=Decimal(top) if top else None,
                        pass_mark=Decimal(mark) if mark else None,
                        evidence_required=photo in ("是", "须", "需"),
                        weight=Decimal(weight) if weight else Decimal(1),
                    )
                )
            except InvalidOperation:
                raise forms.ValidationError(
                    f"第{number}行的满分、合格分和权重须为数字：{line[:60]}"
                ) from None
            if mode not in ("", "合格", "评分"):
                raise forms.ValidationError(f"第{number}行评判方式应为“合格”或“评分”")
        return specs


class InspectionForm(forms.Form):
    """One checklist version's items; ``version`` is the version the page was made with."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=30000)
    inspected_on = forms.DateField(label="检查日期", validators=SANE_DATE, widget=DateInput())
    inspectors = forms.CharField(label="检查人员", max_length=200)
    latitude = forms.DecimalField(
        widget=forms.HiddenInput, required=False, min_value=-90, max_value=90, decimal_places=6
    )
    longitude = forms.DecimalField(
        widget=forms.HiddenInput, required=False, min_value=-180, max_value=180, decimal_places=6
    )

    def __init__(self, *args, items=(), allow_model=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            if item.mode == ItemMode.SCORE:
                self.fields[f"s_{item.pk}"] = forms.DecimalField(
                    label=f"得分（0–{item.max_score}，{item.pass_mark}分合格）",
                    max_digits=7,
                    decimal_places=1,
                    required=False,
                )
            else:
                self.fields[f"i_{item.pk}"] = forms.ChoiceField(
                    label="结果",
                    choices=[("1", "合格"), ("0", "不合格")],
                    widget=forms.RadioSelect,
                    required=False,
                )
            self.fields[f"n_{item.pk}"] = forms.CharField(
                label="情况说明", max_length=500, required=False
            )
        if allow_model:
            self.fields["county_model"] = forms.BooleanField(
                label="验收通过时评为县级典型", required=False
            )

    def rows(self):
        for item in self.items:
            answer = self[f"s_{item.pk}"] if item.mode == ItemMode.SCORE else self[f"i_{item.pk}"]
            yield item, answer, self[f"n_{item.pk}"]
