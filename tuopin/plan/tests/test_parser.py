from __future__ import annotations

import io
import json

import docx
import pytest

from tuopin.lib import cn_dates, planparse
from tuopin.plan.tests.conftest import FIXTURES

SEED_ACTIONS = [
    (1, "党建引领专项行动", ["葛管社"], ["县委办", "县委组织部", "各镇"]),
    (2, "领导力量强化专项行动", ["葛管社"], ["县委办", "县人大办", "县政府办", "县政协办"]),
    (3, "“四支队伍”管理专项行动", ["李维芳"], ["县委组织部", "各镇"]),
    (4, "就业创业扩面提效专项行动", ["刘方斌"], ["县人社局", "各镇"]),
    (5, "“三率一度”巩固专项行动", ["刘方斌"], ["县脱贫办", "各镇"]),
    (6, "推进基础设施和公共服务提升专项行动", ["刘方斌"], ["县发改局", "各镇"]),
    (7, "扶贫政策落实专项行动", ["刘方斌"], ["“八办七组”成员单位", "各镇"]),
    (8, "精准到户工作专项行动", ["刘方斌"], ["各镇"]),
    (9, "推进扶志扶智教育专项行动", ["赵宏周"], ["县委宣传部", "各镇"]),
    (10, "纪律督查专项行动", ["张宝林"], ["县纪委", "监委", "各镇"]),
    (11, "社会治理专项行动", ["唐军科"], ["县委政法委", "县信访局", "各镇"]),
    (12, "改善村容户貌专项行动", ["赵强"], ["县卫计局", "各镇"]),
    (13, "实施健康扶贫专项行动", ["赵强"], ["县卫计局", "各镇"]),
    (14, "增加农民收入专项行动", ["李彩芳"], ["县农业局", "各镇"]),
    (15, "移民搬迁提速专项行动", ["田华锋"], ["县国土局", "各镇"]),
    (16, "危房改造提质专项行动", ["田华锋"], ["县住建局", "各镇"]),
    (17, "加快农村安全饮水提升专项行动", ["李彩芳"], ["县水利局", "县卫计局", "各镇"]),
    (18, "加快农村电网升级专项行动", ["田华锋"], ["县电力局", "各镇"]),
    (19, "村组道路畅通专项行动", ["分管交通运输副县长"], ["县交通局", "各镇"]),
]

END = "T23:59:59+08:00"
# (action, deadline, target as (value, unit, comparator, per) or None, start of the clause)
SEED_MILESTONES = [
    (1, "2018-07-31", (1, "个", "at_least", "town"), "7月底前,每镇至少建立1个"),
    (1, "2018-09-30", (5, "个", "more_than", "total"), "9月底前,全县建成5个以上"),
    (3, "2018-06-30", None, "6月底前,完成“四支队伍”干部轮训工作"),
    (3, "2018-07-31", None, "7月底前,评选出一批"),
    (7, "2018-07-31", None, "严格对照省市行业部门具体要求,7月底前"),
    (9, "2018-07-31", None, "7月底前,对各镇扶志扶智工作进行一次验收"),
    (13, "2018-08-31", (35, "个", "equal", "total"), "8月底前完成35个标准化卫生室建设"),
    (
        14,
        "2018-09-30",
        (2, "个", "more_than", "household"),
        "9月底前,2018年计划脱贫退出户均有2个以上",
    ),
    (14, "2018-09-30", (80, "%", "more_than", "total"), "促进“双百”产业基地提质增效"),
    (15, "2018-09-30", (100, "%", "all", "total"), "9月底前,全县所有易地扶贫搬迁房建工程全部竣工"),
    (16, "2018-08-31", (100, "%", "all", "total"), "建立全县农村居民安全住房鉴定数据库,8月底前"),
    (16, "2018-06-30", None, "加快改造进度,6月底前完成2018年全县农户危房改造"),
    (16, "2018-08-31", None, "8月底前达到入住条件"),
    (16, "2018-09-30", (100, "%", "all", "total"), "9月底前全部入住,补助资金兑付到位"),
    (18, "2018-09-30", (100, "%", "equal", "total"), "加快实施农村电网升级改造工程,9月底以前"),
    (18, "2018-09-30", None, "9月底前,完成电力指标认定"),
    (19, "2018-09-30", (100, "%", "all", "total"), "抓好“最后一公里”扫尾工作"),
]


