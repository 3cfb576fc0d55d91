"""The synthetic county: Long County's real towns, plausible villages, the plan's units and
leaders, and a login for every role. Deterministic for a seed; bulk-inserted so that a
province of about 100 counties builds in seconds.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction

from tuopin.org.models import (
    Level,
    OrgUnit,
    Person,
    ResponsibleUnit,
    Role,
    UnitGroup,
    UnitKind,
    User,
)

DEMO_PASSWORD = "tuopin2018"  # noqa: S105 - printed by `tuopin demo`; demo accounts only

PROVINCE = ("61", "陕西省")
CITY = ("6103", "宝鸡市")
COUNTY = ("610327", "陇县")
CENTRE = (Decimal("106.857"), Decimal("34.893"))  # 陇县 county seat

# Long County's ten towns (DOMAIN.md), with a pinyin stem for usernames and a village count
# that adds up to 120, of which 62 are registered poor villages.
TOWNS = [
    ("100", "城关镇", "chengguan", 16, 6),
    ("101", "东风镇", "dongfeng", 12, 6),
    ("102", "八渡镇", "badu", 12, 7),
    ("103", "温水镇", "wenshui", 12, 7),
    ("104", "天成镇", "tiancheng", 11, 6),
    ("105", "曹家湾镇", "caojiawan", 12, 7),
    ("106", "固关镇", "guguan", 12, 7),
    ("107", "东南镇", "dongnan", 11, 6),
    ("108", "河北镇", "hebei", 11, 5),
    ("109", "新集川镇", "xinjichuan", 11, 5),
]

# (name, username stem, kind, aliases)
DEPARTMENTS = [
    ("县委办", "xwb", UnitKind.OFFICE, ["县委办公室"]),
    ("县委组织部", "zzb", UnitKind.DEPARTMENT, ["组织部"]),
    ("县委宣传部", "xcb", UnitKind.DEPARTMENT, ["宣传部"]),
    ("县委政法委", "zfw", UnitKind.DEPARTMENT, ["政法委"]),
    ("县人大办", "rdb", UnitKind.OFFICE, []),
    ("县政府办", "zfb", UnitKind.OFFICE, ["县政府办公室"]),
    ("县政协办", "zxb", UnitKind.OFFICE, []),
    ("县纪委", "jw", UnitKind.DEPARTMENT, ["纪委"]),
    ("县监委", "jianwei", UnitKind.DEPARTMENT, ["监委"]),
    ("县脱贫办", "tpb", UnitKind.OFFICE, ["脱贫办", "县扶贫办"]),
    ("县发改局", "fgj", UnitKind.DEPARTMENT, ["发改局"]),
    ("县人社局", "rsj", UnitKind.DEPARTMENT, ["人社局"]),
    ("县教育局", "jyj", UnitKind.DEPARTMENT, ["教育局"]),
    ("县民政局", "mzj", UnitKind.DEPARTMENT, ["民政局"]),
    ("县财政局", "czj", UnitKind.DEPARTMENT, ["财政局"]),
    ("县卫计局", "wjj", UnitKind.DEPARTMENT, ["卫计局"]),
    ("县农业局", "nyj", UnitKind.DEPARTMENT, ["农业局"]),
    ("县林业局", "lyj", UnitKind.DEPARTMENT, ["林业局"]),
    ("县国土局", "gtj", UnitKind.DEPARTMENT, ["国土局"]),
    ("县住建局", "zjj", UnitKind.DEPARTMENT, ["住建局"]),
    ("县水利局", "slj", UnitKind.DEPARTMENT, ["水利局"]),
    ("县交通局", "jiaotong", UnitKind.DEPARTMENT, ["交通局", "县交通运输局"]),
    ("县电力局", "dlj", UnitKind.DEPARTMENT, ["电力局", "县供电分公司"]),
    ("县信访局", "xfj", UnitKind.DEPARTMENT, ["信访局"]),
    ("县金融办", "jrb", UnitKind.OFFICE, ["金融办"]),
    ("县统计局", "tjj", UnitKind.DEPARTMENT, ["统计局"]),
    ("县残联", "cl", UnitKind.DEPARTMENT, ["残联"]),
    ("县商务局", "swj", UnitKind.DEPARTMENT, ["商务局"]),
    ("县文广局", "wgj", UnitKind.DEPARTMENT, ["文广局"]),
    ("县审计局", "sjj", UnitKind.DEPARTMENT, ["审计局"]),
]

EIGHT_OFFICES_SEVEN_GROUPS = [
    "县脱贫办", "县教育局", "县民政局", "县人社局", "县卫计局", "县住建局", "县国土局", "县农业局",
    "县水利局", "县交通局", "县电力局", "县财政局", "县发改局", "县林业局", "县金融办",
]  # fmt: skip

# The plan's accountable leaders; posts are plausible, the last is the plan's post-only leader.
LEADERS = [
    ("葛管社", "县委书记"),
    ("李维芳", "县委常委、组织部部长"),
    ("刘方斌", "县委副书记"),
    ("赵宏周", "县委常委、宣传部部长"),
    ("张宝林", "县纪委书记、监委主任"),
    ("唐军科", "县委常委、政法委书记"),
    ("赵强", "副县长"),
    ("李彩芳", "副县长"),
    ("田华锋", "副县长"),
    ("", "分管交通运输副县长"),
]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "军伟强磊洋勇艳杰娟涛明超秀英华平刚桂兰芳玲红霞建国建华志强海燕文斌宏亮斌飞鹏宇波辉"
VILLAGE_STEMS = [
    "东关", "西关", "南坡", "北坪", "杜阳", "李家河", "峰山", "咀头", "关山", "新庄", "峡口", "河湾",
    "罗家", "孟家塬", "苏家庄", "高楼", "梨林", "马鹿", "曹家", "张家庄", "杨家沟", "黄花峪",
    "堎底下", "景福", "南河", "黑虎", "蒲家", "火烧寨", "庙川", "陈家庄", "庞家", "阳坡", "槐树",
    "上川", "下川", "温水", "石家坡", "八渡", "麻家台", "寺沟", "赵家", "前进", "胜利", "团结",
    "东升", "红岩", "宝峰", "大庄", "小庄", "神泉", "水沟", "龙门", "凤凰", "青龙", "白虎", "新民",
    "上关", "下关", "刘家", "王家",
]  # fmt: skip
GROUP_NAMES = ["一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组", "九组"]


@dataclass
class CountyBuild:
    county: OrgUnit
    towns: list[OrgUnit] = field(default_factory=list)
    villages: list[OrgUnit] = field(default_factory=list)
    units: list[ResponsibleUnit] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (username, role, what)


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _offset(rng: random.Random, spread: float) -> Decimal:
    return Decimal(str(round(rng.uniform(-spread, spread), 6)))


def _ensure(code: str, name: str, level: str, parent: OrgUnit | None) -> OrgUnit:
    unit, _ = OrgUnit.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent}
    )
    return unit


def build_org_tree(
    county_code: str,
    county_name: str,
    *,
    seed: int,
    parent: OrgUnit | None,
    centre: tuple[Decimal, Decimal] = CENTRE,
) -> tuple[OrgUnit, list[OrgUnit], list[OrgUnit]]:
    """County, its towns, villages and village groups; inserted in three bulk statements."""
    rng = random.Random(f"{seed}:{county_code}")
    county = OrgUnit.objects.create(
        code=county_code,
        name=county_name,
        level=Level.COUNTY,
        parent=parent,
        longitude=centre[0],
        latitude=centre[1],
    )
    towns = OrgUnit.objects.bulk_create(
        [
            OrgUnit(
                code=county_code + suffix,
                name=name,
                level=Level.TOWN,
                parent=county,
                longitude=centre[0] + _offset(rng, 0.28),
                latitude=centre[1] + _offset(rng, 0.18),
            )
            for suffix, name, _stem, _villages, _poor in TOWNS
        ]
    )
    stems = list(VILLAGE_STEMS)
    rng.shuffle(stems)
    villages: list[OrgUnit] = []
    used: set[str] = set()
    for town, (_suffix, _name, _stem, count, poor) in zip(towns, TOWNS, strict=True):
        poor_indexes = set(rng.sample(range(count), poor))
        for index in range(count):
            stem = stems[(len(villages)) % len(stems)]
            name = (
                stem + "村" if stem + "村" not in used else f"{stem}{GROUP_NAMES[index % 9][0]}村"
            )
            used.add(name)
            villages.append(
                OrgUnit(
                    code=f"{town.code}{200 + index + 1:03d}",
                    name=name,
                    level=Level.VILLAGE,
                    parent=town,
                    is_poor_village=index in poor_indexes,
                    longitude=town.longitude + _offset(rng, 0.07),
                    latitude=town.latitude + _offset(rng, 0.05),
                )
            )
    villages = OrgUnit.objects.bulk_create(villages)
    groups = [
        OrgUnit(
            code=f"{village.code}{g + 1:03d}",
            name=GROUP_NAMES[g],
            level=Level.GROUP,
            parent=village,
        )
        for village in villages
        for g in range(rng.randint(4, 9))
    ]
    OrgUnit.objects.bulk_create(groups, batch_size=2000)
    return county, towns, villages


def build_units(
    county: OrgUnit, towns: list[OrgUnit], *, prefix: str = ""
) -> list[ResponsibleUnit]:
    """The plan's responsible units: county departments and offices, and each town as a unit."""
    units = [
        ResponsibleUnit(
            name=prefix + name,
            short_name=name.removeprefix("县"),
            aliases=[prefix + a for a in aliases] if prefix else aliases,
            kind=kind,
            org_unit=county,
        )
        for name, _stem, kind, aliases in DEPARTMENTS
    ]
    units += [
        ResponsibleUnit(
            name=prefix + town.name, short_name=town.name, kind=UnitKind.TOWN, org_unit=town
        )
        for town in towns
    ]
    return ResponsibleUnit.objects.bulk_create(units)


