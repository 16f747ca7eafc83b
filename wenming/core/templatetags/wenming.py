from django import template

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
