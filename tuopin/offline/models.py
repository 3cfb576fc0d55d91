"""The server's memory of the forms phones queued offline: each client-generated id at most once."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SyncedItem(models.Model):
    """One queued form the server accepted. The row is written in the same transaction as the
    record the form created, so a replay of the same id finds it and gets the stored result."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        on_delete=models.CASCADE,
        related_name="synced_items",
    )
    client_id = models.UUIDField("本机表单编号")
    kind = models.CharField("表单", max_length=60)
    path = models.CharField("提交地址", max_length=300)
    result_url = models.CharField("结果地址", max_length=300, blank=True)
    message = models.CharField("结果说明", max_length=500, blank=True)
    client_time = models.DateTimeField("手机上的填写时间", null=True, blank=True)
    received_at = models.DateTimeField("服务器收到时间")
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.PositiveIntegerField("定位精度（米）", null=True, blank=True)
    replays = models.PositiveIntegerField("重复提交次数", default=0)

    class Meta:
        verbose_name = "离线同步记录"
        verbose_name_plural = "离线同步记录"
        constraints = [
            models.UniqueConstraint(fields=["user", "client_id"], name="offline_item_once_per_user")
        ]
        indexes = [models.Index(fields=["user", "-received_at"], name="offline_item_recent")]

    def __str__(self) -> str:
        return f"{self.kind} {self.client_id}"

    def as_result(self, *, replayed: bool) -> dict:
        return {
            "status": "done",
            "id": str(self.client_id),
            "url": self.result_url,
            "message": self.message,
            "replayed": replayed,
            "received_at": self.received_at.isoformat(),
        }