@transaction.atomic
def build_county(
    seed: int = 1,
    *,
    log: Callable[[str], None] = lambda message: None,
    password: str = DEMO_PASSWORD,
) -> CountyBuild:
    """Long County with units, leaders, heads and one login per role. Idempotent."""
    existing = OrgUnit.objects.filter(code=COUNTY[0]).first()
    if existing is not None:
        log("陇县组织机构已存在，跳过")
        return _describe_existing(existing)
    rng = random.Random(f"{seed}:people")
    province = _ensure(*PROVINCE, Level.PROVINCE, None)
    city = _ensure(*CITY, Level.CITY, province)
    county, towns, villages = build_org_tree(*COUNTY, seed=seed, parent=city)
    units = build_units(county, towns)
    by_name = {unit.name: unit for unit in units}
    group = UnitGroup.objects.create(name="八办七组", aliases=["“八办七组”", "八办七组成员单位"])
    group.members.set([by_name[name] for name in EIGHT_OFFICES_SEVEN_GROUPS])

    Person.objects.bulk_create(
        [Person(name=name, post=post, is_leader=True) for name, post in LEADERS]
    )
    heads = Person.objects.bulk_create(
        [
            Person(
                name=_person_name(rng),
                post=f"{unit.name}{'党委书记' if unit.kind == UnitKind.TOWN else '主要负责人'}",
                unit=unit,
                org_unit=unit.org_unit,
                phone=f"139{rng.randint(10000000, 99999999)}",
            )
            for unit in units
        ]
    )
    for unit, head in zip(units, heads, strict=True):
        unit.head = head
    ResponsibleUnit.objects.bulk_update(units, ["head"])

    hashed = make_password(password)
    stems = {name: stem for name, stem, _kind, _aliases in DEPARTMENTS}
    stems.update({name: stem for _s, name, stem, _v, _p in TOWNS})
    users: list[User] = []
    logins: list[tuple[str, str, str]] = []

    def add(username: str, role: str, what: str, **fields) -> None:
        users.append(User(username=username, role=role, password=hashed, **fields))
        logins.append((username, Role(role).label, what))

    leader = Person.objects.get(name="葛管社")
    office = by_name["县脱贫办"]
    add("hq", Role.HQ_ADMIN, "县脱贫办（指挥部办公室）", scope=county, unit=office, is_staff=True)
    add("leader", Role.LEADER, "葛管社，查看全部", scope=county, person=leader)
    add("viewer", Role.VIEWER, "只读", scope=county)
    add("inspector", Role.INSPECTOR, "县纪委督查", scope=county, unit=by_name["县纪委"])
    for unit, head in zip(units, heads, strict=True):
        stem = stems[unit.name]
        town_scope = unit.org_unit if unit.kind == UnitKind.TOWN else None
        add(
            f"{stem}_reporter",
            Role.UNIT_REPORTER,
            f"{unit.name}填报员",
            unit=unit,
            scope=town_scope,
        )
        add(
            f"{stem}_head",
            Role.UNIT_HEAD,
            f"{unit.name}主要领导（签字）",
            unit=unit,
            scope=town_scope,
            person=head,
        )
    for town in towns:
        add(f"{stems[town.name]}_cadre", Role.TOWN_CADRE, f"{town.name}镇干部", scope=town)
    add("cun_cadre", Role.VILLAGE_CADRE, f"{villages[0].name}村干部", scope=villages[0])
    User.objects.bulk_create(users)
    log(
        f"已生成陇县：{len(towns)} 个镇、{len(villages)} 个村（贫困村 {sum(v.is_poor_village for v in villages)} 个）、{len(units)} 个责任单位、{len(users)} 个账号"
    )
    return CountyBuild(county=county, towns=towns, villages=villages, units=units, logins=logins)


