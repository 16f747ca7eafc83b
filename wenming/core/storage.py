"""Where uploaded files live.

Public media (the hospital logo) is under MEDIA_ROOT and served at MEDIA_URL. Private files —
import files with staff phone numbers, and later evidence and photos — live under
PRIVATE_MEDIA_ROOT, which no URL serves: a view hands them out after checking access."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """File storage under PRIVATE_MEDIA_ROOT (read at each use, so tests can point it elsewhere)."""

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through a view that checks access.")


_private = PrivateStorage()


def private_storage() -> PrivateStorage:
    return _private
