"""403, 404 and 500 are styled Chinese pages with navigation and the reason (issue 13 item 7)."""

from __future__ import annotations

from django.test import Client
from django.views.defaults import server_error


def test_it_explains_a_404_in_chinese_with_navigation(world, login):
    response = login(world.cadre).get("/registry/household/6103270000000000/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在（404）" in page
    assert "这条记录不在您的辖区内" in page
    assert 'class="mainnav"' in page
    assert "No Household matches" not in page
    assert "Not Found" not in page


def test_it_shows_the_projects_own_404_reason(world, login):
    response = login(world.hq).get("/dashboard/milestones/")
    assert response.status_code == 404
    assert "尚未导入作战计划" in response.content.decode()


def test_it_explains_a_403_with_the_reason_and_the_role(world, login):
    response = login(world.reporter).get("/reports/rates/")
    page = response.content.decode()
    assert response.status_code == 403
    assert "没有权限（403）" in page
    assert "签报率统计仅对县级用户开放" in page
    assert "（单位填报员）" in page
    assert 'class="mainnav"' in page
    assert "Forbidden" not in page


def test_it_explains_an_expired_form_in_chinese(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "hq", "password": "x"})
    page = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期，未保存（403）" in page
    assert "CSRF verification failed" not in page


def test_it_renders_the_500_page_without_the_database(rf):
    # No `db` fixture: any query the page tried would raise here.
    response = server_error(rf.get("/reports/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "系统出错（500）" in page
    assert 'href="/"' in page
    assert "Server Error" not in page


def test_it_shows_an_anonymous_visitor_the_404_page_without_a_menu(db, client):
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在（404）" in page
    assert 'class="mainnav"' not in page
