"""The one SMS channel: a text to a phone through the configured HTTP gateway.

The gateway is an intranet endpoint (``TUOPIN_SMS_WEBHOOK_URL``) taking ``{"phone", "text"}`` as
JSON, like the reminders' group-robot webhooks. Nothing here calls an outside host of its own.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings

log = logging.getLogger("tuopin.org.sms")
TIMEOUT = 10


class SmsUnavailable(Exception):
    """The text could not be sent; the message says why, in Chinese."""


def configured() -> bool:
    return bool(settings.SMS_WEBHOOK_URL)


def send(phone: str, text: str) -> None:
    url = settings.SMS_WEBHOOK_URL
    if not url:
        raise SmsUnavailable("短信通道尚未配置，暂不能发送验证码：请拨打信访电话或到信访窗口反映")
    data = json.dumps({"phone": phone, "text": text}, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 (the configured intranet gateway)
        url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            if response.status >= 300:
                raise SmsUnavailable("短信发送失败，请稍后再试")
    except (urllib.error.URLError, OSError, ValueError) as error:
        log.warning("SMS gateway refused or unreachable: %s", error)
        raise SmsUnavailable("短信发送失败，请稍后再试") from None