def _target(target):
    if target is None:
        return None
    return (target["value"], target["unit"], target["comparator"], target["per"])


def test_it_parses_the_seed_header_phases_and_reporting(seed_text):
    plan = planparse.parse(seed_text)
    assert plan["title"] == "陇县脱贫“摘帽”百日冲刺工作方案"
    assert plan["issuer"] == "陇县脱贫攻坚领导小组办公室"
    assert plan["issued_on"] == "2018-06-11"
    assert [(p["name"], p["start"], p["end"]) for p in plan["phases"]] == [
        ("决战决胜阶段", "2018-05-01", "2018-08-31"),
        ("任务清零阶段", "2018-09-01", "2018-09-30"),
    ]
    reporting = plan["reporting"]
    assert (reporting["weekday"], reporting["time"], reporting["sign_off"]) == (5, "12:00", True)
    assert reporting["line"] == 70
    assert plan["warnings"] == []
    assert [s["title"] for s in plan["other_sections"]] == ["保障措施"]


def test_it_parses_the_seed_goals(seed_text):
    goals = planparse.parse(seed_text)["goals"]
    assert [(g["value"], g["unit"]) for g in goals] == [
        (None, ""),
        (18000, "人"),
        (62, "村"),
        (7, "项"),
        (7, "项"),
    ]
    assert goals[0]["deadline"] == "2018-08-31" + END
    assert goals[1]["text"] == "1.8万名贫困人口“两不愁、三保障”问题全部解决"


def test_it_parses_exactly_the_19_seed_actions_with_leaders_and_units(seed_text):
    actions = planparse.parse(seed_text)["actions"]
    assert [(a["number"], a["title"], a["leaders"], a["units"]) for a in actions] == SEED_ACTIONS
    assert actions[11]["leaders_text"] == "赵 强"
    assert actions[6]["units_text"] == "“八办七组”成员单位、各镇"
    assert actions[0]["line"] == 6
    assert actions[0]["label"] == "(一)"
    assert actions[0]["section"] == "开展十九个专项行动"


def test_it_keeps_the_continued_line_of_action_12(seed_text):
    action = planparse.parse(seed_text)["actions"][11]
    assert action["text"].startswith("以改善村容户貌为重点,全面开展以治理垃圾和污水为重点内容")
    assert action["text"].endswith("充分展示群众良好精神风貌。")
    assert "责任领导" not in action["text"]


def test_it_parses_every_dated_seed_milestone_with_its_target(seed_text):
    actions = planparse.parse(seed_text)["actions"]
    found = [
        (a["number"], m["deadline"], _target(m["target"]), m["text"])
        for a in actions
        for m in a["milestones"]
    ]
    assert len(found) == len(SEED_MILESTONES) == 17
    for (number, deadline, target, text), expected in zip(found, SEED_MILESTONES, strict=True):
        assert (number, deadline, target) == (expected[0], expected[1] + END, expected[2])
        assert text.startswith(expected[3])


def test_it_marks_each_extraction_on_its_source_line(seed_text):
    plan = planparse.parse(seed_text)
    lines = seed_text.split("\n")
    marked = {(lines[m["line"] - 1][m["start"] : m["end"]], m["kind"]) for m in plan["marks"]}
    assert ("7月底前", "deadline") in marked
    assert ("1.8万名", "goal") in marked
    assert ("责任领导:赵 强", "leader") in marked
    assert ("每周五中午12时前", "reporting") in marked
    assert ("5月—8月", "phase") in marked
    assert ("至少建立1个", "target") not in marked  # the target mark is the number itself
    assert ("1个", "target") in marked


def test_it_parses_the_seed_in_well_under_a_second(seed_text):
    import time

    started = time.perf_counter()
    planparse.parse(seed_text)
    assert time.perf_counter() - started < 0.5


