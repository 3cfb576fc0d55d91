"""The household registry: every rural household (registered poor or not), its members, and
the facts of each village that the exit standards ask about.

Field names here are a contract: the exit-assessment rules compile to SQL against them
(docs/usage/registry.md lists them). Add fields freely; never rename one.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from tuopin.org.models import OrgUnit
from tuopin.registry import codes

ZERO = Decimal("0")


def _money(label: str) -> models.DecimalField:
    return models.DecimalField(label, max_digits=12, decimal_places=2, default=ZERO)


def citizen_id_query(query: str) -> str | None:
    """The citizen ID a search query is (normalised), or None when it is something else."""
    normalised = query.strip().upper().replace(" ", "")
    return normalised if len(normalised) == 18 and normalised[:17].isdigit() else None


class HouseholdQuerySet(models.QuerySet):
    def visible_to(self, user) -> HouseholdQuerySet:
        from tuopin.org.access import visible_q

        return self.filter(visible_q(user, code_path="village__code"))

    def active(self) -> HouseholdQuerySet:
        return self.filter(is_active=True)

    def registered(self) -> HouseholdQuerySet:
        return self.filter(is_registered=True)

    def cohort(self, year: int) -> HouseholdQuerySet:
        """The registered households planned to exit in ``year`` (计划脱贫年度)."""
        return self.filter(is_registered=True, planned_exit_year=year)

    def under(self, code: str) -> HouseholdQuerySet:
        from tuopin.org.codes import subtree_q

        return self.filter(subtree_q(code, "village__code"))

    def search(self, query: str, *, by_citizen_id: bool = True) -> HouseholdQuerySet:
        """By a full citizen ID (head or member), a 户编号 prefix, or a name (head or member).

        ``by_citizen_id`` False (a reader who sees IDs masked) finds nothing by an ID: trying the
        few hundred IDs a masked one leaves open would otherwise confirm the real one."""
        query = query.strip()
        if not query:
            return self
        normalised = citizen_id_query(query)
        if normalised is not None:
            if not by_citizen_id:
                return self.none()
            members = Person.objects.filter(id_number=normalised).values("household_id")
            return self.filter(models.Q(head_id_number=normalised) | models.Q(pk__in=members))
        normalised = query.upper().replace(" ", "")
        if normalised.isdigit():
            return self.filter(household_no__startswith=normalised)
        members = Person.objects.filter(name__contains=query).values("household_id")
        return self.filter(models.Q(head_name__contains=query) | models.Q(pk__in=members))


class Household(models.Model):
    """A rural household (户). ``is_registered`` marks the 建档立卡 poor households."""

    household_no = models.CharField("户编号", max_length=30, unique=True)
    village = models.ForeignKey(
        OrgUnit,
        verbose_name="村",
        on_delete=models.PROTECT,
        related_name="households",
        limit_choices_to={"level": "village"},
    )
    group = models.ForeignKey(
        OrgUnit,
        verbose_name="组（区划）",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="group_households",
        limit_choices_to={"level": "group"},
    )
    group_name = models.CharField("组", max_length=50, blank=True)
    head_name = models.CharField("户主姓名", max_length=50)
    head_id_number = models.CharField("户主证件号码", max_length=18, db_index=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)

    is_registered = models.BooleanField("是否建档立卡", default=False)
    identification_standard = models.CharField(
        "识别标准", max_length=2, choices=codes.IdentificationStandard.choices, blank=True
    )
    poverty_attribute = models.CharField(
        "贫困户属性", max_length=2, choices=codes.PovertyAttribute.choices, blank=True
    )
    main_cause = models.CharField(
        "主要致贫原因", max_length=2, choices=codes.PovertyCause.choices, blank=True
    )
    other_causes = models.JSONField(
        "其他致贫原因", default=list, blank=True, help_text="致贫原因代码，最多两个"
    )
    exit_status = models.CharField(
        "脱贫状态", max_length=20, choices=codes.ExitStatus.choices, blank=True
    )
    exit_year = models.PositiveSmallIntegerField("脱贫年度", null=True, blank=True)
    first_identified_year = models.PositiveSmallIntegerField("首次识别年度", null=True, blank=True)
    planned_exit_year = models.PositiveSmallIntegerField(
        "计划脱贫年度", null=True, blank=True, db_index=True
    )

    helper_name = models.CharField("帮扶责任人", max_length=50, blank=True)
    helper_unit = models.CharField("帮扶单位", max_length=100, blank=True)
    helper_post = models.CharField("帮扶人职务", max_length=50, blank=True)
    helper_phone = models.CharField("帮扶人电话", max_length=20, blank=True)

    # Yearly amounts in yuan (元/年).
    wage_income = _money("工资性收入")
    business_income = _money("生产经营性收入")
    property_income = _money("财产性收入")
    transfer_income = _money("转移性收入")
    business_expense = _money("生产经营性支出")

    housing_grade = models.CharField(
        "住房等级", max_length=1, choices=codes.HousingGrade.choices, blank=True
    )
    housing_appraised_on = models.DateField("住房鉴定日期", null=True, blank=True)
    relocation = models.CharField(
        "搬迁安置",
        max_length=20,
        choices=codes.Relocation.choices,
        default=codes.Relocation.NONE,
    )

    water_quality_ok = models.BooleanField("水质达标", default=True)
    water_liters_per_person_day = models.DecimalField(
        "人均日用水量（升）", max_digits=7, decimal_places=1, default=ZERO
    )
    water_piped = models.BooleanField("供水入户", default=False)
    water_minutes_round_trip = models.PositiveIntegerField("取水往返时间（分钟）", default=0)
    water_reliability = models.DecimalField(
        "供水保证率（%）", max_digits=5, decimal_places=1, default=ZERO
    )
    has_household_electricity = models.BooleanField("通生活用电", default=True)

    member_count = models.PositiveSmallIntegerField("家庭人口", default=0)
    is_active = models.BooleanField("有效", default=True)
    closed_reason = models.CharField("注销原因", max_length=200, blank=True)
    closed_at = models.DateTimeField("注销时间", null=True, blank=True)
    created_at = models.DateTimeField("建档时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", null=True, blank=True, db_index=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = "农户"
        verbose_name_plural = "农户"
        ordering = ["household_no"]
        indexes = [
            models.Index(fields=["village", "is_active"], name="registry_hh_village_active"),
            models.Index(
                fields=["is_registered", "exit_status", "exit_year"],
                name="registry_hh_exit",
            ),
            models.Index(fields=["housing_grade"], name="registry_hh_housing"),
            models.Index(fields=["head_name"], name="registry_hh_head_name"),
        ]

    def __str__(self) -> str:
        return f"{self.household_no} {self.head_name}"

    @property
    def scope_code(self) -> str:
        return self.village.code

    @property
    def net_income(self) -> Decimal:
        """纯收入 = 工资性 + 生产经营性 + 财产性 + 转移性 − 生产经营性支出 (yuan/year)."""
        return (
            self.wage_income
            + self.business_income
            + self.property_income
            + self.transfer_income
            - self.business_expense
        )

    @property
    def net_income_per_person(self) -> Decimal | None:
        if not self.member_count:
            return None
        return (self.net_income / self.member_count).quantize(Decimal("0.01"))


class PersonQuerySet(models.QuerySet):
    def visible_to(self, user) -> PersonQuerySet:
        from tuopin.org.access import visible_q

        return self.filter(visible_q(user, code_path="household__village__code"))

    def active(self) -> PersonQuerySet:
        return self.filter(is_active=True)


class Person(models.Model):
    """A member of a household (家庭成员)."""

    person_no = models.CharField("人编号", max_length=30, blank=True)
    household = models.ForeignKey(
        Household, verbose_name="户", on_delete=models.PROTECT, related_name="members"
    )
    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("证件号码", max_length=18, unique=True)
    relationship = models.CharField("与户主关系", max_length=2, choices=codes.Relationship.choices)
    sex = models.CharField("性别", max_length=1, choices=codes.Sex.choices)
    birth_date = models.DateField("出生日期", db_index=True)
    ethnicity = models.CharField(
        "民族", max_length=2, choices=codes.Ethnicity.choices, default=codes.Ethnicity.HAN
    )
    education = models.CharField(
        "文化程度", max_length=1, choices=codes.Education.choices, blank=True
    )
    schooling_status = models.CharField(
        "在校生状况",
        max_length=2,
        choices=codes.SchoolingStatus.choices,
        default=codes.SchoolingStatus.NOT_STUDENT,
    )
    health = models.CharField(
        "健康状况", max_length=1, choices=codes.Health.choices, default=codes.Health.HEALTHY
    )
    labour_skill = models.CharField("劳动技能", max_length=1, choices=codes.LabourSkill.choices)
    work_status = models.CharField(
        "务工状况", max_length=1, choices=codes.WorkStatus.choices, default=codes.WorkStatus.NONE
    )
    work_months = models.PositiveSmallIntegerField("务工时间（月）", default=0)
    in_rural_medical_insurance = models.BooleanField("参加新农合", default=False)
    in_serious_illness_insurance = models.BooleanField("参加大病保险", default=False)
    in_pension_insurance = models.BooleanField("参加养老保险", default=False)
    is_active = models.BooleanField("有效", default=True)
    closed_reason = models.CharField("注销原因", max_length=200, blank=True)
    closed_at = models.DateTimeField("注销时间", null=True, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = "家庭成员"
        verbose_name_plural = "家庭成员"
        ordering = ["household_id", "relationship", "id"]
        indexes = [
            models.Index(fields=["household", "is_active"], name="registry_person_hh_active"),
            models.Index(fields=["name"], name="registry_person_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_code(self) -> str:
        return self.household.village.code

    def age_on(self, day) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


class VillageFacts(models.Model):
    """Village-level exit facts (the 村 sheet). The poor-village flag lives on OrgUnit."""

    village = models.OneToOneField(
        OrgUnit,
        verbose_name="村",
        on_delete=models.PROTECT,
        related_name="facts",
        limit_choices_to={"level": "village"},
    )
    paved_road = models.BooleanField("通硬化路", default=False)
    standard_clinic = models.BooleanField("标准化卫生室", default=False)
    collective_economy = models.BooleanField("集体经济或合作组织", default=False)
    natural_villages_30plus = models.PositiveSmallIntegerField("30户以上自然村数", default=0)
    natural_villages_30plus_with_power = models.PositiveSmallIntegerField(
        "通动力电自然村数", default=0
    )
    tap_water = models.BooleanField("通自来水", default=False)
    updated_at = models.DateTimeField("更新时间", null=True, blank=True)

    class Meta:
        verbose_name = "村情"
        verbose_name_plural = "村情"
        ordering = ["village__code"]

    def __str__(self) -> str:
        return f"{self.village.name}村情"

    @property
    def scope_code(self) -> str:
        return self.village.code


class ImportBatch(models.Model):
    """One confirmed (or dry-run) workbook import: who, when, what file, what changed."""

    at = models.DateTimeField("导入时间", db_index=True)
    actor = models.ForeignKey(
        "org.User",
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    filename = models.CharField("文件名", max_length=255)
    sha256 = models.CharField("文件摘要", max_length=64)
    source = models.CharField("来源", max_length=20, default="web")
    replace_villages = models.BooleanField("整村替换", default=False)
    summary = models.JSONField("变更摘要", default=dict)
    scope_code = models.CharField("涉及区划", max_length=15, blank=True)

    class Meta:
        verbose_name = "导入记录"
        verbose_name_plural = "导入记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.filename}"


class PersonalDataView(models.Model):
    """Append-only log of every unmasked view of citizen IDs or phone numbers."""

    at = models.DateTimeField("时间", db_index=True)
    user = models.ForeignKey(
        "org.User", verbose_name="查看人", on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        Household,
        verbose_name="户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="personal_data_views",
    )
    what = models.CharField("查看内容", max_length=100)
    via = models.CharField("途径", max_length=20, default="web")
    scope_code = models.CharField("所属区划代码", max_length=15, blank=True, db_index=True)

    class Meta:
        verbose_name = "个人信息查看记录"
        verbose_name_plural = "个人信息查看记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.what}"
