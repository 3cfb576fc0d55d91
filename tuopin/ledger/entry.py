"""One record of a ledger sheet entered on a form (a phone), checked by the ledger's own rules.

The form is built from the sheet's declared columns (``Ledger.sheets``); what is typed becomes a
one-row sheet that goes through the same ``LedgerApp.plan`` as an uploaded workbook, so every
cell check and every rule of the import applies unchanged (dates in order, overlapping spells,
scope, negative amounts …). The plan's problems are shown on the fields they name, in Chinese;
nothing is written unless there is none; ``LedgerApp.apply(plan, entry=…)`` writes the record
with its history (``ledger.keyed``: 录入新建 / 录入修改). Entering a record whose key is stored
changes it, as a re-import would.

A column filled by choosing (a person, a place, a training) has a :class:`Picker`: the options a
user may choose from and the cell each option stands for, so that, e.g., a person is chosen by
name and masked ID and the plan still receives the citizen ID.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tuopin.ledger.app import LedgerApp
from tuopin.ledger.cells import LedgerPlan
from tuopin.ledger.layout import Column, normalize_header
from tuopin.ledger.reader import Sheet
from tuopin.org.widgets import DateInput

ENTRY_NOTE = "手机表单录入"
TEMPLATE = "ledger/entry.html"
_NUMERIC = {"money": "decimal", "wan": "decimal", "count": "numeric", "int": "numeric"}
_NUMERIC["year"] = "numeric"


@dataclass(frozen=True)
class Picker:
    """``options(user, context)`` → (value, label, cell): what may be chosen and the cell each
    value stands for in the sheet (a person's row id → their citizen ID)."""

    options: Callable[[Any, dict], Sequence[tuple[str, str, Any]]]


@dataclass(frozen=True)
class EntryKind:
    slug: str  # in the URL
    title: str  # 务工就业
    app: LedgerApp
    sheet: str  # the ledger sheet one record is a row of
    capability: str  # needed to enter (org.access)
    pickers: dict[str, Picker] = field(default_factory=dict)
    skip: tuple[str, ...] = ()  # columns not asked (e.g. 姓名, read from the registry)
    hints: dict[str, str] = field(default_factory=dict)  # help text per field
    labels: dict[str, str] = field(default_factory=dict)  # a chosen column's label (所在村)

    def columns(self) -> list[Column]:
        return [
            column
            for column in self.app.ledger.sheets[self.sheet]
            if column.field and column.field not in self.skip
        ]


class EntryForm(forms.Form):
    """The sheet's columns as inputs; values are passed to the plan as typed (it checks them)."""

    def __init__(self, kind: EntryKind, user, context: dict, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "：")
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.cells: dict[str, dict[str, Any]] = {}
        for column in kind.columns():
            self.fields[column.field] = self._field(column, user, context)

    def _field(self, column: Column, user, context: dict) -> forms.Field:
        label = self.kind.labels.get(column.field, column.header)
        empty = ("", "（请选择）" if column.required else "（不填）")
        hint = self.kind.hints.get(column.field, "")
        help_text = "；".join(part for part in ("必填" if column.required else "", hint) if part)
        picker = self.kind.pickers.get(column.field)
        if picker is not None:
            options = list(picker.options(user, context))
            self.cells[column.field] = {value: cell for value, _, cell in options}
            return forms.ChoiceField(
                label=label,
                choices=[empty, *((value, shown) for value, shown, _ in options)],
                required=False,
                help_text=help_text,
            )
        if column.kind == "choice":
            labels = [str(label) for _, label in column.choices.choices]
            return forms.ChoiceField(
                label=label,
                choices=[empty, *((text, text) for text in labels)],
                required=False,
                help_text=help_text,
            )
        if column.kind == "bool":
            return forms.ChoiceField(
                label=label,
                choices=[("", "（不填）"), ("是", "是"), ("否", "否")],
                required=False,
                help_text=help_text,
            )
        if column.kind in ("date", "day"):
            widget: forms.Widget = DateInput()
        elif column.kind in _NUMERIC:
            widget = forms.TextInput(attrs={"inputmode": _NUMERIC[column.kind]})
        else:
            widget = forms.TextInput()
        return forms.CharField(
            label=label, required=False, strip=True, widget=widget, help_text=help_text
        )

    def sheet(self) -> Sheet:
        """The form's record as a one-row sheet of the ledger (headers as declared)."""
        values = {}
        for column in self.kind.columns():
            value = self.cleaned_data.get(column.field) or ""
            if column.field in self.cells:
                value = self.cells[column.field].get(value, "") if value else ""
            values[column.field] = value
        return one_row(self.kind.sheet, self.kind.columns(), values)

    def show(self, plan: LedgerPlan) -> None:
        show_problems(self, plan, self.kind.columns())


def one_row(sheet: str, columns: list[Column], values: dict) -> Sheet:
    """One record as a one-row sheet of the ledger, headers as declared and values as typed: what
    a form hands to the ledger's own ``plan`` so the import's checks and rules judge it."""
    return Sheet(
        name=sheet,
        header_row=1,
        headers=[normalize_header(column.header) for column in columns],
        rows=[[values.get(column.field, "") or "" for column in columns]],
        first_row=2,
    )


def show_problems(form: forms.Form, plan: LedgerPlan, columns: list[Column]) -> None:
    """A plan's problems on the form fields their column names (the rest above the form)."""
    fields = {}
    for column in columns:
        for header in (column.header, *column.aliases):
            fields[normalize_header(header)] = column.field
    for problem in plan.problems:
        name = fields.get(normalize_header(problem.column))
        form.add_error(name if name in form.fields else None, problem.reason)
    if plan.problem_count and not plan.problems:
        form.add_error(None, "填写有误，未保存")


def check(kind: EntryKind, form: EntryForm, user) -> LedgerPlan:
    """The ledger's plan of the form's record (writes nothing); problems put on the form."""
    plan = kind.app.plan({kind.sheet: form.sheet()}, user=user)
    if not plan.ok:
        form.show(plan)
    return plan


def page(
    request: HttpRequest,
    kind: EntryKind,
    *,
    context: dict,
    initial: dict | None = None,
    extra: dict | None = None,
) -> HttpResponse:
    """GET: the empty form; POST: check with the ledger's plan, save, and come back to the form
    (so the next record can be entered) with what was saved; refused: the form with the reasons
    (status 400), nothing written. The caller has checked the capability and built ``context``
    (what the pickers offer)."""
    user = request.user
    form = EntryForm(kind, user, context, request.POST or None, initial=initial or {})
    if request.method == "POST" and form.is_valid():
        plan = check(kind, form, user)
        if plan.ok:
            if getattr(plan, "has_changes", True):
                kind.app.apply(plan, actor=user, source="web", entry=ENTRY_NOTE)
                done = "；".join(plan.change_lines[:5]) or f"已新增{kind.title}记录"
                messages.success(request, f"已保存：{done}")
            else:
                messages.info(request, "与已有记录相同，没有变化")
            return redirect(request.get_full_path())
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        TEMPLATE,
        {"kind": kind, "form": form, **(extra or {})},
        status=status,
    )
