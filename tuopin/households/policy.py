"""回头看: the policies a registered household is entitled to, from its registry data, and
whether each is recorded as delivered. Both are Q conditions on Household, so a round's gap list
and the gap metric are one query each.

| policy | entitled when | delivered when |
|---|---|---|
| 教育资助 | an active member is at school (学前 to 本科, or taught at home 送教上门) | a 教育资助 measure |
| 低保兜底 | 贫困户属性 低保贫困户, 特困供养贫困户, 低保户 or 特困供养户 | a 低保兜底 measure |
| 医疗救助 | an active member has a chronic or serious illness or a disability | a 医疗救助 measure |
| 新农合与大病保险 | the household has an active member (every registered household) | every active member in both insurances |
| 危房改造 | housing grade C or D | a renovation task, or a relocation file (the move is its safe house) |
| 产业扶持 | not exited, returned, or exited still enjoying policies, with an able-to-work member | an 产业 measure |

A household 已脱贫不再享受政策 is entitled to none of them but the insurance (脱贫不脱政策 holds
until a household leaves the policies; the county's insurance line counts every registered
person).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from tuopin.households.codes import MeasureKind, Policy
from tuopin.registry import codes as registry_codes
from tuopin.registry.codes import HousingGrade

_NOT_AT_SCHOOL = (
    registry_codes.SchoolingStatus.NOT_STUDENT,
    registry_codes.SchoolingStatus.OUT_OF_SCHOOL,  # a 控辍保学 case, not an aid case
    registry_codes.SchoolingStatus.EXEMPT_ILLNESS,  # exempt: not at school
)
_SCHOOL = [value for value in registry_codes.SchoolingStatus.values if value not in _NOT_AT_SCHOOL]
_ILL = [
    registry_codes.Health.CHRONIC,
    registry_codes.Health.SERIOUS_ILLNESS,
    registry_codes.Health.DISABLED,
]
_DIBAO = [
    registry_codes.PovertyAttribute.LOW_INCOME,
    registry_codes.PovertyAttribute.DESTITUTE,
    registry_codes.PovertyAttribute.LOW_INCOME_HOUSEHOLD,
    registry_codes.PovertyAttribute.DESTITUTE_HOUSEHOLD,
]
_ABLE = [registry_codes.LabourSkill.ORDINARY, registry_codes.LabourSkill.SKILLED]
_ENJOYING = [
    registry_codes.ExitStatus.NOT_EXITED,
    registry_codes.ExitStatus.RETURNED,
    registry_codes.ExitStatus.EXITED,
]


def _members(**conditions):
    from tuopin.registry.models import Person

    return Exists(Person.objects.filter(household=OuterRef("pk"), is_active=True, **conditions))


def _measure(kind: str, on):
    from tuopin.households.models import Measure

    return Exists(Measure.objects.filter(household=OuterRef("pk"), kind=kind, done_on__lte=on))


def entitled(policy: str) -> Q:
    if policy == Policy.INSURANCE:
        return Q(_members())
    enjoying = ~Q(exit_status=registry_codes.ExitStatus.EXITED_NO_POLICY)
    if policy == Policy.EDUCATION:
        return enjoying & Q(_members(schooling_status__in=_SCHOOL))
    if policy == Policy.DIBAO:
        return enjoying & Q(poverty_attribute__in=_DIBAO)
    if policy == Policy.MEDICAL:
        return enjoying & Q(_members(health__in=_ILL))
    if policy == Policy.HOUSING:
        return enjoying & Q(housing_grade__in=[HousingGrade.C, HousingGrade.D])
    if policy == Policy.INDUSTRY:
        return Q(exit_status__in=_ENJOYING) & Q(_members(labour_skill__in=_ABLE))
    raise ValueError(policy)


def delivered(policy: str, on) -> Q:
    from tuopin.households.models import Relocation, Renovation
    from tuopin.registry.models import Person

    if policy == Policy.EDUCATION:
        return Q(_measure(MeasureKind.EDUCATION, on))
    if policy == Policy.DIBAO:
        return Q(_measure(MeasureKind.DIBAO, on))
    if policy == Policy.MEDICAL:
        return Q(_measure(MeasureKind.MEDICAL, on))
    if policy == Policy.INSURANCE:
        uninsured = Person.objects.filter(household=OuterRef("pk"), is_active=True).filter(
            Q(in_rural_medical_insurance=False) | Q(in_serious_illness_insurance=False)
        )
        return ~Q(Exists(uninsured))
    if policy == Policy.HOUSING:
        return Q(Exists(Renovation.objects.filter(household=OuterRef("pk")))) | Q(
            Exists(Relocation.objects.filter(household=OuterRef("pk")))
        )
    if policy == Policy.INDUSTRY:
        return Q(_measure(MeasureKind.INDUSTRY, on))
    raise ValueError(policy)


def gap(policy: str, on) -> Q:
    return entitled(policy) & ~delivered(policy, on)


def any_gap(on) -> Q:
    condition = Q(pk__in=[])
    for policy in Policy.values:
        condition |= gap(policy, on)
    return condition


def household_policies(household, on) -> list[dict]:
    """Per policy for one household: entitled, delivered (one query per policy)."""
    from tuopin.registry.models import Household

    rows = []
    one = Household.objects.filter(pk=household.pk)
    for policy, label in Policy.choices:
        if not one.filter(entitled(policy)).exists():
            continue
        rows.append(
            {
                "policy": policy,
                "label": label,
                "delivered": one.filter(delivered(policy, on)).exists(),
            }
        )
    return rows
