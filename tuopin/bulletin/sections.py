"""The bulletin's sources: each function reads one app's documented functions into plain JSON.

This is the only module that knows which app counts what: milestone status and forecast from
``tuopin.plan.progress``, report timeliness from ``tuopin.reports.timeliness``, the exit
indicators from ``tuopin.assess`` and the ledger backlog from ``tuopin.cases``. An app whose
functions are not there (yet) yields a section that says so instead of a number.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tuopin.bulletin.weeks import Week
from tuopin.lib import clock
from tuopin.plan import progress as plan_progress
from tuopin.plan.models import Action, Campaign

HISTORY = 8  # weeks in the timeliness chart
KIND_LABELS = {"problems": "存在问题", "suggestions": "意见建议"}


def milestone_progress(campaign: Campaign, as_of: dt.datetime) -> dict[int, dict[str, Any]]:
    """{milestone id: {"status", "latest", "forecast", "forecast_label", "reason"}} as of then."""
    result = {}
    for milestone_id, status in plan_progress.milestone_statuses(campaign, as_of).items():
        predicted = status.predicted
        result[milestone_id] = {
            "status": str(status),
            "latest": status.current,
            "forecast": predicted.isoformat() if predicted else None,
            "forecast_label": _forecast_label(str(status), predicted),
            "reason": status.reason,
            "units_met": status.units_met,
            "units_total": status.units_total,
            "status_obj": status,
        }
    return result


def _forecast_label(status: str, predicted: dt.date | None) -> str:
    if status == "done":
        return f"{predicted.month}月{predicted.day}日完成" if predicted else "已完成"
    if status in ("on_track", "at_risk"):
        return f"预计{predicted.month}月{predicted.day}日" if predicted else "无法预计"
    return ""


def action_statuses(
    campaign: Campaign, as_of: dt.datetime, progress: dict[int, dict[str, Any]]
) -> dict[int, str]:
    statuses = {key: value["status_obj"] for key, value in progress.items()}
    return {
        action_id: str(status)
        for action_id, status in plan_progress.action_statuses(
            campaign, as_of, statuses=statuses
        ).items()
    }


# --- reports --------------------------------------------------------------------------------


def period_of(campaign: Campaign, week: Week):
    """The reporting period whose deadline falls in ``week`` (None when there is none)."""
    from tuopin.reports.models import Period

    return (
        Period.objects.filter(
            campaign=campaign,
            deadline__gte=clock.at(week.monday),
            deadline__lt=clock.at(week.monday + dt.timedelta(days=7)),
        )
        .order_by("deadline")
        .first()
    )


def outstanding(campaign: Campaign, week: Week, now: dt.datetime) -> dict[str, Any]:
    """What publishing now would freeze as unfinished: the week's deadline and unsigned units."""
    from tuopin.reports import timeliness as report_timeliness

    period = period_of(campaign, week)
    if period is None:
        return {"period": None, "deadline": None, "before_deadline": False, "unsigned": []}
    return {
        "period": str(period),
        "deadline": clock.local(period.deadline),
        "before_deadline": now < period.deadline,
        "unsigned": [unit.name for unit in report_timeliness.unsigned_units(period)],
    }


