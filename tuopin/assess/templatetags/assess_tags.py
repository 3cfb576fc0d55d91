from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ names|get_item:household_no }}``."""
    if mapping is None:
        return ""
    return mapping.get(key, "")


_STATUS = {
    True: '<span class="assess-dot pass">达标</span>',
    False: '<span class="assess-dot fail">未达标</span>',
    None: '<span class="assess-dot unknown">无数据</span>',
}


@register.filter
def status(passed):
    """``{{ item.passed|status }}``: 达标 / 未达标 / 无数据 as a coloured tag."""
    return mark_safe(_STATUS.get(passed, _STATUS[None]))  # noqa: S308 - constant markup
