"""Recording changes: who, when, and each field's old → new, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from tuopin.lib import clock
from tuopin.org.models import AuditEvent


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def diff(obj: models.Model, new_values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The fields whose value would change, as {field: [old, new]}."""
    changes = {}
    for field, new in new_values.items():
        old = getattr(obj, field)
        if old != new:
            changes[field] = [_plain(old), _plain(new)]
    return changes


def apply_changes(
    obj: models.Model,
    new_values: Mapping[str, Any],
    *,
    actor=None,
    action: str = "修改",
    source: str = "web",
    note: str = "",
) -> dict[str, list[Any]]:
    """Set the changed fields, save them with ``update_fields`` and record the event."""
    changes = diff(obj, new_values)
    if not changes:
        return changes
    for field in changes:
        setattr(obj, field, new_values[field])
    obj.save(update_fields=list(changes))
    record(obj, changes, actor=actor, action=action, source=source, note=note)
    return changes


def record(
    obj: models.Model,
    changes: Mapping[str, Any] | None = None,
    *,
    actor=None,
    action: str,
    source: str = "web",
    note: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(**_event_fields(obj, changes, actor, action, source, note))


def record_many(
    items: Iterable[tuple[models.Model, Mapping[str, Any]]],
    *,
    actor=None,
    action: str,
    source: str,
    note: str = "",
    at: dt.datetime | None = None,
) -> int:
    """Bulk version for imports: one row per changed object, one insert per batch."""
    moment = at or clock.now()
    events = [
        AuditEvent(**_event_fields(obj, changes, actor, action, source, note, moment))
        for obj, changes in items
    ]
    AuditEvent.objects.bulk_create(events, batch_size=2000)
    return len(events)


def _event_fields(obj, changes, actor, action, source, note, at=None) -> dict[str, Any]:
    return {
        "at": at or clock.now(),
        "actor": actor if actor is not None and actor.is_authenticated else None,
        "action": action,
        "model": obj._meta.label_lower,
        "object_id": str(obj.pk),
        "object_repr": str(obj)[:200],
        "changes": {key: [_plain(v) for v in value] for key, value in (changes or {}).items()},
        "source": source,
        "note": note[:500],
        "scope_code": getattr(obj, "scope_code", "") or "",
    }


def history(obj: models.Model):
    return AuditEvent.objects.filter(model=obj._meta.label_lower, object_id=str(obj.pk))
