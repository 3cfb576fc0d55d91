"""Checklist templates and inspections: versions, bad input, failed items becoming 整改 cases held
by the town with clocks, the re-inspection loop, and the checklist metrics."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from tuopin.cases import actions as case_actions
from tuopin.cases.models import Case, Kind, Stage, State
from tuopin.lib import clock
from tuopin.villages import actions, metrics, shipped
from tuopin.villages.actions import Answer, ItemSpec, Refused
from tuopin.villages.codes import ItemMode
from tuopin.villages.models import ChecklistInspection, ChecklistTemplate, ItemResult

NOW = "2018-07-20T10:00:00+08:00"
D = dt.date


@pytest.fixture(autouse=True)
def _frozen(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    with clock.frozen(NOW):
        yield


@pytest.fixture
def lists(world):
    shipped.ship(world.hq)
    return {t.key: t for t in ChecklistTemplate.objects.filter(is_current=True)}


def _answers(template, failed=(), scores=None):
    out = []
    for item in template.items.all():
        if item.mode == ItemMode.SCORE:
            out.append(Answer(item, score=(scores or {}).get(item.order, item.max_score)))
        else:
            out.append(Answer(item, passed=item.order not in failed, note="现场查看"))
    return out


def _inspect(world, template, place, failed=(), actor=None, day=None, **extra):
    return actions.record_inspection(
        actor or world.inspector,
        template,
        place,
        inspected_on=day or D(2018, 7, 18),
        inspectors="县督查组",
        answers=_answers(template, failed, extra.pop("scores", None)),
        **extra,
    )


def test_the_demo_ships_the_plans_checklists(lists):
    assert set(lists) == {"sanwu", "cleaning", "supermarket", "demo_site", "fuzhi", "clinic"}
    assert [i.text for i in lists["sanwu"].items.all()] == [
        "村内及周边无垃圾堆放",
        "村内无污水横流",
        "村内无杂物挡道",
        "日常生产生活用品堆放规范有序",
        "主次干道两侧一眼看过去环境干净",
    ]
    assert lists["fuzhi"].target == "town"
    assert len(lists["clinic"].items.all()) == 5


def test_failed_items_become_rectification_cases_held_by_the_town(world, lists):
    inspection = _inspect(world, lists["sanwu"], world.cg_village, failed=(1, 5))
    assert not inspection.passed and inspection.score == Decimal("60.0")
    cases = Case.objects.filter(kind=Kind.RECTIFICATION).order_by("pk")
    assert cases.count() == 2
    for case in cases:
        assert case.unit == world.chengguan_unit and case.state == State.ASSIGNED
        running = case.open_clock()
        assert running.stage == Stage.HANDLE and running.holder_unit == world.chengguan_unit
        assert case.due_at is not None
    assert "村内及周边无垃圾堆放" in cases[0].title
    assert set(inspection.results.exclude(case=None).values_list("item__order", flat=True)) == {
        1,
        5,
    }


def test_a_passing_reinspection_moves_the_village_and_closes_the_loop(world, lists):
    first = _inspect(world, lists["sanwu"], world.cg_village, failed=(2,))
    case = first.results.get(item__order=2).case
    on = D(2018, 7, 20)
    assert metrics._passing("sanwu", "village", "")("town", on, [world.chengguan.code]) == {
        world.chengguan.code: metrics.metrics.Value(Decimal(0))
    }
    # The town puts it right and reports; the re-inspection verifies the case.
    case_actions.start_case(world.town_head, case)
    case_actions.resolve_case(world.town_head, case, resolution="已清理")
    _inspect(world, lists["sanwu"], world.cg_village, day=D(2018, 7, 20))
    case.refresh_from_db()
    assert case.state == State.VERIFIED
    found = metrics._passing("sanwu", "village", "")("town", on, [world.chengguan.code])
    assert found[world.chengguan.code].value == 1
    # As of the day of the first check the village still failed.
    before = metrics._passing("sanwu", "village", "")("village", D(2018, 7, 19), None)
    assert before[world.cg_village.code].value == 0
    opened = metrics._open_rectifications("county", on, [world.county.code])
    assert opened[world.county.code].value == 0


def test_score_outside_its_range_is_refused_and_nothing_written(world, lists):
    with pytest.raises(Refused, match=r"超出范围（0–10\.0）"):
        _inspect(world, lists["cleaning"], world.cg_village, scores={4: Decimal("11")})
    assert not ChecklistInspection.objects.exists() and not Case.objects.exists()


def test_a_score_below_the_pass_mark_fails_the_item(world, lists):
    inspection = _inspect(world, lists["cleaning"], world.cg_village, scores={4: Decimal("5")})
    assert not inspection.passed
    assert inspection.score == Decimal("87.5")  # 3 + 0.5 of 4 equal weights
    assert inspection.results.get(item__order=4).case is not None


def test_a_check_outside_the_inspectors_scope_is_refused(world, lists):
    with pytest.raises(PermissionDenied):
        _inspect(world, lists["sanwu"], world.cg_village, actor=world.other_cadre)
    assert not ChecklistInspection.objects.exists()


def test_the_wrong_kind_of_place_is_refused(world, lists):
    with pytest.raises(Refused, match="检查对象应为镇"):
        _inspect(world, lists["fuzhi"], world.cg_village)


def test_versions_are_kept_and_results_keep_theirs(world, lists):
    old = lists["sanwu"]
    _inspect(world, old, world.cg_village)
    new = actions.define_template(
        world.hq,
        key="sanwu",
        name="三无一规范一眼净",
        target="village",
        items=[
            ItemSpec("无垃圾堆放"),
            ItemSpec("村容整洁", ItemMode.SCORE, Decimal(10), Decimal(8)),
        ],
    )
    assert new.version == 2 and new.is_current
    old.refresh_from_db()
    assert not old.is_current
    assert ChecklistInspection.objects.get().template == old
    assert actions.template_version("sanwu", 1) == old
    with pytest.raises(Refused, match="没有第7版"):
        actions.template_version("sanwu", 7)


@pytest.mark.parametrize(
    ("items", "reason"),
    [
        ([], "至少要有一个"),
        ([ItemSpec("村容", ItemMode.SCORE, None, None)], "满分应大于0"),
        ([ItemSpec("村容", ItemMode.SCORE, Decimal(10), Decimal(11))], "合格分应在"),
        ([ItemSpec("村容", weight=Decimal(0))], "权重"),
    ],
)
def test_bad_templates_are_refused(world, items, reason):
    with pytest.raises(Refused, match=reason):
        actions.define_template(world.hq, key="x", name="某清单", target="village", items=items)
    assert not ChecklistTemplate.objects.exists()


def test_only_hq_defines_checklists(world):
    with pytest.raises(PermissionDenied):
        actions.define_template(
            world.inspector, key="x", name="某清单", target="village", items=[ItemSpec("甲")]
        )


def test_town_milestones_demo_sites_and_county_models(world, lists):
    site = lists["demo_site"]
    _inspect(world, site, world.cg_village, actor=world.hq, county_model=True)
    _inspect(world, site, world.df_village, failed=(1,))
    _inspect(world, lists["fuzhi"], world.dongfeng)
    on = D(2018, 7, 31)
    towns = metrics._towns_with_site("county", on, [world.county.code])
    assert towns[world.county.code].value == 1
    per_town = metrics._towns_with_site("town", on, None)
    assert per_town[world.chengguan.code].value == 1 and per_town[world.dongfeng.code].value == 0
    sites = metrics._demo_sites("town", on, [world.chengguan.code, world.dongfeng.code])
    assert sites[world.chengguan.code].value == 1 and sites[world.dongfeng.code].value == 0
    models = metrics._county_models("county", on, [world.county.code])
    assert models[world.county.code].value == 1
    fuzhi = metrics._passing("fuzhi", "town", "")("county", on, [world.county.code])
    assert fuzhi[world.county.code].value == 1
    clinics = metrics._passing("clinic", "village", "")("county", on, [world.county.code])
    assert clinics[world.county.code].value == 0
    opened = metrics._open_rectifications("town", on, [world.dongfeng.code, world.chengguan.code])
    assert opened[world.dongfeng.code].value == 1 and opened[world.chengguan.code].value == 0


def _jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 140, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def _post(template, failed=(), version=None, photos=None):
    data = {
        "version": version or template.version,
        "inspected_on": "2018-07-19",
        "inspectors": "县督查组",
        "latitude": "34.893100",
        "longitude": "106.857200",
    }
    for item in template.items.all():
        data[f"i_{item.pk}"] = "0" if item.order in failed else "1"
        data[f"n_{item.pk}"] = ""
    data.update(photos or {})
    return data


def test_the_inspection_page_scores_and_opens_cases(world, lists, login):
    client = login(world.inspector)
    sanwu = lists["sanwu"]
    url = f"/villages/check/sanwu/{world.cg_village.code}/"
    assert client.get(url).status_code == 200
    first = sanwu.items.get(order=1)
    photo = SimpleUploadedFile("site.jpg", _jpeg(), content_type="image/jpeg")
    response = client.post(url, _post(sanwu, failed=(1, 3), photos={f"p_{first.pk}": photo}))
    assert response.status_code == 302, response.content.decode()
    inspection = ChecklistInspection.objects.get()
    assert inspection.latitude == Decimal("34.893100")
    result = inspection.results.get(item=first)
    assert result.photo and client.get(f"/villages/photo/{result.pk}/").status_code == 200
    page = client.get(response["Location"]).content.decode()
    assert "未通过" in page and page.count('class="rectification"') == 2


def test_a_photo_that_is_not_an_image_is_refused(world, lists, login):
    client = login(world.inspector)
    sanwu = lists["sanwu"]
    first = sanwu.items.get(order=1)
    fake = SimpleUploadedFile("site.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    url = f"/villages/check/sanwu/{world.cg_village.code}/"
    response = client.post(url, _post(sanwu, photos={f"p_{first.pk}": fake}))
    assert response.status_code == 400
    assert "site.jpg" in response.content.decode()
    assert not ChecklistInspection.objects.exists() and not ItemResult.objects.exists()


def test_a_result_for_a_version_that_does_not_exist_is_refused(world, lists, login):
    client = login(world.inspector)
    sanwu = lists["sanwu"]
    url = f"/villages/check/sanwu/{world.cg_village.code}/"
    response = client.post(url, _post(sanwu, version=9), follow=True)
    assert "没有第9版" in response.content.decode()
    assert not ChecklistInspection.objects.exists()


def test_another_towns_village_is_not_found(world, lists, login):
    client = login(world.other_cadre)
    url = f"/villages/check/sanwu/{world.cg_village.code}/"
    assert client.post(url, _post(lists["sanwu"])).status_code == 404
    assert not ChecklistInspection.objects.exists()
