"""Household files (帮扶档案): what help each registered household received, the 七到户 items,
its helpers and their visits, its renovation and relocation, and the 回头看 rounds.

Every row hangs on a registry household, so scope is the household's village code."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from tuopin.households import codes
from tuopin.registry.models import Household

ZERO = Decimal("0")


class HouseholdFileQuerySet(models.QuerySet):
    household_path = "household__village__code"

    def visible_to(self, user):
        from tuopin.org.access import visible_q

        return self.filter(visible_q(user, code_path=self.household_path))


class _OnHousehold(models.Model):
    household = models.ForeignKey(
        Household, verbose_name="户", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("建立时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", null=True, blank=True, db_index=True)

    objects = HouseholdFileQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def scope_code(self) -> str:
        return self.household.village.code


class Base(models.Model):
    """An industry base or cooperative (产业基地/专业合作社); 双百 marks the plan's 双百 bases."""

    code = models.CharField("编号", max_length=40, unique=True)
    name = models.CharField("名称", max_length=200)
    kind = models.CharField("类别", max_length=20, choices=codes.BaseKind.choices)
    place = models.ForeignKey(
        "org.OrgUnit", verbose_name="所在地", on_delete=models.PROTECT, related_name="+"
    )
    industry = models.CharField("主导产业", max_length=100, blank=True)
    is_shuangbai = models.BooleanField("双百基地", default=False)
    created_at = models.DateTimeField("建立时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = "产业基地与合作社"
        verbose_name_plural = "产业基地与合作社"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_code(self) -> str:
        return self.place.code


class Measure(_OnHousehold):
    """One assistance measure (帮扶措施) a household received."""

    # no index of its own: the unique key (household, kind, done_on, content) starts with it and
    # serves every lookup by household, and an import writes one index fewer per measure
    household = models.ForeignKey(
        Household, verbose_name="户", on_delete=models.PROTECT, related_name="+", db_index=False
    )

    kind = models.CharField("措施类别", max_length=20, choices=codes.MeasureKind.choices)
    done_on = models.DateField("实施日期")
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2, default=ZERO)
    content = models.CharField("措施内容", max_length=200, blank=True)
    industry_type = models.CharField("产业类型", max_length=50, blank=True)
    scale = models.CharField("规模", max_length=50, blank=True)
    base = models.ForeignKey(
        Base,
        verbose_name="联结基地或合作社",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="measures",
    )
    evidence = models.FileField("佐证材料", upload_to="household-evidence/%Y/%m/", blank=True)

    class Meta:
        verbose_name = "帮扶措施"
        verbose_name_plural = "帮扶措施"
        ordering = ["household_id", "done_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "kind", "done_on", "content"], name="households_measure_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.done_on}"


class Helper(models.Model):
    """A 帮扶责任人, optionally with a login (to record visits)."""

    name = models.CharField("姓名", max_length=50)
    unit = models.CharField("单位", max_length=100, blank=True)
    phone = models.CharField("电话", max_length=20, blank=True)
    user = models.OneToOneField(
        "org.User",
        verbose_name="登录账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="helper",
    )

    class Meta:
        verbose_name = "帮扶责任人"
        verbose_name_plural = "帮扶责任人"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）" if self.unit else self.name


class Assignment(_OnHousehold):
    """A helper assigned to a household (one helper per household)."""

    helper = models.ForeignKey(
        Helper, verbose_name="帮扶责任人", on_delete=models.PROTECT, related_name="assignments"
    )
    since = models.DateField("结对日期", null=True, blank=True)

    class Meta:
        verbose_name = "结对帮扶"
        verbose_name_plural = "结对帮扶"
        constraints = [models.UniqueConstraint(fields=["household"], name="households_one_helper")]

    def __str__(self) -> str:
        return f"{self.household} ← {self.helper}"


class SevenItemRecord(_OnHousehold):
    """One of the 七到户 items done for a household."""

    item = models.CharField("事项", max_length=20, choices=codes.SevenItem.choices)
    done_on = models.DateField("完成日期")
    done_by = models.CharField("完成人", max_length=50)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "七到户"
        verbose_name_plural = "七到户"
        ordering = ["household_id", "item"]
        constraints = [
            models.UniqueConstraint(fields=["household", "item"], name="households_seven_once")
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.get_item_display()}"


