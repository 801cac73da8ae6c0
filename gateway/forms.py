"""One way for every UI form to keep what was typed, send it, and show what was refused.

A view builds a :class:`Form` (from the request on POST, from defaults on GET), turns its
values into the API body, and hands the call to :meth:`Form.submit`. A refusal the person
can correct (422, or a state conflict the view names) leaves the form holding the typed
values and the errors: field errors next to their fields, everything else in the error
summary at the top of the form, which takes the focus. The page is rendered again with
status 422 — never a redirect that would lose the work.

Templates use the macros of ``macros/forms.html`` with the form object:
``{{ error_summary(form) }}``, ``{{ field(form, "reason", _("Reason"), required=true) }}``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from flask import render_template, request

from gateway.apiclient import ApiError
from gateway.messages import field_message, problem_message

FORM_LEVEL = "_form"
_INDEX = re.compile(r"^\d+$")


class Form:
    """What a person typed into one form, and what was wrong with it.

    ``name`` is the form's anchor (``<form id=name>``, and the action's ``#name``) and
    ``prefix`` starts every field id (``prefix-field``), so several forms live on one page.
    ``fields`` are the names the form posts; ``lists`` those that repeat (checkboxes).
    ``labels`` name the fields in the error summary; ``messages`` translate the area's own
    field error codes; ``aliases`` send an API field path to a form field
    (``{"exception.reason": "exception_reason"}``)."""

    def __init__(
        self,
        name: str,
        values: Mapping[str, Any] | None = None,
        *,
        fields: Iterable[str] = (),
        lists: Iterable[str] = (),
        prefix: str | None = None,
        labels: Mapping[str, Any] | None = None,
        messages: Mapping[str, Any] | None = None,
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.prefix = prefix or name
        self.fields = tuple(fields)
        self.lists = tuple(lists)
        self.labels = dict(labels or {})
        self.messages = dict(messages or {})
        self.aliases = dict(aliases or {})
        self.values: dict[str, Any] = dict(values or {})
        self.errors: dict[str, str] = {}
        self.problems: list[str] = []
        self.submitted = False

    # --- reading what was typed --------------------------------------------------------

    def read(self, source: Any = None) -> Form:
        """Take the posted values (``request.form`` by default) of this form's fields."""
        source = request.form if source is None else source
        self.submitted = True
        for name in self.fields:
            self.values[name] = str(source.get(name, "")).strip()
        for name in self.lists:
            self.values[name] = [str(v) for v in source.getlist(name) if str(v).strip()]
        return self

    @classmethod
    def posted(cls, name: str, fields: Iterable[str], **options: Any) -> Form:
        return cls(name, fields=fields, **options).read()

    def get(self, name: str, default: Any = "") -> Any:
        value = self.values.get(name)
        return default if value is None or value == "" else value

    def chosen(self, name: str) -> list[str]:
        """The values of a repeated field (checkboxes)."""
        value = self.values.get(name) or []
        return [value] if isinstance(value, str) else [str(v) for v in value]

    def checked(self, name: str) -> bool:
        return self.values.get(name) in ("on", "yes", "true", True)

    def text(self, *names: str) -> dict[str, Any]:
        """The non-empty values of ``names``, for an API body."""
        return {n: str(self.values[n]) for n in names if self.values.get(n) not in (None, "")}

    def number(self, name: str) -> int | str | None:
        """A whole number typed as ``1,200`` or ``１２００``; unreadable text is passed on as
        text, so that the service answers with a field error for it."""
        raw = str(self.values.get(name) or "").strip()
        if not raw:
            return None
        normalised = unicodedata.normalize("NFKC", raw).replace(",", "")
        with suppress(ValueError):
            return int(normalised)
        return raw

    def choice(self, name: str) -> bool | None:
        """A yes/no question left unanswered is None."""
        return {"yes": True, "no": False}.get(str(self.values.get(name) or ""))

    # --- errors ------------------------------------------------------------------------

    def error(self, name: str, message: Any) -> None:
        """A problem found before asking the service (a required reason, say)."""
        if name in self.fields or name in self.lists:
            self.errors.setdefault(name, str(message))
        else:
            self.problems.append(str(message))

    def refuse(self, error: ApiError) -> None:
        """Take the service's answer apart: field errors next to fields, the rest on top."""
        for item in error.errors:
            path = str(item.get("field", ""))
            message = field_message(str(item.get("code", "")), self.messages)
            target = self._field_for(path)
            if target == FORM_LEVEL:
                label = self.labels.get(path.split(".")[0])
                text = f"{label}: {message}" if label else message
                if text not in self.problems:
                    self.problems.append(text)
            else:
                self.errors.setdefault(target, message)
        if not error.errors:
            self.problems.append(problem_message(error, self.messages))

    def _field_for(self, path: str) -> str:
        if path in self.aliases:
            return self.aliases[path]
        parts = [p for p in path.split(".") if not _INDEX.match(p)]
        known = set(self.fields) | set(self.lists)
        for candidate in ("_".join(parts), parts[-1] if parts else "", parts[0] if parts else ""):
            if candidate in known:
                return candidate
        return FORM_LEVEL

    def submit(self, call: Callable[[], Any], *, refusable: Iterable[int] = (422,)) -> Any:
        """Run ``call``; a refusal with a status in ``refusable`` is kept on the form (and
        None returned), anything else propagates to the error page."""
        if self.failed:
            return None
        try:
            return call()
        except ApiError as error:
            if error.status not in tuple(refusable):
                raise
            self.refuse(error)
            return None

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.problems)

    @property
    def status(self) -> int:
        return 422 if self.failed else 200

    def field_id(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def summary(self) -> list[dict[str, str]]:
        """The error summary: form-level problems, then each field's error with a link."""
        items = [{"text": p, "href": ""} for p in self.problems]
        order = [*self.fields, *self.lists]
        for name in sorted(self.errors, key=lambda n: order.index(n) if n in order else 99):
            label = self.labels.get(name)
            text = f"{label}: {self.errors[name]}" if label else self.errors[name]
            items.append({"text": text, "href": "#" + self.field_id(name)})
        return items


CONFIRM_FIELD = "confirmed"


def confirmed() -> bool:
    """Whether a consequential action's confirmation step was answered with yes.

    The action's first POST (from the page where it was chosen) is answered with a
    confirmation page that posts again with ``confirmed=yes``: it works without JavaScript
    and from the keyboard, and nothing happens until the second POST."""
    return request.form.get(CONFIRM_FIELD) == "yes"


@dataclass
class Input:
    """A field asked for on a confirmation page (a required reason, say)."""

    name: str
    label: Any
    kind: str = "textarea"  # textarea, select or text
    required: bool = True
    hint: Any = None
    options: Any = ()


@dataclass
class Confirmation:
    """The page that asks "are you sure?" before a consequential action, showing what will
    happen. It posts the same fields again to ``action`` with ``confirmed=yes``."""

    title: Any
    lead: Any
    action: str
    button: Any
    cancel: str
    form: Form
    facts: list[tuple[Any, Any]] = field(default_factory=list)
    inputs: list[Input] = field(default_factory=list)
    hidden: list[tuple[str, str]] = field(default_factory=list)
    warning: Any = None
    danger: bool = True

    def render(self) -> tuple[str, int]:
        """The page; 200 when asking, 422 when a required answer was missing."""
        asked = {i.name for i in self.inputs}
        self.hidden = [(k, v) for k, v in self.hidden if k not in asked and k != CONFIRM_FIELD]
        status = 422 if self.form.failed else 200
        return render_template("confirm.html", confirm=self), status
