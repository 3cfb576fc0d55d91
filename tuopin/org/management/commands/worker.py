from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand

from tuopin.org.management.commands.tick import run_once


class Command(BaseCommand):
    help = (
        "后台任务常驻进程：每隔一段时间运行一次全部任务；收到 SIGTERM/SIGINT 后完成当前一轮再退出。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=float, default=60.0, help="两轮之间的秒数")
        parser.add_argument("--rounds", type=int, default=0, help="运行指定轮数后退出（0 为不限）")

    def handle(self, *args, interval: float, rounds: int, **options) -> None:
        stop = threading.Event()

        def request_stop(signum, frame) -> None:
            self.stdout.write("收到停止信号，本轮结束后退出")
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        done = 0
        while not stop.is_set():
            run_once(self.stdout)
            done += 1
            if rounds and done >= rounds:
                break
            stop.wait(interval)
        self.stdout.write("worker 已停止")
