"""Forms of the standards pages: uploading a standard file, and the editor for small changes.

The editor changes names and points, the deductions of ``deduct`` items and the entries of the bonus
and veto items. It checks only what a form must (a number is a number, a row is complete): every
rule of a standard is checked by the importer, through ``services.standard_edit_plan``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BoundField
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import StyledFormMixin

from .canonical import content_hash, to_canonical
from .definition import Bonus, Deduction, Item, Rule, StandardDef, Veto
from .labels import rule_label
from .parse import CODE_MAX, MAX_SOURCE_BYTES, NAME_MAX, StandardError, read_source
from .services import StandardEditError

ALLOWED_EXTENSIONS = (".yaml", ".yml")
ACCEPT = ".yaml,.yml,application/yaml,text/yaml"


def decode_standard_file(data: bytes) -> str:
    """The text of an uploaded standard file: UTF-8 (with or without a BOM), else GB18030 (what
    Chinese Windows editors save). Raises ValidationError when it is neither."""
    try:
        return read_source(data)
    except StandardError:
        pass
    try:
        return read_source(data.decode("gb18030"))
    except (UnicodeDecodeError, StandardError):
        raise ValidationError(
            _("The file is not text in UTF-8 or GB18030; please save it as UTF-8 and upload it again."),
            code="encoding",
        ) from None


class StandardUploadForm(StyledFormMixin, forms.Form):
    """One YAML file of at most MAX_SOURCE_BYTES; ``cleaned_data["text"]`` is its text."""

    file = forms.FileField(
        label=_("Standard file (YAML)"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_("A .yaml file in the format of the example standards, saved as UTF-8."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in ALLOWED_EXTENSIONS:
            raise ValidationError(_("Please choose a .yaml or .yml file."), code="extension")
        if upload.size > MAX_SOURCE_BYTES:
            raise ValidationError(
                _("The file is larger than %(max)s; a standard file is a few kilobytes.")
                % {"max": filesizeformat(MAX_SOURCE_BYTES)},
                code="size",
            )
        self.cleaned_data["text"] = decode_standard_file(upload.read())
        return upload


# --- The editor -----------------------------------------------------------------------------------


#: The entries each kind of item has in the editor, and their fields.
ENTRY_KINDS = {Rule.DEDUCT: "deductions", Rule.BONUS: "bonuses", Rule.VETO: "vetoes"}
_ENTRY_ROW = re.compile(r"entry-(\d+)-(\d+)-(?:code|name|points|delete)")


@dataclass
class EntryRow:
    """One deduction, bonus or veto row: its fields and the problems the importer found with it."""

    index: int
    code: BoundField
    name: BoundField
    points: BoundField | None
    delete: BoundField
    problems: list[str] = field(default_factory=list)


@dataclass
class ItemRow:
    """One item of the standard in the editor, in file order (``depth`` 0 at the top level)."""

    index: int
    item: Item
    depth: int
    rule_label: str
    name: BoundField
    points: BoundField | None
    entry_kind: str | None
    entries: list[EntryRow]
    problems: list[str] = field(default_factory=list)


class StandardEditForm(StyledFormMixin, forms.Form):
    """Small changes to one version of a standard (``version``, the base the form was opened on).

    Item ``n`` (in file order) has the fields ``item-n-name`` and ``item-n-points``; its entries
    are ``entry-n-i-code/name/points/delete``, ``i`` counting the rows (any numbers: the rows are
    read from the data, so a page can add rows without a management form). A row left blank is
    ignored; a row ticked "remove" is dropped.

    ``refill`` re-shows posted data without checking it (adding a row must not flash errors):
    the form is then unbound and takes the data as its initial values; ``add_row`` is the item
    that gets one more, empty row."""

    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    preview_hash = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    name = forms.CharField(label=_("Name of the standard"), max_length=NAME_MAX)
    full_score = forms.DecimalField(
        label=_("Full score"),
        help_text=_("Must equal the sum of the points of the top-level items."),
    )
    bonus_cap = forms.DecimalField(
        label=_("Bonus cap"),
        help_text=_("The most bonus points a subject can add in one period."),
    )

    def __init__(self, data=None, *, version, refill=None, add_row: int | None = None):
        self.version = version
        self.definition: StandardDef = version.definition
        self.items = list(self.definition.walk())
        self.depths = _depths(self.definition)
        self.add_row = add_row
        source = data if data is not None else refill
        initial = dict(refill.items()) if refill is not None else self._initial()
        super().__init__(data, initial=initial)
        self._rows: dict[int, list[int]] = {}
        for n, item in enumerate(self.items):
            self.fields[f"item-{n}-name"] = forms.CharField(
                label=_("Name of item %(code)s") % {"code": item.code}, max_length=NAME_MAX
            )
            if item.is_scored:
                self.fields[f"item-{n}-points"] = forms.DecimalField(
                    label=_("Points of item %(code)s") % {"code": item.code}
                )
            kind = ENTRY_KINDS.get(item.rule)
            if kind is None:
                continue
            rows = self._row_numbers(n, item, source)
            if add_row == n:
                rows.append(max(rows, default=-1) + 1)
            self._rows[n] = rows
            for i in rows:
                self.fields[f"entry-{n}-{i}-code"] = forms.CharField(
                    label=_("Code"), required=False, max_length=CODE_MAX
                )
                self.fields[f"entry-{n}-{i}-name"] = forms.CharField(
                    label=_("Description"), required=False, max_length=NAME_MAX
                )
                if item.rule != Rule.VETO:
                    self.fields[f"entry-{n}-{i}-points"] = forms.DecimalField(label=_("Points"), required=False)
                self.fields[f"entry-{n}-{i}-delete"] = forms.BooleanField(label=_("Remove"), required=False)
        for name, form_field in self.fields.items():
            if name.startswith(("item-", "entry-")):
                css = (
                    "form-check-input" if isinstance(form_field, forms.BooleanField) else "form-control form-control-sm"
                )
                form_field.widget.attrs["class"] = css
        if add_row in self._rows:  # the new, empty row: typing starts there
            self.fields[f"entry-{add_row}-{self._rows[add_row][-1]}-code"].widget.attrs["autofocus"] = True
        self.place_problems: dict[tuple[int, int | None], list[str]] = {}

    # -- building the form

    def _initial(self) -> dict:
        d = self.definition
        initial = {
            "base_version": self.version.number,
            "name": d.name,
            "full_score": d.full_score,
            "bonus_cap": d.bonus_cap,
        }
        for n, item in enumerate(self.items):
            initial[f"item-{n}-name"] = item.name
            if item.is_scored:
                initial[f"item-{n}-points"] = item.points
            for i, entry in enumerate(_entries(item)):
                initial[f"entry-{n}-{i}-code"] = entry.code
                initial[f"entry-{n}-{i}-name"] = entry.name
                if hasattr(entry, "points"):
                    initial[f"entry-{n}-{i}-points"] = entry.points
        return initial

    @staticmethod
    def _row_numbers(n: int, item: Item, source) -> list[int]:
        if source is None:
            return list(range(len(_entries(item))))
        found = set()
        for key in source:
            match = _ENTRY_ROW.fullmatch(key)
            if match and int(match.group(1)) == n:
                found.add(int(match.group(2)))
        return sorted(found)[:500]

    # -- checking

    def _row_values(self, n: int, i: int) -> tuple[str, str, object, bool]:
        data = self.cleaned_data
        return (
            data.get(f"entry-{n}-{i}-code") or "",
            data.get(f"entry-{n}-{i}-name") or "",
            data.get(f"entry-{n}-{i}-points"),
            bool(data.get(f"entry-{n}-{i}-delete")),
        )

    def clean(self):
        cleaned = super().clean()
        for n, rows in self._rows.items():
            with_points = self.items[n].rule != Rule.VETO
            for i in rows:
                if any(f"entry-{n}-{i}-{part}" in self.errors for part in ("code", "name", "points")):
                    continue
                code, name, points, delete = self._row_values(n, i)
                if delete or (not code and not name and points is None):
                    continue
                if not code:
                    self.add_error(f"entry-{n}-{i}-code", _("Please enter a code."))
                if not name:
                    self.add_error(f"entry-{n}-{i}-name", _("Please enter a description."))
                if with_points and points is None:
                    self.add_error(f"entry-{n}-{i}-points", _("Please enter the points."))
        return cleaned

    def kept_rows(self, n: int) -> list[int]:
        """The rows of item ``n`` that become entries (not blank, not removed), in order."""
        kept = []
        for i in self._rows.get(n, ()):
            code, name, points, delete = self._row_values(n, i)
            if not delete and (code or name or points is not None):
                kept.append(i)
        return kept

    def changed_definition(self) -> StandardDef:
        """The base version with what was typed (call after ``is_valid()``)."""
        data = self.cleaned_data
        numbers = {item.code: n for n, item in enumerate(self.items)}

        def rebuild(item: Item) -> Item:
            n = numbers[item.code]
            changes: dict = {"name": data[f"item-{n}-name"]}
            if item.is_scored:
                changes["points"] = data[f"item-{n}-points"]
            if item.children:
                changes["children"] = tuple(rebuild(child) for child in item.children)
            kind = ENTRY_KINDS.get(item.rule)
            if kind is not None:
                entries = []
                for i in self.kept_rows(n):
                    code, name, points, _delete = self._row_values(n, i)
                    if item.rule == Rule.DEDUCT:
                        entries.append(Deduction(code=code, name=name, points=points))
                    elif item.rule == Rule.BONUS:
                        entries.append(Bonus(code=code, name=name, points=points))
                    else:
                        entries.append(Veto(code=code, name=name))
                changes[kind] = tuple(entries)
            return replace(item, **changes)

        return replace(
            self.definition,
            name=data["name"],
            full_score=data["full_score"],
            bonus_cap=data["bonus_cap"],
            items=tuple(rebuild(item) for item in self.definition.items),
            _index={},
        )

    def changed_hash(self) -> str:
        return content_hash(to_canonical(self.changed_definition()))

    def apply_problems(self, error: StandardEditError) -> None:
        """Show the importer's problems: all of them at the top, and each beside its item or row."""
        numbers = {item.code: n for n, item in enumerate(self.items)}
        for problem, place in zip(error.problems, error.places, strict=True):
            self.add_error(None, problem)
            if place is None or place.item not in numbers:
                continue
            n = numbers[place.item]
            row = None
            if place.entry is not None:
                kept = self.kept_rows(n)
                row = kept[place.entry] if place.entry < len(kept) else None
            self.place_problems.setdefault((n, row), []).append(problem)

    def set_preview_hash(self, value: str) -> None:
        """Carry the hash of the previewed content, so that "save" saves what was shown."""
        data = self.data.copy()
        data["preview_hash"] = value
        self.data = data

    # -- showing

    def item_rows(self) -> list[ItemRow]:
        rows = []
        for n, item in enumerate(self.items):
            entries = []
            for i in self._rows.get(n, ()):
                entries.append(
                    EntryRow(
                        index=i,
                        code=self[f"entry-{n}-{i}-code"],
                        name=self[f"entry-{n}-{i}-name"],
                        points=self[f"entry-{n}-{i}-points"] if f"entry-{n}-{i}-points" in self.fields else None,
                        delete=self[f"entry-{n}-{i}-delete"],
                        problems=self.place_problems.get((n, i), []),
                    )
                )
            rows.append(
                ItemRow(
                    index=n,
                    item=item,
                    depth=self.depths[item.code],
                    rule_label=rule_label(item.rule),
                    name=self[f"item-{n}-name"],
                    points=self[f"item-{n}-points"] if item.is_scored else None,
                    entry_kind=ENTRY_KINDS.get(item.rule),
                    entries=entries,
                    problems=self.place_problems.get((n, None), []),
                )
            )
        return rows


def _entries(item: Item) -> tuple:
    return item.deductions or item.bonuses or item.vetoes


def _depths(definition: StandardDef) -> dict[str, int]:
    depths: dict[str, int] = {}

    def visit(items: tuple[Item, ...], depth: int) -> None:
        for item in items:
            depths[item.code] = depth
            visit(item.children, depth + 1)

    visit(definition.items, 0)
    return depths
