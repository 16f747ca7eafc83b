"""The demo's public satisfaction board: published, showing the last full month, through the same
service as the settings page. Idempotent: a second run changes nothing (the office may have
changed the settings since; then they are left as they are)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from wenming.org.models import Role

from . import services
from .models import PublicBoard

DEMO_NOTE = "欢迎扫描各科室的二维码评价我们的服务。您的每一条意见，我们都会认真对待。监督电话：0716-8888888"


def load_demo_satisfaction() -> PublicBoard:
    """Publish the public board once (as the demo's civility office); returns the board."""
    board = PublicBoard.objects.filter(pk=1).first()
    if board is not None and board.updated_at is not None:
        return board
    users = get_user_model().objects.filter(is_active=True).order_by("pk")
    office = users.filter(roles__role=Role.OFFICE).first() or users.filter(roles__role=Role.SYSTEM_ADMIN).first()
    if office is None:
        return board or PublicBoard(pk=1)
    return services.public_board_update(
        by=office,
        enabled=True,
        title="患者满意度公示",
        period_key="",
        min_responses=30,
        note=DEMO_NOTE,
        expected_version=board.version if board else 1,
    )
