"""Template context for the top bar: the user's unread notification count (one indexed count)."""

from __future__ import annotations

from tuopin.reports.models import Notification


def notifications(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    count = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return {"unread_notifications": count}
