"""The checklists the demo ships, in the plan's own words (actions 1, 9, 12 and 13 of the Long
County 2018 plan). HQ revises them on the 检查清单 page; each revision is a new version."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from tuopin.villages import actions
from tuopin.villages.actions import ItemSpec
from tuopin.villages.codes import ItemMode, Target
from tuopin.villages.metrics import CLEANING, CLINIC, DEMO_SITE, FUZHI, SANWU, SUPERMARKET
from tuopin.villages.models import ChecklistTemplate


def _score(text: str, top: int, mark: int, weight: int = 1, photo: bool = False) -> ItemSpec:
    return ItemSpec(
        text,
        ItemMode.SCORE,
        Decimal(top),
        Decimal(mark),
        evidence_required=photo,
        weight=Decimal(weight),
    )


def _check(text: str, photo: bool = False, weight: int = 1) -> ItemSpec:
    return ItemSpec(text, ItemMode.PASS_FAIL, evidence_required=photo, weight=Decimal(weight))


CHECKLISTS = [
    (
        SANWU,
        "三无一规范一眼净",
        Target.VILLAGE,
        [
            _check("村内及周边无垃圾堆放"),
            _check("村内无污水横流"),
            _check("村内无杂物挡道"),
            _check("日常生产生活用品堆放规范有序"),
            _check("主次干道两侧一眼看过去环境干净"),
        ],
    ),
    (
        CLEANING,
        "长效保洁机制",
        Target.VILLAGE,
        [
            _check("有村级保洁制度并上墙公示"),
            _check("保洁员落实到位、定岗定责"),
            _check("垃圾收集清运设施齐全"),
            _score("保洁工作制度化、规范化、常态化", 10, 6),
        ],
    ),
    (
        SUPERMARKET,
        "爱心超市规范管理",
        Target.VILLAGE,
        [
            _check("有固定场所和管理人员"),
            _check("积分评定办法经村民代表会议通过并公示"),
            _check("积分兑换台账完整、兑换记录公示"),
            _score("商品储备与正向激励作用发挥", 10, 6),
        ],
    ),
    (
        DEMO_SITE,
        "“基层党组织+”示范点验收",
        Target.VILLAGE,
        [
            _check("“基层党组织+”模式明确、有实施方案"),
            _check("党员能人、党员大户示范带动贫困户"),
            _score("带动产业发展和群众增收成效", 20, 12, weight=2),
            _check("有台账、有制度、有展示"),
        ],
    ),
    (
        FUZHI,
        "扶志扶智验收",
        Target.TOWN,
        [
            _check("“三评两榜一奖惩”活动落实"),
            _check("各村爱心超市规范运行"),
            _check("扶志夜校按计划开课"),
            _score("教育引导、村民自治、文明创建成效", 20, 12, weight=2),
        ],
    ),
    (
        CLINIC,
        "标准化卫生室",
        Target.CLINIC,
        [
            _check("业务用房达标（面积、分室设置）"),
            _check("按标准配齐医疗器械（设备清单）"),
            _check("常用药品配备齐全"),
            _check("配备取得资格的村医"),
            _check("正常运转、按时开诊"),
        ],
    ),
]


def ship(actor, *, check: bool = True, source: str = "web") -> list[ChecklistTemplate]:
    """Define the shipped checklists that do not exist yet (first version)."""
    made = []
    for key, name, target, items in CHECKLISTS:
        if ChecklistTemplate.objects.filter(key=key).exists():
            continue
        made.append(
            actions.define_template(
                actor,
                key=key,
                name=name,
                target=target,
                items=[dataclasses.replace(i) for i in items],
                check=check,
                source=source,
            )
        )
    return made