def _describe_existing(county: OrgUnit) -> CountyBuild:
    build = CountyBuild(
        county=county,
        towns=list(OrgUnit.objects.under(county.code).filter(level=Level.TOWN)),
        villages=list(OrgUnit.objects.under(county.code).filter(level=Level.VILLAGE)),
        units=list(ResponsibleUnit.objects.filter(org_unit__code__startswith=county.code)),
    )
    build.logins = [
        (user.username, user.get_role_display(), user.display_name)
        for user in User.objects.filter(is_superuser=False).select_related("person").order_by("id")
    ]
    return build


@transaction.atomic
def build_province(
    counties: int, *, seed: int = 1, log: Callable[[str], None] = lambda message: None
) -> list[OrgUnit]:
    """``counties`` synthetic counties under 陕西省, each shaped like Long County, with its units."""
    if counties < 1 or counties > 999:
        raise ValueError(f"县的数量应在 1～999 之间，收到 {counties}")
    province = _ensure(*PROVINCE, Level.PROVINCE, None)
    built: list[OrgUnit] = []
    for index in range(counties):
        city_code = f"61{90 + index // 100:02d}"
        city = _ensure(city_code, f"模拟市{index // 100 + 1}", Level.CITY, province)
        code = f"{city_code}{index % 100 + 1:02d}"
        if OrgUnit.objects.filter(code=code).exists():
            built.append(OrgUnit.objects.get(code=code))
            continue
        rng = random.Random(f"{seed}:{code}")
        centre = (CENTRE[0] + _offset(rng, 2.0), CENTRE[1] + _offset(rng, 1.5))
        county, towns, _villages = build_org_tree(
            code, f"模拟县{index + 1:03d}", seed=seed, parent=city, centre=centre
        )
        build_units(county, towns, prefix=f"模拟县{index + 1:03d}")
        built.append(county)
        if (index + 1) % 10 == 0:
            log(f"已生成 {index + 1}/{counties} 个县的组织机构")
    return built
