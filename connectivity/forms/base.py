"""What every question page shares: rows that grow and shrink, findings shown at their fields.

Thredd's rules (`connectivity.rules`) judge every answer; a page maps each finding's `field`
path (REFERENCE §2) to the form field it is about, so a message reads the same on the page,
in the error summary and in the JSON validator.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django import forms
from django.http import QueryDict

from connectivity.choices import Severity
from connectivity.document import RequestDocument, join_path
from connectivity.findings import Finding
from connectivity.places import Located, finding_place, locate, parent_path

# No page needs more rows than this; more is a crafted POST.
MAX_ROWS = 50


def is_blank(value: object) -> bool:
    """Say whether a raw form value holds no answer."""
    if isinstance(value, list | tuple):
        return not any(not is_blank(item) for item in value)
    return value is None or str(value).strip() == ""


def text(value: object) -> str | None:
    """Return a cleaned text answer, or None when nothing was entered."""
    return None if is_blank(value) else str(value).strip()


class AnswerForm(forms.Form):
    """A form whose answers Thredd's rules judge.

    `always_checked` names fields that must be right before the form can be stored at all, and
    `checked_when_answered` those that must be right once any field of the form is answered
    (the database cannot hold the rest without them).
    `anchor` is the element an error about the form as a whole links to.
    """

    always_checked: frozenset[str] = frozenset()
    checked_when_answered: frozenset[str] = frozenset()
    # Fields that always hold a value (a default radio or select) and so say nothing about
    # whether the user has answered.
    preset_fields: frozenset[str] = frozenset()
    anchor = "main-content"

    def raw(self) -> dict[str, object]:
        """Return what was typed into each field, to show it again unchanged."""
        return {name: self[name].value() for name in self.fields}

    def has_answer(self) -> bool:
        """Say whether anything at all was entered in this form."""
        return any(
            not is_blank(self[name].value())
            for name in self.fields
            if name not in self.preset_fields
        )

    def must_be_right(self, name: str | None) -> bool:
        """Say whether an error on `name` blocks saving even a partial answer."""
        if name is None:
            return False
        if name in self.always_checked:
            return True
        if name in self.checked_when_answered:
            return self.has_answer()
        return not is_blank(self[name].value())


@dataclass(frozen=True, slots=True)
class Binding:
    """Where findings about a path of the request document are shown: a form and its field."""

    form: AnswerForm
    field: str | None = None


def apply_findings(
    findings: Iterable[Finding], bindings: Mapping[str, Binding], *, complete: bool
) -> tuple[bool, list[Finding]]:
    """Put each error at its field and return (whether any blocks saving, the warnings).

    Errors about what was typed always block; errors about a missing answer block only when
    the user asked to continue (`complete`), so "Save and come back later" keeps partial
    answers. Findings about paths this page does not show are left for check answers.
    """
    blocking = False
    warnings = []
    for finding in findings:
        path = finding.field
        while path and path not in bindings:
            path = parent_path(path)
        if not path:
            continue
        if finding.severity == Severity.WARNING:
            warnings.append(finding)
            continue
        binding = bindings[path]
        if complete or binding.form.must_be_right(binding.field):
            binding.form.add_error(binding.field, finding.message)
            blocking = True
    return blocking, warnings


def field_anchor(bound_field: forms.BoundField) -> str:
    """Return the id an error summary links to: the field, or its first radio or checkbox."""
    if isinstance(bound_field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"{bound_field.auto_id}_0"
    return bound_field.auto_id


def error_summary(
    form_list: Sequence[forms.Form],
    doc: RequestDocument | None = None,
    paths: Mapping[forms.Form, str] | None = None,
) -> list[tuple[str, str]]:
    """Return (anchor, message) for every error on the page, in the order of the page.

    A form with a path in `paths` (the part of `doc` it answers, such as "sites[0].vpns[1]")
    has its messages said where, such as "VPN 2 (Thredd Portal) at London DC1: …", so two
    forms' identical messages can be told apart.
    """
    summary = []
    for form in form_list:
        path = (paths or {}).get(form)
        for name, messages in form.errors.items():
            if name == forms.forms.NON_FIELD_ERRORS:
                anchor = getattr(form, "anchor", "main-content")
                place = finding_place(path, doc) if path else None
            else:
                anchor = field_anchor(form[name])
                place = finding_place(join_path(path, name), doc) if path else None
            summary += [
                (anchor, place.describe(message) if place else message) for message in messages
            ]
    return summary


def row_count(data: Mapping[str, object], prefix: str) -> int:
    """Return how many rows of `prefix` the page posted (its hidden `<prefix>-rows` field)."""
    try:
        count = int(data.get(f"{prefix}-rows", 0))
    except (TypeError, ValueError):
        return 0
    return max(0, min(count, MAX_ROWS))


def bound_rows(form_class: type[AnswerForm], data, prefix: str, **kwargs) -> list[AnswerForm]:
    """Return the posted rows of `prefix`, bound to what was typed."""
    return [
        form_class(data=data, prefix=f"{prefix}-{index}", **kwargs)
        for index in range(row_count(data, prefix))
    ]


def initial_rows(
    form_class: type[AnswerForm], rows: Sequence[Mapping[str, object]], prefix: str, **kwargs
) -> list[AnswerForm]:
    """Return unbound rows of `prefix` showing `rows`, such as after "Add another"."""
    return [
        form_class(initial=dict(row), prefix=f"{prefix}-{index}", **kwargs)
        for index, row in enumerate(rows[:MAX_ROWS])
    ]


def posted_again(values: Mapping[str, Sequence[str]]) -> QueryDict:
    """Return values kept as typed (`QuestionPage.keep_as_typed`) as the POST they came from."""
    data = QueryDict(mutable=True)
    for key, items in values.items():
        data.setlist(key, [str(item) for item in items])
    return data


def posted_index(data: Mapping[str, object], name: str) -> int | None:
    """Return the row number a button such as `remove_subnet` carried, if it was pressed."""
    value = data.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class QuestionPage:
    """One question page of a task: its forms, the rules' verdict on them, how to save them.

    Built either from a POST (`data`, bound: what was typed is shown again with its errors) or
    from stored answers and rows (`rows`, unbound: nothing is judged yet).
    """

    warnings: list[Finding]
    complete = False  # judged for "Save and continue", which also asks for missing answers
    # Built from answers kept as typed (`keep_as_typed`): judged as soon as it is shown.
    kept = False

    def forms(self) -> list[AnswerForm]:
        """Return the page's forms in the order they appear."""
        raise NotImplementedError

    def rebuilt(self) -> "QuestionPage | None":
        """Return the page after an "Add another" or "Remove" button, or None for a save."""
        return None

    def findings(self) -> tuple[list[Finding], dict[str, Binding]]:
        """Return the rules' findings about the typed answers and where each path is shown."""
        raise NotImplementedError

    def validate(self, *, complete: bool) -> bool:
        """Judge the typed answers; say whether they may be saved.

        `complete` is True for "Save and continue", which also asks for missing answers.
        """
        self.warnings = []
        self.complete = complete
        if not all([form.is_valid() for form in self.forms()]):
            return False
        findings, bindings = self.findings()
        blocking, self.warnings = apply_findings(findings, bindings, complete=complete)
        return not blocking

    def save(self) -> None:
        """Store the answers validated by `validate`."""
        raise NotImplementedError

    def keep_as_typed(self) -> bool:
        """Store the right answers and keep the wrong ones as typed; say whether it could.

        Called for "Save and come back later" when `validate` refused the answers. A page that
        cannot keep wrong answers says no, and is shown again with its errors.
        """
        return False

    def places(self) -> tuple[RequestDocument | None, dict[AnswerForm, str]]:
        """Return the document the page's answers make and the path each form answers, which
        name where its errors and warnings are; none for a page whose fields say it alone."""
        return None, {}

    def error_summary(self) -> list[tuple[str, str]]:
        """Return (anchor, message) for the error summary at the top of the page."""
        if not any(form.errors for form in self.forms()):
            return []  # nothing to say where: `places` may read the database
        doc, paths = self.places()
        return error_summary(self.forms(), doc, paths)

    def located_warnings(self) -> list[Located]:
        """Return the warnings, each said where (`places.finding_place`)."""
        if not self.warnings:
            return []
        doc, _paths = self.places()
        return locate(self.warnings, doc)
