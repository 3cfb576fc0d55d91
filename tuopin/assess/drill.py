"""The pre-assessment drill: sampling the way third-party assessors do, and the rates.

Sampling (reproducible for a seed): villages are drawn with the poor villages over-weighted
(two thirds of the sample from poor villages, the rest from the others, each stratum by a
seeded shuffle), then in every sampled village the same number of households is drawn,
half from the registered households (exited ones first, as assessors check exits) and half
from the unregistered ones. Rates follow 国开办发〔2017〕56号: 错退率 per person among exited
households visited, 漏评率 per person among unregistered households visited, 认可度 per
household among households that answered. Intervals are Wilson score intervals at 95 %.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from decimal import Decimal

from tuopin.org.models import Level, OrgUnit
from tuopin.registry.models import Household

Z95 = 1.959963984540054


@dataclass(frozen=True)
class SampledHousehold:
    household_id: int
    village_code: str
    registered: bool
    exited: bool
    persons: int


def draw(
    area_code: str, *, seed: int, villages: int = 25, households: int = 1500
) -> list[SampledHousehold]:
    """A stratified sample; the same inputs and data give the same sample."""
    rng = random.Random(f"assess-drill:{area_code}:{seed}")  # noqa: S311 - reproducible sampling, not secrets
    candidates = list(
        OrgUnit.objects.under(area_code)
        .filter(level=Level.VILLAGE, households__is_active=True)
        .distinct()
        .order_by("code")
        .values_list("id", "code", "is_poor_village")
    )
    poor = [c for c in candidates if c[2]]
    other = [c for c in candidates if not c[2]]
    rng.shuffle(poor)
    rng.shuffle(other)
    want_poor = min(len(poor), math.ceil(villages * 2 / 3))
    chosen = poor[:want_poor] + other[: max(0, villages - want_poor)]
    if len(chosen) < villages:
        chosen += poor[want_poor : want_poor + villages - len(chosen)]
    chosen.sort(key=lambda c: c[1])
    if not chosen:
        return []
    per_village = max(2, households // len(chosen))
    sample: list[SampledHousehold] = []
    for village_id, code, _ in chosen:
        rows = list(
            Household.objects.filter(village_id=village_id, is_active=True)
            .order_by("household_no")
            .values_list("id", "is_registered", "exit_status", "member_count")
        )
        registered = [r for r in rows if r[1]]
        exited = [r for r in registered if r[2] in ("exited", "exited_no_policy")]
        others_registered = [r for r in registered if r not in exited]
        unregistered = [r for r in rows if not r[1]]
        rng.shuffle(exited)
        rng.shuffle(others_registered)
        rng.shuffle(unregistered)
        half = per_village // 2
        take_registered = (exited + others_registered)[:half]
        take_unregistered = unregistered[: per_village - len(take_registered)]
        for row in sorted(take_registered + take_unregistered, key=lambda r: r[0]):
            sample.append(
                SampledHousehold(
                    household_id=row[0],
                    village_code=code,
                    registered=row[1],
                    exited=row[2] in ("exited", "exited_no_policy"),
                    persons=row[3],
                )
            )
    return sample


@dataclass(frozen=True)
class Rate:
    label: str
    numerator: int
    denominator: int
    threshold: Decimal | None
    compare: str  # "<" or ">"
    unit_note: str

    @property
    def value(self) -> Decimal | None:
        if not self.denominator:
            return None
        return Decimal(self.numerator * 100) / Decimal(self.denominator)

    @property
    def interval(self) -> tuple[Decimal, Decimal] | None:
        if not self.denominator:
            return None
        low, high = wilson(self.numerator, self.denominator)
        return Decimal(str(round(low * 100, 4))), Decimal(str(round(high * 100, 4)))

    @property
    def passed(self) -> bool | None:
        value = self.value
        if value is None or self.threshold is None:
            return None
        return value < self.threshold if self.compare == "<" else value > self.threshold

    @property
    def confidently_passed(self) -> bool | None:
        """Whether the whole 95 % interval lies on the passing side of the threshold."""
        interval = self.interval
        if interval is None or self.threshold is None:
            return None
        if self.compare == "<":
            return interval[1] < self.threshold
        return interval[0] > self.threshold


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion."""
    if trials <= 0:
        raise ValueError("trials must be positive")
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    margin = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - margin), min(1.0, centre + margin)


def rates(sampled, params: dict) -> dict[str, Rate]:
    """错退率, 漏评率 and 认可度 from recorded visits (unvisited households are left out)."""
    exited_people = wrong_people = unregistered_people = missed_people = 0
    answered = approving = 0
    for row in sampled:
        if row.meets_standard is not None:
            if row.exited:
                exited_people += row.persons
                if not row.meets_standard:
                    wrong_people += row.persons
            if not row.registered:
                unregistered_people += row.persons
                if not row.meets_standard:
                    missed_people += row.persons
        if row.approval:
            answered += 1
            approving += row.approval == "approve"
    return {
        "wrong_exit_rate": Rate(
            "错退率", wrong_people, exited_people, params.get("wrong_exit_rate_max"), "<", "按人计"
        ),
        "missed_rate": Rate(
            "漏评率",
            missed_people,
            unregistered_people,
            params.get("missed_rate_max"),
            "<",
            "按人计",
        ),
        "approval_rate": Rate(
            "群众认可度", approving, answered, params.get("approval_rate_min"), ">", "按户计"
        ),
    }