def test_it_parses_a_plan_with_inline_responsibility_and_full_width_headings():
    plan = planparse.parse((FIXTURES / "qianyang_2019.txt").read_text(encoding="utf-8"))
    assert (plan["issuer"], plan["issued_on"]) == ("千阳县脱贫攻坚领导小组", "2019-04-15")
    assert [(a["title"], a["group"], a["leaders"], a["units"]) for a in plan["actions"]] == [
        ("发展特色产业", "产业增收", ["王刚"], ["县农业局", "县财政局", "各镇"]),
        ("壮大集体经济", "产业增收", ["分管农业副县长"], ["县农业局", "各镇"]),
        ("危房改造", "住房安全", ["李明"], ["县住建局", "各镇"]),
    ]
    milestones = [
        (a["number"], m["deadline"][:10], _target(m["target"]))
        for a in plan["actions"]
        for m in a["milestones"]
    ]
    assert milestones == [
        (1, "2019-06-20", (1, "个", "at_least", "village")),
        (2, "2019-09-30", (50000, "元", "more_than", "village")),
        (3, "2019-06-30", (200, "户", "equal", "total")),
        (3, "2019-05-20", (100, "%", "all", "total")),
        (3, "2019-12-31", (100, "%", "equal", "total")),
    ]
    assert [(p["name"], p["start"], p["end"]) for p in plan["phases"]] == [
        ("动员部署阶段", "2019-04-01", "2019-04-30"),
        ("集中攻坚阶段", "2019-05-01", "2019-10-31"),
        ("总结验收阶段", "2019-11-01", "2019-12-31"),
    ]
    assert [(g["value"], g["unit"], g["deadline"][:10]) for g in plan["goals"]] == [
        (3200, "户", "2019-12-31"),
        (28, "村", "2019-12-31"),
    ]
    assert plan["reporting"] == {
        "weekday": 1,
        "time": "17:00",
        "sign_off": False,
        "text": "各责任单位于每周一下午5时前将进展情况报县脱贫办",
        "line": 18,
    }
    assert plan["warnings"] == []


def test_it_parses_a_plan_with_numbered_actions_and_own_line_labels():
    plan = planparse.parse((FIXTURES / "fengxiang_2018.txt").read_text(encoding="utf-8"))
    assert [(a["label"], a["leaders"], a["units"]) for a in plan["actions"]] == [
        ("1.", ["陈静"], ["县住建局", "县财政局", "各镇"]),
        ("2.", ["赵志远"], ["县水利局", "县环保局"]),
        ("3.", ["分管农业农村工作副县长"], ["县农业局", "各镇"]),
    ]
    assert [r["label"] for r in plan["actions"][0]["responsibility"]] == [
        "牵头领导",
        "牵头单位",
        "配合单位",
    ]
    milestones = [
        (m["deadline"][:10], m["start"], _target(m["target"]))
        for a in plan["actions"]
        for m in a["milestones"]
    ]
    assert milestones == [
        ("2018-09-30", None, (1, "个", "equal", "town")),
        ("2018-09-30", "2018-07-01", (12, "个", "equal", "total")),
        ("2018-10-31", None, None),
        ("2018-11-15", None, (1, "座", "equal", "household")),
    ]
    assert plan["goals"][0]["value"] == 90 and plan["goals"][0]["deadline"][:10] == "2018-12-31"
    assert plan["reporting"]["weekday"] == 4 and plan["reporting"]["time"] == "10:00"
    assert plan["warnings"] == [
        {"line": None, "message": "未找到阶段安排（如“三、阶段安排”下的“（一）…阶段（5月—8月）”）"}
    ]


