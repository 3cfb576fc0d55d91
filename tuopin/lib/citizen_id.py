"""GB 11643-1999 citizen identity numbers: checksum, birth date, sex and masking."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


class InvalidCitizenId(ValueError):
    """The number is not a valid 18-digit citizen ID; the message says why, in Chinese."""


@dataclass(frozen=True)
class CitizenId:
    number: str
    birth_date: dt.date
    sex: str  # "男" or "女"

    @property
    def region(self) -> str:
        return self.number[:6]


def check_digit(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalize(raw: str) -> str:
    """Strip spaces, turn full-width digits/X into ASCII and upper-case the check char."""
    table = {
        ord(f): ord(a) for f, a in zip("０１２３４５６７８９ＸｘＸ", "0123456789XXX", strict=True)
    }
    return raw.translate(table).strip().replace(" ", "").upper()


def parse(raw: str, *, today: dt.date | None = None) -> CitizenId:
    number = normalize(raw)
    if len(number) != 18:
        raise InvalidCitizenId(f"证件号码应为18位，实际为{len(number)}位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidCitizenId("证件号码前17位须为数字，末位为数字或X")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidCitizenId(f"证件号码中的出生日期 {number[6:14]} 不存在") from None
    reference = today or dt.date.today()  # noqa: DTZ011 - only a plausibility bound
    if birth.year < 1880 or birth > reference:
        raise InvalidCitizenId(f"证件号码中的出生日期 {birth.isoformat()} 不合理")
    expected = check_digit(number[:17])
    if number[17] != expected:
        raise InvalidCitizenId(f"证件号码校验位错误（应为 {expected}）")
    sex = "男" if int(number[16]) % 2 == 1 else "女"
    return CitizenId(number=number, birth_date=birth, sex=sex)


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except InvalidCitizenId:
        return False
    return True


def mask(number: str) -> str:
    """610327********123X: region kept, birth date and sequence hidden."""
    if len(number) != 18:
        return "*" * len(number)
    return number[:6] + "*" * 8 + number[14:]


def mask_phone(phone: str) -> str:
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
