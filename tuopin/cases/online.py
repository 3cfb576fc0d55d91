"""网上信访 without a login: a phone verified by a code, rate limits, spam traps, duplicates merged.

The flow: the petitioner asks for a code (sent through ``org.sms``), fills the form with it, and
the petition enters the case engine at 登记 with its acceptance clock and a tracking code shown at
once. Every limit counts through the one throttle (``org.throttle.reserve``): codes per phone and
per address, code checks per phone, filings per address a day. The same words from the same phone
while the first petition is open (or closed within 30 days) are merged into it, not filed twice.
A hidden field no person fills and the time the form took catch simple robots without any
outside service. Only a digest of each code is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction

from tuopin.cases import actions
from tuopin.cases.models import Case, Kind, PhoneCode, Source
from tuopin.lib import clock
from tuopin.org import sms, throttle
from tuopin.org.models import Level, LoginCounterKind, OrgUnit

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
CODE_LENGTH = 6
CODE_MINUTES = 10
MERGE_DAYS = 30
CATEGORIES = [
    ("帮扶政策", "帮扶政策落实"),
    ("低保评定", "低保与兜底保障"),
    ("危房改造", "危房改造与住房安全"),
    ("产业就业", "产业扶贫与就业"),
    ("作风问题", "干部作风与纪律"),
    ("资金使用", "扶贫资金使用"),
    ("其他", "其他"),
]


class FilingRefused(Exception):
    """The filing or code request is refused; the message says why, in Chinese."""


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def normalize_phone(raw: str) -> str:
    digits = re.sub(r"\D", "", raw or "")
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def check_phone(raw: str) -> str:
    phone = normalize_phone(raw)
    if not PHONE_RE.match(phone):
        raise FilingRefused("请填写11位手机号码（以1开头），用于接收验证码和查询办理进度")
    return phone


def _digest(phone: str, code: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{phone}:{code}".encode()).hexdigest()


def _reserve(kind: str, key: str, limit: int, window: int, message: str) -> None:
    now = clock.now()
    unlocks_at = throttle.reserve(kind, key, limit, now, window_seconds=window)
    if unlocks_at is not None:
        raise FilingRefused(message.format(minutes=throttle.minutes_until(unlocks_at, now)))


def send_code(raw_phone: str, address: str) -> str | None:
    """Send a fresh code to the phone; returns the code only when the demo echo is on."""
    phone = check_phone(raw_phone)
    _reserve(
        LoginCounterKind.FILE_ADDRESS,
        f"code:{address}",
        _limit("CASES_CODES_PER_ADDRESS", 10),
        3600,
        "此网络地址获取验证码过于频繁，请{minutes}分钟后再试",
    )
    _reserve(
        LoginCounterKind.FILE_PHONE,
        phone,
        _limit("CASES_CODES_PER_PHONE", 5),
        3600,
        "这个手机号获取验证码过于频繁，请{minutes}分钟后再试",
    )
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_LENGTH))
    now = clock.now()
    PhoneCode.objects.create(
        phone=phone,
        digest=_digest(phone, code),
        sent_at=now,
        expires_at=now + dt.timedelta(minutes=CODE_MINUTES),
    )
    text = f"【陇县信访】您的验证码为{code}，{CODE_MINUTES}分钟内有效。如非本人操作请忽略。"
    if settings.SMS_DEMO_ECHO and not sms.configured():
        return code
    try:
        sms.send(phone, text)
    except sms.SmsUnavailable as error:
        throttle.give_back(LoginCounterKind.FILE_PHONE, phone)
        raise FilingRefused(str(error)) from None
    return None


def verify_code(phone: str, code: str) -> None:
    """Use up the phone's newest valid code if it matches; five wrong tries lock for 10 minutes."""
    code = re.sub(r"\D", "", code or "")
    if len(code) != CODE_LENGTH:
        raise FilingRefused(f"请填写短信收到的{CODE_LENGTH}位验证码")
    _reserve(
        LoginCounterKind.VERIFY_PHONE,
        phone,
        _limit("CASES_CODE_CHECKS", 5),
        600,
        "验证码错误次数过多，请{minutes}分钟后重新获取验证码",
    )
    now = clock.now()
    row = (
        PhoneCode.objects.filter(phone=phone, used_at__isnull=True, expires_at__gt=now)
        .order_by("-sent_at")
        .first()
    )
    if row is None or not secrets.compare_digest(row.digest, _digest(phone, code)):
        raise FilingRefused("验证码不正确或已过期，请核对短信或重新获取")
    claimed = PhoneCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now)
    if not claimed:
        raise FilingRefused("验证码已使用，请重新获取")
    throttle.forget(LoginCounterKind.VERIFY_PHONE, phone)


