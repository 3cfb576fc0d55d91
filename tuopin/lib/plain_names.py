"""Names (of places, units, people) are plain text: no markup, no control characters.

Imports refuse such names at the door with a Chinese reason, so a village named
``<img onerror=…>`` or a name with a hidden right-to-left override never reaches a page,
a chart tooltip or a document (the output side escapes too; this keeps the data honest).
"""

from __future__ import annotations

import unicodedata

MARKUP = frozenset("<>")


def name_problem(value: str) -> str | None:
    """Why ``value`` is not a plain name (in Chinese), or None when it is."""
    if "<" not in value and ">" not in value and value.isprintable():
        return None  # the fast path for the million cells of a county import
    if any(char in MARKUP for char in value):
        return "不能包含尖括号 < 或 >（名称中不允许出现网页标记）"
    # Cc: control characters (tab, line breaks, NUL …); Cf: invisible format characters such as
    # zero-width spaces and the right-to-left override used to disguise text.
    hidden = next((char for char in value if unicodedata.category(char) in ("Cc", "Cf")), None)
    if hidden is not None:
        return f"不能包含控制字符或不可见字符（U+{ord(hidden):04X}），请删除后重新导入"
    return None
