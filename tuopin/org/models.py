"""The county's org tree, responsible units, people and user accounts with their scope."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

from tuopin.org import codes


class Level(models.TextChoices):
    PROVINCE = "province", "省"
    CITY = "city", "市"
    COUNTY = "county", "县"
    TOWN = "town", "镇"
    VILLAGE = "village", "村"
    GROUP = "group", "组"


class OrgUnitQuerySet(models.QuerySet):
    def under(self, code: str) -> OrgUnitQuerySet:
        return self.filter(codes.subtree_q(code))

    def visible_to(self, user) -> OrgUnitQuerySet:
        from tuopin.org.access import visible_q

        return self.filter(visible_q(user, code_path="code"))

    def towns(self) -> OrgUnitQuerySet:
        return self.filter(level=Level.TOWN)

    def villages(self) -> OrgUnitQuerySet:
        return self.filter(level=Level.VILLAGE)


class OrgUnit(models.Model):
    """A node of the administrative tree keyed by its statistical division code."""

    code = models.CharField("统计用区划代码", max_length=15, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_poor_village = models.BooleanField("建档立卡贫困村", default=False)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    is_active = models.BooleanField("有效", default=True)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_code(self) -> str:
        return self.code

    def clean(self) -> None:
        if not self.code:
            return  # the field's own validation reports a missing or refused code
        try:
            level = codes.level_of(self.code)
        except codes.InvalidCode as error:
            raise ValidationError({"code": str(error)}) from None
        if self.level and self.level != level:
            raise ValidationError({"level": f"代码 {self.code} 的层级应为{Level(level).label}"})
        self.level = level
        expected_parent = codes.parent_code(self.code)
        if self.parent_id and self.parent.code != expected_parent:
            raise ValidationError(
                {
                    "code": f"代码 {self.code} 必须以上级 {self.parent.name}（{self.parent.code}）的代码开头"
                }
            )
        if self.parent_id is None and expected_parent:
            parent = OrgUnit.objects.filter(code=expected_parent).first()
            if parent is not None:
                self.parent = parent

    def ancestors(self) -> list[OrgUnit]:
        """From the root down to the parent (a few indexed lookups by prefix)."""
        prefixes = []
        code = codes.parent_code(self.code)
        while code:
            prefixes.append(code)
            code = codes.parent_code(code)
        return list(OrgUnit.objects.filter(code__in=prefixes).order_by("code"))

    def town(self) -> OrgUnit | None:
        if len(self.code) < 9:
            return None
        return OrgUnit.objects.filter(code=self.code[:9]).first()


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", "县级部门"
    TOWN = "town", "镇"
    OFFICE = "office", "县级办公室"


class ResponsibleUnitQuerySet(models.QuerySet):
    def visible_to(self, user) -> ResponsibleUnitQuerySet:
        from tuopin.org.access import visible_q

        return self.filter(visible_q(user, code_path="org_unit__code", unit_path="id"))


class ResponsibleUnit(models.Model):
    """A 责任单位: a county department, a town acting as a unit, or an office."""

    name = models.CharField("单位名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=50, blank=True)
    aliases = models.JSONField("别名", default=list, blank=True)
    kind = models.CharField("类别", max_length=20, choices=UnitKind.choices)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name="所属区划", on_delete=models.PROTECT, related_name="responsible_units"
    )
    head = models.ForeignKey(
        "Person",
        verbose_name="主要领导",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    email = models.EmailField("联系邮箱", blank=True)
    is_active = models.BooleanField("有效", default=True)

    objects = ResponsibleUnitQuerySet.as_manager()

    class Meta:
        verbose_name = "责任单位"
        verbose_name_plural = "责任单位"
        ordering = ["kind", "org_unit__code", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_code(self) -> str:
        return self.org_unit.code

    @property
    def scope_unit_id(self) -> int:
        return self.pk


class UnitGroup(models.Model):
    """A named group of units such as “八办七组”成员单位."""

    name = models.CharField("名称", max_length=100, unique=True)
    aliases = models.JSONField("别名", default=list, blank=True)
    members = models.ManyToManyField(
        ResponsibleUnit, verbose_name="成员单位", related_name="groups"
    )

    class Meta:
        verbose_name = "单位组"
        verbose_name_plural = "单位组"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """A leader, unit head or cadre; a post alone is allowed (分管交通运输副县长)."""

    name = models.CharField("姓名", max_length=50, blank=True)
    post = models.CharField("职务", max_length=100, blank=True)
    unit = models.ForeignKey(
        ResponsibleUnit,
        verbose_name="所在单位",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name="所在区划",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )
    is_leader = models.BooleanField("县级领导", default=False)
    phone = models.CharField("电话", max_length=20, blank=True)

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["-is_leader", "name", "post"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(name="", post=""), name="person_has_name_or_post"
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.post


class Role(models.TextChoices):
    HQ_ADMIN = "hq_admin", "县脱贫办管理员"
    LEADER = "leader", "指挥部领导"
    UNIT_REPORTER = "unit_reporter", "单位填报员"
    UNIT_HEAD = "unit_head", "单位主要领导"
    TOWN_CADRE = "town_cadre", "镇干部"
    VILLAGE_CADRE = "village_cadre", "村干部"
    INSPECTOR = "inspector", "督查人员"
    VIEWER = "viewer", "只读用户"


class User(AbstractUser):
    """An account, linked to a person, with one role and a scope (a subtree and/or a unit)."""

    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.VIEWER)
    person = models.ForeignKey(
        Person,
        verbose_name="人员",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounts",
    )
    scope = models.ForeignKey(
        OrgUnit,
        verbose_name="管辖范围",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="可见的行政区划子树；县级角色为本县，镇干部为本镇，村干部为本村",
    )
    unit = models.ForeignKey(
        ResponsibleUnit,
        verbose_name="所在责任单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    phone = models.CharField("手机", max_length=20, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.person_id:
            return self.person.display_name
        return self.get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        from tuopin.org.access import SCOPE_LEVEL_BY_ROLE

        if self.role in (Role.UNIT_REPORTER, Role.UNIT_HEAD) and not self.unit_id:
            raise ValidationError({"unit": "单位填报员和单位主要领导必须指定所在责任单位"})
        needed = SCOPE_LEVEL_BY_ROLE.get(self.role)
        if needed and (self.scope is None or self.scope.level != needed):
            raise ValidationError(
                {"scope": f"{self.get_role_display()}的管辖范围必须是一个{Level(needed).label}"}
            )


class AuditEvent(models.Model):
    """Append-only record of a change: who, when, what, and each field's old → new."""

    at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField("操作", max_length=40)
    model = models.CharField("对象类型", max_length=60)
    object_id = models.CharField("对象编号", max_length=40)
    object_repr = models.CharField("对象", max_length=200)
    changes = models.JSONField("变更内容", default=dict, help_text="{字段: [旧值, 新值]}")
    source = models.CharField("来源", max_length=20, default="web")
    note = models.CharField("说明", max_length=500, blank=True)
    scope_code = models.CharField("所属区划代码", max_length=15, blank=True, db_index=True)

    class Meta:
        verbose_name = "变更记录"
        verbose_name_plural = "变更记录"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["model", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class ApiToken(models.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    user = models.ForeignKey(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField("用途", max_length=100)
    digest = models.CharField("摘要", max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间")
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    is_active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.user} · {self.name}"

    @staticmethod
    def digest_of(key: str) -> str:
        import hashlib

        return hashlib.sha256(key.encode()).hexdigest()

    def assign_new_key(self) -> str:
        """Give this unsaved token a fresh key; return the key (shown once, never stored)."""
        import secrets

        from tuopin.lib import clock

        key = secrets.token_urlsafe(32)
        self.digest = self.digest_of(key)
        self.created_at = clock.now()
        return key

    def note_use(self, now: dt.datetime) -> None:
        """Move ``last_used_at``, writing at most once a minute so busy clients cost no writes."""
        if self.last_used_at is not None and now - self.last_used_at < dt.timedelta(minutes=1):
            return
        stale = models.Q(last_used_at__isnull=True) | models.Q(
            last_used_at__lte=now - dt.timedelta(minutes=1)
        )
        ApiToken.objects.filter(stale, pk=self.pk).update(last_used_at=now)
        self.last_used_at = now

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        """Create a token and return it with its key (shown once, never stored)."""
        token = cls(user=user, name=name)
        key = token.assign_new_key()
        token.save()
        return token, key


class LoginCounterKind(models.TextChoices):
    ACCOUNT = "account", "账号"
    ADDRESS = "address", "地址"
    TRACK_ADDRESS = "track_addr", "信访查询地址"
    TRACK_CODE = "track_code", "信访查询码（按地址）"
    FILE_ADDRESS = "file_addr", "网上信访提交地址"
    FILE_PHONE = "file_phone", "网上信访验证码手机号"
    VERIFY_PHONE = "code_check", "网上信访验证码核对"


class LoginCounter(models.Model):
    """Failed logins of one account or one client address in the current window (org.throttle).

    ``failures`` also holds the attempts whose password is being checked right now: an attempt is
    reserved before the check, so parallel requests can never run more checks than the limit.
    """

    kind = models.CharField("类别", max_length=10, choices=LoginCounterKind.choices)
    key = models.CharField("账号或地址", max_length=150)
    failures = models.PositiveIntegerField("失败次数", default=0)
    window_started_at = models.DateTimeField("计数开始时间")

    class Meta:
        verbose_name = "登录失败计数"
        verbose_name_plural = "登录失败计数"
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="login_counter_one_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}：{self.failures}"
