"""Reading a Chinese government work plan (工作方案) into a structured dict. No Django imports.

The document is read line by line into a tree of headings ranked 一、 > （一） > 1. > （1） > ①.
Actions are the headings that carry responsibility (责任领导/责任单位 … on their own lines or in
parentheses) together with their siblings; sections titled 目标 give goals, sections titled
阶段/步骤 give phases, and a 每周X…时前 sentence gives the reporting rule. Deadlines are resolved
against the issue year (the closing 印发 line, else the title) by :mod:`tuopin.lib.cn_dates`.

Nothing is silently dropped: text that feeds no field is kept (``preamble``, ``other_sections``)
and anything the parser could not place is a warning with its line number. Input the parser
cannot use at all raises :class:`ParseError` with a Chinese message.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuopin.lib import cn_dates

SHANGHAI_OFFSET = "+08:00"


class ParseError(ValueError):
    """The document cannot be read as a work plan; the message says why and how to fix it."""


# ---------------------------------------------------------------- reading files


def read_document(name: str, data: bytes) -> str:
    """The text of a .txt (UTF-8 or GB18030) or .docx document."""
    suffix = Path(name).suffix.lower()
    if suffix == ".docx":
        return _read_docx(data)
    if suffix in ("", ".txt", ".text"):
        return _decode_text(data)
    raise ParseError(
        f"不支持的文件类型“{suffix}”：请上传 .txt 或 .docx 文件（.doc 请先另存为 .docx）"
    )


def read_path(path: str | Path) -> str:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ParseError(f"文件不存在：{path}") from None
    except IsADirectoryError:
        raise ParseError(f"这是一个目录而不是文件：{path}") from None
    return read_document(path.name, data)


def _decode_text(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ParseError("无法识别文件编码：请把文件另存为 UTF-8 编码的 .txt 或 .docx")


def _read_docx(data: bytes) -> str:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ParseError(
            "文件扩展名是 .docx，但内容不是 Word（.docx）文档：请在 Word/WPS 中打开后另存为 .docx 再上传"
        )
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises several unrelated types for broken packages
        raise ParseError(
            f"无法读取 Word 文档（{type(error).__name__}）：请另存为 .docx 或 .txt 后重试"
        ) from None
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines: list[str] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            lines.extend(_table_lines(Table(child, document)))
    return "\n".join(lines)


TABLE_COLUMNS = {
    "task": re.compile(r"任务|内容|措施|事项|工作|行动"),
    "leader": re.compile(r"领导"),
    "unit": re.compile(r"单位|部门"),
    "deadline": re.compile(r"时限|时间|节点"),
}


def _table_lines(table) -> list[str]:
    """A task table (任务 | 责任领导 | 责任单位 | 完成时限) as numbered items with labelled lines;
    any other table row by row, its cells separated by two spaces."""
    rows = [[cell.text.strip() for cell in row.cells] for row in table.rows]
    if not rows:
        return []
    columns: dict[str, int] = {}
    for index, heading in enumerate(rows[0]):
        for name, pattern in TABLE_COLUMNS.items():
            if name not in columns and pattern.search(heading):
                columns[name] = index
                break
    if "task" not in columns or "unit" not in columns:
        return ["  ".join(row) for row in rows]
    lines = []
    for number, row in enumerate((row for row in rows[1:] if any(row)), start=1):
        task = row[columns["task"]].replace("\n", "")
        lines.append(f"{number}.{task.rstrip('。')}。")
        if "deadline" in columns and row[columns["deadline"]]:
            lines.append(f"完成时限：{row[columns['deadline']]}")
        if "leader" in columns and row[columns["leader"]]:
            lines.append(f"责任领导：{row[columns['leader']]}")
        lines.append(f"责任单位：{row[columns['unit']]}")
    return lines


# ---------------------------------------------------------------- vocabulary

LEADER_LABELS = ("责任领导", "牵头领导", "包抓领导", "分管领导", "联系领导", "包联领导")
UNIT_LABELS = (
    "责任单位",
    "牵头单位",
    "配合单位",
    "协办单位",
    "责任部门",
    "牵头部门",
    "配合部门",
    "实施单位",
)
LABEL_RE = "|".join(LEADER_LABELS + UNIT_LABELS)
LABEL_LINE = re.compile(rf"^\s*(?:{LABEL_RE})\s*[:：]")
# Labels that end a responsibility value without being one ("完成时限：9月底前" stays action text).
OTHER_LABEL_RE = "完成时限|完成时间|时间要求|时间节点|时限要求|时限|目标要求"
LABEL_ITEM = re.compile(
    rf"(?P<label>{LABEL_RE})\s*[:：]\s*(?P<value>.*?)"
    rf"(?=[；;，,]?\s*(?:{LABEL_RE}|{OTHER_LABEL_RE})\s*[:：]|$)"
)
DEADLINE_LABEL = re.compile(rf"^\s*(?:{OTHER_LABEL_RE})\s*[:：]?\s*")
INLINE_RESPONSIBILITY = re.compile(rf"[（(]\s*(?P<body>(?:{LABEL_RE})\s*[:：][^（）()]*)[）)]")
LIST_SEPARATORS = re.compile(r"[、，,；;]+")
POST_WORDS = (
    "县长",
    "书记",
    "主任",
    "局长",
    "部长",
    "副",
    "常委",
    "领导",
    "主席",
    "镇长",
    "组长",
    "委员",
)

HEADING_PATTERNS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(r"^(?P<label>(?P<num>[一二三四五六七八九十]{1,3})、)")),
    (2, re.compile(r"^(?P<label>[（(](?P<num>[一二三四五六七八九十]{1,3})[）)])")),
    (3, re.compile(r"^(?P<label>(?P<num>\d{1,2})[.．、](?!\d))")),
    (4, re.compile(r"^(?P<label>[（(](?P<num>\d{1,2})[）)])")),
    (5, re.compile(r"^(?P<label>(?P<num>[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳]))")),
]
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

GOAL_SECTION = re.compile(r"目标")
PHASE_SECTION = re.compile(r"阶段|步骤|时间安排|进度安排")
CLOSING_LINE = re.compile(
    r"^(?P<issuer>[^，,。；;：:]{0,60}?)\s*(?P<date>(?:19|20)\d{2}\s*年\s*[0-9一二三四五六七八九十〇零]{1,3}\s*月"
    r"\s*[0-9一二三四五六七八九十〇零]{1,3}\s*日)\s*(?:印发|发布|制定|签发)?\s*$"
)

NUMBER = r"(?P<number>\d+(?:\.\d+)?)(?P<wan>万|千)?"
TARGET_UNITS = "%|％|人次|户次|个|名|人|户|项|家|村|次|公里|千米|万元|元|亩|所|座|处|套|间|台|条|支|批|场|期|块|眼|处"
TARGET = re.compile(
    rf"{NUMBER}\s*(?P<unit>{TARGET_UNITS})(?P<after>及以上|以上|以下|以内|左右)?(?![年月日时点])"
)
COMPARATOR_BEFORE = [
    ("不少于", "at_least"),
    ("不低于", "at_least"),
    ("至少", "at_least"),
    ("超过", "more_than"),
    ("不超过", "at_most"),
    ("不高于", "at_most"),
    ("控制在", "at_most"),
    ("最多", "at_most"),
    ("达到", "equal"),
    ("达", "equal"),
]
PER_WORDS = [
    ("户均", "household"),
    ("每户", "household"),
    ("每镇", "town"),
    ("镇均", "town"),
    ("每个镇", "town"),
    ("各镇均", "town"),
    ("每村", "village"),
    ("每个村", "village"),
    ("村均", "village"),
    ("全县", "total"),
]
ALL_WORDS = re.compile(r"全部|所有|全面完成|100%")
REPORTING = re.compile(
    r"每周(?P<weekday>[一二三四五六日天1-7])\s*(?P<part>上午|中午|下午|晚上)?\s*"
    r"(?P<hour>\d{1,2}|[一二三四五六七八九十]{1,3})\s*(?:[时点:：]\s*(?P<minute>\d{1,2})?\s*分?)"
    r"\s*(?:前|之前|以前)?"
)
SIGN_OFF = re.compile(r"签字|签名|签发|签章|盖章")
WEEKDAYS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7}
SENTENCE_END = "。；;!！?？\n"
BARE_DEADLINE = re.compile(r"(?:确保|力争|争取|到|在|于|至)?\s*")


# ---------------------------------------------------------------- data while parsing


@dataclass
class Line:
    number: int  # 1-based line number in the document
    text: str  # stripped
    column: int  # offset of ``text`` in the raw line


@dataclass
class Node:
    rank: int  # 0: the document, 1: 一、 … 5: ①
    label: str
    number: int
    line: Line
    title: str = ""
    lines: list[Line] = field(default_factory=list)  # own lines: heading + body (no children)
    children: list[Node] = field(default_factory=list)
    parent: Node | None = None
    responsibility: list[tuple[str, str, Line, int, int]] = field(default_factory=list)

    def descendants(self) -> list[Node]:
        result = []
        for child in self.children:
            result.append(child)
            result.extend(child.descendants())
        return result

    def all_lines(self) -> list[Line]:
        lines = list(self.lines)
        for child in self.descendants():
            lines.extend(child.lines)
        return sorted(lines, key=lambda line: line.number)


class Text:
    """Several lines joined into one string, remembering where each character came from."""

    def __init__(self, lines: list[Line], *, skip: dict[int, list[tuple[int, int]]] | None = None):
        self.parts: list[str] = []
        self.origin: list[tuple[int, int]] = []  # per character: (line number, column)
        skip = skip or {}
        for line in lines:
            holes = skip.get(line.number, [])
            if (
                self.parts
                and self.parts[-1] != "\n"
                and (_heading(line.text) or LABEL_LINE.match(line.text))
            ):
                # a new item ends the sentence; other line breaks are continuations (seed, (十二))
                self.parts.append("\n")
                self.origin.append((line.number, line.column))
            for index, ch in enumerate(line.text):
                if any(start <= index < end for start, end in holes):
                    continue
                self.parts.append(ch)
                self.origin.append((line.number, line.column + index))
        self.value = "".join(self.parts)

    def where(self, offset: int) -> tuple[int, int]:
        if not self.origin:
            return (0, 0)
        return self.origin[min(offset, len(self.origin) - 1)]

    def mark(self, start: int, end: int, kind: str) -> list[dict[str, Any]]:
        """Highlight marks for ``value[start:end]``, split where it crosses a line break."""
        marks: list[dict[str, Any]] = []
        for offset in range(start, end):
            line, column = self.origin[offset]
            if marks and marks[-1]["line"] == line and marks[-1]["end"] == column:
                marks[-1]["end"] = column + 1
            else:
                marks.append({"line": line, "start": column, "end": column + 1, "kind": kind})
        return marks


# ---------------------------------------------------------------- the parser


class PlanParser:
    def __init__(self, text: str, *, year: int | None = None) -> None:
        self.raw = text.replace("\r\n", "\n").replace("\r", "\n")
        self.year = year
        self.warnings: list[dict[str, Any]] = []
        self.marks: list[dict[str, Any]] = []

    def warn(self, line: int | None, message: str) -> None:
        self.warnings.append({"line": line, "message": message})

    # -- top level

    def parse(self) -> dict[str, Any]:
        lines = self._lines()
        if not lines:
            raise ParseError("文件为空：没有任何文字内容，请检查上传的文件")
        title_line = lines[0]
        self._mark_line(title_line, "title")
        body = lines[1:]
        issuer, issued_on, closing = self._closing(body)
        if closing is not None:
            body = [line for line in body if line.number < closing.number]
            trailing = [line for line in lines if line.number > closing.number]
            for line in trailing:
                self.warn(line.number, f"印发日期之后的内容未处理：“{_short(line.text)}”")
        if self.year is None:
            if issued_on is not None:
                self.year = issued_on.year
            else:
                match = cn_dates.YEAR_IN_TEXT.search(title_line.text)
                self.year = int(match["year"]) if match else None
        root = self._tree(body)
        actions_nodes = self._action_nodes(root)
        if not actions_nodes:
            raise ParseError(
                "未识别到方案结构：没有找到带责任领导/责任单位的行动条目。"
                "请确认文件是工作方案，条目以“一、”“（一）”“1.”等编号开头，"
                "并写明“责任领导：…”“责任单位：…”（可单独成行，也可写在括号内）"
            )
        action_ids = {id(node) for node in actions_nodes}
        inside_actions = {id(d) for node in actions_nodes for d in node.descendants()}
        used: set[int] = set(action_ids) | inside_actions

        actions = [self._action(index + 1, node) for index, node in enumerate(actions_nodes)]
        goals: list[dict[str, Any]] = []
        phases: list[dict[str, Any]] = []
        other_sections: list[dict[str, Any]] = []
        for section in root.children:
            if id(section) in used:
                continue
            holds_actions = any(id(d) in action_ids for d in section.descendants())
            if holds_actions:
                self._leftovers(section, used)
                continue
            if GOAL_SECTION.search(section.title):
                goals.extend(self._goals(section))
            elif PHASE_SECTION.search(section.title):
                phases.extend(self._phases(section))
            else:
                other_sections.append(self._other(section))
        preamble = " ".join(line.text for line in root.lines)
        reporting = self._reporting(body)
        if not phases:
            self.warn(None, "未找到阶段安排（如“三、阶段安排”下的“（一）…阶段（5月—8月）”）")
        if issued_on is None:
            self.warn(None, "未找到印发单位和印发日期（文末如“××办公室 2018年6月11日印发”）")
        result = {
            "title": title_line.text,
            "issuer": issuer,
            "issued_on": issued_on.isoformat() if issued_on else None,
            "year": self.year,
            "preamble": preamble,
            "goals": goals,
            "phases": phases,
            "actions": actions,
            "reporting": reporting,
            "other_sections": other_sections,
            "warnings": sorted(self.warnings, key=lambda w: (w["line"] or 0, w["message"])),
            "marks": sorted(self.marks, key=lambda m: (m["line"], m["start"])),
        }
        return result

    def _lines(self) -> list[Line]:
        lines = []
        for number, raw in enumerate(self.raw.split("\n"), start=1):
            stripped = raw.strip().lstrip("\ufeff").strip()
            if stripped:
                lines.append(Line(number, stripped, raw.index(stripped[0])))
        return lines

    def _closing(self, lines: list[Line]) -> tuple[str, dt.date | None, Line | None]:
        for line in reversed(lines[-3:]):
            match = CLOSING_LINE.match(line.text)
            if match is None or _heading(line.text) is not None:
                continue
            issued_on = cn_dates.parse_issue_date(match["date"])
            if issued_on is None:
                continue
            issuer = match["issuer"].strip()
            if not issuer:
                previous = [other for other in lines if other.number < line.number]
                if (
                    previous
                    and len(previous[-1].text) <= 40
                    and _heading(previous[-1].text) is None
                ):
                    issuer = previous[-1].text
                    self._mark_line(previous[-1], "issuer")
                    # the issuer line belongs to the closing block, not the last section
                    lines.remove(previous[-1])
            self.marks.append(
                {
                    "line": line.number,
                    "start": line.column,
                    "end": line.column + len(line.text),
                    "kind": "issuer",
                }
            )
            return issuer, issued_on, line
        return "", None, None

    def _tree(self, lines: list[Line]) -> Node:
        root = Node(0, "", 0, Line(0, "", 0))
        current = root
        for line in lines:
            heading = _heading(line.text)
            if heading is None:
                current.lines.append(line)
                continue
            rank, label, number = heading
            parent = current
            while parent.rank >= rank:
                parent = parent.parent or root
            node = Node(rank, label, number, line, parent=parent)
            node.title = _title(line.text[len(label) :])
            node.lines.append(line)
            parent.children.append(node)
            current = node
            self.marks.append(
                {
                    "line": line.number,
                    "start": line.column,
                    "end": line.column + len(label) + len(node.title),
                    "kind": "heading",
                }
            )
        for node in [root, *root.descendants()]:
            node.responsibility = _responsibility(node.lines)
        return root

    def _action_nodes(self, root: Node) -> list[Node]:
        carriers = [node for node in root.descendants() if node.responsibility]
        if not carriers:
            return []
        rank = Counter(node.rank for node in carriers).most_common(1)[0][0]
        parents = {id(node.parent): node.parent for node in carriers if node.rank == rank}
        chosen = {
            id(child): child
            for parent in parents.values()
            for child in parent.children
            if child.rank == rank
        }
        for node in carriers:
            if id(node) in chosen:
                continue
            ancestors = _ancestors(node)
            if any(id(a) in chosen for a in ancestors):
                continue  # a sub-item's responsibility belongs to its action
            if any(id(d) in chosen for d in node.descendants()):
                continue
            chosen[id(node)] = node
        return sorted(chosen.values(), key=lambda node: node.line.number)

    # -- pieces

    def _action(self, number: int, node: Node) -> dict[str, Any]:
        lines = node.all_lines()
        responsibility = list(node.responsibility)
        for child in node.descendants():
            responsibility.extend(child.responsibility)
        holes: dict[int, list[tuple[int, int]]] = {}
        leaders: list[str] = []
        units: list[str] = []
        leader_texts: list[str] = []
        unit_texts: list[str] = []
        roles: list[dict[str, Any]] = []
        for label, value, line, start, end in responsibility:
            holes.setdefault(line.number, []).append((start, end))
            names = split_names(value)
            is_leader = label in LEADER_LABELS
            if is_leader:
                names = [normalize_person(name) for name in names]
                leaders.extend(name for name in names if name not in leaders)
                leader_texts.append(value.strip())
            else:
                units.extend(name for name in names if name not in units)
                unit_texts.append(value.strip())
            roles.append({"label": label, "names": names})
            kind = "leader" if is_leader else "unit"
            self.marks.append(
                {
                    "line": line.number,
                    "start": line.column + start,
                    "end": line.column + end,
                    "kind": kind,
                }
            )
            if not names:
                self.warn(line.number, f"“{label}”后没有写名称")
        heading_line = node.line
        title_len = len(node.label) + len(node.title)
        holes.setdefault(heading_line.number, []).append((0, title_len))
        text = Text(lines, skip=holes)
        body = text.value.lstrip("。.:：，, ").strip()
        milestones = self._milestones(text, node)
        if not leaders:
            self.warn(node.line.number, f"行动{node.label}“{node.title}”未写明责任领导")
        if not units:
            self.warn(node.line.number, f"行动{node.label}“{node.title}”未写明责任单位")
        ancestors = [a for a in reversed(_ancestors(node)) if a.rank > 0]
        return {
            "number": number,
            "label": node.label,
            "section": ancestors[0].title if ancestors else "",
            "group": "／".join(a.title for a in ancestors[1:]),
            "line": node.line.number,
            "title": node.title,
            "text": body,
            "leaders": leaders,
            "leaders_text": "；".join(leader_texts),
            "units": units,
            "units_text": "；".join(unit_texts),
            "responsibility": roles,
            "milestones": milestones,
        }

    def _milestones(self, text: Text, node: Node) -> list[dict[str, Any]]:
        milestones: list[dict[str, Any]] = []
        stated: set[tuple[str, str]] = set()  # (owner, deadline) of milestones with their own words
        for start, end in _sentences(text.value):
            sentence = text.value[start:end]
            phrases = self._deadlines(sentence, text, start)
            for index, phrase in enumerate(phrases):
                if len(phrases) == 1:
                    clause_start, clause_end = start, end
                else:
                    clause_start = start if index == 0 else start + phrase.start
                    clause_end = (
                        start + phrases[index + 1].start if index + 1 < len(phrases) else end
                    )
                clause = text.value[clause_start:clause_end].strip(" ，,、。；;（）()")
                bare = DEADLINE_LABEL.sub("", clause).replace(phrase.phrase, "")
                owner = _owner_title(node, text.where(start + phrase.start)[0])
                deadline = _end_of_day(phrase.last_day)
                self.marks.extend(text.mark(start + phrase.start, start + phrase.end, "deadline"))
                if not bare.strip(" ，,、。；;：:（）()完成"):
                    # "完成时限：9月底前" alone: the commitment is the action (or sub-item) itself,
                    # unless its own words already gave that deadline
                    if (owner, deadline) in stated:
                        continue
                    clause = f"{owner}（{clause}）"
                    target, target_span = find_target(owner)[0], None  # the heading says what
                else:
                    target, target_span = find_target(text.value[clause_start:clause_end])
                stated.add((owner, deadline))
                line, _column = text.where(start + phrase.start)
                if target_span is not None:
                    self.marks.extend(
                        text.mark(
                            clause_start + target_span[0], clause_start + target_span[1], "target"
                        )
                    )
                milestones.append(
                    {
                        "deadline": deadline,
                        "start": phrase.first_day.isoformat() if phrase.first_day else None,
                        "phrase": phrase.phrase,
                        "text": clause,
                        "target": target,
                        "line": line,
                    }
                )
            self._loose_dates(sentence, text, start, phrases)
        return milestones

    def _deadlines(self, sentence: str, text: Text, offset: int) -> list[cn_dates.DatePhrase]:
        try:
            return cn_dates.find_deadlines(sentence, self.year)
        except cn_dates.UndatableError as error:
            line, _column = text.where(offset + max(sentence.find(error.phrase), 0))
            raise ParseError(
                f"第{line}行的时间节点无法换算为日期：{error}。"
                "请改为“7月底前”“9月30日前”等写法，或在文末写明印发日期（如“2018年6月11日印发”）"
            ) from None

    def _loose_dates(
        self, sentence: str, text: Text, offset: int, phrases: list[cn_dates.DatePhrase]
    ) -> None:
        for match in cn_dates.LOOSE_DATE.finditer(sentence):
            if any(p.start <= match.start() < p.end for p in phrases):
                continue
            line, _column = text.where(offset + match.start())
            self.warn(
                line,
                f"“{match.group(0)}”像是时间要求，但不是可换算的截止时间（如“7月底前”），未生成时间节点："
                f"“{_short(sentence)}”",
            )

    def _goals(self, section: Node) -> list[dict[str, Any]]:
        goals: list[dict[str, Any]] = []
        skip = {section.line.number: [(0, len(section.label) + len(section.title))]}
        text = Text(section.all_lines(), skip=skip)
        for sentence_start, sentence_end in _sentences(text.value):
            carried: cn_dates.DatePhrase | None = None  # "到年底，…": the deadline of what follows
            for start, end in _clauses(text.value, sentence_start, sentence_end):
                clause = text.value[start:end]
                phrases = self._deadlines(clause, text, start)
                for phrase in phrases:
                    self.marks.extend(
                        text.mark(start + phrase.start, start + phrase.end, "deadline")
                    )
                if phrases and BARE_DEADLINE.fullmatch(
                    clause.replace(phrases[0].phrase, "").strip()
                ):
                    carried = phrases[0]
                    continue
                deadline = phrases[0] if phrases else carried
                due = _end_of_day(deadline.last_day) if deadline else None
                found = False
                for match in TARGET.finditer(clause):
                    goals.append(
                        {
                            "text": clause.strip(" ，,、。；;"),
                            "value": _plain_number(_number(match)),
                            "unit": goal_unit(
                                match["unit"], clause[match.end() : match.end() + 12]
                            ),
                            "deadline": due,
                            "line": text.where(start + match.start())[0],
                        }
                    )
                    self.marks.extend(text.mark(start + match.start(), start + match.end(), "goal"))
                    found = True
                if phrases and not found:
                    goals.append(
                        {
                            "text": clause.strip(" ，,、。；;"),
                            "value": None,
                            "unit": "",
                            "deadline": due,
                            "line": text.where(start + phrases[0].start)[0],
                        }
                    )
        if not goals:
            self.warn(section.line.number, f"“{section.title}”中没有找到带数字的目标")
        return goals

    def _phases(self, section: Node) -> list[dict[str, Any]]:
        phases = []
        for child in section.children:
            heading = child.line.text[len(child.label) :]
            try:
                period = cn_dates.find_period(heading, self.year)
            except cn_dates.UndatableError as error:
                raise ParseError(
                    f"第{child.line.number}行的阶段时间无法换算为日期：{error}"
                ) from None
            name = re.sub(r"[（(][^（）()]*[）)]", "", child.title).strip(" ：:，,。")
            heading_end = len(child.label) + len(child.title)
            text = Text(child.all_lines(), skip={child.line.number: [(0, heading_end)]}).value
            phase: dict[str, Any] = {
                "name": name,
                "start": None,
                "end": None,
                "line": child.line.number,
            }
            if period is None:
                self.warn(
                    child.line.number,
                    f"阶段“{name}”没有写明时间（如“（5月—8月）”），请在核对时补上",
                )
            else:
                first = period.first_day or _first_of_month(period.last_day)
                phase["start"] = first.isoformat()
                phase["end"] = period.last_day.isoformat()
                column = child.line.column + len(child.label) + period.start
                self.marks.append(
                    {
                        "line": child.line.number,
                        "start": column,
                        "end": column + len(period.phrase),
                        "kind": "phase",
                    }
                )
            phase["text"] = text.lstrip("。.:：，, ").strip()
            phases.append(phase)
        if not phases:
            self.warn(section.line.number, f"“{section.title}”下没有找到“（一）…阶段”条目")
        return phases

    def _other(self, section: Node) -> dict[str, Any]:
        lines = section.all_lines()
        text = Text(
            lines, skip={section.line.number: [(0, len(section.label) + len(section.title))]}
        )
        for start, end in _sentences(text.value):
            sentence = text.value[start:end]
            try:
                phrases = cn_dates.find_deadlines(sentence, self.year)
            except cn_dates.UndatableError:
                phrases = []
            for phrase in phrases:
                self.warn(
                    text.where(start + phrase.start)[0],
                    f"“{phrase.phrase}”是时间节点，但不在任何专项行动内，未生成时间节点："
                    f"“{_short(sentence)}”",
                )
        return {
            "title": section.title,
            "line": section.line.number,
            "text": "\n".join(line.text for line in lines),
        }

    def _leftovers(self, section: Node, used: set[int]) -> None:
        """Lines of an action section that belong to no action: warn if they hold deadlines."""
        stray = list(section.lines[1:])
        for node in section.descendants():
            if id(node) in used or any(id(a) in used for a in _ancestors(node)):
                continue
            holds_actions = any(id(d) in used for d in node.descendants())
            # a grouping heading such as "（一）产业增收" is placed: it becomes the actions' group
            stray.extend(node.lines[1:] if holds_actions else node.lines)
        for line in stray:
            try:
                phrases = cn_dates.find_deadlines(line.text, self.year)
            except cn_dates.UndatableError:
                phrases = []
            if phrases or _heading(line.text):
                self.warn(line.number, f"未归入任何专项行动的内容：“{_short(line.text)}”")

    def _reporting(self, lines: list[Line]) -> dict[str, Any] | None:
        for line in lines:
            found = self._reporting_in(Text([line]))
            if found is not None:
                return found
        self.warn(
            None, "未找到周报制度（如“每周五中午12时前…报县脱贫办”），导入后默认每周五12:00、须签字"
        )
        return None

    def _reporting_in(self, text: Text) -> dict[str, Any] | None:
        for start, end in _sentences(text.value):
            sentence = text.value[start:end]
            match = REPORTING.search(sentence)
            if match is None:
                continue
            hour = cn_dates.chinese_number(match["hour"])
            if match["part"] in ("下午", "晚上") and hour < 12:
                hour += 12
            minute = int(match["minute"] or 0)
            if not (0 <= hour <= 24 and 0 <= minute < 60):
                continue
            self.marks.extend(text.mark(start + match.start(), start + match.end(), "reporting"))
            return {
                "weekday": WEEKDAYS.get(match["weekday"]) or int(match["weekday"]),
                "time": f"{hour:02d}:{minute:02d}",
                "sign_off": bool(SIGN_OFF.search(sentence)),
                "text": sentence.strip(),
                "line": text.where(start + match.start())[0],
            }
        return None

    def _mark_line(self, line: Line, kind: str) -> None:
        self.marks.append(
            {
                "line": line.number,
                "start": line.column,
                "end": line.column + len(line.text),
                "kind": kind,
            }
        )


# ---------------------------------------------------------------- helpers (public ones are used by the loader)


def parse(text: str, *, year: int | None = None) -> dict[str, Any]:
    """Parse a plan's text; raises :class:`ParseError` with a Chinese message on unusable input."""
    if not text or not text.strip():
        raise ParseError("文件为空：没有任何文字内容，请检查上传的文件")
    return PlanParser(text, year=year).parse()