def timeliness(campaign: Campaign, week: Week, as_of: dt.datetime) -> dict[str, Any]:
    """Every responsible unit once: on time, late (with the signing time), missing or exempt.

    Units not yet signed when the bulletin is composed count as missing (未报), whether the
    reports app already calls them overdue or not.
    """
    from tuopin.reports import timeliness as report_timeliness
    from tuopin.reports.models import Period, ReportVersion

    period = period_of(campaign, week)
    periods = list(
        Period.objects.filter(
            campaign=campaign, deadline__lt=clock.at(week.monday + dt.timedelta(days=7))
        ).order_by("-number")[:HISTORY]
    )
    periods.reverse()
    history = [
        {
            "week": str(Week.of(clock.local(rate.key.deadline).date())),
            "label": f"第{Week.of(clock.local(rate.key.deadline).date()).number}周",
            "on_time": rate.on_time,
            "late": rate.late,
            "missing": rate.missing + rate.overdue,
        }
        for rate in report_timeliness.weekly_rates(campaign, periods)
    ]
    all_periods = list(
        Period.objects.filter(
            campaign=campaign,
            deadline__lt=clock.at(week.monday + dt.timedelta(days=7)),
        )
    )
    town_rates = {
        rate.key: float(rate.on_time_rate)
        for rate in report_timeliness.town_rates(campaign, all_periods)
        if rate.key and rate.on_time_rate is not None
    }
    empty: dict[str, Any] = {
        "available": True,
        "expected": 0,
        "period": None,
        "deadline": None,
        "on_time": [],
        "late": [],
        "missing": [],
        "exempt": [],
        "changed_after_signing": [],
        "history": history,
        "town_on_time_rates": town_rates,
    }
    if period is None:
        return empty
    lists = report_timeliness.period_timeliness(period)

    def order(unit) -> tuple:
        return (unit.kind, unit.name)

    missing = sorted(lists["missing"] + lists["overdue"] + lists["pending"], key=order)
    changed = lists["changed_after_signing"]
    changed_rows = []
    if changed:
        latest_edit: dict[int, dt.datetime] = {}
        first_signed: dict[int, dt.datetime | None] = {}
        for unit_id, signed, created in (
            ReportVersion.objects.filter(
                report__period=period, report__unit__in=changed, number__gt=1
            )
            .order_by("created_at")
            .values_list("report__unit_id", "report__first_signed_at", "created_at")
        ):
            latest_edit[unit_id] = created
            first_signed[unit_id] = signed
        for unit in changed:
            changed_rows.append(
                {
                    "unit": unit.name,
                    "signed_at": _iso(first_signed.get(unit.pk)),
                    "changed_at": _iso(latest_edit.get(unit.pk)),
                }
            )
    return {
        **empty,
        "period": period.number,
        "expected": len(lists["on_time"]) + len(lists["late"]) + len(missing),
        "deadline": clock.local(period.deadline).isoformat(),
        "on_time": [unit.name for unit in lists["on_time"]],
        "late": [{"unit": unit.name, "signed_at": _iso(signed)} for unit, signed in lists["late"]],
        "missing": [unit.name for unit in missing],
        "exempt": [unit.name for unit in lists["exempt"]],
        "changed_after_signing": changed_rows,
    }


def _iso(moment: dt.datetime | None) -> str | None:
    return clock.local(moment).isoformat() if moment is not None else None


def problems(campaign: Campaign, week: Week, as_of: dt.datetime) -> list[dict[str, Any]]:
    """Problems and suggestions from each unit's latest signed report of the week."""
    from tuopin.reports.models import ReportVersion

    period = period_of(campaign, week)
    if period is None:
        return []
    latest: dict[int, Any] = {}
    for version in (
        ReportVersion.objects.filter(report__period=period, signed_at__isnull=False)
        .select_related("report__unit")
        .order_by("report_id", "number")
    ):
        latest[version.report_id] = version
    actions = {
        pk: (number, title)
        for pk, number, title in Action.objects.filter(campaign=campaign).values_list(
            "pk", "number", "title"
        )
    }
    # The same text is one item, however many units wrote it and under however many actions:
    # a bulletin lists what is wrong once, with who raised it, not once per report entry.
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for version in latest.values():
        unit = version.report.unit
        for entry in version.payload.get("actions", []):
            action = actions.get(entry.get("action"))
            if action is None:
                continue
            for kind, label in KIND_LABELS.items():
                text = (entry.get(kind) or "").strip()
                if not text:
                    continue
                row = merged.setdefault(
                    (kind, text),
                    {"kind": kind, "kind_label": label, "text": text, "_units": {}, "_actions": {}},
                )
                row["_units"][unit.name] = (unit.kind, unit.name)
                row["_actions"][action[0]] = action[1]
    rows = []
    for row in merged.values():
        units = sorted(row.pop("_units").values())
        numbers = sorted(row.pop("_actions").items())
        row["units"] = [name for _kind, name in units]
        row["unit"] = "、".join(row["units"])
        row["actions"] = [{"number": number, "title": title} for number, title in numbers]
        row["action_label"] = "、".join(f"（{number}）{title}" for number, title in numbers)
        rows.append(row)
    # Problems before suggestions; within each, what most units raise first.
    rows.sort(
        key=lambda r: (
            r["kind"] != "problems",
            -len(r["units"]),
            r["actions"][0]["number"],
            r["text"],
        )
    )
    return rows


