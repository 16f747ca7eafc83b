"""The alert pages: the list (``/alerts/``, filters, the open count, acknowledging in place with
HTMX), one alert (``/alerts/<pk>/``) and the rules the office sets (``/alerts/rules/``).

Who: the civility office and system administrators see every alert and change the rules; a
department head sees and acknowledges the alerts of their departments (and those under them), gets
404 for another department's alert and 403 on the rules; everyone else gets 403, anonymous visitors
the login page."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.org.access import access_for, require_check

from . import selectors, services
from .forms import AcknowledgeForm, AlertFilterForm, RuleForm, apply_service_errors
from .models import AlertKind, AlertRule

PAGE_SIZE = 50


reader = require_check(selectors.may_read_alerts)
office = require_check(selectors.may_manage_rules)


def _alert_or_404(request, pk: int):
    alert = selectors.alert_for_user(access=access_for(request.user), pk=pk)
    if alert is None:
        raise Http404
    return alert


# --- The list -------------------------------------------------------------------------------------


@reader
@require_GET
def alert_list(request):
    """The alerts the person may see, newest first, filtered, 50 a page; the results alone for HTMX."""
    access = access_for(request.user)
    form = AlertFilterForm(request.GET or None, departments=selectors.alert_departments(access=access))
    filters = form.filters()
    status = filters.pop("status", "")
    alerts = selectors.alert_list(access=access, **filters)
    counts = selectors.status_counts(alerts)
    if status:
        alerts = alerts.filter(status=status)
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("status", None)
    context = {
        "form": form,
        "page": page,
        "rows": selectors.decorate(page.object_list),
        "counts": counts,
        "status": status,
        "filtered": bool(filters or status),
        "count_query": query.urlencode(),
        "may_manage": selectors.may_manage_rules(access),
        "next_url": request.get_full_path(),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "alerts/_results.html" if partial else "alerts/list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- One alert ------------------------------------------------------------------------------------


@reader
@require_GET
def alert_detail(request, pk: int):
    alert = _alert_or_404(request, pk)
    access = access_for(request.user)
    context = {
        "alert": selectors.decorate([alert])[0],
        "may_acknowledge": selectors.may_acknowledge(access, alert),
        "form": AcknowledgeForm(),
        "next_url": request.get_full_path(),
    }
    return render(request, "alerts/detail.html", context)


def _next(request, alert) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("alerts:detail", args=[alert.pk])


@reader
@require_POST
def alert_acknowledge(request, pk: int):
    """Acknowledge an alert with a note. For HTMX the acknowledgement box is drawn again (with the
    refusal when someone was first or the note is missing); otherwise back to the page."""
    alert = _alert_or_404(request, pk)
    if not selectors.may_acknowledge(access_for(request.user), alert):
        raise PermissionDenied
    form = AcknowledgeForm(request.POST)
    error = None
    if form.is_valid():
        try:
            alert = services.alert_acknowledge(alert=alert, by=request.user, note=form.cleaned_data["note"])
        except services.AlertNotAllowed:
            raise PermissionDenied from None
        except services.AlertError as refusal:
            if hasattr(refusal, "error_dict"):
                apply_service_errors(form, refusal)
            else:
                error = " ".join(refusal.messages)
    if request.htmx:
        fresh = _alert_or_404(request, pk)
        context = {
            "alert": fresh,
            "may_acknowledge": True,
            "form": form if fresh.is_open else AcknowledgeForm(),
            "ack_error": error,
            "ack_done": not error and not form.errors,
            "next_url": request.POST.get("next", ""),
        }
        return render(request, "alerts/_ack.html", context)
    if error:
        messages.error(request, error)
    elif form.errors:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    else:
        messages.success(request, _("The alert has been acknowledged."))
    return redirect(_next(request, alert))


# --- The rules ------------------------------------------------------------------------------------


@office
@require_GET
def rule_list(request):
    return render(
        request,
        "alerts/rules.html",
        {"rules": selectors.rule_list(), "kinds": AlertKind.choices},
    )


def _rule_initial(rule: AlertRule) -> dict:
    return {
        "name": rule.name,
        "active": rule.active,
        "threshold": rule.threshold,
        "target": (rule.target * 100).quantize(Decimal("0.1")),
        "weeks": rule.weeks,
        "min_sample": rule.min_sample,
        "keywords": rule.keywords,
        "max_overall": rule.max_overall,
    }


@office
@require_http_methods(["GET", "POST"])
def rule_new(request, kind: str):
    if kind not in AlertKind.values:
        raise Http404
    template = AlertRule(kind=kind, name=str(AlertKind(kind).label), active=True, keywords=[])
    form = RuleForm(request.POST if request.method == "POST" else None, kind=kind, initial=_rule_initial(template))
    if request.method == "POST" and form.is_valid():
        try:
            services.alert_rule_create(by=request.user, kind=kind, **form.values())
        except services.AlertError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The rule has been added."))
            return redirect("alerts:rules")
    context = {"form": form, "kind_label": AlertKind(kind).label, "rule": None}
    return render(request, "alerts/rule_form.html", context, status=400 if form.errors else 200)


@office
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk: int):
    rule = selectors.rule_for_user(access=access_for(request.user), pk=pk)
    if rule is None:
        raise Http404
    form = RuleForm(
        request.POST if request.method == "POST" else None,
        kind=rule.kind,
        version=rule.version,
        initial=_rule_initial(rule),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.alert_rule_update(
                rule=rule, by=request.user, expected_version=form.cleaned_data["version"], **form.values()
            )
        except services.AlertConflict:
            rule.refresh_from_db()
            form.mark_conflict(rule)
        except services.AlertError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The rule has been saved."))
            return redirect("alerts:rules")
    context = {"form": form, "kind_label": rule.get_kind_display(), "rule": rule}
    status = 409 if getattr(form, "conflict_values", None) else 400 if form.errors else 200
    return render(request, "alerts/rule_form.html", context, status=status)