def parse_document(name: str, data: bytes, *, year: int | None = None) -> dict[str, Any]:
    return parse(read_document(name, data), year=year)


def split_names(value: str) -> list[str]:
    """ "县委办、县委组织部，各镇" → names; inner spaces of a person's name are kept for later."""
    names = []
    for token in LIST_SEPARATORS.split(value.strip().strip("。.")):
        token = token.strip()
        if token:
            names.append(token)
    return names


def normalize_person(name: str) -> str:
    """ "赵 强" → "赵强" (documents pad two-character names to the width of three)."""
    return re.sub(r"[\s\u3000]+", "", name)


def is_post(name: str) -> bool:
    """Whether a leader entry is a post ("分管交通运输副县长") rather than a person's name."""
    return len(name) > 4 or any(word in name for word in POST_WORDS)


def find_target(clause: str) -> tuple[dict[str, Any] | None, tuple[int, int] | None]:
    """The numeric target of a clause and its span: 至少建立1个, 5个以上, 80%以上, 全部 …"""
    for match in TARGET.finditer(clause):
        if _is_year_list(clause, match):
            continue
        value = _number(match)
        comparator = "equal"
        before = clause[max(0, match.start() - 8) : match.start()]
        before = re.split(r"[，,、；;。]", before)[-1]
        for word, kind in COMPARATOR_BEFORE:
            if word in before:
                comparator = kind
                break
        if match["after"] in ("以上", "及以上"):
            comparator = "more_than" if comparator == "equal" else comparator
        elif match["after"] in ("以下", "以内"):
            comparator = "at_most"
        unit = "%" if match["unit"] in ("%", "％") else match["unit"]
        return (
            {
                "value": _plain_number(value),
                "unit": unit,
                "comparator": comparator,
                "per": _per(clause[: match.start()]),
            },
            match.span(),
        )
    found = ALL_WORDS.search(clause)
    if found:
        return (
            {"value": 100, "unit": "%", "comparator": "all", "per": _per(clause[: found.start()])},
            found.span(),
        )
    return None, None


