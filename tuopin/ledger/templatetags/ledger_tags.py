from django import template

register = template.Library()


@register.filter
def tiles(plan, declared):
    """The review page's count tiles: ``(number, label, css class)`` for each declared
    ``(count key, label, css class)`` of a ledger's pages."""
    counts = plan.counts or {}
    return [(counts.get(key, 0), label, css) for key, label, css in declared]
