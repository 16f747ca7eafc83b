"""The error every inspection write raises for something a person can fix."""

from django.core.exceptions import ValidationError


class InspectionError(ValidationError):
    """An inspection write that cannot be done; the message (translated) says why."""
