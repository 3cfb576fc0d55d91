"""The weekly bulletin (周通报): a frozen snapshot with a number, a content hash and its document.

A draft is composed from live data and may be recomposed any time. Publishing freezes the
snapshot (JSON), its SHA-256 over canonical JSON, the number (第N期) and the rendered .docx;
nothing of a published row ever changes afterwards. A correction is a new row that ``replaces``
the old one and says why.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models

from tuopin.org.models import Level, OrgUnit
from tuopin.plan.models import Campaign

DEFAULT_ISSUER = "陇县脱贫攻坚领导小组办公室"
DEFAULT_TITLE = "脱贫攻坚工作周通报"


def canonical_json(snapshot: dict[str, Any]) -> bytes:
    """The byte form the content hash is taken over: sorted keys, no whitespace, UTF-8."""
    return json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def content_hash(snapshot: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(snapshot)).hexdigest()


class BulletinSettings(models.Model):
    """HQ's settings for a campaign's bulletin (one row per campaign)."""

    campaign = models.OneToOneField(
        Campaign,
        verbose_name="作战计划",
        on_delete=models.CASCADE,
        related_name="bulletin_settings",
    )
    auto_publish = models.BooleanField(
        "周报截止后自动发布",
        default=False,
        help_text="开启后，后台任务在每周周报截止时间过后自动编发本周通报",
    )
    publish_delay_minutes = models.PositiveIntegerField(
        "截止后多少分钟自动发布", default=240, help_text="留出时间给迟报单位补报"
    )
    issuer = models.CharField("发文机关", max_length=100, default=DEFAULT_ISSUER)
    title = models.CharField("通报标题", max_length=100, default=DEFAULT_TITLE)
    last_auto_week = models.CharField("最近自动发布周次", max_length=8, blank=True, editable=False)
    first_number = models.PositiveIntegerField(
        "起始期号", default=1, help_text="本计划第一期通报的期号（接续以往手工编号时填写）"
    )

    class Meta:
        verbose_name = "周通报设置"
        verbose_name_plural = "周通报设置"

    def __str__(self) -> str:
        return f"{self.campaign} 周通报设置"

    @property
    def scope_code(self) -> str:
        return self.campaign.county.code

    @classmethod
    def for_campaign(cls, campaign: Campaign) -> BulletinSettings:
        found = cls.objects.filter(campaign=campaign).first()
        return found if found is not None else cls(campaign=campaign)


class Status(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"


class BulletinQuerySet(models.QuerySet):
    def visible_to(self, user) -> BulletinQuerySet:
        """Published issues of campaigns in the user's county; drafts only for publishers."""
        from tuopin.org.access import has_capability, visible_q

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        county_codes = county_codes_of(user)
        if not county_codes:
            return self.none()
        rows = self.filter(campaign__county__code__in=county_codes)
        if has_capability(user, "bulletin.publish"):
            return rows.filter(
                models.Q(status=Status.PUBLISHED)
                | visible_q(user, code_path="campaign__county__code")
            )
        return rows.filter(status=Status.PUBLISHED)

    def published(self) -> BulletinQuerySet:
        return self.filter(status=Status.PUBLISHED)


def county_codes_of(user) -> list[str]:
    """The county (or counties) a user belongs to: bulletins are read county-wide."""
    codes = set()
    if user.scope_id is not None:
        code = user.scope.code
        if len(code) >= 6:
            codes.add(code[:6])
        else:
            codes.update(
                OrgUnit.objects.under(code)
                .filter(level=Level.COUNTY)
                .values_list("code", flat=True)
            )
    if user.unit_id is not None:
        codes.add(user.unit.org_unit.code[:6])
    return sorted(codes)


class Bulletin(models.Model):
    campaign = models.ForeignKey(
        Campaign, verbose_name="作战计划", on_delete=models.PROTECT, related_name="bulletins"
    )
    week = models.CharField("周次", max_length=8, help_text="ISO 周，如 2018-W30")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    number = models.PositiveIntegerField("期号", null=True, blank=True)
    version = models.PositiveSmallIntegerField("版本", default=1)
    title = models.CharField("标题", max_length=200)
    snapshot = models.JSONField("内容快照", default=dict)
    content_hash = models.CharField("内容摘要（SHA-256）", max_length=64, blank=True)
    composed_at = models.DateTimeField("生成时间")
    composed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="生成人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name="更正的通报",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    correction_reason = models.CharField("更正原因", max_length=500, blank=True)
    docx = models.BinaryField("Word 文档", null=True, blank=True, editable=False)
    docx_hash = models.CharField("文档摘要（SHA-256）", max_length=64, blank=True)

    objects = BulletinQuerySet.as_manager()

    class Meta:
        verbose_name = "周通报"
        verbose_name_plural = "周通报"
        ordering = ["-week", "-version", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "week"],
                condition=models.Q(status="draft"),
                name="bulletin_one_draft_per_week",
            ),
            models.UniqueConstraint(
                fields=["campaign", "week"],
                condition=models.Q(status="published", replaces__isnull=True),
                name="bulletin_one_original_per_week",
            ),
            models.UniqueConstraint(
                fields=["campaign", "number", "version"],
                condition=models.Q(status="published"),
                name="bulletin_number_version_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | (
                    models.Q(number__isnull=False, published_at__isnull=False)
                    & ~models.Q(content_hash="")
                ),
                name="bulletin_published_is_complete",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "status", "week"])]

    def __str__(self) -> str:
        return f"{self.title}（{self.number_label}）"

    @property
    def scope_code(self) -> str:
        return self.campaign.county.code

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def number_label(self) -> str:
        if self.number is None:
            return "草稿"
        label = f"第{self.number}期"
        return label if self.version == 1 else f"{label}（更正版{self.version - 1}）"

    @property
    def docx_filename(self) -> str:
        if self.number is None:
            return f"周通报-{self.week}-草稿.docx"
        suffix = "" if self.version == 1 else f"-更正{self.version - 1}"
        return f"周通报-第{self.number}期{suffix}-{self.week}.docx"

    def verify(self) -> bool:
        """Whether the stored snapshot still hashes to the recorded content hash."""
        return bool(self.content_hash) and content_hash(self.snapshot) == self.content_hash
