from __future__ import annotations

from django.core.management.base import BaseCommand

from tuopin.org.models import Role, User
from tuopin.synth.county import DEMO_PASSWORD
from tuopin.synth.demo import build_demo


class Command(BaseCommand):
    help = "加载演示数据（陇县、百日冲刺作战计划、周报历史、档案等）并打印演示账号；可重复运行。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, seed: int, **options) -> None:
        build = build_demo(seed=seed, log=self.stdout.write)
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser(
                "admin", password=DEMO_PASSWORD, role=Role.HQ_ADMIN, scope=build.county
            )
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        shown = {
            "hq",
            "leader",
            "viewer",
            "inspector",
            "jiaotong_reporter",
            "jiaotong_head",
            "chengguan_reporter",
            "chengguan_head",
            "chengguan_cadre",
            "dongfeng_cadre",
            "cun_cadre",
        }
        for username, role, what in build.logins:
            if username in shown:
                self.stdout.write(f"  {username:<20} {role:<10} {what}")
        self.stdout.write("  admin                后台管理（/admin/）")
        self.stdout.write(
            "  其余账号：每个责任单位有 <简称>_reporter 与 <简称>_head，每个镇有 <镇>_cadre。"
        )
