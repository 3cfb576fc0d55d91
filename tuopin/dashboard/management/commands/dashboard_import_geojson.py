from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tuopin.dashboard.actions import GeoJSONRefused, import_geojson


class Command(BaseCommand):
    help = "导入区划边界 GeoJSON（FeatureCollection，要素 properties 含 code 或 区划代码），用于指挥大屏地图"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")

    def handle(self, *args, file: str, **options) -> None:
        path = Path(file)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise CommandError(f"文件不存在：{file}") from None
        except OSError as error:
            raise CommandError(f"无法读取文件 {file}：{error.strerror}") from None
        try:
            summary = import_geojson(raw, source_name=path.name, source="cli")
        except GeoJSONRefused as refused:
            raise CommandError("导入未执行，发现以下错误：\n" + "\n".join(refused.errors)) from None
        self.stdout.write(f"导入完成：新增边界 {summary.added}，更新 {summary.replaced}")
