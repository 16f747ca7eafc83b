"""The comment analysis pages: the overview (``/comments/``: topics, sentiment, the trend per month
and the word cloud), the comments of a topic or a sentiment (``/comments/list/``) and the lexicon
the office edits (``/comments/lexicon/``).

Who: the civility office and system administrators read every department and edit the lexicon; a
department head reads their departments (another department in the address answers 404, the
lexicon 403); everyone else gets 403, anonymous visitors the login page."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.html import conditional_escape, format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.feedback.models import Feedback
from wenming.org.access import access_for, require_check
from wenming.org.selectors import hospital_today

from . import selectors, services
from .analysis import NEGATIVE, NEUTRAL, POSITIVE
from .forms import AnalysisFilterForm, LexiconEntryForm, LexiconFilterForm
from .models import LexiconCategory, LexiconEntry

PAGE_SIZE = 30
LEXICON_PAGE_SIZE = 100
TRY_MAX = 500


reader = require_check(selectors.may_read_comments)
office = require_check(selectors.may_manage_lexicon)


def _filters(request):
    """The filter form and the ids of the departments to count; 404 for a department the person
    may not read."""
    access = access_for(request.user)
    departments = selectors.scope_departments(access=access)
    code = request.GET.get("department", "")
    if code and not departments.filter(code=code).exists():
        raise Http404
    form = AnalysisFilterForm(request.GET or None, departments=departments, today=hospital_today())
    values = form.values()
    ids = selectors.scope_department_ids(access=access, department=values["department"])
    return form, values, ids


def _query(values: dict, **extra) -> str:
    query = {
        "department": values["department"].code if values.get("department") else "",
        "start": values["start"].isoformat(),
        "end": values["end"].isoformat(),
        **extra,
    }
    return urlencode({k: v for k, v in query.items() if v})


# --- The overview ---------------------------------------------------------------------------------


@reader
@require_GET
def analysis(request):
    form, values, ids = _filters(request)
    lexicon = selectors.current_lexicon()
    scope = {"department_ids": ids, "start": values["start"], "end": values["end"], "lexicon": lexicon}
    counts, words = selectors.overview(**scope)
    trend = selectors.topic_trend(**scope)
    context = {
        "form": form,
        "values": values,
        "counts": counts,
        "sentiments": [
            {"key": key, "label": label, "n": counts.sentiment[key], "share": counts.share(key), "css": css}
            for key, label, css in (
                (POSITIVE, pgettext("sentiment", "Positive"), "bg-success"),
                (NEUTRAL, pgettext("sentiment", "Neutral"), "bg-secondary"),
                (NEGATIVE, pgettext("sentiment", "Negative"), "bg-danger"),
            )
        ],
        "trend": trend,
        "trend_chart": trend.chart(),
        "trend_rows": trend.rows(),
        "cloud": selectors.word_cloud(words),
        "base_query": _query(values),
        "may_manage": selectors.may_manage_lexicon(access_for(request.user)),
    }
    if values.get("topic") or values.get("sentiment"):
        context.update(_comment_page(request, values, ids, lexicon))
    return render(request, "comments/analysis.html", context)


# --- The comments of a topic ----------------------------------------------------------------------


def highlight(text: str, words: list[str]):
    """The comment escaped, with ``words`` marked (longest first)."""
    if not words:
        return conditional_escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    parts = []
    last = 0
    for match in pattern.finditer(text):
        parts.append(conditional_escape(text[last : match.start()]))
        parts.append(format_html("<mark>{}</mark>", match.group(0)))
        last = match.end()
    parts.append(conditional_escape(text[last:]))
    return mark_safe("".join(str(p) for p in parts))  # noqa: S308 — every piece is escaped above


def _comment_page(request, values: dict, ids, lexicon) -> dict:
    topic = values.get("topic") or ""
    sentiment = values.get("sentiment") or ""
    matching = selectors.matching_comments(
        department_ids=ids,
        start=values["start"],
        end=values["end"],
        topic=topic,
        sentiment=sentiment,
        lexicon=lexicon,
    )
    page = Paginator(matching, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = Feedback.objects.filter(pk__in=list(page.object_list)).select_related("department", "staff")
    by_pk = {row.pk: row for row in rows}
    words = lexicon.topic_words(topic) if topic else sorted(lexicon.positive | lexicon.negative)
    feedback = []
    for pk in page.object_list:
        row = by_pk[pk]
        analysis = selectors.analyse(row.comment, lexicon=lexicon)
        row.marked = highlight(row.comment, words)
        row.topics = analysis.topics
        row.sentiment = analysis.sentiment
        feedback.append(row)
    query = _query(values, topic=topic, sentiment=sentiment)
    return {
        "topic": topic,
        "sentiment": sentiment,
        "sentiment_label": dict(AnalysisFilterForm.base_fields["sentiment"].choices).get(sentiment, ""),
        "comment_page": page,
        "comments": feedback,
        "list_query": query,
    }


@reader
@require_GET
def comment_list(request):
    """The comments of a topic and/or a sentiment, newest first, 30 a page (the list alone for HTMX)."""
    form, values, ids = _filters(request)
    lexicon = selectors.current_lexicon()
    context = {"form": form, "values": values, "base_query": _query(values)}
    context.update(_comment_page(request, values, ids, lexicon))
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "comments/_comments.html" if partial else "comments/list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- The lexicon ----------------------------------------------------------------------------------


def _apply_errors(form, error) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        for message in error.messages:
            form.add_error(None, message)


@office
@require_http_methods(["GET", "POST"])
def lexicon(request):
    """The lexicon, filtered, with the form to add a word and a box to try a comment on it."""
    adding = LexiconEntryForm(request.POST if request.method == "POST" else None, prefix="add")
    if request.method == "POST" and adding.is_valid():
        data = adding.cleaned_data
        try:
            entry = services.lexicon_add(
                by=request.user, word=data["word"], category=data["category"], topic=data["topic"]
            )
        except services.LexiconError as error:
            _apply_errors(adding, error)
        else:
            messages.success(
                request,
                _("“%(word)s” has been added as a %(category)s.")
                % {"word": entry.word, "category": entry.get_category_display()},
            )
            return redirect("comments:lexicon")
    filters = LexiconFilterForm(request.GET or None)
    entries = selectors.lexicon_entries(**filters.filters())
    page = Paginator(entries, LEXICON_PAGE_SIZE).get_page(request.GET.get("page"))
    tried = (request.GET.get("try") or "").strip()[:TRY_MAX]
    context = {
        "adding": adding,
        "filters": filters,
        "page": page,
        "counts": selectors.lexicon_counts(),
        "categories": LexiconCategory.choices,
        "topics": selectors.topic_names(),
        "tried": tried,
        "analysis": selectors.analyse(tried) if tried else None,
    }
    return render(request, "comments/lexicon.html", context, status=400 if adding.errors else 200)


def _entry_or_404(pk: int) -> LexiconEntry:
    entry = LexiconEntry.objects.filter(pk=pk).first()
    if entry is None:
        raise Http404
    return entry


@office
@require_http_methods(["GET", "POST"])
def lexicon_edit(request, pk: int):
    entry = _entry_or_404(pk)
    form = LexiconEntryForm(
        request.POST if request.method == "POST" else None,
        version=entry.version,
        initial={"word": entry.word, "category": entry.category, "topic": entry.topic},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.lexicon_update(
                entry=entry,
                by=request.user,
                expected_version=data["version"],
                word=data["word"],
                category=data["category"],
                topic=data["topic"],
            )
        except services.LexiconConflict:
            entry.refresh_from_db()
            form.mark_conflict(entry)
        except services.LexiconError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The word has been saved."))
            return redirect("comments:lexicon")
    status = 409 if getattr(form, "conflict_values", None) else 400 if form.errors else 200
    context = {"form": form, "entry": entry, "topics": selectors.topic_names()}
    return render(request, "comments/lexicon_edit.html", context, status=status)


@office
@require_POST
def lexicon_active(request, pk: int):
    """Turn a word off (``active=0``) or on again (``active=1``)."""
    entry = _entry_or_404(pk)
    active = request.POST.get("active") == "1"
    services.lexicon_set_active(entry=entry, by=request.user, active=active)
    if active:
        messages.success(request, _("“%(word)s” is in use again.") % {"word": entry.word})
    else:
        messages.success(request, _("“%(word)s” has been turned off.") % {"word": entry.word})
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("comments:lexicon")
