"""Code lists of the 建档立卡 record, shipped as data: stored code → Chinese label.

The database stores the code (stable, short, what rules compare against); sheets, pages and
the API show the Chinese label. Import accepts either the label or the code.
"""

from __future__ import annotations

from django.db import models


class IdentificationStandard(models.TextChoices):
    NATIONAL = "1", "国家标准"
    PROVINCIAL = "2", "省定标准"
    MUNICIPAL = "3", "市定标准"


class PovertyAttribute(models.TextChoices):
    GENERAL = "01", "一般贫困户"
    LOW_INCOME = "02", "低保贫困户"
    DESTITUTE = "03", "特困供养贫困户"
    LOW_INCOME_HOUSEHOLD = "04", "低保户"
    DESTITUTE_HOUSEHOLD = "05", "特困供养户"
    MARGINAL = "06", "边缘户"
    ORDINARY = "07", "一般农户"
    OTHER = "08", "其他"


class PovertyCause(models.TextChoices):
    ILLNESS = "01", "因病"
    DISABILITY = "02", "因残"
    SCHOOLING = "03", "因学"
    DISASTER = "04", "因灾"
    NO_LAND = "05", "缺土地"
    NO_WATER = "06", "缺水"
    NO_SKILLS = "07", "缺技术"
    NO_LABOUR = "08", "缺劳力"
    NO_CAPITAL = "09", "缺资金"
    REMOTE = "10", "交通条件落后"
    NO_DRIVE = "11", "自身发展动力不足"
    OTHER = "99", "其他"


class ExitStatus(models.TextChoices):
    """脱贫状态. Empty for households that are not registered (是否建档立卡 = 否)."""

    NOT_EXITED = "not_exited", "未脱贫"
    EXITED = "exited", "已脱贫"
    RETURNED = "returned", "返贫"
    EXITED_NO_POLICY = "exited_no_policy", "已脱贫不再享受"


class HousingGrade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class Relocation(models.TextChoices):
    NONE = "none", "无"
    CENTRAL_KEYS_HANDED = "central_keys", "集中安置已交钥匙"
    DISPERSED_MOVED_IN = "dispersed_moved_in", "分散安置已入住"
    NOT_MOVED_IN = "not_moved_in", "未入住"


class Relationship(models.TextChoices):
    HEAD = "01", "户主"
    SPOUSE = "02", "配偶"
    SON = "03", "之子"
    DAUGHTER = "04", "之女"
    DAUGHTER_IN_LAW = "05", "之儿媳"
    SON_IN_LAW = "06", "之女婿"
    GRANDSON = "07", "之孙子"
    GRANDDAUGHTER = "08", "之孙女"
    DAUGHTERS_SON = "09", "之外孙子"
    DAUGHTERS_DAUGHTER = "10", "之外孙女"
    FATHER = "11", "之父"
    MOTHER = "12", "之母"
    FATHER_IN_LAW = "13", "之岳父"
    MOTHER_IN_LAW = "14", "之岳母"
    HUSBANDS_FATHER = "15", "之公公"
    HUSBANDS_MOTHER = "16", "之婆婆"
    GRANDFATHER = "17", "之祖父"
    GRANDMOTHER = "18", "之祖母"
    SIBLING = "19", "之兄弟姐妹"
    OTHER = "99", "其他"


class Sex(models.TextChoices):
    MALE = "1", "男"
    FEMALE = "2", "女"


