from __future__ import annotations

import contextlib
import signal
import subprocess
import sys

from django.core.management.base import BaseCommand

WORKER_STOP_SECONDS = 30  # the worker finishes its current pass; then it is killed
CTRL_C_GRACE_SECONDS = 5  # the worker saw the terminal's Ctrl+C itself: let it exit alone


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
        from waitress import serve

        from tuopin.wsgi import application

        # waitress stops on SystemExit; SIGTERM would otherwise kill the process before the
        # worker could be stopped. Which signal it was decides how the worker is stopped.
        stopped_by: list[int] = []

        def exit_on_signal(signum, frame) -> None:
            stopped_by.append(signum)
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, exit_on_signal)
        signal.signal(signal.SIGINT, exit_on_signal)
        worker = None
        if with_worker:
            worker = subprocess.Popen(  # noqa: S603 - our own command, no shell
                [
                    sys.executable,
                    "-m",
                    "tuopin",
                    "worker",
                    "--interval",
                    str(worker_interval),
                ]
            )
            self.stdout.write(f"后台任务已启动（进程 {worker.pid}，每 {worker_interval:g} 秒一轮）")
        self.stdout.write(f"tuopin 已启动：http://{host}:{port}/ （Ctrl+C 停止）")
        try:
            serve(application, host=host, port=port, threads=threads, ident="tuopin")
        finally:
            if worker is not None:
                self._stop(worker, interrupted=signal.SIGINT in stopped_by)
        self.stdout.write("tuopin 已停止")

    def _stop(self, worker: subprocess.Popen, *, interrupted: bool) -> None:
        """Stop the worker after its current pass and wait for it.

        Ctrl+C in a terminal reaches the worker too (same process group) and it is already
        stopping: give it a moment before SIGTERM, which would cut short its exit.
        """
        if interrupted:
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.wait(timeout=CTRL_C_GRACE_SECONDS)
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=WORKER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        self.stdout.write(f"后台任务已停止（退出码 {worker.returncode}）")
