"""Accounts managed by HQ in the app: create, change role/scope/unit, deactivate, reset password.

Every change is audited (org.audit); a generated password is returned to be shown once and is
never stored or logged in clear. An HQ admin manages the accounts inside its own scope only
(their scope, or their unit, lies in its subtree) and never superusers or its own role.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils.crypto import get_random_string

from tuopin.org import audit, throttle
from tuopin.org.access import require
from tuopin.org.codes import subtree_q
from tuopin.org.models import LoginCounterKind, User

# No 0/O, 1/l/I: the password is read off a screen and typed on a phone.
READABLE_CHARACTERS = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
PASSWORD_LENGTH = 12
EDITABLE_FIELDS = ("first_name", "phone", "role", "scope", "unit", "is_active")


class AccountError(Exception):
    """A change HQ may not make; the message says why, in Chinese."""


def manageable_by(hq: User):
    """The accounts ``hq`` may manage: scope or unit inside its subtree, no superusers."""
    require(hq, "org.manage")
    if hq.is_superuser:
        return User.objects.all()
    if hq.scope_id is None:
        return User.objects.none()
    code = hq.scope.code
    inside = subtree_q(code, "scope__code") | subtree_q(code, "unit__org_unit__code")
    return User.objects.filter(inside, is_superuser=False)


def _generated_password() -> str:
    return get_random_string(PASSWORD_LENGTH, READABLE_CHARACTERS)


def create_account(hq: User, account: User) -> str:
    """Save the new ``account`` (validated by the form) with a generated password; return it."""
    require(hq, "org.manage")
    password = _generated_password()
    account.set_password(password)
    with transaction.atomic():
        account.save()
        audit.record(
            account,
            {name: [None, getattr(account, name)] for name in ("username", *EDITABLE_FIELDS)},
            actor=hq,
            action="创建账号",
        )
    return password


def update_account(hq: User, account: User, values: dict) -> dict:
    """Apply the changed fields (role, scope, unit, name, phone, active) with their audit row."""
    with transaction.atomic():
        current = manageable_by(hq).select_for_update(of=("self",)).get(pk=account.pk)
        if current.pk == hq.pk and (
            values.get("is_active") is False or values.get("role", current.role) != current.role
        ):
            raise AccountError("不能停用自己的账号或修改自己的角色，请让另一位管理员操作")
        return audit.apply_changes(current, values, actor=hq, action="修改账号")


def reset_password(hq: User, account: User) -> str:
    """A new generated password (returned to be shown once); the account's login lock is lifted."""
    password = _generated_password()
    with transaction.atomic():
        account = manageable_by(hq).select_for_update(of=("self",)).get(pk=account.pk)
        account.set_password(password)
        account.save(update_fields=["password"])
        audit.record(account, actor=hq, action="重置密码", note="生成新密码（只显示一次）")
    throttle.forget(LoginCounterKind.ACCOUNT, account.username.casefold())
    return password


def search(accounts, query: str):
    query = query.strip()
    if not query:
        return accounts
    return accounts.filter(
        Q(username__icontains=query)
        | Q(first_name__icontains=query)
        | Q(person__name__icontains=query)
        | Q(phone__contains=query)
    )
