"""Benchmark: field work without signal — the offline bundle and syncing 50 queued forms.

Builds a throw-away SQLite database with the test county and a town of 12 villages (~9,000
households, like one of Long County's towns), then measures:

* the offline bundle of a town cadre and of a helper (帮扶责任人 with a login, 8 assigned
  households): the app shell (service worker, page script, CSS, htmx, icons), the field pages
  the bundle lists (as the phone caches them) and the scope data (villages, masked households,
  a helper's own households, the checklists), in bytes;
* syncing 50 queued case registrations, each with a compressed photo (~300 KB JPEG), in order
  through the exactly-once door (``X-Tuopin-Offline-Id``), against the baseline of the same 50
  forms posted plainly online (no exactly-once bookkeeping), measured in the same run;
* replaying the same 50 (a double sync): each answers the stored result and creates nothing.

Run: ``.venv/bin/python benchmarks/offline_sync.py [--items 50]``
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def photo_bytes() -> bytes:
    """A 1600×1200 JPEG at the phone's compression setting (what the queue stores)."""
    from PIL import Image

    noise = Image.effect_noise((1600, 1200), 24)
    image = Image.merge("RGB", (noise, noise.rotate(180), Image.new("L", (1600, 1200), 120)))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=72)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=50)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="tuopin-bench-offline-")
    os.environ["TUOPIN_VAR_DIR"] = workdir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuopin.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import Client

    from tuopin.cases.models import Case
    from tuopin.lib import clock
    from tuopin.offline.models import SyncedItem
    from tuopin.offline.views import SHELL_ASSETS
    from tuopin.org.models import OrgUnit
    from tuopin.org.testing import build_world
    from tuopin.synth.registry_gen import generate_households

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    now = "2018-07-20T10:00:00+08:00"
    with clock.frozen(now):
        world = build_world()
        villages = [world.cg_village, world.cg_village2]
        for number in range(3, 13):
            villages.append(
                OrgUnit.objects.create(
                    code=f"610327100{200 + number}",
                    name=f"测试{number}村",
                    level="village",
                    parent=world.chengguan,
                )
            )
        started = time.perf_counter()
        generate_households(villages, seed=7, mean_households_per_village=750)
        print(f"数据：12 个村，{time.perf_counter() - started:.0f} 秒生成")

    from tuopin.households.models import Assignment, Helper
    from tuopin.org.models import Role
    from tuopin.org.testing import _user
    from tuopin.registry.models import Household
    from tuopin.villages import shipped

    with clock.frozen(now):
        shipped.ship(world.hq)
        account = _user("helper1", Role.UNIT_REPORTER, unit=world.transport)
        helper = Helper.objects.create(name="王帮扶", unit="县交通局", user=account)
        homes = Household.objects.filter(
            village=world.cg_village, is_registered=True, is_active=True
        ).order_by("pk")
        for home in homes[:8]:
            Assignment.objects.create(household=home, helper=helper)

    shell = sum(Path(finders.find(name)).stat().st_size for name in SHELL_ASSETS)

    def measure(user, label: str) -> None:
        """What one user's phone stores when 下载离线数据 is pressed."""
        client = Client()
        client.force_login(user)
        worker = len(client.get("/sw.js").content)
        started = time.perf_counter()
        with clock.frozen(now):
            bundle_response = client.get("/offline/bundle.json")
        bundle_seconds = time.perf_counter() - started
        bundle = bundle_response.json()
        pages = 0
        with clock.frozen(now):
            for page in bundle["pages"]:
                pages += len(client.get(page["url"]).content)
        data = len(bundle_response.content)
        found = bundle["data"]
        households = len(found.get("households", [])) + len(found.get("helper_households", []))
        total = shell + worker + pages + data
        print(
            f"离线包（{label}，{households} 户，{len(found.get('checklists', []))} 张检查清单）："
        )
        print(f"  应用外壳 {shell / 1024:.0f} KB + 服务工作线程 {worker / 1024:.1f} KB")
        print(f"  页面 {len(bundle['pages'])} 个 {pages / 1024:.0f} KB")
        print(f"  辖区数据 {data / 1024:.0f} KB（服务器生成 {bundle_seconds * 1000:.0f} ms）")
        print(f"  合计 {total / 1024:.0f} KB（未压缩；经 gzip 传输更小）")

    # --- the offline bundles ------------------------------------------------------------
    measure(world.cadre, "镇干部")
    measure(account, "帮扶责任人")
    client = Client()
    client.force_login(world.cadre)

    # --- syncing N queued forms ---------------------------------------------------------
    picture = photo_bytes()
    print(f"每份表单附照片 {len(picture) / 1024:.0f} KB（手机压缩后）")

    def form(number: int, tag: str) -> dict:
        return {
            "kind": "discipline",
            "source": "visit",
            "org_unit": world.cg_village.pk,
            "title": f"{tag}入户走访发现问题{number}",
            "content": "反映低保评定不公",
            "attachment": SimpleUploadedFile(f"照片{number}.jpg", picture, "image/jpeg"),
        }

    def run(tag: str, offline: bool, ids: list[str] | None = None) -> float:
        started = time.perf_counter()
        with clock.frozen(now):
            for number in range(args.items):
                headers = {}
                if offline:
                    headers = {
                        "X-Tuopin-Offline-Id": ids[number],
                        "X-Tuopin-Client-Time": "2018-07-17T08:30:00Z",
                        "X-Tuopin-Location": "34.89312,106.8554,15",
                    }
                response = client.post("/cases/new/", form(number, tag), headers=headers)
                expected = 200 if offline else 302
                assert response.status_code == expected, response.content[:300]
        return time.perf_counter() - started

    before = Case.objects.count()
    baseline = run("在线", offline=False)
    ids = [str(uuid.uuid4()) for _ in range(args.items)]
    synced = run("离线", offline=True, ids=ids)
    after_sync = Case.objects.count()
    replay = run("重放", offline=True, ids=ids)
    after_replay = Case.objects.count()
    assert after_sync - before == 2 * args.items and after_replay == after_sync
    assert SyncedItem.objects.count() == args.items
    print(
        f"基线：{args.items} 份在线直接提交 {baseline:.2f} 秒（{baseline / args.items * 1000:.0f} ms/份）"
    )
    print(
        f"同步：{args.items} 份离线队列按序同步 {synced:.2f} 秒（{synced / args.items * 1000:.0f} ms/份，"
        f"为基线的 {synced / baseline:.2f} 倍）"
    )
    print(
        f"重放：同样 {args.items} 份再同步一次 {replay:.2f} 秒，新建 {after_replay - after_sync} 件"
        f"（{replay / args.items * 1000:.0f} ms/份）"
    )
    print("（服务器端耗时；一格信号下的传输时间取决于上行带宽：每份约照片大小。）")


if __name__ == "__main__":
    main()