def goal_unit(unit: str, following: str) -> str:
    """The counted thing of a goal: 1.8万名贫困人口 → 人, 62个…贫困村 → 村, 7项指标 → 项."""
    if unit in ("名", "人"):
        return "人"
    if unit == "个":
        for noun in ("村", "户", "镇", "人"):
            if noun in re.split(r"[，,、；;。]", following)[0]:
                return noun
    return "%" if unit == "％" else unit


def _per(before: str) -> str:
    clause_part = re.split(r"[；;。]", before)[-1]
    for word, per in PER_WORDS:
        if word in clause_part:
            return per
    return "total"


def _is_year_list(clause: str, match: re.Match[str]) -> bool:
    # "2016、2017已脱贫户" — years listed before a noun, never a target
    return match["number"].isdigit() and len(match["number"]) == 4 and not match["wan"]


def _number(match: re.Match[str]) -> float:
    value = float(match["number"])
    if match["wan"] == "万":
        value *= 10000
    elif match["wan"] == "千":
        value *= 1000
    return round(value, 2)


def _plain_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _end_of_day(day: dt.date) -> str:
    return f"{day.isoformat()}T23:59:59{SHANGHAI_OFFSET}"


def _first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _heading(text: str) -> tuple[int, str, int] | None:
    for rank, pattern in HEADING_PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        label = match["label"]
        raw = match["num"]
        number = CIRCLED.index(raw) + 1 if rank == 5 else cn_dates.chinese_number(raw)
        rest = text[len(label) :].strip()
        if not rest:
            return None
        if rank == 4 and re.match(r"^[（(]\d{1,2}[）)]\s*[%％]", text):
            return None
        return rank, label, number
    return None


