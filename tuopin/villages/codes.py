"""Code lists of the village teams and village checks."""

from __future__ import annotations

from django.db import models


class Team(models.TextChoices):
    FIRST_SECRETARY = "first_secretary", "第一书记"
    WORK_TEAM = "work_team", "驻村工作队"
    HELPER = "helper", "帮扶干部"
    COMMITTEE = "committee", "村两委"


# 四支队伍 complete: at least this many members in post of each team.
REQUIRED = {
    Team.FIRST_SECRETARY: 1,
    Team.WORK_TEAM: 2,
    Team.HELPER: 1,
    Team.COMMITTEE: 3,
}
# Teams whose members may serve several villages at once (a 帮扶干部 helps households in several).
MULTI_VILLAGE = frozenset({Team.HELPER})


class CheckKind(models.TextChoices):
    ROUTINE = "routine", "常规督查"
    RANDOM = "random", "随机抽查"
    UNANNOUNCED = "unannounced", "暗访"


class Absence(models.TextChoices):
    LEAVE = "leave", "请假"
    DUTY = "duty", "公出"
    NONE = "none", "无故"


# Unexcused absences that open a 纪律问题 case, and the window they fall in.
ABSENCES_FOR_CASE = 2
ABSENCE_WINDOW_DAYS = 30


class TrainingKind(models.TextChoices):
    ROTATION = "rotation", "轮训"
    TOPIC = "topic", "专题"


class ItemMode(models.TextChoices):
    PASS_FAIL = "pass_fail", "合格/不合格"
    SCORE = "score", "评分"


class Target(models.TextChoices):
    VILLAGE = "village", "村"
    TOWN = "town", "镇"
    CLINIC = "clinic", "村卫生室"


def labels(choices: type[models.TextChoices]) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}
