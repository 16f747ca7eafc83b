"""Panels on the home page. Each app registers its panels in ``AppConfig.ready()``; a panel's
``context`` gets the request and the person's access and returns the template's context, or None
when the panel has nothing to show this person."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    context: Callable  # (request, access) -> dict | None
    order: int = 100


_PANELS: list[Panel] = []


def register_panel(panel: Panel) -> None:
    if all(existing.name != panel.name for existing in _PANELS):
        _PANELS.append(panel)
        _PANELS.sort(key=lambda p: p.order)


def panels_for(request, access) -> list[SafeString]:
    rendered = []
    for panel in _PANELS:
        context = panel.context(request, access)
        if context is not None:
            rendered.append(render_to_string(panel.template, context, request=request))
    return rendered
