"""Filters that print snapshot values the same way the .docx does (tuopin.bulletin.wording)."""

from __future__ import annotations

from django import template

from tuopin.bulletin import wording

register = template.Library()

register.filter("figure", wording.number)
register.filter("cn_date", wording.chinese_date)
register.filter("short_date", wording.short_date)
register.filter("moment", wording.moment)
register.filter("movement", wording.movement)
register.filter("names", wording.join_names)


@register.filter
def with_unit(value, unit):
    return wording.with_unit(value, unit)


@register.filter
def status_tag(status):
    tag = wording.STATUS_TAGS.get(status, "")
    return f"tag tag-{tag}" if tag else "tag"


@register.filter
def lookup(mapping, key):
    return (mapping or {}).get(key)
