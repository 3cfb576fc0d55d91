"""The project's JSON API (django-ninja): one NinjaAPI, a router per app, docs at /api/docs.

Authentication is the web session (with CSRF) or an ``Authorization: Bearer`` API token.
"""

from __future__ import annotations

import importlib
import importlib.util

import pydantic
from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import SessionAuth

from tuopin.org import bad_input
from tuopin.org.api import TokenAuth
from tuopin.org.api import router as org_router

api = NinjaAPI(
    title="tuopin API",
    version="1",
    description="脱贫攻坚指挥部接口：组织机构、作战计划、周报、档案、评估、台账、指挥调度。",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    # The product runs offline: the UI comes from django-ninja's own static files ('ninja' in
    # INSTALLED_APPS) and never asks the public schema validator about our schema.
    docs=Swagger(settings={"validatorUrl": None}),
)
api.add_router("/org/", org_router)

# Each domain app that has an ``api.py`` with a ``router`` is mounted at /api/<app>/.
for _app in (
    "plan",
    "reports",
    "registry",
    "assess",
    "cases",
    "command",
    "projects",
    "villages",
    "water",
    "jobs",
    "households",
    "bulletin",
    "dashboard",
):
    if importlib.util.find_spec(f"tuopin.{_app}.api") is not None:
        api.add_router(f"/{_app}/", importlib.import_module(f"tuopin.{_app}.api").router)


@api.exception_handler(ValidationError)
def _invalid(request, error: ValidationError):
    problems = []
    for item in error.errors:
        location = ".".join(
            str(part) for part in item.get("loc", ()) if part not in ("body", "payload")
        )
        problems.append({"field": location, "message": _chinese_reason(item)})
    return api.create_response(
        request, {"detail": "请求数据不合法", "errors": problems}, status=422
    )


def _bad_input(request, error: Exception):
    # A value that passed the schema but not parsing or storing (see org/bad_input.py).
    bad_input.log_refusal(request, error)
    return api.create_response(
        request,
        {"detail": bad_input.reason(error), "errors": []},
        status=400,
    )


for _error in bad_input.BAD_INPUT_ERRORS:
    api.add_exception_handler(_error, _bad_input)


@api.exception_handler(pydantic.ValidationError)
def _response_out_of_shape(request, error: pydantic.ValidationError):
    # A ValueError too, but raised when *our* output does not fit its schema: a server bug,
    # which must stay a 500 (and fail the schemathesis run) rather than blame the client.
    raise error


@api.exception_handler(HttpError)
def _http_error(request, error: HttpError):
    # Our own HttpErrors carry Chinese messages; django-ninja's own (an unparsable body) do not.
    message = error.message
    if not any("\u4e00" <= char <= "\u9fff" for char in message):
        message = (
            "请求体无法解析：应为合法的 JSON 或表单数据"
            if error.status_code == 400
            else "请求无法处理"
        )
    return api.create_response(request, {"detail": message, "errors": []}, status=error.status_code)


@api.exception_handler(PermissionDenied)
def _forbidden(request, error: PermissionDenied):
    return api.create_response(request, {"detail": str(error) or "没有权限"}, status=403)


@api.exception_handler(Http404)
def _not_found(request, error: Http404):
    return api.create_response(request, {"detail": "未找到或无权查看"}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, error: AuthenticationError):
    return api.create_response(request, {"detail": "请先登录或提供有效的接口令牌"}, status=401)


def _chinese_reason(item: dict) -> str:
    kind = item.get("type", "")
    reasons = {
        "missing": "缺少此字段",
        "int_parsing": "应为整数",
        "float_parsing": "应为数字",
        "decimal_parsing": "应为数字",
        "bool_parsing": "应为 true 或 false",
        "string_type": "应为文本",
        "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
        "date_parsing": "应为日期（YYYY-MM-DD）",
        "datetime_parsing": "应为时间（ISO 8601）",
        "json_invalid": "不是合法的 JSON",
        "greater_than_equal": "数值过小",
        "less_than_equal": "数值过大",
        "greater_than": "数值过小",
        "less_than": "数值过大",
        "int_from_float": "应为整数",
        "finite_number": "应为有限数字",
        "string_too_long": "文本过长",
        "list_type": "应为列表",
        "dict_type": "应为对象",
        "model_attributes_type": "应为对象",
        "enum": "不是可选的取值",
        "literal_error": "不是可选的取值",
    }
    if kind == "value_error":
        # Our own validators (lib/bounds.py) raise Chinese messages: pass them on.
        error = item.get("ctx", {}).get("error")
        return str(error) if error is not None else "取值不合法"
    if kind in reasons:
        return reasons[kind]
    return "取值不合法"
