"""Employment (spells per person, job fairs, training with attendance, public-welfare posts) and
the village collective economy (股份经济合作社 and cooperatives per year, collective income by
source). Persons are the registry's; every record carries the village it is scoped by."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from tuopin.jobs.codes import Channel, CoopKind, IncomeSource, PostKind, TrainingKind, WorkPlace
from tuopin.water.sector import sector_q


def _wan(label: str) -> models.DecimalField:
    return models.DecimalField(label, max_digits=16, decimal_places=4, default=Decimal(0))


def _scoped(sector: str, path: str):
    class QuerySet(models.QuerySet):
        def visible_to(self, user):
            return self.filter(sector_q(user, sector, path))

    return QuerySet.as_manager()


class Stamped(models.Model):
    created_at = models.DateTimeField("创建时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        abstract = True

    @property
    def scope_code(self) -> str:
        return self.village.code


def _village(related: str):
    return models.ForeignKey(
        "org.OrgUnit", verbose_name="所在村", on_delete=models.PROTECT, related_name=related
    )


def _person(related: str, **extra):
    return models.ForeignKey(
        "registry.Person",
        verbose_name="人员",
        on_delete=models.PROTECT,
        related_name=related,
        **extra,
    )


class Spell(Stamped):
    """One employment spell (务工就业) of a registry person."""

    person = _person("employment_spells")
    village = _village("employment_spells")
    place = models.CharField("务工地点", max_length=20, choices=WorkPlace.choices)
    channel = models.CharField("就业渠道", max_length=20, choices=Channel.choices)
    employer = models.CharField("用工单位", max_length=100, blank=True)
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    monthly_pay = models.DecimalField("月收入（元）", max_digits=10, decimal_places=2, default=0)
    full_time = models.BooleanField("全职", default=True)

    objects = _scoped("jobs", "village__code")

    class Meta:
        verbose_name = verbose_name_plural = "务工就业"
        constraints = [
            models.UniqueConstraint(fields=["person", "started_on"], name="jobs_spell_once")
        ]

    def __str__(self) -> str:
        return f"务工 {self.started_on}"


class Area(Stamped):
    class Meta:
        abstract = True

    @property
    def scope_code(self) -> str:
        return self.area.code


class JobFair(Area):
    code = models.CharField("招聘会编号", max_length=40, unique=True)
    held_on = models.DateField("举办日期")
    place = models.CharField("举办地点", max_length=100)
    area = models.ForeignKey(
        "org.OrgUnit", verbose_name="所在地", on_delete=models.PROTECT, related_name="job_fairs"
    )
    employers = models.PositiveIntegerField("参会企业数", default=0)
    posts = models.PositiveIntegerField("提供岗位数", default=0)
    attending = models.PositiveIntegerField("参会贫困劳动力", default=0)
    hired = models.PositiveIntegerField("录用贫困劳动力", default=0)

    objects = _scoped("jobs", "area__code")

    class Meta:
        verbose_name = verbose_name_plural = "招聘会"

    def __str__(self) -> str:
        return f"招聘会 {self.code}"


class Training(Area):
    code = models.CharField("培训编号", max_length=40, unique=True)
    name = models.CharField("培训名称", max_length=100)
    kind = models.CharField("培训类别", max_length=20, choices=TrainingKind.choices)
    area = models.ForeignKey(
        "org.OrgUnit", verbose_name="所在地", on_delete=models.PROTECT, related_name="trainings"
    )
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    hours = models.PositiveIntegerField("学时", default=0)

    objects = _scoped("jobs", "area__code")

    class Meta:
        verbose_name = verbose_name_plural = "培训"

    def __str__(self) -> str:
        return f"培训 {self.code} {self.name}"


class Attendance(Stamped):
    training = models.ForeignKey(
        Training, verbose_name="培训", on_delete=models.CASCADE, related_name="attendance"
    )
    person = _person("trainings")
    village = _village("training_attendance")
    completed = models.BooleanField("结业", default=True)

    objects = _scoped("jobs", "village__code")

    class Meta:
        verbose_name = verbose_name_plural = "培训人员"
        constraints = [
            models.UniqueConstraint(fields=["training", "person"], name="jobs_attend_once")
        ]

    def __str__(self) -> str:
        return f"培训人员 {self.training_id}"


class Post(Stamped):
    """A public-welfare post (公益性岗位) or 特设公岗 of a village and who holds it."""

    code = models.CharField("岗位编号", max_length=40, unique=True)
    name = models.CharField("岗位名称", max_length=100)
    kind = models.CharField("岗位类别", max_length=20, choices=PostKind.choices)
    village = _village("welfare_posts")
    holder = _person("welfare_posts", null=True, blank=True)
    monthly_pay = models.DecimalField("月补贴（元）", max_digits=10, decimal_places=2, default=0)
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    outside_reason = models.CharField("非本村人员原因", max_length=200, blank=True)

    objects = _scoped("jobs", "village__code")

    class Meta:
        verbose_name = verbose_name_plural = "公益性岗位"

    def __str__(self) -> str:
        return f"岗位 {self.code} {self.name}"


class Cooperative(Stamped):
    """A village's 股份经济合作社 (or a farmers' cooperative) as reported for a year."""

    village = _village("cooperatives")
    year = models.PositiveSmallIntegerField("年度")
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类别", max_length=20, choices=CoopKind.choices)
    registered = models.BooleanField("已登记赋码", default=False)
    registered_on = models.DateField("登记日期", null=True, blank=True)
    members = models.PositiveIntegerField("成员数", default=0)
    assets = _wan("资产（万元）")

    objects = _scoped("economy", "village__code")

    class Meta:
        verbose_name = verbose_name_plural = "集体经济组织"
        constraints = [
            models.UniqueConstraint(fields=["village", "year", "name"], name="jobs_coop_once")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.year}）"


class Income(Stamped):
    """A village's collective income of one source for one year."""

    village = _village("collective_income")
    year = models.PositiveSmallIntegerField("年度")
    source = models.CharField("收入来源", max_length=20, choices=IncomeSource.choices)
    amount = _wan("金额（万元）")

    objects = _scoped("economy", "village__code")

    class Meta:
        verbose_name = verbose_name_plural = "集体收入"
        constraints = [
            models.UniqueConstraint(fields=["village", "year", "source"], name="jobs_income_once")
        ]

    def __str__(self) -> str:
        return f"集体收入 {self.year}"
