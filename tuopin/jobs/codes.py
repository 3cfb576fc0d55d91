"""Code lists of the employment and collective-economy ledgers."""

from __future__ import annotations

from django.db import models


class WorkPlace(models.TextChoices):
    LOCAL = "local", "乡镇内"
    COUNTY = "county", "县内乡外"
    PROVINCE = "province", "省内县外"
    OUTSIDE = "outside", "省外"


class Channel(models.TextChoices):
    COOPERATION = "cooperation", "劳务协作"
    FAIR = "fair", "招聘会"
    FACTORY = "factory", "社区工厂"
    WELFARE_POST = "welfare_post", "公益性岗位"
    SPECIAL_POST = "special_post", "特设公岗"
    SELF = "self", "自主创业"
    OTHER = "other", "其他"


class TrainingKind(models.TextChoices):
    SKILL = "skill", "技能培训"
    LIANGHOU = "lianghou", "两后生培训"
    STARTUP = "startup", "创业培训"
    FARMING = "farming", "实用技术培训"
    OTHER = "other", "其他"


class PostKind(models.TextChoices):
    WELFARE = "welfare", "公益性岗位"
    SPECIAL = "special", "特设公岗"


class CoopKind(models.TextChoices):
    SHAREHOLDING = "shareholding", "股份经济合作社"
    FARMERS = "farmers", "农民专业合作社"


class IncomeSource(models.TextChoices):
    OPERATING = "operating", "经营收入"
    CONTRACTING = "contracting", "发包及上交收入"
    INVESTMENT = "investment", "投资收益"
    SUBSIDY = "subsidy", "补助收入"
    OTHER = "other", "其他收入"


# A village whose operating income (these sources) is zero for a year is a 空壳村.
OPERATING_SOURCES = (IncomeSource.OPERATING, IncomeSource.CONTRACTING, IncomeSource.INVESTMENT)


def labels(choices: type[models.TextChoices]) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}
