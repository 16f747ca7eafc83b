"""The Django admin can look at the ledger but never change it (changes go through the services)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from wenming.rectification.models import ItemState, RectificationItem, Source

pytestmark = pytest.mark.django_db


def test_the_admin_shows_items_but_refuses_every_change(admin_client, scenario):
    item = RectificationItem.objects.create(
        department=scenario.ward, problem="走廊杂物堆放", source=Source.FINDING, deadline=dt.date(2026, 12, 1)
    )
    for name in ("rectificationitem", "extensionrequest", "itemevidence"):
        assert admin_client.get(reverse(f"admin:rectification_{name}_changelist")).status_code == 200
        assert admin_client.get(reverse(f"admin:rectification_{name}_add")).status_code == 403
    change = reverse("admin:rectification_rectificationitem_change", args=[item.pk])
    assert "走廊杂物堆放" in admin_client.get(change).content.decode()
    assert admin_client.post(change, {"state": "closed"}).status_code == 403
    delete = reverse("admin:rectification_rectificationitem_delete", args=[item.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    item.refresh_from_db()
    assert item.state == ItemState.LISTED