def test_it_parses_a_plan_with_leaders_on_group_headings_and_deadline_labels():
    plan = planparse.parse((FIXTURES / "fengxian_2018.txt").read_text(encoding="utf-8"))
    assert (plan["issuer"], plan["issued_on"]) == ("凤县脱贫攻坚指挥部", "2018-05-28")
    assert [(a["title"], a["leaders"], a["units"]) for a in plan["actions"]] == [
        ("基础设施补短板行动", ["张伟", "李娜"], ["县交通局", "县水利局", "各镇"]),
        ("产业到户行动", ["王强"], ["县农业局", "各镇"]),
    ]
    milestones = [
        (a["number"], m["deadline"][:10], m["text"], _target(m["target"]))
        for a in plan["actions"]
        for m in a["milestones"]
    ]
    assert milestones == [
        (1, "2018-08-15", "8月15日前完成20公里通组道路硬化", (20, "公里", "equal", "total")),
        (1, "2018-09-20", "安全饮水（完成时限：2018年9月中旬）", None),
        (
            2,
            "2018-10-31",
            "①每户至少落实1项增收产业，10月底以前全面完成",
            (1, "项", "at_least", "household"),
        ),
        (2, "2018-12-31", "②第四季度开展产业效益评估", None),
    ]
    assert "完成时限：8月15日前" in plan["actions"][0]["text"]
    assert [(g["value"], g["unit"], g["deadline"][:10]) for g in plan["goals"]] == [
        (1200, "户", "2018-09-30"),
        (3, "%", "2018-09-30"),
    ]
    assert [(p["name"], p["start"], p["end"]) for p in plan["phases"]] == [
        ("动员部署", "2018-06-01", "2018-06-10"),
        ("集中攻坚", "2018-06-11", "2018-09-30"),
        ("总结评估", "2018-10-01", "2018-10-31"),
    ]
    assert (
        plan["reporting"]["weekday"],
        plan["reporting"]["time"],
        plan["reporting"]["sign_off"],
    ) == (
        5,
        "16:00",
        True,
    )
    assert plan["warnings"] == []


def test_it_warns_about_text_it_cannot_place():
    text = (
        "某县工作方案\n一、重点任务\n6月底前各单位上报名单。\n"
        "（一）道路行动。9月前完成硬化；近期召开推进会。\n责任单位：县交通局\n"
        "二、保障措施\n7月底前开展督查。\n某县政府办 2018年5月2日印发\n多余的一行"
    )
    plan = planparse.parse(text)
    assert plan["actions"][0]["milestones"][0]["deadline"][:10] == "2018-08-31"
    assert [(w["line"], w["message"][:12]) for w in plan["warnings"]] == [
        (None, "未找到周报制度（如“每周"),
        (None, "未找到阶段安排（如“三、"),
        (3, "未归入任何专项行动的内容"),
        (4, "“近期”像是时间要求，但"),
        (4, "行动（一）“道路行动”未"),
        (7, "“7月底前”是时间节点，"),
        (9, "印发日期之后的内容未处理"),
    ]


@pytest.mark.parametrize(
    ("phrase", "first", "last"),
    [
        ("7月底前", None, "2018-07-31"),
        ("9月底以前", None, "2018-09-30"),
        ("6月30日前", None, "2018-06-30"),
        ("9月中旬", None, "2018-09-20"),
        ("10月上旬前", None, "2018-10-10"),
        ("11月下旬", None, "2018-11-30"),
        ("年底前", None, "2018-12-31"),
        ("第三季度", "2018-07-01", "2018-09-30"),
        ("5月—8月", "2018-05-01", "2018-08-31"),
        ("5月至10月", "2018-05-01", "2018-10-31"),
        ("2019年2月底前", None, "2019-02-28"),
        ("六月底前", None, "2018-06-30"),
        ("上半年", "2018-01-01", "2018-06-30"),
    ],
)
def test_it_resolves_chinese_date_phrases(phrase, first, last):
    found = cn_dates.find(f"确保{phrase}完成", 2018)
    assert len(found) == 1
    assert found[0].phrase == phrase
    assert (
        found[0].first_day and found[0].first_day.isoformat(),
        found[0].last_day.isoformat(),
    ) == (
        first,
        last,
    )


@pytest.mark.parametrize(
    ("phrase", "reason"),
    [
        ("13月底前", "中的月份 13 不存在"),
        ("2月30日前", "中的日期 2月30日 不存在"),
        ("9月—5月", "的结束月份早于开始月份"),
    ],
)
def test_it_refuses_phrases_that_name_no_day(phrase, reason):
    with pytest.raises(cn_dates.UndatableError) as error:
        cn_dates.find(f"确保{phrase}完成", 2018)
    assert str(error.value) == f"“{phrase}”{reason}"


