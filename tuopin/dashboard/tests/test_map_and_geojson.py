from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from tuopin.dashboard.models import Boundary
from tuopin.org.models import AuditEvent

pytestmark = pytest.mark.django_db


def square(x: float, y: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]],
    }


def collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def feature(code, geometry=None, **properties) -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, **properties},
        "geometry": geometry or square(106.8, 34.9),
    }


@pytest.fixture
def located(world):
    for number, village in enumerate(
        [world.cg_village, world.cg_village2, world.df_village], start=1
    ):
        village.longitude = Decimal("106.8") + Decimal(number) / 100
        village.latitude = Decimal("34.9")
        village.save(update_fields=["longitude", "latitude"])
    return world


def test_it_plots_the_villages_with_coordinates(located, login):
    response = login(located.hq).get(reverse("dashboard:map"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-points="3"' in html
    assert "缺少经纬度、未在图上显示的村（1）：杨家庄村" in html
    points = json.loads(
        html.split('<script id="map-points" type="application/json">')[1].split("</script>")[0]
    )
    assert {p["code"]: p["value"][2] for p in points} == {
        "610327100201": 1.0,
        "610327100202": 0.0,
        "610327101201": 1.0,
    }


def test_it_colours_the_map_by_households(located, households, login):
    html = (
        login(located.hq).get(reverse("dashboard:map"), {"metric": "households"}).content.decode()
    )
    points = json.loads(
        html.split('<script id="map-points" type="application/json">')[1].split("</script>")[0]
    )
    assert {p["code"]: p["value"][2] for p in points} == {
        "610327100201": 2.0,
        "610327100202": 1.0,
        "610327101201": 1.0,
    }


def test_it_ignores_a_bad_metric_with_a_notice(located, login):
    response = login(located.hq).get(reverse("dashboard:map"), {"metric": "nope", "week": "x"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "参数 metric=nope 无效，已忽略" in html
    assert "参数 week=x 无效，已忽略" in html
    assert 'data-metric="poor_village"' in html


def test_it_scopes_the_map_to_a_town_cadre(located, login):
    html = login(located.cadre).get(reverse("dashboard:map")).content.decode()
    assert 'data-points="2"' in html
    assert "东风村" not in html


def test_it_says_no_data_when_no_village_has_coordinates(world, login):
    html = login(world.hq).get(reverse("dashboard:map")).content.decode()
    assert "无数据：辖区内的村都还没有经纬度" in html


def test_it_imports_boundaries_from_the_command_line(world, tmp_path):
    path = tmp_path / "longxian.geojson"
    path.write_bytes(
        collection(
            feature(world.cg_village.code, name="东关村"), feature(int(world.chengguan.code))
        )
    )
    call_command("dashboard_import_geojson", str(path))
    assert sorted(Boundary.objects.values_list("code", "name")) == [
        (world.chengguan.code, ""),
        (world.cg_village.code, "东关村"),
    ]
    assert AuditEvent.objects.filter(action="导入边界").count() == 2
    call_command("dashboard_import_geojson", str(path))
    assert Boundary.objects.count() == 2


def test_it_refuses_a_file_with_any_bad_feature_and_writes_nothing(world, tmp_path):
    path = tmp_path / "bad.geojson"
    path.write_bytes(
        collection(
            feature(world.cg_village.code),
            feature("610327999201"),
            feature(world.df_village.code, {"type": "Point", "coordinates": [1, 2]}),
            {"type": "Feature", "properties": {}, "geometry": square(1, 1)},
        )
    )
    with pytest.raises(CommandError) as error:
        call_command("dashboard_import_geojson", str(path))
    message = str(error.value)
    assert "第 2 个要素（代码 610327999201）在组织机构中不存在" in message
    assert "第 3 个要素（代码 610327101201）的几何类型为 Point" in message
    assert "第 4 个要素缺少区划代码" in message
    assert Boundary.objects.count() == 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"{not json", "不是有效的 JSON（第 1 行第 2 列"),
        (b'{"type": "Feature"}', "顶层必须是 GeoJSON FeatureCollection"),
        (b'{"type": "FeatureCollection", "features": []}', "没有要素"),
        ("\u6587".encode("gbk"), "不是 UTF-8 编码"),
    ],
)
def test_it_explains_a_broken_file(world, tmp_path, raw, expected):
    path = tmp_path / "x.geojson"
    path.write_bytes(raw)
    with pytest.raises(CommandError, match=expected):
        call_command("dashboard_import_geojson", str(path))


def test_it_says_when_the_file_is_missing(world):
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("dashboard_import_geojson", "/nonexistent.geojson")


def test_it_imports_boundaries_uploaded_by_hq_and_draws_them(located, login):
    client = login(located.hq)
    upload = SimpleUploadedFile("b.geojson", collection(feature(located.cg_village.code)))
    response = client.post(reverse("dashboard:import_boundaries"), {"file": upload})
    assert response.status_code == 200
    assert "导入完成：新增 1，更新 0" in response.content.decode()
    html = client.get(reverse("dashboard:map")).content.decode()
    assert "已导入 1 个区划边界" in html
    boundaries = json.loads(
        html.split('<script id="map-boundaries" type="application/json">')[1].split("</script>")[0]
    )
    assert boundaries["features"][0]["properties"]["name"] == located.cg_village.code


def test_it_shows_upload_errors_without_importing(located, login):
    upload = SimpleUploadedFile("b.geojson", b"[]")
    response = login(located.hq).post(reverse("dashboard:import_boundaries"), {"file": upload})
    assert response.status_code == 400
    assert "顶层必须是 GeoJSON FeatureCollection" in response.content.decode()
    assert login(located.hq).post(reverse("dashboard:import_boundaries")).status_code == 400
    assert Boundary.objects.count() == 0


@pytest.mark.parametrize("who", ["cadre", "viewer", "leader", "reporter"])
def test_it_lets_only_hq_import_boundaries(located, login, who):
    client = login(getattr(located, who))
    assert client.get(reverse("dashboard:import_boundaries")).status_code == 403
    upload = SimpleUploadedFile("b.geojson", collection(feature(located.cg_village.code)))
    assert client.post(reverse("dashboard:import_boundaries"), {"file": upload}).status_code == 403
    assert Boundary.objects.count() == 0


def test_it_hides_other_towns_boundaries(located, login):
    from tuopin.dashboard.actions import import_geojson

    import_geojson(
        collection(feature(located.cg_village.code), feature(located.df_village.code)),
        source_name="b",
    )
    html = login(located.cadre).get(reverse("dashboard:map")).content.decode()
    assert "已导入 1 个区划边界" in html
    assert located.df_village.code not in html