# --- assessment and cases (joined when those apps provide their functions) -------------------

ASSESS_METRICS = [
    ("assess.county_items_passing", "县摘帽指标达标项数（共7项）"),
    ("assess.villages_ready", "达到退出标准的贫困村数"),
    ("assess.poor_villages", "建档立卡贫困村数"),
    ("assess.households_failing", "建档立卡户未达退出标准户数"),
    ("assess.wrong_exit_risk", "错退风险户数"),
    ("assess.missed_risk", "漏评风险户数"),
    ("assess.wrong_exit_rate", "错退率（估计）"),
    ("assess.missed_rate", "漏评率（估计）"),
    ("assess.overall_incidence", "综合贫困发生率（估计）"),
]


def assessment(campaign: Campaign, week: Week, as_of: dt.datetime) -> dict[str, Any]:
    """Exit indicators as the assessment app's registered metrics give them for the county."""
    from tuopin.lib import metrics

    available = {metric.key: metric for metric in metrics.all_metrics()}
    if not all(key in available for key, _label in ASSESS_METRICS):
        return {
            "available": False,
            "pending": "退出指标监测模块尚未接入，本期暂不通报户、村、县退出指标达标情况。",
        }
    rows = []
    for key, label in ASSESS_METRICS:
        metric = available[key]
        value = metrics.evaluate(key, campaign.county, as_of.date())
        rows.append(
            {
                "key": key,
                "name": label,
                "value": _number(value.value),
                "unit": metric.unit,
                "note": value.reason or metric.description,
            }
        )
    by_key = {row["key"]: row for row in rows}
    known = [row for row in rows if row["value"] is not None]
    if not known:
        summary = "退出指标暂无可计算的数据（" + (rows[0]["note"] or "缺少农户档案") + "）。"
    else:
        summary = "按现行退出标准对农户档案实时测算："
        parts = []
        passing = by_key["assess.county_items_passing"]["value"]
        if passing is not None:
            parts.append(f"县摘帽7项指标达标{passing}项")
        ready, poor = (
            by_key["assess.villages_ready"]["value"],
            by_key["assess.poor_villages"]["value"],
        )
        if ready is not None and poor is not None:
            parts.append(f"{poor}个贫困村中{ready}个达到退出标准")
        failing = by_key["assess.households_failing"]["value"]
        if failing is not None:
            parts.append(f"建档立卡户未达标{failing}户")
        summary += "，".join(parts) + "。" if parts else "详见下表。"
    return {"available": True, "summary": summary, "rows": rows}


def _number(value) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def backlog(campaign: Campaign, week: Week, as_of: dt.datetime) -> dict[str, Any]:
    """无积压、零暂存 as of the bulletin, with last week's figure and the towns' overdue counts."""
    try:
        from tuopin.cases import backlog as cases_backlog
    except ImportError:
        cases_backlog = None
    if cases_backlog is None or not all(
        hasattr(cases_backlog, name) for name in ("figures", "breakdown")
    ):
        return {
            "available": False,
            "pending": "问题台账模块尚未接入，本期暂不通报问题、信访和督查整改的办理情况。",
        }
    county = campaign.county
    now = cases_backlog.figures(county, as_of)
    before = cases_backlog.figures(county, as_of - dt.timedelta(days=7))
    change = now.open - before.open
    summary = (
        f"截至{as_of:%m月%d日%H:%M}，全县在办问题（含信访、督查整改）{now.open}件，"
        f"较上周{'增加' if change > 0 else '减少' if change < 0 else '持平'}"
        + (f"{abs(change)}件" if change else "")
        + f"；超期未办结{now.overdue}件（“无积压”要求为0），暂存{now.parked}件（“零暂存”要求为0）。"
    )
    return {
        "available": True,
        "summary": summary,
        "open": now.open,
        "overdue": now.overdue,
        "parked": now.parked,
        "open_last_week": before.open,
        "rows": [
            {"name": row.label, "open": row.open, "overdue": row.overdue, "parked": row.parked}
            for row in cases_backlog.breakdown(county, as_of, by="kind")
        ],
        "by_town": {
            row.key: row.overdue
            for row in cases_backlog.breakdown(county, as_of, by="town")
            if len(row.key) == 9
        },
    }


