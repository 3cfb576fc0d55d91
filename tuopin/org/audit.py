"""Recording changes: who, when, and each field's old → new, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
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


def field_label(model_label: str, name: str) -> str:
    """A changed field as a person names it: the model field's verbose_name (``issued_on`` →
    印发日期); a key that is no longer a field (history outlives schema changes) reads 其他."""
    try:
        field = apps.get_model(model_label)._meta.get_field(name.removesuffix("_id"))
    except (LookupError, ValueError, FieldDoesNotExist):
        return "其他"
    if field.auto_created and not field.concrete:  # a reverse relation (an action's milestones)
        return str(field.related_model._meta.verbose_name)
    return str(field.verbose_name)


def _value_text(model_label: str, name: str, value: Any) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    try:
        field = apps.get_model(model_label)._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return str(value)
    choices = {str(key): str(label) for key, label in (getattr(field, "flatchoices", None) or [])}
    return choices.get(str(value), str(value))


def readable_changes(event: AuditEvent, shown) -> list[tuple[str, str, str]]:
    """An event's changes as (field label, old, new) a person reads; personal fields through
    ``shown`` (a tuopin.org.privacy.Disclosure), so they are masked unless the reader may see them."""
    rows = []
    for name, pair in (event.changes or {}).items():
        old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        rows.append(
            (
                field_label(event.model, name),
                _value_text(event.model, name, shown.value(name, old)),
                _value_text(event.model, name, shown.value(name, new)),
            )
        )
    return rows
