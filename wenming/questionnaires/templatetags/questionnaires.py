"""``{% question_rows spec data errors as rows %}``: a questionnaire version's questions ready to
draw as form fields, with what was typed (a POST or a dict) and the error of each."""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from ..models import RATING_LABELS, QuestionKind
from ..selectors import FormSpec, QuestionSpec
from ..services import posted_values

register = template.Library()


@dataclass(frozen=True)
class Row:
    question: QuestionSpec
    choices: list[tuple[str, str, bool]]  # (value, label, checked)
    text: str
    error: str

    @property
    def field(self) -> str:
        return self.question.field

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def choices_low_first(self) -> list[tuple[str, str, bool]]:
        """A rating from 1 up, as the stars of the overall rating read on the public page."""
        return self.choices[::-1] if self.kind == QuestionKind.RATING else self.choices


def _error(errors, field: str) -> str:
    if not errors:
        return ""
    value = errors.get(field)
    if not value:
        return ""
    return " ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)


@register.simple_tag
def question_rows(spec: FormSpec | None, data=None, errors=None) -> list[Row]:
    if spec is None:
        return []
    rows = []
    for q in spec.questions:
        values = posted_values(data, q.field)
        if q.kind == QuestionKind.RATING:
            choices = [(str(n), str(RATING_LABELS[n]), str(n) in values) for n in (5, 4, 3, 2, 1)]
        elif q.kind in (QuestionKind.SINGLE, QuestionKind.MULTI):
            choices = [(option, option, option in values) for option in q.options]
        else:
            choices = []
        text = values[0] if values and q.kind == QuestionKind.TEXT else ""
        rows.append(Row(question=q, choices=choices, text=text, error=_error(errors, q.field)))
    return rows
