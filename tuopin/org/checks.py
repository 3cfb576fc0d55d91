"""Deployment checks (`tuopin check --deploy`) for settings Django's own checks cannot judge."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def demo_secret_key(app_configs, **kwargs) -> list[Error]:
    # Django's own key check passes the demo key (long and varied), but it is public.
    if not settings.SECRET_KEY_IS_DEMO:
        return []
    return [
        Error(
            "未设置 TUOPIN_SECRET_KEY，正在使用源代码中公开的演示密钥",
            hint='部署前设置 TUOPIN_SECRET_KEY，例如 python -c "import secrets; '
            'print(secrets.token_urlsafe(50))" 生成的值',
            id="tuopin.E001",
        )
    ]
