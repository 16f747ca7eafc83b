"""The hospital's settings (a singleton): :func:`hospital_update`."""

from __future__ import annotations

from django.core.files import File
from django.db import transaction

from wenming.core.audit import audit_log, changes, snapshot

from ..models import Hospital
from ..selectors import hospital_forget
from .common import _apply, _check_version, _require_text, validate_time_zone


@transaction.atomic
def hospital_update(
    *,
    by,
    name: str,
    short_name: str = "",
    time_zone: str = "Asia/Shanghai",
    logo: File | None = None,
    clear_logo: bool = False,
    expected_version: int | None = None,
) -> Hospital:
    """Save the hospital's settings (creating the singleton on first use).

    ``logo`` replaces the logo (already validated as an image by the form); ``clear_logo`` removes
    it; neither keeps it. The cached copy read by every page is dropped, now and after commit."""
    name = _require_text("name", name)
    time_zone = validate_time_zone(time_zone)
    hospital, created = Hospital.objects.select_for_update().get_or_create(
        pk=1, defaults={"name": name, "time_zone": time_zone}
    )
    if not created:
        _check_version(hospital, expected_version)
    fields = ["name", "short_name", "time_zone"]
    before = {} if created else {**snapshot(hospital, fields), "logo": hospital.logo.name}
    changed = _apply(hospital, {"name": name, "short_name": (short_name or "").strip(), "time_zone": time_zone})
    if logo is not None:
        hospital.logo = logo
        changed = True
    elif clear_logo and hospital.logo:
        hospital.logo = ""
        changed = True
    if changed or created:
        hospital.version += 1
        hospital.save()
        after = {**snapshot(hospital, fields), "logo": hospital.logo.name}
        audit_log(actor=by, action="org.hospital.updated", target=hospital, data=changes(before, after))
    hospital_forget()
    transaction.on_commit(hospital_forget)
    return hospital
