"""Web pages: the archive, one issue (printable, phone-readable), downloads, compose and publish.

Published issues are readable by every logged-in user of the county; drafts, composing,
publishing, corrections and settings are for holders of ``bulletin.publish`` (HQ).
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from tuopin.bulletin import actions, charts, sections
from tuopin.bulletin.compose import campaign_span
from tuopin.bulletin.docx import render_docx
from tuopin.bulletin.models import Bulletin, BulletinSettings, Status, county_codes_of
from tuopin.bulletin.weeks import Week, WeekError
from tuopin.lib import bounds, clock
from tuopin.org.access import can
from tuopin.plan.models import Campaign

CHART_CACHE_SECONDS = 3600
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _campaigns(user):
    """Campaigns whose bulletins the user reads: those of the user's county."""
    if user.is_superuser:
        return Campaign.objects.all()
    return Campaign.objects.filter(county__code__in=county_codes_of(user))


def _bulletin(request: HttpRequest, pk: int) -> Bulletin:
    return get_object_or_404(
        Bulletin.objects.visible_to(request.user).select_related(
            "campaign", "campaign__county", "published_by", "replaces"
        ),
        pk=pk,
    )


def _publishable_campaign(request: HttpRequest, raw: str | None) -> Campaign:
    campaign = get_object_or_404(_campaigns(request.user), pk=bounds.parse_id(raw))
    if not can(request.user, "bulletin.publish", campaign):
        raise PermissionDenied("您没有权限编发周通报")
    return campaign


def _default_week(campaign: Campaign) -> str:
    """This week, clamped into the campaign's span."""
    start, end = campaign_span(campaign)
    today = clock.today()
    if end is not None and today > end:
        today = end
    return str(Week.of(max(today, start)))


