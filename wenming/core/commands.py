"""A base for Wenming's management commands: messages in the hospital's language, or ``--language``."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation


class TranslatedCommand(BaseCommand):
    """Adds ``--language`` (default: the active language, else LANGUAGE_CODE) and runs ``handle``
    with it active, so every message the command prints is in that language.
    Subclasses call ``super().add_arguments(parser)`` and write ``handle`` as usual."""

    def add_arguments(self, parser):
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            help=f"language of the messages (default: {settings.LANGUAGE_CODE})",
        )

    def execute(self, *args, **options):
        language = options.get("language") or translation.get_language() or settings.LANGUAGE_CODE
        with translation.override(language):
            return super().execute(*args, **options)
