"""The project and fund ledger: projects (项目库), the funds allocated to each (资金), progress
photos with time and place, and HQ's settings. History is kept as org AuditEvents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from tuopin.projects.codes import FundSource, ProjectKind, Status


def _wan(label: str, **extra) -> models.DecimalField:
    return models.DecimalField(label, max_digits=16, decimal_places=4, default=Decimal(0), **extra)


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user) -> ProjectQuerySet:
        """HQ all, a town its places, a department its own unit's projects."""
        from tuopin.org.access import visible_q

        return self.filter(visible_q(user, code_path="place__code", unit_path="unit_id"))

    def under(self, code: str) -> ProjectQuerySet:
        return self.filter(place__code__startswith=code)

    def overdue_on(self, on: dt.date) -> ProjectQuerySet:
        return self.filter(planned_end__lt=on).exclude(actual_end__lte=on)

    def with_status_on(self, status: str, on: dt.date) -> ProjectQuerySet:
        return self.filter(status_q(status, on))


def status_q(status: str, on: dt.date) -> Q:
    """Projects whose status on ``on`` is ``status`` (the dates decide, see Project.status_on)."""
    reimbursed = Q(reimbursed_on__lte=on)
    accepted = Q(accepted_on__lte=on)
    completed = Q(actual_end__lte=on)
    started = Q(actual_start__lte=on)
    if status == Status.REIMBURSED:
        return reimbursed
    if status == Status.ACCEPTED:
        return accepted & ~reimbursed
    if status == Status.COMPLETED:
        return completed & ~accepted & ~reimbursed
    if status == Status.BUILDING:
        return started & ~completed & ~accepted & ~reimbursed
    return ~started & ~completed & ~accepted & ~reimbursed


class Project(models.Model):
    code = models.CharField("项目编号", max_length=40, unique=True)
    name = models.CharField("项目名称", max_length=200)
    kind = models.CharField("项目类型", max_length=20, choices=ProjectKind.choices)
    place = models.ForeignKey(
        "org.OrgUnit", verbose_name="所在地", on_delete=models.PROTECT, related_name="projects"
    )
    unit = models.ForeignKey(
        "org.ResponsibleUnit",
        verbose_name="责任单位",
        on_delete=models.PROTECT,
        related_name="projects",
    )
    action_number = models.PositiveSmallIntegerField("专项行动", null=True, blank=True)
    planned_start = models.DateField("计划开工", null=True, blank=True)
    planned_end = models.DateField("计划完工")
    actual_start = models.DateField("实际开工", null=True, blank=True)
    actual_end = models.DateField("实际完工", null=True, blank=True)
    accepted_on = models.DateField("验收日期", null=True, blank=True)
    reimbursed_on = models.DateField("报账日期", null=True, blank=True)
    households = models.PositiveIntegerField("受益户数", null=True, blank=True)
    persons = models.PositiveIntegerField("受益人数", null=True, blank=True)
    created_at = models.DateTimeField("建立时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", null=True, blank=True, db_index=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = "项目"
        verbose_name_plural = "项目"
        ordering = ["code"]
        indexes = [models.Index(fields=["kind", "planned_end"], name="projects_kind_end")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def scope_code(self) -> str:
        return self.place.code

    @property
    def scope_unit_id(self) -> int:
        return self.unit_id

    def status_on(self, on: dt.date) -> str:
        """未开工 → 在建 → 已完工 → 已验收 → 已报账, by the dates on or before ``on``."""
        if self.reimbursed_on and self.reimbursed_on <= on:
            return Status.REIMBURSED
        if self.accepted_on and self.accepted_on <= on:
            return Status.ACCEPTED
        if self.actual_end and self.actual_end <= on:
            return Status.COMPLETED
        if self.actual_start and self.actual_start <= on:
            return Status.BUILDING
        return Status.NOT_STARTED

    def status_label_on(self, on: dt.date) -> str:
        return str(Status(self.status_on(on)).label)

    def is_overdue_on(self, on: dt.date) -> bool:
        """逾期: the planned completion has passed and the project is not finished."""
        return self.planned_end < on and not (self.actual_end and self.actual_end <= on)


class FundAllocation(models.Model):
    """One allocation (下达) of money to a project, in 万元."""

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="funds"
    )
    source = models.CharField("资金来源", max_length=20, choices=FundSource.choices)
    document_no = models.CharField("下达文号", max_length=100, blank=True)
    allocated_on = models.DateField("下达日期")
    allocated = _wan("下达金额（万元）")
    disbursed = _wan("已拨付（万元）")
    reimbursed = _wan("已报账（万元）")
    created_at = models.DateTimeField("建立时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = "资金"
        verbose_name_plural = "资金"
        ordering = ["project__code", "allocated_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "source", "document_no"], name="projects_fund_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.get_source_display()} {self.document_no}"

    @property
    def scope_code(self) -> str:
        return self.project.place.code

    @property
    def scope_unit_id(self) -> int:
        return self.project.unit_id

    @property
    def rate(self) -> Decimal | None:
        """Disbursement rate in percent (已拨付 ÷ 下达金额)."""
        if not self.allocated:
            return None
        return (self.disbursed * 100 / self.allocated).quantize(Decimal("0.01"))

    def is_idle_on(self, on: dt.date, idle_days: int) -> bool:
        """滞留: allocated more than ``idle_days`` ago with less than half paid out."""
        return self.allocated_on < on - dt.timedelta(days=idle_days) and (
            self.disbursed * 2 < self.allocated
        )


class ProjectPhoto(models.Model):
    """A progress photo, with when and where it was taken (from the phone or the photo)."""

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="photos"
    )
    image = models.FileField("照片", upload_to="project-photos/%Y/%m/")
    taken_at = models.DateTimeField("拍摄时间")
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        "org.User",
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "进度照片"
        verbose_name_plural = "进度照片"
        ordering = ["-taken_at", "-id"]

    def __str__(self) -> str:
        return f"{self.project.code} {self.taken_at:%Y-%m-%d %H:%M}"

    @property
    def scope_code(self) -> str:
        return self.project.place.code

    @property
    def scope_unit_id(self) -> int:
        return self.project.unit_id


class ProjectSettings(models.Model):
    """HQ's settings of the project ledger (one row)."""

    idle_days = models.PositiveSmallIntegerField(
        "资金滞留天数",
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="下达超过这么多天、拨付不足一半的资金记为滞留",
    )

    class Meta:
        verbose_name = "项目资金设置"
        verbose_name_plural = "项目资金设置"

    def __str__(self) -> str:
        return "项目资金设置"

    @classmethod
    def current(cls) -> ProjectSettings:
        return cls.objects.order_by("pk").first() or cls()


def idle_days() -> int:
    return ProjectSettings.current().idle_days
