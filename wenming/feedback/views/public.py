"""The page behind a QR code (``/r/<code>/``): no login, a phone-sized standalone page (no
Bootstrap, no JavaScript needed, a few KB), a plain form POST back to the same address.

The POST is exempt from CSRF on purpose: nobody is logged in, so there is nothing to forge on
anyone's behalf, and a cookie would be one more thing WeChat's browser can lose. What the form
carries instead is a one-time ``submission_id`` (a double tap or resubmission counts once) and a
signed render time (the ``too_fast`` check). Unknown or retired codes get a kind 404 page, too many
submissions a kind 429 page. All the rules are in ``wenming.feedback.services``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.http import QueryDict
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from wenming.core.audit import client_ip
from wenming.org.selectors import current_hospital
from wenming.questionnaires.selectors import spec_for_version, version_in_use

from .. import services
from ..kiosk import kiosk_for_request
from ..selectors import code_lookup

PURPOSE = "outpatient"  # the questionnaire the QR page asks
KIOSK_PURPOSE = "inpatient"  # and a kiosk (at a discharge desk)
RATINGS = (5, 4, 3, 2, 1)  # drawn right to left so CSS alone can light the stars up to the chosen one


def public_page(request, template: str, context: dict, *, status: int = 200):
    """A public page: the hospital in its context, never cached (no login, no session)."""
    response = render(request, template, {"hospital": current_hospital(), **context}, status=status)
    add_never_cache_headers(response)
    return response


def _form(
    request,
    info,
    *,
    kiosk=None,
    questionnaire=None,
    submission_id: str | None = None,
    data=None,
    errors=None,
    status: int = 200,
):
    submission_id = submission_id or uuid.uuid4().hex
    return public_page(
        request,
        "feedback/rate.html",
        {
            "info": info,
            "submission_id": submission_id,
            "token": services.form_token(code=info.code, submission_id=submission_id),
            "ratings": RATINGS,
            "chosen": (data or {}).get("overall", ""),
            "comment": (data or {}).get("comment", ""),
            "errors": errors or {},
            "comment_max": services.COMMENT_MAX,
            "questionnaire": questionnaire,
            "answers": data,
            "kiosk": kiosk,
        },
        status=status,
    )


def _kept(data) -> QueryDict:
    """What the patient typed, to draw the form again (the comment cut to a sane length)."""
    kept = data.copy()
    kept["comment"] = data.get("comment", "")[: services.COMMENT_MAX * 2]
    return kept


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def rate(request, code: str):
    """The rating form (GET) and its submission (POST): the thank-you page, 400 with the form kept,
    404 for a code not in use, 429 above the rate limits."""
    info = code_lookup(code)
    if info is None:
        return public_page(request, "feedback/public_missing.html", {}, status=404)
    kiosk = kiosk_for_request(request, info.code)
    if request.method != "POST":
        return _form(request, info, kiosk=kiosk, questionnaire=version_in_use(KIOSK_PURPOSE if kiosk else PURPOSE))
    address = client_ip(request)
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    if not services.submission_allowed(code=info.code, client=services.client_key(address, user_agent)):
        response = public_page(request, "feedback/public_busy.html", {"info": info}, status=429)
        response["Retry-After"] = "60"
        return response
    data = request.POST
    # The version the form was drawn with (a new one may have been published since); none: only
    # the overall rating and the comment count.
    questionnaire = spec_for_version(data["qv"]) if data.get("qv") else None
    raw_submission = data.get("submission_id", "")
    try:
        submission_id = services.clean_submission_id(raw_submission)
    except services.FeedbackError:
        submission_id = None
    try:
        services.feedback_submit(
            code=info,
            overall=data.get("overall"),
            comment=data.get("comment", ""),
            submission_id=raw_submission,
            client=address,
            user_agent=user_agent,
            started_at=services.form_started_at(
                data.get("t", ""), code=info.code, submission_id=submission_id or raw_submission
            ),
            questionnaire=questionnaire,
            answers_data=data,
            kiosk=kiosk is not None,
        )
    except services.FeedbackError as error:
        errors = {field: " ".join(messages) for field, messages in error.message_dict.items()}
        return _form(
            request,
            info,
            kiosk=kiosk,
            questionnaire=questionnaire,
            submission_id=submission_id,
            data=_kept(data),
            errors=errors,
            status=400,
        )
    return public_page(
        request,
        "feedback/thanks.html",
        {"info": info, "kiosk": kiosk, "reset_seconds": settings.WENMING_KIOSK_RESET_SECONDS},
    )
