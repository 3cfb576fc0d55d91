"""Worker jobs of the case engine.

:func:`escalate_overdue` is the escalation (督办) pass: every running stage clock whose deadline
has passed is marked breached *at its deadline* and the case is escalated to the level above the
holder, with one ``escalate`` event dated at the breach moment. It is set-based (three statements
whatever the number of cases) and safe to run twice or concurrently: a clock is claimed by the
conditional ``UPDATE … WHERE breached_at IS NULL`` that tags it with this pass's batch id, so a
second worker finds nothing left to claim. After downtime the next pass catches up exactly.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from django.db import connection, transaction
from django.db.models import F

from tuopin.cases.models import Case, CaseEvent, StageClock
from tuopin.lib import clock


def escalate_overdue(
    now: dt.datetime | None = None, *, case_ids: Sequence[int] | None = None
) -> int:
    """Escalate every clock past its deadline at ``now``; returns the number escalated.

    ``case_ids`` limits the pass to some cases (actions call it to record a breach before they
    stop or pause a clock).
    """
    now = now or clock.now()
    batch = uuid.uuid4().hex
    due = StageClock.objects.filter(
        ended_at__isnull=True,
        breached_at__isnull=True,
        paused_at__isnull=True,
        deadline__isnull=False,
        deadline__lte=now,
    )
    if case_ids is not None:
        due = due.filter(case_id__in=list(case_ids))
    with transaction.atomic():
        claimed = due.update(breached_at=F("deadline"), escalation_batch=batch)
        if not claimed:
            return 0
        clock_table = StageClock._meta.db_table
        case_table = Case._meta.db_table
        event_table = CaseEvent._meta.db_table
        if connection.vendor == "postgresql":
            data_sql = (
                "jsonb_build_object('stage', c.stage, 'holder_code', c.holder_code, "
                "'escalate_to_code', c.escalate_to_code)"
            )
        else:
            data_sql = (
                "json_object('stage', c.stage, 'holder_code', c.holder_code, "
                "'escalate_to_code', c.escalate_to_code)"
            )
        note_sql = (
            "CASE c.stage WHEN 'accept' THEN '受理超过时限，提级督办' "
            "WHEN 'assign' THEN '交办超过时限，提级督办' "
            "WHEN 'handle' THEN '办理超过时限，提级督办' "
            "ELSE '验收超过时限，提级督办' END"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {event_table}
                    (case_id, at, actor_id, action, from_state, to_state, note, data, clock_id,
                     source)
                SELECT c.case_id, c.deadline, NULL, 'escalate', k.state, k.state, {note_sql},
                       {data_sql}, c.id, 'worker'
                FROM {clock_table} c JOIN {case_table} k ON k.id = c.case_id
                WHERE c.escalation_batch = %s
                """,  # noqa: S608 - table names come from model metadata, values are parameters
                [batch],
            )
            cursor.execute(
                f"""
                UPDATE {case_table} SET
                    escalation_count = {case_table}.escalation_count + 1,
                    escalated_at = c.deadline,
                    supervising_code = c.escalate_to_code
                FROM {clock_table} c
                WHERE c.case_id = {case_table}.id AND c.escalation_batch = %s
                """,  # noqa: S608
                [batch],
            )
    return claimed
