from __future__ import annotations

import ipaddress
import signal
import subprocess
import sys

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


WORKER_STOP_SECONDS = 30  # the worker finishes its current pass; then it is killed


class Command(BaseCommand):
    help = (
        "Serve tuopin with waitress (a production WSGI server, static files by WhiteNoise); "
        "--with-worker also runs `tuopin worker` beside it and stops it with the server."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="同时启动后台任务进程（开关填报周期、提醒、催报补发、自动发布通报），随服务一起停止",
        )
        parser.add_argument(
            "--worker-interval", type=float, default=60.0, help="后台任务两轮之间的秒数"
        )

    def handle(
        self,
        *args,
        host: str,
        port: int,
        threads: int,
        with_worker: bool,
        worker_interval: float,
        **options,
    ) -> None:
        if settings.SECRET_KEY_IS_DEMO and not is_loopback(host):
            raise CommandError(DEMO_KEY_ON_NETWORK.format(host=host))

        from waitress import serve

        from tuopin.wsgi import application

        # waitress stops on SystemExit; SIGTERM or a closed terminal would otherwise end the
        # process before the worker could be stopped.
        for stop_signal in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(stop_signal, _exit_on_signal)
        worker = None
        try:
            if with_worker:
                worker = subprocess.Popen(  # noqa: S603 - our own command, no shell
                    [
                        sys.executable,
                        "-m",
                        "tuopin",
                        "worker",
                        "--interval",
                        str(worker_interval),
                    ],
                    # Its own session: Ctrl+C and group signals reach the server only, which
                    # stops the worker with exactly one SIGTERM (a second could cut its exit short).
                    start_new_session=True,
                )
                self.stdout.write(
                    f"后台任务已启动（进程 {worker.pid}，每 {worker_interval:g} 秒一轮）"
                )
            self.stdout.write(f"tuopin 已启动：http://{host}:{port}/ （Ctrl+C 停止）")
            serve(application, host=host, port=port, threads=threads, ident="tuopin")
        finally:
            if worker is not None:
                self._stop(worker)
        self.stdout.write("tuopin 已停止")

    def _stop(self, worker: subprocess.Popen) -> None:
        """Stop the worker after its current pass and wait for it (killed if it hangs)."""
        for stop_signal in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(stop_signal, signal.SIG_IGN)  # a second Ctrl+C must not orphan it
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=WORKER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        self.stdout.write(f"后台任务已停止（退出码 {worker.returncode}）")


def _exit_on_signal(signum, frame) -> None:
    raise SystemExit(0)
