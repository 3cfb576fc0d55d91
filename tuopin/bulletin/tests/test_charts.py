from __future__ import annotations

import io
import warnings

from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont

from tuopin.bulletin import charts
from tuopin.bulletin.compose import compose


def test_it_uses_the_vendored_cjk_font():
    assert charts.FONT_PATH.is_file()
    assert (charts.FONT_PATH.parent / "LICENSE-wqy-microhei.txt").is_file()
    assert findfont(charts.font()) == str(charts.FONT_PATH)
    assert charts.font().get_name() == "WenQuanYi Micro Hei"


def test_it_draws_chinese_labels_without_missing_glyphs(campaign):
    snapshot = compose(campaign, "2018-W29")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        drawn = charts.all_charts(snapshot)
    assert [str(w.message) for w in caught] == []
    assert sorted(drawn) == ["milestones", "timeliness", "towns"]
    for png in drawn.values():
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


def test_the_warning_check_would_catch_a_font_without_chinese():
    """Control: the same capture sees matplotlib's missing-glyph warning for a Latin font."""
    fig = Figure()
    fig.subplots().set_title("各镇排名", fontproperties=FontProperties(family="DejaVu Sans"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png")
    assert any("missing from font" in str(w.message) for w in caught)


def test_it_draws_only_what_a_snapshot_has():
    assert charts.available({"actions": [], "towns": [], "timeliness": {"history": []}}) == set()
    assert charts.draw({"towns": []}, "towns") is None
