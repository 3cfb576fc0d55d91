"""The project ledger's code lists (stored code → Chinese label)."""

from __future__ import annotations

from django.db import models


class ProjectKind(models.TextChoices):
    ROAD = "road", "道路"
    WATER = "water", "饮水"
    GRID = "grid", "电网"
    CLINIC = "clinic", "卫生室"
    HOUSING = "housing", "危房改造"
    RELOCATION = "relocation", "易地搬迁安置点"
    PUBLIC_SERVICE = "public", "村级公共服务"
    INDUSTRY = "industry", "产业"
    VILLAGE = "village", "生态雅村强基"
    OTHER = "other", "其他"


class FundSource(models.TextChoices):
    CENTRAL = "central", "中央财政"
    PROVINCE = "province", "省级财政"
    CITY = "city", "市级财政"
    COUNTY = "county", "县级财政"
    INTEGRATED = "integrated", "统筹整合涉农资金"
    SOCIAL = "social", "社会帮扶"
    OTHER = "other", "其他"


class Status(models.TextChoices):
    NOT_STARTED = "not_started", "未开工"
    BUILDING = "building", "在建"
    COMPLETED = "completed", "已完工"
    ACCEPTED = "accepted", "已验收"
    REIMBURSED = "reimbursed", "已报账"


def labels(choices: type[models.TextChoices]) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}