def test_it_does_not_take_counts_of_years_for_dates():
    assert cn_dates.find("三年内完成，2018年计划脱贫", 2018) == []


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("每镇至少建立1个示范点", (1, "个", "at_least", "town")),
        ("全县建成5个以上示范点", (5, "个", "more_than", "total")),
        ("完成35个标准化卫生室建设", (35, "个", "equal", "total")),
        ("比例达到100%", (100, "%", "equal", "total")),
        ("将全县80%以上的贫困户纳入", (80, "%", "more_than", "total")),
        ("户均有2个以上增收产业项目", (2, "个", "more_than", "household")),
        ("1.8万名贫困人口脱贫", (18000, "名", "equal", "total")),
        ("2016、2017已脱贫户", None),
        ("所有农户全部入住", (100, "%", "all", "total")),
    ],
)
def test_it_reads_numeric_targets(clause, expected):
    assert _target(planparse.find_target(clause)[0]) == expected


def test_it_refuses_an_empty_file():
    with pytest.raises(planparse.ParseError, match="文件为空"):
        planparse.parse_document("plan.txt", b"  \n\n ")


def test_it_refuses_a_document_without_structure():
    with pytest.raises(planparse.ParseError, match="未识别到方案结构"):
        planparse.parse((FIXTURES / "no_structure.txt").read_text(encoding="utf-8"))


def test_it_refuses_a_docx_that_is_not_a_docx():
    with pytest.raises(planparse.ParseError, match="内容不是 Word"):
        planparse.parse_document("plan.docx", b"this is plain text pretending")


def test_it_refuses_an_undatable_deadline_naming_the_line():
    with pytest.raises(planparse.ParseError) as error:
        planparse.parse((FIXTURES / "undatable.txt").read_text(encoding="utf-8"))
    assert str(error.value).startswith(
        "第3行的时间节点无法换算为日期：“13月底前”中的月份 13 不存在"
    )


def test_it_refuses_deadlines_when_no_year_is_known_unless_given():
    text = (FIXTURES / "no_year.txt").read_text(encoding="utf-8")
    with pytest.raises(planparse.ParseError, match="没有年份"):
        planparse.parse(text)
    assert (
        planparse.parse(text, year=2020)["actions"][0]["milestones"][0]["deadline"][:10]
        == "2020-09-30"
    )


def test_it_reads_a_docx_and_a_gb18030_text(seed_text):
    document = docx.Document()
    for line in seed_text.split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    from_docx = planparse.parse_document("方案.docx", buffer.getvalue())
    from_gbk = planparse.parse_document("方案.txt", seed_text.encode("gb18030"))
    assert len(from_docx["actions"]) == len(from_gbk["actions"]) == 19
    assert from_docx["actions"] == planparse.parse(seed_text)["actions"]


def test_it_refuses_other_file_types():
    with pytest.raises(planparse.ParseError, match=r"不支持的文件类型“\.pdf”"):
        planparse.parse_document("plan.pdf", b"%PDF")


def test_its_output_is_json_serialisable(seed_text):
    plan = planparse.parse(seed_text)
    assert json.loads(json.dumps(plan, ensure_ascii=False)) == plan


def test_it_reads_a_task_table_in_a_docx():
    document = docx.Document()
    document.add_paragraph("麟游县2018年脱贫攻坚重点任务分解方案")
    document.add_paragraph("一、重点任务")
    table = document.add_table(rows=3, cols=4)
    for row, cells in zip(
        table.rows,
        [
            ("工作任务", "责任领导", "责任单位", "完成时限"),
            ("完成15个村卫生室标准化建设", "刘 洋", "县卫计局、各镇", "8月底前"),
            ("全县所有农户通电", "分管副县长", "县电力局", "第三季度"),
        ],
        strict=True,
    ):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.add_paragraph("麟游县脱贫攻坚领导小组 2018年4月2日印发")
    buffer = io.BytesIO()
    document.save(buffer)
    plan = planparse.parse_document("麟游.docx", buffer.getvalue())
    assert [(a["title"], a["leaders"], a["units"]) for a in plan["actions"]] == [
        ("完成15个村卫生室标准化建设", ["刘洋"], ["县卫计局", "各镇"]),
        ("全县所有农户通电", ["分管副县长"], ["县电力局"]),
    ]
    assert [
        (m["deadline"][:10], m["text"], _target(m["target"]))
        for a in plan["actions"]
        for m in a["milestones"]
    ] == [
        (
            "2018-08-31",
            "完成15个村卫生室标准化建设（完成时限：8月底前）",
            (15, "个", "equal", "total"),
        ),
        ("2018-09-30", "全县所有农户通电（完成时限：第三季度）", (100, "%", "all", "total")),
    ]
