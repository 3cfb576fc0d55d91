from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve tuopin with waitress (a production WSGI server, static files by WhiteNoise)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host: str, port: int, threads: int, **options) -> None:
        from waitress import serve

        from tuopin.wsgi import application

        self.stdout.write(f"tuopin 已启动：http://{host}:{port}/ （Ctrl+C 停止）")
        serve(application, host=host, port=port, threads=threads, ident="tuopin")
