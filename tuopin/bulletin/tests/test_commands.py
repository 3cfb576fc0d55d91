from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from docx import Document

from tuopin.bulletin.models import Bulletin, Status


def _run(name: str, *args: str) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def test_it_prints_the_composition_as_json(campaign):
    snapshot = json.loads(_run("bulletin_compose", "--week", "2018-W29", "--format", "json"))
    assert snapshot["week"] == "2018-W29"
    assert (snapshot["number"], snapshot["number_provisional"]) == (1, True)
    assert [a["number"] for a in snapshot["actions"]] == [1, 13, 19]
    assert set(snapshot["actions"][0]) >= {"number", "title", "status", "milestones"}
    assert snapshot["timeliness"]["on_time"] == ["县交通局", "县脱贫办", "城关镇"]
    assert snapshot["timeliness"]["late"] == [
        {"unit": "县卫计局", "signed_at": "2018-07-20T14:00:00+08:00"}
    ]
    assert snapshot["timeliness"]["missing"] == ["东风镇"]
    assert [(t["name"], t["rank"]) for t in snapshot["towns"]] == [("城关镇", 1), ("东风镇", 2)]
    assert len(snapshot["problems"]) == 2
    assert Bulletin.objects.count() == 0  # composing writes nothing


def test_it_prints_a_text_summary(campaign):
    text = _run("bulletin_compose", "--week", "2018-W29", "--format", "text")
    assert "（拟第1期）" in text
    assert "迟报（1）：县卫计局 2018-07-20T14:00:00+08:00" in text


def test_it_publishes_and_renders_the_document(campaign, tmp_path):
    output = _run("bulletin_publish", "--week", "2018-W29")
    bulletin = Bulletin.objects.get(status=Status.PUBLISHED)
    assert output.startswith("已发布第1期（2018-W29）")
    assert bulletin.content_hash in output
    target = tmp_path / "第1期.docx"
    assert "已写出第1期" in _run("bulletin_render", "--number", "1", "--docx", str(target))
    assert target.read_bytes() == bytes(bulletin.docx)
    assert Document(str(target)).paragraphs[1].text == "第1期"
    composed = json.loads(_run("bulletin_compose", "--week", "2018-W29"))
    assert (composed["number"], composed["number_provisional"]) == (1, False)


def test_it_reissues_from_the_command_line(campaign):
    _run("bulletin_publish", "--week", "2018-W29")
    output = _run("bulletin_publish", "--week", "2018-W29", "--reissue", "东风镇补报")
    assert output.startswith("已发布第1期（更正版1）")
    assert Bulletin.objects.get(version=2).correction_reason == "东风镇补报"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("bulletin_compose", "--week", "2018-30"), "格式不正确"),
        (("bulletin_compose", "--week", "2019-W10"), "已超出作战计划"),
        (("bulletin_publish", "--week", "2018-W60"), "不存在"),
        (("bulletin_render", "--number", "7", "--docx", "x.docx"), "没有已发布的第7期周通报"),
        (
            ("bulletin_compose", "--week", "2018-W29", "--campaign", "999"),
            "没有编号为 999 的作战计划",
        ),
        (("bulletin_publish", "--week", "2018-W29", "--reissue", "x"), "还没有已发布的周通报"),
    ],
)
def test_it_refuses_bad_input_in_chinese(campaign, args, message):
    with pytest.raises(CommandError, match=message):
        _run(*args)
    assert Bulletin.objects.count() == 0


def test_it_refuses_without_a_campaign(db):
    with pytest.raises(CommandError, match="还没有进行中的作战计划"):
        _run("bulletin_compose", "--week", "2018-W29")


def test_it_runs_as_a_two_word_tuopin_command(campaign, capsys):
    from tuopin.cli import main

    main(["bulletin", "compose", "--week", "2018-W29", "--format", "json"])
    assert json.loads(capsys.readouterr().out)["week"] == "2018-W29"
