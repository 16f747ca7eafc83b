import zoneinfo

from django.conf import settings
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


class RealClientAddressMiddleware:
    """Behind nginx, REMOTE_ADDR is the proxy's address. When the request comes from one of
    TRUSTED_PROXIES, take the client's address from the X-Real-IP header nginx sets, so the
    audit log and login records show the person's machine, not the proxy."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.trusted = frozenset(settings.TRUSTED_PROXIES)

    def __call__(self, request):
        real = request.META.get("HTTP_X_REAL_IP", "").strip()
        if real and request.META.get("REMOTE_ADDR") in self.trusted:
            request.META["REMOTE_ADDR"] = real
        return self.get_response(request)
