"""The 会议纪要 of a face-to-face meeting as a Word 公文 (the bulletin's page, ``lib.gongwen``)."""

from __future__ import annotations

from tuopin.command.models import Meeting
from tuopin.lib import clock
from tuopin.lib.gongwen import GongwenDocument

ISSUER = "县脱贫攻坚指挥部办公室"


def render_minutes(meeting: Meeting) -> bytes:
    doc = GongwenDocument()
    number = meeting.number
    heading = {
        "masthead": "脱贫攻坚指挥部会议纪要",
        "number_label": f"第{number}期",
        "issuer": ISSUER,
        "date": meeting.held_on.isoformat(),
    }
    doc.masthead(heading)
    title = f"{meeting.held_on.year}年{meeting.held_on.month}月{meeting.held_on.day}日面对面汇报会议纪要"
    doc.title(title)
    doc.paragraph(
        f"{meeting.held_on.month}月{meeting.held_on.day}日，{meeting.chair}主持召开脱贫攻坚"
        "“面对面”汇报会，听取各责任单位工作进展、存在问题和意见建议，研究部署下一步工作。"
        "现将会议议定事项纪要如下。"
    )
    doc.heading1("参会人员")
    doc.paragraph(meeting.attendees)
    heard = list(meeting.heard.select_related("unit"))
    doc.heading1("单位汇报")
    if heard:
        for index, row in enumerate(heard, start=1):
            doc.paragraph(f"{index}. {row.unit.name}：{row.summary.rstrip('。')}。")
    else:
        doc.paragraph("本次会议未记录单位汇报要点。")
    doc.heading1("会议研究事项")
    doc.paragraph(meeting.discussion or "无。")
    instructions = list(meeting.instructions.select_related("unit", "case"))
    doc.heading1("交办事项")
    if instructions:
        doc.table(
            ["序号", "交办事项", "承办单位", "办理期限", "编号"],
            [
                [
                    index,
                    item.text + (f"（{item.leader}）" if item.leader else ""),
                    item.unit.name,
                    f"{item.due_on.month}月{item.due_on.day}日前",
                    item.case.number,
                ]
                for index, item in enumerate(instructions, start=1)
            ],
            [12, 74, 28, 22, 20],
        )
        doc.paragraph(
            "以上交办事项纳入问题台账跟踪督办，承办单位按期办结并报告结果；"
            "逾期未办结的，由系统自动督办，并在下次会议首先通报。"
        )
    else:
        doc.paragraph("本次会议无交办事项。")
    doc.imprint({"issuer": ISSUER, "date": clock.today().isoformat()})
    return doc.save(title=title, author=ISSUER)
