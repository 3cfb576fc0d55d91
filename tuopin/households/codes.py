"""Code lists of the household files (帮扶档案)."""

from __future__ import annotations

from django.db import models


class MeasureKind(models.TextChoices):
    INDUSTRY = "industry", "产业"
    EMPLOYMENT = "employment", "就业"
    PUBLIC_JOB = "public_job", "公益性岗位"
    EDUCATION = "education", "教育资助"
    MEDICAL = "medical", "医疗救助"
    DIBAO = "dibao", "低保兜底"
    HOUSING = "housing", "危房改造"
    RELOCATION = "relocation", "易地搬迁"
    MICROCREDIT = "microcredit", "小额信贷"
    OTHER = "other", "其他"


# Measures that bring income (the plan's “至少2个增收项目”).
INCOME_KINDS = (
    MeasureKind.INDUSTRY,
    MeasureKind.EMPLOYMENT,
    MeasureKind.PUBLIC_JOB,
    MeasureKind.MICROCREDIT,
)


class BaseKind(models.TextChoices):
    BASE = "base", "产业基地"
    COOPERATIVE = "cooperative", "专业合作社"


class SevenItem(models.TextChoices):
    """七到户."""

    PUBLICITY = "publicity", "政策宣传到户"
    SURVEY = "survey", "民情调查到户"
    MENU = "menu", "脱贫菜单到户"
    PROJECT = "project", "产业项目到户"
    POLICY = "policy", "政策落实到户"
    DISPUTE = "dispute", "矛盾化解到户"
    DUTY = "duty", "帮扶责任到户"


class RenovationKind(models.TextChoices):
    DANGEROUS = "dangerous", "危房改造"
    ADOBE = "adobe", "土坯房拆改"


class WorksStatus(models.TextChoices):
    NOT_STARTED = "not_started", "未开工"
    BUILDING = "building", "在建"
    COMPLETED = "completed", "竣工"
    HABITABLE = "habitable", "达到入住条件"
    MOVED_IN = "moved_in", "已入住"


class Placement(models.TextChoices):
    CENTRAL = "central", "集中安置"
    SCATTERED = "scattered", "分散安置"


class Policy(models.TextChoices):
    """Policies a household may be entitled to (回头看)."""

    EDUCATION = "education", "教育资助"
    DIBAO = "dibao", "低保兜底"
    MEDICAL = "medical", "医疗救助"
    INSURANCE = "insurance", "新农合与大病保险"
    HOUSING = "housing", "危房改造"
    INDUSTRY = "industry", "产业扶持"


def labels(choices: type[models.TextChoices]) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}
