"""The public department page ``/p/<department code>/``: no login, no JavaScript, phone-sized,
cached briefly (see :mod:`wenming.commitments.public`). Rendered without the request (no session,
no cookies), the same page for everyone. When the office has not published the pages, or the
department is unknown, closed or its page switched off: a kind 404 page."""

from __future__ import annotations

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from wenming.org.selectors import current_hospital

from .. import public


@require_safe
def department_page(request, code: str):
    settings = public.public_settings()
    hospital = current_hospital()
    page = public.public_page(code, settings=settings) if settings.enabled else None
    if page is None:
        html = render_to_string("commitments/public_missing.html", {"hospital": hospital, "open": settings.enabled})
        response = HttpResponse(html, status=404)
        patch_cache_control(response, public=True, max_age=60)
        return response
    html = render_to_string("commitments/public.html", {"hospital": hospital, "page": page, "settings": settings})
    response = HttpResponse(html)
    patch_cache_control(response, public=True, max_age=public.PUBLIC_SECONDS)
    return response