class Ethnicity(models.TextChoices):
    """GB 3304 codes."""

    HAN = "01", "汉族"
    MONGOL = "02", "蒙古族"
    HUI = "03", "回族"
    TIBETAN = "04", "藏族"
    UYGHUR = "05", "维吾尔族"
    MIAO = "06", "苗族"
    YI = "07", "彝族"
    ZHUANG = "08", "壮族"
    BOUYEI = "09", "布依族"
    KOREAN = "10", "朝鲜族"
    MANCHU = "11", "满族"
    DONG = "12", "侗族"
    YAO = "13", "瑶族"
    BAI = "14", "白族"
    TUJIA = "15", "土家族"
    HANI = "16", "哈尼族"
    KAZAKH = "17", "哈萨克族"
    DAI = "18", "傣族"
    LI = "19", "黎族"
    LISU = "20", "傈僳族"
    VA = "21", "佤族"
    SHE = "22", "畲族"
    GAOSHAN = "23", "高山族"
    LAHU = "24", "拉祜族"
    SHUI = "25", "水族"
    DONGXIANG = "26", "东乡族"
    NAXI = "27", "纳西族"
    JINGPO = "28", "景颇族"
    KYRGYZ = "29", "柯尔克孜族"
    TU = "30", "土族"
    DAUR = "31", "达斡尔族"
    MULAO = "32", "仫佬族"
    QIANG = "33", "羌族"
    BLANG = "34", "布朗族"
    SALAR = "35", "撒拉族"
    MAONAN = "36", "毛南族"
    GELAO = "37", "仡佬族"
    XIBE = "38", "锡伯族"
    ACHANG = "39", "阿昌族"
    PUMI = "40", "普米族"
    TAJIK = "41", "塔吉克族"
    NU = "42", "怒族"
    UZBEK = "43", "乌孜别克族"
    RUSSIAN = "44", "俄罗斯族"
    EWENKI = "45", "鄂温克族"
    DEANG = "46", "德昂族"
    BONAN = "47", "保安族"
    YUGUR = "48", "裕固族"
    GIN = "49", "京族"
    TATAR = "50", "塔塔尔族"
    DERUNG = "51", "独龙族"
    OROQEN = "52", "鄂伦春族"
    HEZHEN = "53", "赫哲族"
    MONBA = "54", "门巴族"
    LHOBA = "55", "珞巴族"
    JINO = "56", "基诺族"
    OTHER = "97", "其他"


class Education(models.TextChoices):
    ILLITERATE = "1", "文盲或半文盲"
    PRIMARY = "2", "小学"
    JUNIOR = "3", "初中"
    SENIOR = "4", "高中"
    COLLEGE = "5", "大专及以上"
    PRESCHOOL = "6", "学龄前儿童"


class SchoolingStatus(models.TextChoices):
    """在校生状况. OUT_OF_SCHOOL is the 控辍保学 case; the two EXEMPT codes are the lawful
    exemptions (illness or disability, taught at home)."""

    NOT_STUDENT = "00", "非在校生"
    PRESCHOOL = "01", "学前教育"
    PRIMARY = "02", "小学"
    JUNIOR = "03", "初中"
    SENIOR = "04", "高中"
    VOCATIONAL = "05", "中职"
    HIGHER_VOCATIONAL = "06", "高职高专"
    UNIVERSITY = "07", "本科及以上"
    OUT_OF_SCHOOL = "08", "失学辍学"
    EXEMPT_ILLNESS = "09", "因病因残免学缓学"
    HOME_TAUGHT = "10", "送教上门"


class Health(models.TextChoices):
    HEALTHY = "1", "健康"
    CHRONIC = "2", "长期慢性病"
    SERIOUS_ILLNESS = "3", "患有大病"
    DISABLED = "4", "残疾"


class LabourSkill(models.TextChoices):
    ORDINARY = "1", "普通劳动力"
    SKILLED = "2", "技能劳动力"
    LOST = "3", "丧失劳动力"
    NONE = "4", "无劳动力"


class WorkStatus(models.TextChoices):
    NONE = "0", "未务工"
    IN_TOWN = "1", "乡（镇）内务工"
    IN_COUNTY = "2", "乡（镇）外县内务工"
    IN_PROVINCE = "3", "县外省内务工"
    OUT_OF_PROVINCE = "4", "省外务工"
    OTHER = "9", "其他"


# Alternative spellings people type for a label; matched after the exact label/code.
ALIASES: dict[type[models.TextChoices], dict[str, str]] = {
    LabourSkill: {"普通": "1", "技能": "2", "丧失": "3", "无": "4"},
    ExitStatus: {
        "已脱贫（享受政策）": "exited",
        "已脱贫(享受政策)": "exited",
        "已脱贫（不再享受政策）": "exited_no_policy",
        "已脱贫(不再享受政策)": "exited_no_policy",
    },
    WorkStatus: {"乡(镇)内务工": "1", "乡(镇)外县内务工": "2", "": "0"},
    SchoolingStatus: {"": "00", "无": "00"},
    PovertyAttribute: {"五保贫困户": "03", "特困贫困户": "03"},
    Ethnicity: {"汉": "01", "回": "03"},
}


def lookup(choices: type[models.TextChoices]) -> dict[str, str]:
    """Everything accepted for a code list (label, code, aliases) → stored code."""
    table: dict[str, str] = {}
    for value, label in choices.choices:
        table[value] = value
        table[str(label)] = value
    table.update(ALIASES.get(choices, {}))
    return table


def labels(choices: type[models.TextChoices]) -> dict[str, str]:
    """Stored code → Chinese label."""
    return {value: str(label) for value, label in choices.choices}
