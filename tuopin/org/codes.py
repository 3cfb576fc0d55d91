"""Statistical division codes: levels from length, parents from prefixes, subtree ranges."""

from __future__ import annotations

from django.db.models import Q

# code length → level; a village group (组) extends its village's 12 digits by 3.
LEVEL_BY_LENGTH = {2: "province", 4: "city", 6: "county", 9: "town", 12: "village", 15: "group"}
LENGTH_BY_LEVEL = {level: length for length, level in LEVEL_BY_LENGTH.items()}
PARENT_LENGTH = {4: 2, 6: 4, 9: 6, 12: 9, 15: 12}


class InvalidCode(ValueError):
    pass


def level_of(code: str) -> str:
    if not code.isdigit():
        raise InvalidCode(f"代码 {code!r} 只能由数字组成")
    try:
        return LEVEL_BY_LENGTH[len(code)]
    except KeyError:
        raise InvalidCode(
            f"代码 {code} 为{len(code)}位，应为2（省）、4（市）、6（县）、9（镇）、12（村）或15（组）位"
        ) from None


def parent_code(code: str) -> str | None:
    length = PARENT_LENGTH.get(len(code))
    return code[:length] if length else None


def normalize(raw: object) -> str:
    """Codes arrive from Excel as text, ints or floats (610327100201.0); keep the digits."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = (
        str(raw)
        .strip()
        .translate({ord(c): ord("0") + i for i, c in enumerate("０１２３４５６７８９")})
    )
    return text


def subtree_q(code: str, path: str = "code") -> Q:
    """Rows whose code at ``path`` is ``code`` or lies under it.

    A range on the indexed column instead of LIKE, so SQLite and PostgreSQL both use the index
    (':' sorts right after '9').
    """
    return Q(**{f"{path}__gte": code, f"{path}__lt": code + ":"})
