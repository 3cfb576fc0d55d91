"""Bad input to the API answers a Chinese 400/422 JSON body, never a 500 (issue 12 item 5)."""

from __future__ import annotations

import json

import pydantic
import pytest

from tuopin.api import api
from tuopin.cases.models import InspectionVisit
from tuopin.org.models import ApiToken


@pytest.fixture
def hq_api(client, world):
    _token, key = ApiToken.issue(world.hq, "测试")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client


def _refused(response, status: int = 422) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["detail"]
    assert all("\u4e00" <= ch <= "\u9fff" for ch in body["detail"][:2])
    return body


@pytest.mark.parametrize(
    ("url", "field", "message"),
    [
        ("/api/cases/?offset=-1", "offset", "数值过小"),
        ("/api/cases/?limit=0", "limit", "数值过小"),
        ("/api/cases/?limit=100000", "limit", "数值过大"),
        ("/api/cases/99999999999999999999", "case_id", "数值过大"),
        ("/api/reports/periods/6/form?unit=1e20", "unit", "应为整数"),
        ("/api/reports/periods/6/form?unit=100000000000000000000", "unit", "数值过大"),
        ("/api/cases/backlog?at=0001-01-01T00:00:00", "at", "超出有效范围"),
        ("/api/assess/county?as_of=0001-01-01", "as_of", "超出有效范围"),
        ("/api/registry/households?offset=-5", "offset", "数值过小"),
        ("/api/plan/campaigns/1/actions?on=9999-12-31", "on", "超出有效范围"),
    ],
)
def test_it_refuses_out_of_bounds_query_values(hq_api, url, field, message):
    body = _refused(hq_api.get(url))
    [error] = body["errors"]
    assert error["field"].endswith(field)
    assert message in error["message"]


def test_it_reads_a_moment_without_zone_as_beijing_time(hq_api, frozen_clock):
    with frozen_clock("2018-07-20T16:00:00+08:00"):
        response = hq_api.get("/api/cases/backlog?at=2018-07-20T10:00:00")
    assert response.status_code == 200
    assert response.json()["at"] == "2018-07-20T10:00:00+08:00"


def test_it_refuses_oversized_integers_in_an_inspection(hq_api, world):
    body = {
        "org_code": world.cg_village.code,
        "visited_on": "2018-07-18",
        "inspectors": "督查组",
        "cadres_expected": 10**30,
        "files_checked": 10**30,
        "milestone_ids": [10**30],
    }
    response = hq_api.post("/api/cases/inspections", body, content_type="application/json")
    errors = _refused(response)["errors"]
    assert {e["field"] for e in errors} == {
        "cadres_expected",
        "files_checked",
        "milestone_ids.0",
    }
    assert InspectionVisit.objects.count() == 0


def test_it_refuses_an_inspection_dated_year_9999(hq_api, world):
    body = {"org_code": world.cg_village.code, "visited_on": "9999-12-31", "inspectors": "督查组"}
    response = hq_api.post("/api/cases/inspections", body, content_type="application/json")
    [error] = _refused(response)["errors"]
    assert error == {
        "field": "visited_on",
        "message": "日期 9999-12-31 超出有效范围（1900–2100 年）",
    }
    assert InspectionVisit.objects.count() == 0


def test_it_refuses_malformed_json_in_chinese(hq_api):
    response = hq_api.post("/api/cases/inspections", "{", content_type="application/json")
    assert _refused(response, 400)["detail"] == "请求体无法解析：应为合法的 JSON 或表单数据"


def test_it_keeps_an_answer_that_does_not_fit_its_schema_a_server_error(rf):
    # pydantic's ValidationError is a ValueError, but here it is our bug, not the client's.
    class Shape(pydantic.BaseModel):
        count: int

    with pytest.raises(pydantic.ValidationError) as raised:
        Shape.model_validate({"count": "many"})
    with pytest.raises(pydantic.ValidationError):
        api.on_exception(rf.get("/api/org/me"), raised.value)


def test_it_answers_a_value_parsing_refused_with_400(rf):
    response = api.on_exception(rf.get("/api/org/me"), OverflowError("int too large"))
    assert response.status_code == 400
    assert json.loads(response.content) == {
        "detail": "请求中有无法处理的取值（数字过大、日期超出范围或格式不正确），请检查后重试",
        "errors": [],
    }
