"""The quarterly reviews (承诺践诺评议, ``reviews/``): the list of a quarter, generating the drafts,
one review with its figures, the office's conclusion, publishing and withdrawing.

Who: the office sees every review (drafts too) and does everything; the leadership group reads the
published ones; a department head reads the published ones of their departments (another
department's, or a draft: 404); everyone else 403."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.org.access import access_for
from wenming.org.selectors import hospital_today

from .. import permissions, reviews, selectors
from ..forms import GenerateForm, ReviewForm, WithdrawForm
from ..models import ReviewStatus
from ..services import CommitmentConflict
from .common import office_only, reviews_reader, section_links, show_conflict


def _list_url(period_key: str) -> str:
    return f"{reverse('commitments:reviews')}?period={period_key}"


@reviews_reader
@require_GET
def review_list(request):
    access = access_for(request.user)
    today = hospital_today()
    periods = selectors.review_periods(access=access)
    default = periods[0] if periods else reviews.last_finished_quarter(today).key
    period_key = request.GET.get("period") or default
    rows = list(selectors.reviews_for_access(access=access).filter(period_key=period_key).order_by("department__path"))
    is_office = permissions.is_office(access)
    return render(
        request,
        "commitments/reviews.html",
        {
            "rows": rows,
            "period_key": period_key,
            "periods": sorted(set(periods) | {period_key}, reverse=True),
            "is_office": is_office,
            "generate_form": GenerateForm(initial={"period": reviews.last_finished_quarter(today).key}, today=today)
            if is_office
            else None,
            "links": section_links(request, "reviews"),
            "counts": selectors.review_counts(
                selectors.reviews_for_access(access=access).filter(period_key=period_key)
            ),
        },
    )


@office_only
@require_POST
def review_generate(request):
    form = GenerateForm(request.POST, today=hospital_today())
    if not form.is_valid():
        messages.error(request, _("Choose a quarter such as 2026-Q3."))
        return redirect("commitments:reviews")
    period_key = form.cleaned_data["period"]
    try:
        counts = reviews.reviews_generate(by=request.user, period_key=period_key)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _(
                "Reviews generated: %(created)d new, %(refreshed)d drafts refreshed, "
                "%(published)d published left as they are."
            )
            % counts,
        )
    return redirect(_list_url(period_key))


def _review_or_404(request, pk: int):
    review = selectors.review_for_user(user=request.user, pk=pk)
    if review is None:
        raise Http404
    return review


def _conflict(form, review, error) -> None:
    show_conflict(form, error, review)


@reviews_reader
@require_http_methods(["GET", "POST"])
def review_detail(request, pk: int):
    """A review's figures; for the office the conclusion form (a draft) or the withdraw form."""
    review = _review_or_404(request, pk)
    is_office = permissions.is_office(access_for(request.user))
    form = ReviewForm(initial={"conclusion": review.conclusion, "reason": review.reason, "version": review.version})
    withdraw = WithdrawForm(initial={"version": review.version})
    status = 200
    if request.method == "POST":
        if not is_office:
            raise PermissionDenied
        action = request.POST.get("action", "save")
        if action == "withdraw":
            withdraw = WithdrawForm(request.POST)
            if withdraw.is_valid():
                try:
                    reviews.review_withdraw(
                        by=request.user,
                        review=review,
                        expected_version=withdraw.cleaned_data["version"],
                        reason=withdraw.cleaned_data["withdraw_reason"],
                    )
                except ValidationError as error:
                    _conflict(withdraw, review, error)
                    status = 409 if isinstance(error, CommitmentConflict) else 400
                else:
                    messages.success(request, _("The review has been withdrawn; it is a draft again."))
                    return redirect("commitments:review", pk=review.pk)
            else:
                status = 400
        else:
            form = ReviewForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    with transaction.atomic():  # "save and publish": both or neither
                        review = reviews.review_update(
                            by=request.user,
                            review=review,
                            expected_version=data["version"],
                            conclusion=data["conclusion"],
                            reason=data["reason"],
                        )
                        if action == "publish":
                            reviews.review_publish(by=request.user, review=review, expected_version=review.version)
                except ValidationError as error:
                    _conflict(form, review, error)
                    status = 409 if isinstance(error, CommitmentConflict) else 400
                else:
                    if action == "publish":
                        messages.success(request, _("The review has been published."))
                    else:
                        messages.success(request, _("The review has been saved."))
                    return redirect("commitments:review", pk=review.pk)
            else:
                status = 400
    return render(
        request,
        "commitments/review.html",
        {
            "review": review,
            "is_office": is_office,
            "form": form,
            "withdraw": withdraw,
            "published": review.status == ReviewStatus.PUBLISHED,
        },
        status=status,
    )
