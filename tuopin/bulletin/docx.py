"""The bulletin as a Word document: the 公文 page of ``lib.gongwen`` (GB/T 9704 conventions)
with the bulletin's sections, tables and charts (a shorter read than the page: repeating table
headers, no hash in print — the hash stays in the database and on the page)."""

from __future__ import annotations

import io
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm

from tuopin.bulletin import charts as charts_module
from tuopin.bulletin import wording as w
from tuopin.lib.gongwen import (  # noqa: F401 (the names the bulletin's tests read)
    FANGSONG,
    HEITI,
    KAITI,
    RED,
    XIAOBIAOSONG,
    GongwenDocument,
)


class BulletinDocument(GongwenDocument):
    """Builds the document section by section from a snapshot."""

    def __init__(self, snapshot: dict[str, Any], charts: dict[str, bytes]):
        self.snapshot = snapshot
        self.charts = charts
        super().__init__()

    def picture(self, name: str, width_mm: float = 150) -> None:
        data = self.charts.get(name)
        if not data:
            return
        paragraph = self.document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run().add_picture(io.BytesIO(data), width=Mm(width_mm))

    # --- the document ----------------------------------------------------------------------
    def build(self) -> bytes:
        s = self.snapshot
        self.masthead(s)
        self.title(s["title"])
        if s.get("replaces"):
            replaced = s["replaces"]
            self.paragraph(
                f"本期为{replaced['number_label']}的更正版，更正原因：{replaced['reason']}。"
                "原通报作废，以本期为准。"
            )
        self.opening()
        if s.get("notice"):
            self.paragraph(s["notice"])
        self.overview()
        self.actions()
        self.timeliness()
        self.towns()
        self.problems()
        self.assessment()
        self.backlog()
        self.measures()
        self.projects()
        self.changes()
        self.imprint(s)
        return self.save(title=s["title"], author=s["issuer"])

    def opening(self) -> None:
        s = self.snapshot
        self.paragraph(
            f"按照《{s['campaign']['title']}》“周通报”制度要求，现将{s['period_label']}"
            "全县脱贫攻坚各专项行动推进情况、周报报送情况通报如下。"
        )

    def overview(self) -> None:
        s = self.snapshot
        h = s["headline"]
        self.heading1("总体进展")
        counts = h["actions"]
        parts = "，".join(
            f"{w.status_label(key)}{counts[key]}个"
            for key in ("done", "on_track", "at_risk", "overdue", "not_started", "unknown")
            if counts.get(key)
        )
        self.paragraph(
            f"{len(s['actions'])}个专项行动中，{parts or '暂无状态数据'}。"
            f"本周到期时间节点{len(h['due_this_week'])}个，下周到期{len(h['due_next_week'])}个。"
        )
        goals = s["campaign"].get("goals") or []
        if goals:
            self.heading2("目标任务")
            for index, goal in enumerate(goals, start=1):
                value = (
                    f"（目标值：{w.with_unit(goal['value'], goal['unit'])}"
                    + (
                        f"，当前：{w.with_unit(goal['current'], goal['unit'])}"
                        if goal.get("current") is not None
                        else ""
                    )
                    + "）"
                    if goal.get("value") is not None
                    else ""
                )
                self.paragraph(f"{index}. {goal['text']}{value}")
        for key, label in (
            ("due_this_week", "本周到期时间节点"),
            ("due_next_week", "下周到期时间节点"),
        ):
            rows = h[key]
            if not rows:  # the sentence above already says there are none
                continue
            self.heading2(label)
            self.table(
                ["行动", "时间节点", "截止", "状态"],
                [
                    [
                        f"（{m['action_number']}）",
                        m["text"],
                        w.short_date(m["deadline"]),
                        w.status_label(m["status"]),
                    ]
                    for m in rows
                ],
                [16, 96, 22, 22],
            )

    def actions(self) -> None:
        s = self.snapshot
        self.heading1("专项行动推进情况")
        # One row per action (the milestones counted), then only the milestones that need
        # attention in full: a row per milestone would run the document to many pages.
        rows = []
        for action in s["actions"]:
            milestones = action["milestones"]
            done = sum(1 for m in milestones if m["status"] == "done")
            rows.append(
                [
                    f"（{action['number']}）{action['title']}",
                    w.join_names(action["leaders"]),
                    w.status_label(action["status"]),
                    f"{done}/{len(milestones)}" if milestones else "—",
                ]
            )
        self.table(["专项行动", "责任领导", "状态", "节点完成"], rows, [86, 26, 22, 22])
        attention = [
            (action, m)
            for action in s["actions"]
            for m in action["milestones"]
            if m["status"] in ("overdue", "at_risk")
        ]
        if not attention:
            return
        self.heading2("需关注的时间节点")
        self.table(
            ["行动", "时间节点", "截止", "状态", "目标", "最新值", "预计"],
            [
                [
                    f"（{action['number']}）",
                    m["text"],
                    w.short_date(m["deadline"]),
                    w.status_label(m["status"]),
                    m["target_label"],
                    w.with_unit(m["latest"], m["target_unit"]),
                    m.get("forecast_label") or "—",
                ]
                for action, m in attention
            ],
            [12, 56, 16, 16, 20, 18, 18],
        )

    def timeliness(self) -> None:
        t = self.snapshot["timeliness"]
        self.heading1("周报报送情况")
        if not t.get("available", True):
            self.paragraph(t.get("pending") or "周报数据暂不可用。")
            return
        self.paragraph(
            f"本周应报单位{t['expected']}个，按时报送{len(t['on_time'])}个，迟报{len(t['late'])}个，"
            f"未报{len(t['missing'])}个"
            + (f"，免报{len(t['exempt'])}个" if t.get("exempt") else "")
            + f"（截止时间：{w.moment(t['deadline'])}）。"
        )
        self.picture("timeliness", 100)
        self.heading2("按时报送单位")
        self.paragraph(w.join_names(t["on_time"]) + "。")
        self.heading2("迟报单位")
        if t["late"]:
            self.table(
                ["单位", "签字报送时间"],
                [[row["unit"], w.moment(row["signed_at"])] for row in t["late"]],
                [90, 66],
            )
        else:
            self.paragraph("无。")
        self.heading2("未报单位")
        self.paragraph(w.join_names(t["missing"]) + "。")
        if t.get("changed_after_signing"):
            self.heading2("签字后修改的周报")
            self.table(
                ["单位", "签字时间", "修改时间"],
                [
                    [row["unit"], w.moment(row["signed_at"]), w.moment(row["changed_at"])]
                    for row in t["changed_after_signing"]
                ],
                [70, 43, 43],
            )

    def towns(self) -> None:
        s = self.snapshot
        self.heading1("各镇排名")
        if not s["towns"]:
            self.paragraph("暂无可排名的数据。")
            return
        metrics = s.get("town_metrics", [])
        headers = ["排名", "镇", "综合得分", *[m["name"] for m in metrics], "较上周"]
        widths = [12, 26, 20, *([22] * len(metrics)), 156 - 12 - 26 - 20 - 22 * len(metrics)]
        self.table(
            headers,
            [
                [
                    t["rank"],
                    t["name"],
                    w.number(t["score"]),
                    *[w.with_unit(t["metrics"].get(m["key"]), m["unit"]) for m in metrics],
                    w.movement(t.get("movement")),
                ]
                for t in s["towns"]
            ],
            widths,
        )
        if s.get("town_ranking_note"):
            self.paragraph(s["town_ranking_note"])

    def problems(self) -> None:
        s = self.snapshot
        self.heading1("存在问题和意见建议")
        if not s["problems"]:
            self.paragraph("本周各单位未报告问题和意见建议。")
            return
        for kind_label in dict.fromkeys(item["kind_label"] for item in s["problems"]):
            self.heading2(kind_label)
            items = [item for item in s["problems"] if item["kind_label"] == kind_label]
            for index, item in enumerate(items, start=1):
                self.paragraph(f"{index}. {item['text'].rstrip('。')}（{_raised_by(item)}）。")

    def assessment(self) -> None:
        section = self.snapshot.get("assessment") or {}
        self.heading1("退出指标监测")
        if not section.get("available"):
            self.paragraph(section.get("pending") or "退出指标监测数据尚未接入。")
            return
        rows = section.get("rows") or []
        if section.get("summary"):
            self.paragraph(section["summary"])
        if rows:
            self.table(
                ["指标", "当前", "说明"],
                [[r["name"], w.with_unit(r["value"], r["unit"]), r["note"]] for r in rows],
                [48, 22, 86],
            )
        self.data_checks()

    def data_checks(self) -> None:
        checks = self.snapshot.get("data_checks") or []
        if not checks:
            return
        self.heading2("数据核对")
        for index, item in enumerate(checks, start=1):
            self.paragraph(f"{index}. （{item['action']}）{item['text']}：{item['sentence']}。")

    def backlog(self) -> None:
        section = self.snapshot.get("backlog") or {}
        self.heading1("问题台账办理情况")
        if not section.get("available"):
            self.paragraph(section.get("pending") or "问题台账数据尚未接入。")
            return
        if section.get("summary"):
            self.paragraph(section["summary"])
        rows = section.get("rows") or []
        if rows:
            self.table(
                ["类别", "在办", "超期", "暂存"],
                [[r["name"], r["open"], r["overdue"], r["parked"]] for r in rows],
                [66, 30, 30, 30],
            )

    def measures(self) -> None:
        """The week's accountability measures under the ledger section, only when there are any
        (older issues had none)."""
        rows = (self.snapshot.get("measures") or {}).get("rows") or []
        if not rows:
            return
        self.heading2("本周考核问责")
        self.table(
            ["对象", "事由", "处理", "决定"],
            [[r["subject"], r["reason"], r["measure"], r["decided_by"]] for r in rows],
            [34, 66, 24, 32],
        )

    def projects(self) -> None:
        section = self.snapshot.get("projects") or {}
        if not section.get("available"):
            return  # no ledger loaded: the printed bulletin leaves the section out
        self.heading1("项目与资金")
        self.paragraph(section["summary"])
        rows = section.get("rows") or []
        if rows:
            self.table(
                ["项目类型", "项目", "已完工", "逾期"],
                [[r["name"], r["total"], r["completed"], r["overdue"]] for r in rows],
                [66, 30, 30, 30],
            )

    def changes(self) -> None:
        changes = self.snapshot.get("changes") or {}
        self.heading1("与上期相比")
        if not changes.get("previous"):
            self.paragraph("本期为首期通报，无上期可比。")
            return
        previous = changes["previous"]
        items = changes.get("items") or []
        self.paragraph(
            f"与第{previous['number']}期（{previous['week']}）相比："
            + ("；".join(items) if items else "各项情况无变化")
            + "。"
        )


def _raised_by(item: dict[str, Any]) -> str:
    """“县财政局、城关镇反映”: who raised a problem (the page lists the actions it was filed under)."""
    return f"{'、'.join(item.get('units') or [item['unit']])}反映"


def render_docx(snapshot: dict[str, Any], *, charts: dict[str, bytes] | None = None) -> bytes:
    """The .docx bytes for a snapshot (charts drawn from it unless given)."""
    if charts is None:
        charts = charts_module.all_charts(snapshot)
    return BulletinDocument(snapshot, charts).build()
