"""One household's verdict explained item by item, computed in Python from its own rows.

The same expanded rules as the bulk query, walked by the interpreter of tuopin.lib.ruleexpr,
so the explanation can show every intermediate value and every member's flags. Tests check
that it agrees with the bulk (SQL) verdict for every household of a generated county.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tuopin.assess.engine import Context, HouseholdVerdict, plain, show_named
from tuopin.assess.rulesets import fill
from tuopin.assess.vocabulary import HOUSEHOLD_FACTS, MEMBER_FACTS
from tuopin.lib.ruleexpr import Scope, evaluate
from tuopin.registry.models import Household


@dataclass
class ItemExplanation:
    key: str
    label: str
    passed: bool
    rule: str  # the rule's expression (API only: it names internal fields)
    reason: str  # the rule file's sentence for the outcome, filled with this household's values


@dataclass
class MemberRow:
    person_id: int
    name: str
    flags: dict[str, Any]  # member definition → value


@dataclass
class Explanation:
    verdict: HouseholdVerdict
    items: list[ItemExplanation]
    gates: list[ItemExplanation]
    checks: list[ItemExplanation]
    values: dict[str, Any] = field(default_factory=dict)
    members: list[MemberRow] = field(default_factory=list)


def household_facts(household: Household) -> dict[str, Any]:
    return {name: plain(getattr(household, fact.path)) for name, fact in HOUSEHOLD_FACTS.items()}


def member_facts(person) -> dict[str, Any]:
    return {name: plain(getattr(person, fact.path)) for name, fact in MEMBER_FACTS.items()}


def explain_values(
    context: Context,
    *,
    household_no: str,
    village_id: int,
    facts: dict[str, Any],
    members: list[dict[str, Any]],
    member_names: list[tuple[int, str]] | None = None,
) -> Explanation:
    """The verdict from plain values (a household's facts and its active members' facts)."""
    ruleset, params = context.ruleset, context.params
    member_scopes = [Scope(values, params) for values in members]
    scope = Scope(facts, params, {"members": member_scopes})
    cache: dict[str, Any] = {}

    def value_of(name: str) -> Any:
        if name not in cache:
            if name in ruleset.household_values:
                cache[name] = evaluate(ruleset.household_values[name], scope)
            else:
                cache[name] = facts.get(name)
        return cache[name]

    def lookup(name: str) -> str:
        if name.startswith("$"):
            return show_named(ruleset, name, params.get(name[1:]))
        return show_named(ruleset, name, value_of(name))

    def explained(key, label, node, text, *, met, reason, failing_when_true=False):
        outcome = evaluate(node, scope) is True
        passed = not outcome if failing_when_true else outcome
        sentence = fill(met if passed else reason, lookup)
        return ItemExplanation(key, label, passed, text, sentence)

    items = [
        explained(key, item.label, item.test, item.text, met=item.met, reason=item.reason)
        for key, item in ruleset.household_items.items()
    ]
    gates = [
        explained(key, gate.label, gate.test, gate.text, met=gate.met, reason=gate.reason)
        for key, gate in ruleset.gates.items()
    ]
    checks = [
        explained(
            key,
            check.label,
            check.when,
            check.text,
            met="",
            reason=check.reason,
            failing_when_true=True,
        )
        for key, check in ruleset.checks.items()
    ]
    reasons = [f"{item.label}：{item.reason}" for item in items if not item.passed]
    reasons += [f"{gate.label}：{gate.reason}" for gate in gates if not gate.passed]
    verdict = HouseholdVerdict(
        household_no=household_no,
        village_id=village_id,
        registered=bool(facts["is_registered"]),
        exit_status=facts["exit_status"],
        member_count=int(facts["member_count"]),
        passed=all(item.passed for item in items) and all(gate.passed for gate in gates),
        items={item.key: item.passed for item in items},
        gates={gate.key: gate.passed for gate in gates},
        reasons=reasons,
        checks={check.key: check.reason for check in checks if not check.passed},
    )
    rows = []
    for index, member_scope in enumerate(member_scopes):
        person_id, name = member_names[index] if member_names else (0, "")
        flags = {key: evaluate(node, member_scope) for key, node in ruleset.member_values.items()}
        rows.append(MemberRow(person_id, name, flags))
    values = {name: value_of(name) for name in ruleset.household_values}
    return Explanation(verdict, items, gates, checks, values, rows)


def explain(context: Context, household: Household) -> Explanation:
    """Explain one household from its own rows (two queries)."""
    people = list(household.members.filter(is_active=True).order_by("relationship", "id"))
    return explain_values(
        context,
        household_no=household.household_no,
        village_id=household.village_id,
        facts=household_facts(household),
        members=[member_facts(person) for person in people],
        member_names=[(person.pk, person.name) for person in people],
    )
