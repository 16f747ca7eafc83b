"""The rounds pages: the list, create/edit (draft), one round (state actions, completion, results),
feeding a standard, the sealed export (system administrators), a rater's ballots and ballot grid,
and a person's own results.

Who: the office and system administrators do everything (the sealed export: system administrators
only); the leadership group reads every round past draft and its results once closed; a department
head reads the rounds that evaluate their departments, their completion, and their results once
published; everyone with a staff record fills in their ballots and reads their own published
results. A round that is not yours answers 404; an action you may not take on a round you see, 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.core.exports import attachment
from wenming.org.access import access_for, require_check
from wenming.rectification.forms import apply_service_errors

from . import services
from .export import sealed_export
from .feed import round_feed
from .forms import BallotForm, FeedForm, RoundForm, SealedExportForm, initial_for
from .models import GROUP_ORDER, RaterGroup, Round, RoundFeed, RoundState, default_min_raters
from .selectors import (
    ballot_round_for_user,
    ballot_rounds,
    my_results,
    pending_ballots,
    round_completion,
    round_for_user,
    round_results,
    rounds_for_user,
    submitted_count,
)

STATE_BADGES = {
    RoundState.DRAFT: "text-bg-secondary",
    RoundState.OPEN: "text-bg-primary",
    RoundState.CLOSED: "text-bg-warning",
    RoundState.PUBLISHED: "text-bg-success",
}

rounds_required = require_check(services.may_read_rounds, not_found=True)
staff_required = require_check(services.has_staff, not_found=True)


def office_required(view):
    """404 for those who may not read rounds at all, 403 for readers who are not the office."""
    return rounds_required(require_check(services.is_office_access)(view))


def _round_or_404(user, pk) -> Round:
    round = round_for_user(user=user, pk=pk)
    if round is None:
        raise Http404
    return round


def _office_round(user, pk) -> Round:
    """A round the person sees (else 404) that they may manage (else 403)."""
    round = _round_or_404(user, pk)
    if not services.is_office(user):
        raise PermissionDenied
    return round


# --- The list and the form ------------------------------------------------------------------------


@rounds_required
@require_GET
def round_list(request):
    rounds = list(rounds_for_user(request.user).order_by("-opens_at", "-pk")[:200])
    for round in rounds:
        round.badge = STATE_BADGES[round.state]
    return render(request, "rounds/list.html", {"rounds": rounds, "is_office": services.is_office(request.user)})


def _save(request, form: RoundForm, round: Round | None):
    try:
        if round is None:
            return services.round_create(
                by=request.user, drop_extremes=form.cleaned_data["drop_extremes"], **form.service_fields()
            )
        return services.round_update(
            by=request.user,
            round=round,
            expected_version=form.cleaned_data["version"] or 0,
            drop_extremes=form.cleaned_data["drop_extremes"],
            **form.service_fields(),
        )
    except services.RoundError as exc:
        apply_service_errors(form, exc)
        if isinstance(exc, services.RoundConflict) and round is not None:
            form.data = form.data.copy()
            form.data["version"] = Round.objects.get(pk=round.pk).version
        return None


def _form_page(request, round: Round | None):
    if request.method == "POST":
        form = RoundForm(request.POST)
        if form.is_valid():
            saved = _save(request, form, round)
            if saved is not None:
                messages.success(request, _("The round was saved."))
                return redirect("rounds:detail", pk=saved.pk)
    elif round is None:
        today = timezone.localdate()
        form = RoundForm(
            initial={
                "purpose": "general",
                "period_key": str(today.year),
                "min_raters": default_min_raters(),
                "functional_sample": 5,
                "weight_self": 10,
                "weight_peer": 30,
                "weight_leader": 30,
                "weight_patient": 30,
            }
        )
    else:
        form = RoundForm(initial=initial_for(round))
    return render(request, "rounds/form.html", {"form": form, "round": round})


@office_required
@require_http_methods(["GET", "POST"])
def round_new(request):
    return _form_page(request, None)


@rounds_required
@require_http_methods(["GET", "POST"])
def round_edit(request, pk):
    round = _office_round(request.user, pk)
    if round.state != RoundState.DRAFT:
        messages.error(request, _("Only a draft round can be changed."))
        return redirect("rounds:detail", pk=round.pk)
    return _form_page(request, round)


# --- One round ------------------------------------------------------------------------------------


@rounds_required
@require_GET
def round_detail(request, pk):
    round = _round_or_404(request.user, pk)
    round.badge = STATE_BADGES[round.state]
    access = access_for(request.user)
    results = round_results(round=round, user=request.user)
    groups = list(round.groups.all())
    used = {g.group for g in groups}
    context = {
        "groups_in_order": [RaterGroup(g).label for g in GROUP_ORDER if g in used],
        "round": round,
        "groups": groups,
        "departments": list(round.departments.all()),
        "completion": round_completion(round=round, user=request.user) if round.state != RoundState.DRAFT else None,
        "results": results,
        "is_office": services.is_office(request.user),
        "is_sysadmin": access.is_system_admin,
        "feeds": list(RoundFeed.objects.filter(round=round).select_related("standard"))
        if services.is_office(request.user)
        else [],
    }
    return render(request, "rounds/detail.html", context)


ACTIONS = {
    "open": (services.round_open, _("The round is open and its ballots were sent out.")),
    "close": (services.round_close, _("The round is closed.")),
    "publish": (services.round_publish, _("The results are published.")),
}


@rounds_required
@require_POST
def round_act(request, pk, action):
    round = _office_round(request.user, pk)
    try:
        if action == "remind":
            sent = services.round_remind(by=request.user, round=round)
            messages.success(request, _("%(count)d raters were reminded.") % {"count": sent})
        elif action in ACTIONS:
            service, done = ACTIONS[action]
            try:
                version = int(request.POST.get("version", ""))
            except ValueError:
                version = -1
            service(by=request.user, round=round, expected_version=version)
            messages.success(request, done)
        else:
            raise Http404
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("rounds:detail", pk=round.pk)


@rounds_required
@require_http_methods(["GET", "POST"])
def round_feed_page(request, pk):
    round = _office_round(request.user, pk)
    form = FeedForm(request.POST or None, initial={"period_key": round.period_key})
    if request.method == "POST" and form.is_valid():
        try:
            feed = round_feed(round=round, by=request.user, **form.cleaned_data)
        except services.RoundError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(count)d scores were recorded on %(standard)s %(item)s.")
                % {"count": feed.records.count(), "standard": feed.standard.code, "item": feed.item_code},
            )
            return redirect("rounds:detail", pk=round.pk)
    return render(request, "rounds/feed.html", {"round": round, "form": form})


@rounds_required
@require_http_methods(["GET", "POST"])
def sealed_export_page(request, pk):
    round = _round_or_404(request.user, pk)
    if not access_for(request.user).is_system_admin:
        raise PermissionDenied
    form = SealedExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            content = sealed_export(round=round, by=request.user, reason=form.cleaned_data["reason"])
        except services.RoundError as exc:
            apply_service_errors(form, exc)
        else:
            return attachment(content, _("sealed-ballots-%(pk)s.xlsx") % {"pk": round.pk})
    return render(request, "rounds/sealed.html", {"round": round, "form": form})


# --- Ballots --------------------------------------------------------------------------------------


@staff_required
@require_GET
def ballot_list(request):
    return render(request, "rounds/ballots.html", {"rows": ballot_rounds(user=request.user)})


@staff_required
@require_http_methods(["GET", "POST"])
def ballot_grid(request, pk):
    round = ballot_round_for_user(user=request.user, pk=pk)
    if round is None:
        raise Http404
    accepts = services.round_accepts_ballots(round)
    ballots = pending_ballots(user=request.user, round=round) if accepts else []
    form = BallotForm(request.POST if request.method == "POST" else None, ballots=ballots)
    if request.method == "POST":
        if not accepts:
            messages.error(request, _("This round no longer takes ballots."))
            return redirect("rounds:ballot", pk=round.pk)
        if form.is_valid():
            scores = form.scores()
            if not scores:
                form.add_error(None, _("Enter at least one score."))
            else:
                try:
                    count = services.ballots_submit(by=request.user, round=round, scores=scores)
                except services.RoundError as exc:
                    apply_service_errors(form, exc)
                else:
                    messages.success(request, _("%(count)d ballots were submitted.") % {"count": count})
                    return redirect("rounds:ballot", pk=round.pk)
    context = {
        "round": round,
        "form": form,
        "accepts": accepts,
        "submitted": submitted_count(user=request.user, round=round),
        "not_yet": round.state == RoundState.OPEN and timezone.now() < round.opens_at,
    }
    return render(request, "rounds/ballot_grid.html", context)


@staff_required
@require_GET
def my_results_page(request):
    return render(request, "rounds/mine.html", {"rows": my_results(user=request.user)})
