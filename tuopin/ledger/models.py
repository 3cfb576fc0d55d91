"""Import history shared by every ledger built on the engine (the registry keeps its own
``ImportBatch`` table from before the engine)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class LedgerImportQuerySet(models.QuerySet):
    def visible_to(self, user) -> LedgerImportQuerySet:
        """Imports the user made, or that touched only places inside the user's scope."""
        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        condition = Q(actor=user)
        if user.scope_id is not None:
            condition |= Q(scope_code__startswith=user.scope.code)
        return self.filter(condition)


class LedgerImport(models.Model):
    """One confirmed workbook import into a ledger: who, when, what file, what changed."""

    ledger = models.CharField("台账", max_length=30, db_index=True)
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
    summary = models.JSONField("变更摘要", default=dict)
    scope_code = models.CharField("涉及区划", max_length=15, blank=True)

    objects = LedgerImportQuerySet.as_manager()

    class Meta:
        verbose_name = "台账导入记录"
        verbose_name_plural = "台账导入记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.filename}"

    @classmethod
    def record(cls, ledger: str, plan, *, at, actor, filename: str, sha256: str, source: str):
        """The history row of a confirmed import of ``plan`` (its change counts and scope)."""
        from tuopin.ledger.cells import common_prefix

        return cls.objects.create(
            ledger=ledger,
            at=at,
            actor=actor,
            filename=filename[:255],
            sha256=sha256,
            source=source,
            summary=plan.counts,
            scope_code=common_prefix(plan.place_codes),
        )

    @property
    def note(self) -> str:
        """How the history of each record it wrote names this import."""
        return f"导入 {self.filename}（批次 {self.pk}）"
