from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEMO_KEY_ON_NETWORK = (
    "拒绝在 {host} 上启动：未设置环境变量 TUOPIN_SECRET_KEY，正在使用源代码中公开的演示密钥，"
    "网络上的任何人都能用它伪造登录会话。请先设置 TUOPIN_SECRET_KEY（至少 50 个随机字符，"
    '可用 python -c "import secrets; print(secrets.token_urlsafe(50))" 生成）再启动；'
    "只在本机试用时可改用 --host 127.0.0.1。"
)


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (0.0.0.0 and '' mean every interface)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name may resolve to any interface


class Command(BaseCommand):
    help = "Serve tuopin with waitress (a production WSGI server, static files by WhiteNoise)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host: str, port: int, threads: int, **options) -> None:
        if settings.SECRET_KEY_IS_DEMO and not is_loopback(host):
            raise CommandError(DEMO_KEY_ON_NETWORK.format(host=host))

        from waitress import serve

        from tuopin.wsgi import application

        self.stdout.write(f"tuopin 已启动：http://{host}:{port}/ （Ctrl+C 停止）")
        serve(application, host=host, port=port, threads=threads, ident="tuopin")