@login_required
def archive(request: HttpRequest) -> HttpResponse:
    user = request.user
    bulletins = list(
        Bulletin.objects.visible_to(user)
        .select_related("campaign", "published_by", "replaces")
        .defer("docx", "snapshot")
        .order_by("-week", "-version", "-id")
    )
    replaced = {b.replaces_id for b in bulletins if b.replaces_id}
    campaigns = list(_campaigns(user).order_by("-issued_on", "-id"))
    publishable = [c for c in campaigns if can(user, "bulletin.publish", c)]
    return render(
        request,
        "bulletin/archive.html",
        {
            "published": [b for b in bulletins if b.status == Status.PUBLISHED],
            "drafts": [b for b in bulletins if b.status == Status.DRAFT],
            "replaced": replaced,
            "publishable": [
                {
                    "campaign": c,
                    "week": _default_week(c),
                    "settings": BulletinSettings.for_campaign(c),
                }
                for c in publishable
            ],
        },
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = _bulletin(request, pk)
    snapshot = bulletin.snapshot
    replaced_by = Bulletin.objects.filter(replaces=bulletin).only("pk", "number", "version").first()
    return render(
        request,
        "bulletin/detail.html",
        {
            "bulletin": bulletin,
            "s": snapshot,
            "chart_names": sorted(charts.available(snapshot)),
            "replaced_by": replaced_by,
            "may_publish": can(request.user, "bulletin.publish", bulletin.campaign),
            "verified": bulletin.verify(),
        },
    )


@login_required
def download_docx(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = _bulletin(request, pk)
    if bulletin.is_published and bulletin.docx:
        data = bytes(bulletin.docx)
    else:
        data = render_docx(bulletin.snapshot)
    response = HttpResponse(data, content_type=DOCX_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="bulletin-{bulletin.week}.docx"; '
        f"filename*=UTF-8''{quote(bulletin.docx_filename)}"
    )
    return response


@login_required
def chart_png(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    bulletin = _bulletin(request, pk)
    if bulletin.is_published:
        # A published snapshot never changes, so its charts can be kept as drawn.
        key = f"bulletin-chart:{bulletin.content_hash}:{name}"
        drawn = cache.get(key)
        if drawn is None:
            drawn = charts.draw(bulletin.snapshot, name)
            cache.set(key, drawn, CHART_CACHE_SECONDS)
    else:
        drawn = charts.draw(bulletin.snapshot, name)
    if drawn is None:
        raise Http404("没有这张图")
    response = HttpResponse(drawn, content_type="image/png")
    if bulletin.is_published:
        response["Cache-Control"] = "private, max-age=86400"
    return response


@login_required
@require_POST
def compose_view(request: HttpRequest) -> HttpResponse:
    campaign = _publishable_campaign(request, request.POST.get("campaign"))
    week = request.POST.get("week", "")
    try:
        draft = actions.save_draft(campaign, week, actor=request.user)
    except WeekError as error:
        messages.error(request, str(error))
        return redirect("bulletin:archive")
    messages.success(request, f"已根据最新数据生成 {draft.week} 周通报草稿")
    return redirect("bulletin:detail", pk=draft.pk)


@login_required
@require_POST
def publish_view(request: HttpRequest) -> HttpResponse:
    """Publishing is two steps: this page names what is still missing, then HQ confirms."""
    campaign = _publishable_campaign(request, request.POST.get("campaign"))
    try:
        week = actions.current_or_past_week(campaign, request.POST.get("week", ""))
    except WeekError as error:
        messages.error(request, str(error))
        return redirect("bulletin:archive")
    if request.POST.get("confirm") != "yes":
        return _confirm_publish(request, campaign, week)
    try:
        bulletin = actions.publish_bulletin(campaign, week, actor=request.user)
    except (WeekError, actions.BulletinError) as error:
        messages.error(request, str(error))
        return redirect("bulletin:archive")
    messages.success(request, f"{bulletin.number_label}（{bulletin.week}）已发布，内容已冻结")
    return redirect("bulletin:detail", pk=bulletin.pk)


def _confirm_publish(request: HttpRequest, campaign: Campaign, week: Week) -> HttpResponse:
    published = actions.published_original(campaign, week)
    if published is not None:
        when = clock.local(published.published_at)
        messages.error(
            request,
            f"{week} 的周通报已于{when:%m月%d日 %H:%M}发布为{published.number_label}："
            "已发布的通报不能修改，如需更正请使用“更正重发”",
        )
        return redirect("bulletin:detail", pk=published.pk)
    draft = Bulletin.objects.filter(campaign=campaign, week=str(week), status=Status.DRAFT).first()
    outstanding = sections.outstanding(campaign, week, clock.now())
    return render(
        request,
        "bulletin/confirm_publish.html",
        {
            "campaign": campaign,
            "week": week,
            "number": actions.next_number(campaign),
            "draft": draft,
            "outstanding": outstanding,
            "now": clock.now(),
        },
    )


@login_required
@require_POST
def delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Deleting a draft is two steps too: a confirmation page, then the delete."""
    bulletin = _bulletin(request, pk)
    if not can(request.user, "bulletin.publish", bulletin.campaign):
        raise PermissionDenied("您没有权限删除周通报草稿")
    if request.POST.get("confirm") != "yes" and not bulletin.is_published:
        return render(request, "bulletin/confirm_delete.html", {"bulletin": bulletin})
    try:
        actions.delete_draft(bulletin, actor=request.user)
    except actions.BulletinError as error:
        messages.error(request, str(error))
        if Bulletin.objects.filter(pk=bulletin.pk).exists():
            return redirect("bulletin:detail", pk=bulletin.pk)
        return redirect("bulletin:archive")
    messages.success(request, f"已删除 {bulletin.week} 的周通报草稿")
    return redirect("bulletin:archive")


@login_required
@require_POST
def reissue_view(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = _bulletin(request, pk)
    if not can(request.user, "bulletin.publish", bulletin.campaign):
        raise PermissionDenied("您没有权限更正周通报")
    try:
        reason = actions.check_reissue(bulletin, request.POST.get("reason", ""))
        if request.POST.get("confirm") != "yes":
            return render(
                request, "bulletin/confirm_reissue.html", {"bulletin": bulletin, "reason": reason}
            )
        corrected = actions.reissue_bulletin(bulletin, reason=reason, actor=request.user)
    except actions.BulletinError as error:
        messages.error(request, str(error))
        return redirect("bulletin:detail", pk=bulletin.pk)
    messages.success(request, f"已发布{corrected.number_label}，原{bulletin.number_label}保留备查")
    return redirect("bulletin:detail", pk=corrected.pk)


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _publishable_campaign(request, campaign_id)
    row = BulletinSettings.for_campaign(campaign)
    errors: list[str] = []
    if request.method == "POST":
        values, errors = _settings_values(request.POST)
        if not errors:
            actions.update_settings(campaign, values, actor=request.user)
            messages.success(request, "周通报设置已保存")
            return redirect("bulletin:archive")
        row = BulletinSettings(campaign=campaign, **{**_row_values(row), **values})
    return render(
        request,
        "bulletin/settings.html",
        {"campaign": campaign, "row": row, "errors": errors},
        status=400 if errors else 200,
    )


def _row_values(row: BulletinSettings) -> dict:
    return {
        "auto_publish": row.auto_publish,
        "publish_delay_minutes": row.publish_delay_minutes,
        "issuer": row.issuer,
        "title": row.title,
        "first_number": row.first_number,
    }


def _settings_values(data) -> tuple[dict, list[str]]:
    errors = []
    values: dict = {"auto_publish": data.get("auto_publish") == "on"}
    for field, label, low, high in (
        ("publish_delay_minutes", "截止后多少分钟自动发布", 0, 7 * 24 * 60),
        ("first_number", "起始期号", 1, 9999),
    ):
        raw = (data.get(field) or "").strip()
        try:
            number = int(raw)
        except ValueError:
            errors.append(f"“{label}”应为整数，收到“{raw}”")
            continue
        if not low <= number <= high:
            errors.append(f"“{label}”应在 {low}—{high} 之间，收到 {number}")
            continue
        values[field] = number
    for field, label in (("issuer", "发文机关"), ("title", "通报标题")):
        text = (data.get(field) or "").strip()
        if not text or len(text) > 100:
            errors.append(f"“{label}”不能为空，且不超过 100 字")
            continue
        values[field] = text
    return values, errors
