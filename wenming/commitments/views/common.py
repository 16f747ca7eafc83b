"""Shared by the commitments views: decorators and small helpers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from wenming.org.access import access_for, require_check

from .. import permissions
from ..forms import apply_errors

# Login, then 403 unless the person may open the section at all (any staff member may: /mine/).
opener = require_check(permissions.may_open)
# Login, then 403 unless the person may read departments' commitments (office, leadership, heads).
reader = require_check(permissions.may_read_departments)
reviews_reader = require_check(permissions.may_read_reviews)


# Login, then 403 for everyone but the office and system administrators.
office_only = require_check(permissions.is_office)


def ensure_may_edit(request, department) -> None:
    if not permissions.may_edit_department(access_for(request.user), department):
        raise PermissionDenied


def section_links(request, active: str) -> list[dict]:
    """The section's own links for this person: departments, their own, the reviews, and the
    office's set-up pages."""
    access = access_for(request.user)
    links = []
    if permissions.may_read_departments(access):
        links.append(("home", _("Departments"), reverse("commitments:home")))
    if access.staff_id is not None:
        links.append(("mine", _("My commitments"), reverse("commitments:mine")))
    if permissions.may_read_reviews(access):
        links.append(("reviews", _("Quarterly reviews"), reverse("commitments:reviews")))
    if permissions.is_office(access):
        links.append(("templates", _("Templates"), reverse("commitments:templates")))
        links.append(("public", _("Public pages"), reverse("commitments:public_setup")))
    return [{"label": label, "url": url, "active": key == active} for key, label, url in links]


def show_conflict(form, error, stored) -> None:
    """Someone saved ``stored`` after the form was shown: put the error on the form, keep what was
    typed, and move the form's version on so that a deliberate second save replaces theirs."""
    apply_errors(form, error)
    stored.refresh_from_db()
    data = form.data.copy()
    data["version"] = str(stored.version)
    form.data = data