class Visit(_OnHousehold):
    """A helper's visit to a household (走访记录)."""

    helper = models.ForeignKey(
        Helper, verbose_name="帮扶责任人", on_delete=models.PROTECT, related_name="visits"
    )
    visited_on = models.DateField("走访日期", db_index=True)
    what = models.CharField("走访内容", max_length=500)
    photo = models.ImageField("照片", upload_to="household-visits/%Y/%m/", blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    recorded_by = models.ForeignKey(
        "org.User", verbose_name="录入人", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "走访记录"
        verbose_name_plural = "走访记录"
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.household}"


class Renovation(_OnHousehold):
    """A renovation task of a year (危房改造 / 土坯房拆改)."""

    year = models.PositiveSmallIntegerField("任务年度")
    kind = models.CharField("改造类型", max_length=20, choices=codes.RenovationKind.choices)
    grade_before = models.CharField("改造前等级", max_length=1, blank=True)
    started_on = models.DateField("开工日期", null=True, blank=True)
    completed_on = models.DateField("竣工日期", null=True, blank=True)
    habitable_on = models.DateField("达到入住条件日期", null=True, blank=True)
    moved_in_on = models.DateField("入住日期", null=True, blank=True)
    subsidy_approved = models.DecimalField(
        "核定补助（元）", max_digits=12, decimal_places=2, default=ZERO
    )
    subsidy_paid = models.DecimalField(
        "已拨付补助（元）", max_digits=12, decimal_places=2, default=ZERO
    )
    accepted_on = models.DateField("验收日期", null=True, blank=True)
    grade_after = models.CharField("验收后等级", max_length=1, blank=True)

    class Meta:
        verbose_name = "危房改造"
        verbose_name_plural = "危房改造"
        ordering = ["year", "household_id"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="households_renovation_year")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.household}"

    def status_on(self, day) -> str:
        for field, status in (
            ("moved_in_on", codes.WorksStatus.MOVED_IN),
            ("habitable_on", codes.WorksStatus.HABITABLE),
            ("completed_on", codes.WorksStatus.COMPLETED),
            ("started_on", codes.WorksStatus.BUILDING),
        ):
            value = getattr(self, field)
            if value is not None and value <= day:
                return status
        return codes.WorksStatus.NOT_STARTED


class Relocation(_OnHousehold):
    """A household's relocation (易地搬迁) file."""

    site = models.ForeignKey(
        "projects.Project",
        verbose_name="安置点",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    placement = models.CharField("安置方式", max_length=20, choices=codes.Placement.choices)
    batch_year = models.PositiveSmallIntegerField("搬迁批次年度")
    house_finished_on = models.DateField("住房竣工日期", null=True, blank=True)
    accepted_on = models.DateField("验收日期", null=True, blank=True)
    subsidy_paid_on = models.DateField("补助兑付日期", null=True, blank=True)
    keys_on = models.DateField("交钥匙日期", null=True, blank=True)
    moved_in_on = models.DateField("搬迁入住日期", null=True, blank=True)
    demolished_on = models.DateField("旧房拆除日期", null=True, blank=True)
    over_area = models.BooleanField("超面积", default=False)
    over_debt = models.BooleanField("超负债", default=False)
    over_resolved_on = models.DateField("双超整改日期", null=True, blank=True)
    over_resolution = models.CharField("双超整改方式", max_length=200, blank=True)
    employed = models.PositiveSmallIntegerField("就业人数", default=0)

    class Meta:
        verbose_name = "易地搬迁"
        verbose_name_plural = "易地搬迁"
        constraints = [
            models.UniqueConstraint(fields=["household"], name="households_one_relocation")
        ]

    def __str__(self) -> str:
        return f"{self.household} 搬迁"


class CheckRound(models.Model):
    """A 回头看 round opened by HQ."""

    name = models.CharField("名称", max_length=100)
    opened_on = models.DateField("开始日期")
    closed_on = models.DateField("结束日期", null=True, blank=True)
    opened_by = models.ForeignKey(
        "org.User", verbose_name="发起人", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "回头看"
        verbose_name_plural = "回头看"
        ordering = ["-opened_on", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_code(self) -> str:
        return ""


class GapCase(models.Model):
    """A 回头看 gap turned into a 整改 case."""

    round = models.ForeignKey(CheckRound, on_delete=models.CASCADE, related_name="cases")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    policy = models.CharField("政策", max_length=20, choices=codes.Policy.choices)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "回头看整改"
        verbose_name_plural = "回头看整改"
        constraints = [
            models.UniqueConstraint(
                fields=["round", "household", "policy"], name="households_gap_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.get_policy_display()}"


class HouseholdSettings(models.Model):
    """HQ's settings of the household files (one row)."""

    visit_days = models.PositiveSmallIntegerField(
        "走访间隔天数",
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="超过这么多天没有走访记录的户列为未走访",
    )

    class Meta:
        verbose_name = "帮扶档案设置"
        verbose_name_plural = "帮扶档案设置"

    def __str__(self) -> str:
        return "帮扶档案设置"

    @classmethod
    def current(cls) -> HouseholdSettings:
        return cls.objects.order_by("pk").first() or cls()
