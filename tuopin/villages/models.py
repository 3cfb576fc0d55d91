"""The 四支队伍 roster of each village, presence checks, training, and checklist inspections.

A :class:`TeamMember` is one person's term in one village's team (a replacement ends the term
and starts another, so the roster keeps its history; every change is also in the audit log).
A :class:`PresenceCheck` records each member present or absent. A :class:`ChecklistTemplate` is
one *version* of a checklist HQ defines; a :class:`ChecklistInspection` keeps the version it was
made with, and each failed :class:`ItemResult` carries the 整改 case it opened.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q

from tuopin.org.models import OrgUnit, User
from tuopin.villages.codes import Absence, CheckKind, ItemMode, Target, Team, TrainingKind


class ScopedQuerySet(models.QuerySet):
    code_path = "village__code"

    def visible_to(self, user):
        from tuopin.org.access import visible_q

        return self.filter(visible_q(user, code_path=self.code_path))


class MemberQuerySet(ScopedQuerySet):
    def in_post(self, on: dt.date) -> MemberQuerySet:
        return self.filter(started_on__lte=on).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))


class TeamMember(models.Model):
    village = models.ForeignKey(
        OrgUnit, verbose_name="村", on_delete=models.PROTECT, related_name="team_members"
    )
    team = models.CharField("队伍", max_length=20, choices=Team.choices)
    name = models.CharField("姓名", max_length=50)
    unit = models.CharField("派出单位", max_length=100, blank=True)
    role = models.CharField("职务", max_length=50, blank=True)
    phone = models.CharField("手机", max_length=20)
    started_on = models.DateField("到岗日期")
    ended_on = models.DateField("离岗日期", null=True, blank=True)
    created_at = models.DateTimeField("登记时间")
    updated_at = models.DateTimeField("更新时间", db_index=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = "驻村队伍成员"
        verbose_name_plural = "驻村队伍成员"
        ordering = ["village__code", "team", "started_on", "id"]
        indexes = [models.Index(fields=["phone"])]

    def __str__(self) -> str:
        return f"{self.village.name} {self.get_team_display()} {self.name}"

    @property
    def scope_code(self) -> str:
        return self.village.code

    def in_post(self, on: dt.date) -> bool:
        return self.started_on <= on and (self.ended_on is None or self.ended_on > on)


class PresenceCheck(models.Model):
    village = models.ForeignKey(
        OrgUnit, verbose_name="村", on_delete=models.PROTECT, related_name="presence_checks"
    )
    kind = models.CharField("检查方式", max_length=16, choices=CheckKind.choices)
    checked_on = models.DateField("检查日期", db_index=True)
    inspectors = models.CharField("检查人员", max_length=200)
    note = models.TextField("情况说明", blank=True)
    recorded_by = models.ForeignKey(
        User, verbose_name="记录人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "在岗检查"
        verbose_name_plural = "在岗检查"
        ordering = ["-checked_on", "-id"]

    def __str__(self) -> str:
        return f"{self.checked_on} {self.village.name} {self.get_kind_display()}"

    @property
    def scope_code(self) -> str:
        return self.village.code


class PresenceEntry(models.Model):
    presence_check = models.ForeignKey(
        PresenceCheck, verbose_name="在岗检查", on_delete=models.CASCADE, related_name="entries"
    )
    member = models.ForeignKey(
        TeamMember, verbose_name="队伍成员", on_delete=models.PROTECT, related_name="presence"
    )
    present = models.BooleanField("在岗")
    reason = models.CharField(
        "缺岗原因", max_length=10, choices=Absence.choices, blank=True, default=""
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="纪律问题件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "在岗情况"
        verbose_name_plural = "在岗情况"
        constraints = [
            models.UniqueConstraint(
                fields=["presence_check", "member"], name="villages_presence_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member.name} {'在岗' if self.present else self.get_reason_display()}"


class TrainingQuerySet(ScopedQuerySet):
    code_path = "place__code"


class TrainingSession(models.Model):
    held_on = models.DateField("培训日期", db_index=True)
    topic = models.CharField("培训主题", max_length=200)
    kind = models.CharField("类别", max_length=10, choices=TrainingKind.choices)
    place = models.ForeignKey(
        OrgUnit, verbose_name="组织层级", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间")

    objects = TrainingQuerySet.as_manager()

    class Meta:
        verbose_name = "培训"
        verbose_name_plural = "培训"
        ordering = ["-held_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["held_on", "topic"], name="villages_training_once")
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}"

    @property
    def scope_code(self) -> str:
        return self.place.code


class TrainingAttendance(models.Model):
    session = models.ForeignKey(
        TrainingSession, verbose_name="培训", on_delete=models.CASCADE, related_name="attendance"
    )
    member = models.ForeignKey(
        TeamMember, verbose_name="队伍成员", on_delete=models.PROTECT, related_name="trainings"
    )

    class Meta:
        verbose_name = "参训记录"
        verbose_name_plural = "参训记录"
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="villages_trained_once")
        ]

    def __str__(self) -> str:
        return f"{self.session} {self.member.name}"

    @property
    def scope_code(self) -> str:
        return self.member.village.code


class Commendation(models.Model):
    member = models.ForeignKey(
        TeamMember, verbose_name="队伍成员", on_delete=models.PROTECT, related_name="commendations"
    )
    title = models.CharField("荣誉称号", max_length=100)
    awarded_on = models.DateField("评选日期")
    awarded_by = models.CharField("评选单位", max_length=100, blank=True)
    created_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "评选表彰"
        verbose_name_plural = "评选表彰"
        ordering = ["-awarded_on", "-id"]

    def __str__(self) -> str:
        return f"{self.member.name} {self.title}"

    @property
    def scope_code(self) -> str:
        return self.member.village.code


class ChecklistTemplate(models.Model):
    """One version of a checklist. Editing a checklist makes the next version; results made
    with an older version keep it."""

    key = models.CharField("清单代号", max_length=30)
    name = models.CharField("清单名称", max_length=100)
    version = models.PositiveSmallIntegerField("版本")
    target = models.CharField("检查对象", max_length=10, choices=Target.choices)
    is_current = models.BooleanField("现行版本", default=True)
    created_at = models.DateTimeField("制定时间")
    created_by = models.ForeignKey(
        User, verbose_name="制定人", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "检查清单"
        verbose_name_plural = "检查清单"
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="villages_template_version")
        ]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"

    @property
    def scope_code(self) -> str:
        return ""


class ChecklistItem(models.Model):
    template = models.ForeignKey(
        ChecklistTemplate, verbose_name="检查清单", on_delete=models.CASCADE, related_name="items"
    )
    order = models.PositiveSmallIntegerField("序号")
    text = models.CharField("检查事项", max_length=200)
    mode = models.CharField("评判方式", max_length=10, choices=ItemMode.choices)
    max_score = models.DecimalField("满分", max_digits=6, decimal_places=1, null=True, blank=True)
    pass_mark = models.DecimalField("合格分", max_digits=6, decimal_places=1, null=True, blank=True)
    evidence_required = models.BooleanField("须拍照佐证", default=False)
    weight = models.DecimalField("权重", max_digits=5, decimal_places=2, default=1)

    class Meta:
        verbose_name = "检查事项"
        verbose_name_plural = "检查事项"
        ordering = ["template", "order"]

    def __str__(self) -> str:
        return f"{self.order}. {self.text}"


class InspectionQuerySet(ScopedQuerySet):
    code_path = "org_unit__code"


class ChecklistInspection(models.Model):
    template = models.ForeignKey(
        ChecklistTemplate, verbose_name="检查清单", on_delete=models.PROTECT, related_name="+"
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name="检查对象所在地", on_delete=models.PROTECT, related_name="+"
    )
    inspected_on = models.DateField("检查日期", db_index=True)
    inspectors = models.CharField("检查人员", max_length=200)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    score = models.DecimalField("得分（百分制）", max_digits=5, decimal_places=1)
    passed = models.BooleanField("通过")
    county_model = models.BooleanField("评为县级典型", default=False)
    recorded_by = models.ForeignKey(
        User, verbose_name="记录人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间")

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = "清单检查"
        verbose_name_plural = "清单检查"
        ordering = ["-inspected_on", "-id"]

    def __str__(self) -> str:
        return f"{self.inspected_on} {self.org_unit.name} {self.template.name}"

    @property
    def scope_code(self) -> str:
        return self.org_unit.code


def photo_path(instance: ItemResult, filename: str) -> str:
    return f"village-checks/{instance.inspection_id}/{filename}"


class ItemResult(models.Model):
    inspection = models.ForeignKey(
        ChecklistInspection,
        verbose_name="清单检查",
        on_delete=models.CASCADE,
        related_name="results",
    )
    item = models.ForeignKey(
        ChecklistItem, verbose_name="检查事项", on_delete=models.PROTECT, related_name="+"
    )
    passed = models.BooleanField("合格")
    score = models.DecimalField("得分", max_digits=6, decimal_places=1, null=True, blank=True)
    note = models.CharField("情况说明", max_length=500, blank=True)
    photo = models.ImageField("佐证照片", upload_to=photo_path, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="整改件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "检查事项结果"
        verbose_name_plural = "检查事项结果"
        ordering = ["inspection", "item__order"]

    def __str__(self) -> str:
        return f"{self.item.text} {'合格' if self.passed else '不合格'}"
