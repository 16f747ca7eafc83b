import zoneinfo

from django.utils import timezone

from wenming.org.selectors import current_hospital


class HospitalTimezoneMiddleware:
    """Show times in the hospital's time zone (Hospital.time_zone, default Asia/Shanghai)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        hospital = current_hospital()
        try:
            timezone.activate(zoneinfo.ZoneInfo(hospital.time_zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
