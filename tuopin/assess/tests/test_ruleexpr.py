"""The rule language: parsing, errors with positions, three-valued interpretation, ages."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from tuopin.assess import rulesets
from tuopin.lib.ruleexpr import (
    Binary,
    Compare,
    ExpressionError,
    Literal,
    Name,
    Param,
    Scope,
    age_on,
    evaluate,
    latest_birth_date_for_age,
    parse,
)


def test_it_parses_precedence():
    assert parse("a + 2 * $b > 3 and not c") == Binary(
        "and",
        Compare(
            ">",
            Binary("+", Name("a"), Binary("*", Literal(Decimal(2)), Param("b"))),
            Literal(Decimal(3)),
        ),
        parse("not c"),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a >", "此处应为数值、名称或括号，实际为“表达式结尾”（第 4 个字符处）"),
        ("1 < 2 < 3", "比较不能连写"),
        ("foo(1)", "未知的函数“foo”"),
        ("count(1)", "第一个参数应为集合名称"),
        ("a $ b", "无法识别的字符“$”（第 3 个字符处）"),
        ("", "表达式为空"),
        ("age(birth_date)", "函数 age 需要 2 个参数，实际 1 个"),
    ],
)
def test_it_rejects_bad_expressions_with_a_position(text, message):
    with pytest.raises(ExpressionError) as raised:
        parse(text)
    assert message in str(raised.value)


def test_it_uses_three_valued_logic():
    scope = Scope({"a": None, "b": Decimal(1)}, {})
    assert evaluate(parse("a > 1"), scope) is None
    assert evaluate(parse("a > 1 or b == 1"), scope) is True
    assert evaluate(parse("a > 1 and b == 2"), scope) is False
    assert evaluate(parse("not (a > 1)"), scope) is None
    assert evaluate(parse("b / 0"), scope) is None
    assert evaluate(parse("if(a > 1, 1, 2)"), scope) == 2
    assert evaluate(parse("known(a)"), scope) is False
    assert evaluate(parse("a in [1, 2]"), scope) is None


def test_it_aggregates_members():
    members = [Scope({"x": Decimal(1)}, {}), Scope({"x": None}, {}), Scope({"x": Decimal(3)}, {})]
    scope = Scope({}, {}, {"members": members})
    assert evaluate(parse("count(members)"), scope) == 3
    assert evaluate(parse("count(members, x > 0)"), scope) == 2
    assert evaluate(parse("sum(members, x)"), scope) == 4
    assert evaluate(parse("all(members, x > 0)"), scope) is False  # unknown is not true
    assert evaluate(parse("any(members, x > 2)"), scope) is True


def test_it_turns_age_bounds_into_birth_date_cutoffs():
    for on in (dt.date(2018, 7, 20), dt.date(2016, 2, 29), dt.date(2019, 2, 28)):
        for years in (6, 15, 16):
            cutoff = latest_birth_date_for_age(years, on)
            assert age_on(cutoff, on) >= years
            assert age_on(cutoff + dt.timedelta(days=1), on) < years
    assert age_on(dt.date(2004, 2, 29), dt.date(2019, 2, 28)) == 14
    assert age_on(dt.date(2004, 2, 29), dt.date(2019, 3, 1)) == 15


def test_it_loads_the_shipped_rule_sets():
    rule_2018 = rulesets.load("shaanxi-2018")
    assert rule_2018.parameters["income_line"].default == Decimal(3200)
    assert rulesets.load("shaanxi-2017").parameters["income_line"].default == Decimal(3100)
    assert list(rule_2018.household_items) == ["income", "housing", "education", "medical", "water"]
    assert len(rule_2018.village_items) == len(rule_2018.county_items) == 7
    assert rulesets.for_area("610327", 2018).key == "shaanxi-2018"
    assert rulesets.for_area("610327", 2017).key == "shaanxi-2017"
    with pytest.raises(rulesets.RuleError, match="没有适用于区划 450000"):
        rulesets.for_area("450000", 2018)


def test_it_rejects_a_rule_file_with_an_unknown_name(tmp_path, monkeypatch):
    (tmp_path / "test-2018.toml").write_text(
        'key = "test-2018"\nprovince = "99"\nyear = 2018\nname = "测试"\n'
        "[household.items.income]\npass = \"head_id_number != ''\"\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(rulesets, "RULES_DIR", tmp_path)
    rulesets._load_cached.cache_clear()
    try:
        with pytest.raises(
            rulesets.RuleError,
            match=re.escape(
                "test-2018.toml [household.items.income]：户条件中未知的名称“head_id_number”"
            ),
        ):
            rulesets.load("test-2018")
    finally:
        rulesets._load_cached.cache_clear()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[household.definitions]\nrich = "wage_income > 0"\n', "定义 rich 缺少中文名称 label"),
        (
            '[household.items.income]\npass = "wage_income > 0"\nmet = "收入 {wage}"\n',
            "说明中的 {wage} 不是已知的名称",
        ),
    ],
)
def test_it_refuses_a_rule_file_that_would_show_an_internal_name(
    tmp_path, monkeypatch, extra, message
):
    head = 'key = "test-2018"\nprovince = "99"\nyear = 2018\nname = "测试"\n'
    item = '[household.items.income]\npass = "wage_income > 0"\n'
    body = extra if extra.startswith("[household.items") else extra + item
    (tmp_path / "test-2018.toml").write_text(head + body, encoding="utf-8")
    monkeypatch.setattr(rulesets, "RULES_DIR", tmp_path)
    rulesets._load_cached.cache_clear()
    try:
        with pytest.raises(rulesets.RuleError, match=re.escape(message)):
            rulesets.load("test-2018")
    finally:
        rulesets._load_cached.cache_clear()


def test_birth_date_bounds_say_exactly_what_the_age_comparison_says():
    import datetime as dt

    from tuopin.lib.ruleexpr import age_on, birth_date_bounds

    days = [dt.date(2000, 1, 1) + dt.timedelta(days=n) for n in range(0, 9000, 7)]
    days += [dt.date(2004, 2, 29), dt.date(2012, 2, 29), dt.date(2012, 3, 1)]
    compare = {
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
        "==": lambda a, b: a == b,
        "!=": lambda a, b: a != b,
    }
    for on in (dt.date(2018, 7, 20), dt.date(2016, 2, 29), dt.date(2018, 2, 28)):
        for years in (0, 6, 15):
            for op, test in compare.items():
                joiner, bounds = birth_date_bounds(op, years, on)
                for born in days:
                    parts = [born <= d if c == "<=" else born > d for c, d in bounds]
                    got = all(parts) if joiner == "and" else any(parts)
                    assert got == test(age_on(born, on), years), (op, years, on, born)
