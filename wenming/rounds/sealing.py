"""The sealed copy of each ballot's score: Fernet under ``settings.WENMING_BALLOT_KEY``.

Two places call :func:`unseal`: closing a round, which writes the anonymous score table from the
seals with no link back (``services._tally_scores``), and the system administrators' audited
export (``export.sealed_export``, with a reason) — the only place a rater meets their score.
An empty setting derives the key from ``SECRET_KEY`` (SHA-256, url-safe
base64), so a key is always there; changing either makes older seals unreadable."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def ballot_key() -> bytes:
    """The Fernet key (32 url-safe base64 bytes) ballots are sealed with."""
    configured = getattr(settings, "WENMING_BALLOT_KEY", "") or ""
    if configured:
        return configured.encode() if isinstance(configured, str) else configured
    digest = hashlib.sha256(b"wenming.rounds.ballot:" + settings.SECRET_KEY.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def seal(value: int) -> str:
    return Fernet(ballot_key()).encrypt(str(int(value)).encode()).decode()


def unseal(token: str) -> int | None:
    """The score a seal holds; None when it cannot be read (another key, or damaged)."""
    if not token:
        return None
    try:
        return int(Fernet(ballot_key()).decrypt(token.encode()).decode())
    except (InvalidToken, ValueError):
        return None