def check_place(org_unit: OrgUnit | None) -> OrgUnit:
    if org_unit is None or org_unit.level not in (Level.TOWN, Level.VILLAGE):
        raise FilingRefused("请选择问题所在的镇和村")
    return org_unit


def duplicate_of(phone: str, content: str) -> Case | None:
    """An earlier petition with the same words from the same phone, still open or lately closed."""
    since = clock.now() - dt.timedelta(days=MERGE_DAYS)
    candidates = Case.objects.filter(
        kind=Kind.PETITION,
        content_digest=actions.content_digest(content),
        reporter_phone=phone,
    ).order_by("-registered_at")
    for case in candidates:
        if case.is_open or (case.closed_at or case.registered_at) >= since:
            return case
    return None


def file_petition(
    *,
    name: str,
    phone: str,
    code: str,
    org_unit: OrgUnit | None,
    category: str,
    content: str,
    photos: Sequence[actions.Upload],
    address: str,
) -> tuple[Case, bool]:
    """File (or merge) an online petition: ``(case, merged)``. Raises FilingRefused."""
    name = (name or "").strip()
    if not 2 <= len(name) <= 20 or re.search(r"[\d<>]", name):
        raise FilingRefused("请填写真实姓名（2至20个字，不含数字和符号）")
    phone = check_phone(phone)
    org_unit = check_place(org_unit)
    if category not in dict(CATEGORIES):
        raise FilingRefused("请选择反映问题的类别")
    content = (content or "").strip()
    if len(content) < 15:
        raise FilingRefused("请把问题写清楚：内容不少于15个字（时间、地点、涉及的人和事）")
    if len(content) > 3000:
        raise FilingRefused(f"内容不能超过3000字（现有{len(content)}字），可分条反映")
    if len(set(content)) < 5:
        raise FilingRefused("内容看起来不是有效的问题描述，请如实填写")
    if len(photos) > 5:
        raise FilingRefused("照片最多5张")
    verify_code(phone, code)
    existing = duplicate_of(phone, content)
    if existing is not None:
        with transaction.atomic():
            actions.note_duplicate(existing, content=content)
        return existing, True
    _reserve(
        LoginCounterKind.FILE_ADDRESS,
        f"file:{address}",
        _limit("CASES_FILINGS_PER_ADDRESS", 5),
        86400,
        "此网络地址今天提交的信访件已达上限，请{minutes}分钟后再试，或拨打信访电话反映",
    )
    title = f"{category}：{content[:30]}"
    case = actions.register_public(
        kind=Kind.PETITION,
        source=Source.ONLINE,
        title=title,
        content=content,
        org_unit=org_unit,
        reporter_name=name,
        reporter_phone=phone,
        subject="",
        attachments=photos,
        origin="public",
        tracking_code=actions.new_tracking_code(),
    )
    return case, False


def forget_expired_codes(now: dt.datetime) -> int:
    """Worker job: delete verification codes a day after they expired (digests only, but still)."""
    deleted, _ = PhoneCode.objects.filter(expires_at__lte=now - dt.timedelta(days=1)).delete()
    return deleted
