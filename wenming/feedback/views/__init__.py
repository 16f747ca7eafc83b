"""Feedback pages: ``public`` (the page behind a QR code, no login) and ``office`` (the civility
office's list, review queue and codes)."""
