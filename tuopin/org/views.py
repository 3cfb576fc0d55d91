from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from tuopin.org import accounts, landing, throttle
from tuopin.org.access import has_capability
from tuopin.org.forms import AccountForm, LoginForm
from tuopin.org.models import Level, OrgUnit, Role, User

# Where a role starts when its first page is not the board of its scope: a unit's reporter and
# head fill and sign their unit's report, so they start on this week's report.
FIRST_PAGE_BY_ROLE = {Role.UNIT_REPORTER: "reports:current", Role.UNIT_HEAD: "reports:current"}


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect("login")
    registered = landing.first_page(user)
    if registered:
        return redirect(registered)
    names = [FIRST_PAGE_BY_ROLE.get(user.role, "")]
    if user.scope_id is not None or user.is_superuser:
        names.append("dashboard:home")
    for name in [*names, "reports:home"]:
        try:
            return redirect(reverse(name))
        except NoReverseMatch:
            continue
    return redirect("org:browse")


# Django's own messages name models ("No Household matches the given query."); only the
# project's own reasons, written in Chinese, reach the page.
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _reason(exception: Exception | None) -> str:
    message = exception.args[0] if exception is not None and exception.args else ""
    return message if isinstance(message, str) and CHINESE.search(message) else ""


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"reason": _reason(exception)}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", {"reason": _reason(exception)}, status=404)


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        try:
            user = throttle.authenticate(
                request, form.cleaned_data["username"], form.cleaned_data["password"]
            )
        except throttle.LoginRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            if user is None:
                form.add_error(None, "用户名或密码不正确")
            else:
                login(request, user)
                if next_url and url_has_allowed_host_and_scheme(
                    next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
                ):
                    return redirect(next_url)
                return redirect("home")
    return render(request, "org/login.html", {"form": form, "next": next_url}, status=200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "您已退出登录")
    return redirect("login")


@login_required
def browse(request: HttpRequest) -> HttpResponse:
    """Land on the top of the user's own subtree."""
    visible = OrgUnit.objects.visible_to(request.user)
    if request.user.scope_id:
        top = visible.filter(pk=request.user.scope_id).first()
    else:
        top = visible.order_by("code").first()
    if top is None:
        return render(request, "org/no_scope.html", status=200)
    return redirect("org:unit", code=top.code)


@login_required
def unit_page(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_object_or_404(OrgUnit.objects.visible_to(request.user), code=code)
    village_filter = Q(level=Level.VILLAGE)
    children = (
        unit.children.visible_to(request.user)
        .order_by("code")
        .annotate(
            child_count=Count("children", distinct=True),
        )
    )
    under = OrgUnit.objects.under(unit.code).exclude(pk=unit.pk)
    counts = under.aggregate(
        towns=Count("pk", filter=Q(level=Level.TOWN)),
        villages=Count("pk", filter=village_filter),
        poor_villages=Count("pk", filter=village_filter & Q(is_poor_village=True)),
        groups=Count("pk", filter=Q(level=Level.GROUP)),
    )
    child_village_counts = dict(
        OrgUnit.objects.filter(parent__in=children, level=Level.VILLAGE)
        .values_list("parent_id")
        .annotate(poor=Count("pk", filter=Q(is_poor_village=True)))
        .values_list("parent_id", "poor")
    )
    rows = [(child, child_village_counts.get(child.pk, 0)) for child in children]
    breadcrumbs = [a for a in unit.ancestors() if a in OrgUnit.objects.visible_to(request.user)]
    return render(
        request,
        "org/unit.html",
        {
            "unit": unit,
            "rows": rows,
            "counts": counts,
            "breadcrumbs": breadcrumbs,
            "can_manage_accounts": has_capability(request.user, "org.manage"),
        },
    )


# ---------------------------------------------------------------------------------------------
# Accounts (HQ): list, create, edit, reset a password. The generated password is shown once, in
# the response to the POST that made it, never stored, never put in a message or a redirect.


def _manageable(request: HttpRequest):
    return accounts.manageable_by(request.user)  # PermissionDenied for anyone but HQ


def _password_shown(request: HttpRequest, account: User, password: str, *, created: bool):
    response = render(
        request,
        "org/account_password.html",
        {"account": account, "password": password, "created": created},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:50]
    role = request.GET.get("role", "")
    found = accounts.search(_manageable(request), query)
    if role in Role.values:
        found = found.filter(role=role)
    found = found.select_related("scope", "unit", "person").order_by("-is_active", "username")
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "org/accounts.html",
        {"page": page, "query": query, "role": role, "roles": Role.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_new(request: HttpRequest) -> HttpResponse:
    _manageable(request)
    form = AccountForm(request.POST or None, hq=request.user)
    if request.method == "POST" and form.is_valid():
        account = form.save(commit=False)
        password = accounts.create_account(request.user, account)
        return _password_shown(request, account, password, created=True)
    return render(request, "org/account_form.html", {"form": form, "account": None})


@login_required
@require_http_methods(["GET", "POST"])
def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(_manageable(request), pk=pk)
    form = AccountForm(request.POST or None, instance=account, hq=request.user)
    if request.method == "POST" and form.is_valid():
        values = {
            name: form.cleaned_data[name]
            for name, field in form.fields.items()
            if not field.disabled
        }
        try:
            changes = accounts.update_account(request.user, account, values)
        except accounts.AccountError as error:
            messages.error(request, str(error))
            return redirect("org:account_edit", pk=pk)
        messages.success(request, "账号已保存" if changes else "没有修改")
        return redirect("org:accounts")
    return render(request, "org/account_form.html", {"form": form, "account": account})


@login_required
@require_POST
def account_password(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(_manageable(request), pk=pk)
    password = accounts.reset_password(request.user, account)
    return _password_shown(request, account, password, created=False)
