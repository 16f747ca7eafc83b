"""What the 医德考评 pages share: the guard, the cycle a URL names, and messages for refusals."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404

from wenming.org.access import access_for, require_check

from .. import selectors
from ..models import EthicsCycle
from ..services.common import may_open

evaluations_required = require_check(may_open, not_found=True)


def cycle_or_404(request, year: int) -> EthicsCycle:
    cycle = selectors.cycle_for_user(access=access_for(request.user), year=year)
    if cycle is None:
        raise Http404
    return cycle


def fail(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def form_errors(form) -> ValidationError:
    """Every error of a form that is not shown beside its field, as one error for the messages."""
    return ValidationError([e for errors in form.errors.values() for e in errors])


def fail_form(request, form) -> None:
    fail(request, form_errors(form))


def posted_version(data, name: str = "version") -> int:
    """The version a form was shown with; -1 when missing or garbled, which the services' version
    check then refuses as a conflict (never "no check")."""
    try:
        return int(data.get(name, ""))
    except (TypeError, ValueError):
        return -1
