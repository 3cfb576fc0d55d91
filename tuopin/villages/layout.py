"""The village team workbook: sheets 队伍 (the 四支队伍 roster) and 培训 (training attendance),
declared for the ledger engine."""

from __future__ import annotations

from tuopin.ledger.layout import Column, Ledger
from tuopin.villages.codes import Team, TrainingKind

TEAM_SHEET = "队伍"
TRAINING_SHEET = "培训"

TEAM_COLUMNS: tuple[Column, ...] = (
    Column("村代码", "village_code", "village_code", True, blank_ok=False, aliases=("区划代码",)),
    Column("村名", "", "text"),
    Column("队伍类别", "team", "choice", True, Team, blank_ok=False, aliases=("队伍",)),
    Column("姓名", "name", "name", True, blank_ok=False),
    Column("派出单位", "unit", "text"),
    Column("职务", "role", "text"),
    Column("手机", "phone", "phone", True, blank_ok=False, aliases=("手机号码", "联系电话")),
    Column("到岗日期", "started_on", "date", True, blank_ok=False),
    Column("离岗日期", "ended_on", "date"),
)

TRAINING_COLUMNS: tuple[Column, ...] = (
    Column("培训日期", "held_on", "date", True, blank_ok=False),
    Column("培训主题", "topic", "text", True, blank_ok=False),
    Column("培训类别", "kind", "choice", True, TrainingKind, blank_ok=False, aliases=("类别",)),
    Column("村代码", "village_code", "village_code", True, blank_ok=False),
    Column("姓名", "name", "name"),
    Column("手机", "phone", "phone", True, blank_ok=False, aliases=("手机号码",)),
)

TEAMS = Ledger(
    key="villages",
    title="驻村队伍台账",
    sheets={TEAM_SHEET: TEAM_COLUMNS, TRAINING_SHEET: TRAINING_COLUMNS},
    notes=(
        "填表说明",
        "1. 工作表“队伍”“培训”的表头请勿修改；红色表头为必填列，可以增加其他列（导入时忽略）。",
        "2. 村代码填12位统计用区划代码（请设为“文本”格式）；队伍类别填第一书记、驻村工作队、"
        "帮扶干部或村两委。",
        "3. 同一人以手机号识别：按村代码+队伍类别+手机更新已有成员，文件中没有的成员不受影响；"
        "调离请填写离岗日期，不要删除行。",
        "4. 除帮扶干部外，同一人同期只能在一个村的队伍任职。",
        "5. “培训”表一行为一人参加一次培训，按手机在该村队伍中找到成员；日期不能晚于今天。",
    ),
    text_kinds=("text", "village_code", "phone"),
    wide_kinds=("text", "village_code"),
)
