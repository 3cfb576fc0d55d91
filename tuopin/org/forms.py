from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from tuopin.org import codes, throttle
from tuopin.org.models import Level, OrgUnit, ResponsibleUnit, User


class LoginForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput)


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's login form, counted by the same door as the site's (org.throttle)."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = throttle.authenticate(self.request, username, password)
            except throttle.LoginRefused as refusal:
                raise ValidationError(str(refusal), code="throttled") from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class OrgUnitForm(forms.ModelForm):
    """Admin form: the code decides level and parent, and must extend the parent's code."""

    class Meta:
        model = OrgUnit
        fields = ["code", "name", "parent", "is_poor_village", "longitude", "latitude", "is_active"]

    def clean_code(self) -> str:
        code = codes.normalize(self.cleaned_data["code"])
        try:
            codes.level_of(code)
        except codes.InvalidCode as error:
            raise ValidationError(str(error)) from None
        return code

    def clean(self):
        cleaned = super().clean()
        code, parent = cleaned.get("code"), cleaned.get("parent")
        if code and parent and codes.parent_code(code) != parent.code:
            raise ValidationError(
                {
                    "code": f"代码 {code} 必须以上级 {parent.name}（{parent.code}）的代码开头并多出一级"
                }
            )
        if code and parent is None and codes.parent_code(code) and len(code) > 6:
            expected = codes.parent_code(code)
            found = OrgUnit.objects.filter(code=expected).first()
            if found is None:
                raise ValidationError({"code": f"上级代码 {expected} 不存在"})
            cleaned["parent"] = found
            self.instance.parent = found
        if code:
            self.instance.level = codes.level_of(code)
        return cleaned


class AccountForm(forms.ModelForm):
    """An account as HQ edits it; the model's clean() checks that scope and unit fit the role."""

    class Meta:
        model = User
        fields = ["username", "first_name", "phone", "role", "scope", "unit", "is_active"]
        labels = {"first_name": "姓名", "is_active": "启用（取消勾选即停用，停用后无法登录）"}
        help_texts = {"username": "登录用的用户名：字母、数字或 @ . + - _", "is_active": ""}

    def __init__(self, *args, hq: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if hq.is_superuser or hq.scope_id is None:
            places = OrgUnit.objects.all()
        else:
            places = OrgUnit.objects.under(hq.scope.code)
        self.fields["scope"].queryset = places.exclude(level=Level.GROUP).order_by("code")
        self.fields["unit"].queryset = ResponsibleUnit.objects.filter(org_unit__in=places).order_by(
            "name"
        )
        # A new account needs a name; an old one saved without a name keeps working.
        self.fields["first_name"].required = self.instance.pk is None
        if self.instance.pk is None:
            del self.fields["is_active"]
        else:
            # Shown, not changed: the login name is how the person signs in.
            self.fields["username"].disabled = True
            self.fields["username"].help_text = "用户名不可修改"