def measures(campaign: Campaign, week: Week, as_of: dt.datetime) -> dict[str, Any]:
    """The week's accountability measures (考核问责) decided up to the bulletin's moment."""
    from tuopin.command.models import AccountabilityRecord

    first, last = week.monday, week.monday + dt.timedelta(days=6)
    last = min(last, clock.local(as_of).date())
    rows = (
        AccountabilityRecord.objects.filter(decided_on__range=(first, last))
        .select_related("subject_unit")
        .order_by("decided_on", "id")
    )
    return {
        "available": True,
        "rows": [
            {
                "subject": row.subject_label,
                "reason": f"{row.get_reason_kind_display()}：{row.reason}",
                "measure": row.get_measure_display(),
                "decided_by": row.decided_by,
                "decided_on": row.decided_on.isoformat(),
            }
            for row in rows
        ],
    }


# --- projects and funds ---------------------------------------------------------------------


def projects(campaign: Campaign, week: Week, as_of: dt.datetime) -> dict[str, Any]:
    """项目与资金 as of the bulletin: projects finished and late by type, money paid out, idle."""
    try:
        from tuopin.projects import summary as project_summary
        from tuopin.projects.models import Project, idle_days
    except ImportError:
        project_summary = None
    if project_summary is None:
        return {"available": False, "pending": "项目资金台账模块尚未接入。"}
    county = campaign.county
    scoped = Project.objects.under(county.code)
    if not scoped.exists():
        return {
            "available": False,
            "pending": "项目资金台账尚未导入，本期暂不通报项目进度和资金拨付情况。",
        }
    on = as_of.date()
    data = project_summary.summary(on, scoped)
    rows = [
        {
            "name": kind,
            "total": row["total"],
            "completed": row["completed"],
            "overdue": row["overdue"],
        }
        for kind, row in data["by_type"].items()
    ]
    total = data["projects"]
    completed = sum(row["completed"] for row in rows)
    funds = data["funds"]
    share = round(completed * 100 / total, 1) if total else 0
    summary = (
        f"截至{on.month}月{on.day}日，全县项目台账共有项目{total}个，已完工{completed}个"
        f"（完工率{share}%），计划完工日期已过仍未完工（逾期）{len(data['overdue'])}个；"
        f"下达资金{funds['allocated']:g}万元，已拨付{funds['disbursed']:g}万元"
        f"（拨付率{funds['disbursement_rate']:g}%），已报账{funds['reimbursed']:g}万元；"
        f"{len(funds['idle'])}个项目有滞留资金（下达超过{idle_days()}天、拨付不足一半）。"
    )
    return {
        "available": True,
        "summary": summary,
        "rows": rows,
        "overdue": data["overdue"][:20],
        "overdue_count": len(data["overdue"]),
        "idle_count": len(funds["idle"]),
    }


def data_checks(campaign: Campaign, as_of: dt.datetime) -> list[dict[str, Any]]:
    """数据核对: milestones both typed by units and computed by the system whose numbers differ
    beyond HQ's tolerance, largest gap first (at most five)."""
    from tuopin.plan import indicators

    return [
        {
            "code": indicators.code_of(row.milestone),
            "action": row.milestone.action.number,
            "text": row.milestone.text[:60],
            "reported": _number(row.reported),
            "computed": _number(row.computed.value),
            "unit": row.unit,
            "sentence": row.sentence,
        }
        for row in indicators.largest_gaps(campaign, as_of.date())
    ]