def _title(rest: str) -> str:
    rest = INLINE_RESPONSIBILITY.sub("", rest)
    match = re.search(r"[。：:]", rest)
    title = rest[: match.start()] if match else rest
    return title.strip().rstrip("，,；;")[:200]


def _responsibility(lines: list[Line]) -> list[tuple[str, str, Line, int, int]]:
    """(label, value, line, start, end) for 责任领导：… lines and （牵头单位：…；…） parentheses."""
    found = []
    for line in lines:
        if LABEL_LINE.match(line.text):
            for item in LABEL_ITEM.finditer(line.text):
                found.append(
                    (item["label"], _clean_value(item["value"]), line, item.start(), item.end())
                )
            continue
        for inline in INLINE_RESPONSIBILITY.finditer(line.text):
            body, offset = inline["body"], inline.start("body")
            items = list(LABEL_ITEM.finditer(body))
            rest = LABEL_ITEM.sub("", body).strip(" ；;，,、")
            for item in items:
                value = _clean_value(item["value"])
                if rest:  # "（责任单位：…；完成时限：…）": keep the deadline in the action text
                    span = (offset + item.start(), offset + item.end())
                else:
                    span = (inline.start(), inline.end())
                found.append((item["label"], value, line, *span))
    return found


def _owner_title(action: Node, line_number: int) -> str:
    """The title of the action or of its sub-item that holds ``line_number``."""
    owner = action
    for node in action.descendants():
        if node.line.number <= line_number:
            owner = node
    return owner.title


def _clean_value(value: str) -> str:
    return value.strip().strip("，,；;。. \u3000")


def _ancestors(node: Node) -> list[Node]:
    result = []
    while node.parent is not None:
        node = node.parent
        result.append(node)
    return result


def _sentences(text: str) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for index, ch in enumerate(text):
        if ch in SENTENCE_END:
            if text[start:index].strip():
                spans.append((start, index))
            start = index + 1
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def _clauses(text: str, begin: int, end: int) -> list[tuple[int, int]]:
    spans = []
    start = begin
    for index in range(begin, end):
        if text[index] in "，,":
            if text[start:index].strip():
                spans.append((start, index))
            start = index + 1
    if text[start:end].strip():
        spans.append((start, end))
    return spans


def _short(text: str, limit: int = 40) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "…"
