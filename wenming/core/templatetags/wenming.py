from django import template

from wenming.core import formatting

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **changes) -> str:
    """The current query string with some parameters replaced (for pagination links)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.filter
def minutes(value) -> int:
    """Whole minutes of a timedelta (for "try again in N minutes")."""
    try:
        return max(1, int(value.total_seconds() // 60))
    except AttributeError:
        return 0


@register.inclusion_tag("core/_section_tabs.html", takes_context=True)
def section_tabs(context, section: str) -> dict:
    """The tabs of a section (see ``wenming.core.navigation``) for the person viewing the page."""
    from wenming.core.navigation import tabs_for

    request = context["request"]
    return {"tabs": tabs_for(section, context["access"], request.path), "section": section}


@register.filter
def percent(value, places: int = 1) -> str:
    """``{{ rate|percent }}``, ``{{ rate|percent:2 }}``: see :func:`wenming.core.formatting.percent`."""
    return formatting.percent(value, places)


@register.filter
def percent_width(value) -> str:
    """A rate (0–1) as a CSS width, for bars: ``0.25`` → ``25.0%``."""
    from decimal import Decimal

    if value in (None, ""):
        return "0%"
    return f"{max(Decimal(0), min(Decimal(100), Decimal(value) * 100)):.1f}%"


@register.filter
def normalize(value) -> str:
    """A Decimal without trailing zeros: ``1.50`` → ``1.5``, ``1.00`` → ``1``."""
    from decimal import Decimal

    if value in (None, ""):
        return ""
    text = format(Decimal(value).normalize(), "f")
    return text
