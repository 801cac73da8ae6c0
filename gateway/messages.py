"""What the services' refusals mean, in the user's language.

Services answer problems with a machine ``code`` (and an English ``message`` for API
clients and logs). The UI shows only the translated text for the code; a code it does not
know becomes a general sentence, never the English message or the code itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from gateway.apiclient import ApiError

FIELD_MESSAGES: dict[str, Any] = {
    # pydantic's codes
    "missing": _l("This field is required."),
    "string_too_short": _l("This field is required."),
    "too_short": _l("Choose at least one."),
    "string_too_long": _l("This is too long."),
    "too_long": _l("Too many are chosen."),
    "string_type": _l("This value is not valid."),
    "enum": _l("Choose one of the options."),
    "literal_error": _l("Choose one of the options."),
    "int_parsing": _l("Enter a whole number."),
    "int_type": _l("Enter a whole number."),
    "int_from_float": _l("Enter a whole number."),
    "float_parsing": _l("Enter a number."),
    "bool_parsing": _l("Choose yes or no."),
    "uuid_parsing": _l("Choose one of the options."),
    "uuid_type": _l("Choose one of the options."),
    "datetime_parsing": _l("Enter a valid date and time."),
    "datetime_from_date_parsing": _l("Enter a valid date and time."),
    "datetime_type": _l("Enter a valid date and time."),
    "date_parsing": _l("Enter a valid date."),
    "date_from_datetime_parsing": _l("Enter a valid date."),
    "date_type": _l("Enter a valid date."),
    "greater_than_equal": _l("The value is too small."),
    "greater_than": _l("The value is too small."),
    "less_than_equal": _l("The value is too large."),
    "less_than": _l("The value is too large."),
    "extra_forbidden": _l("This field is not accepted."),
    "value_error": _l("This value is not valid."),
    "json_invalid": _l("This value is not valid."),
    "object_type": _l("This value is not valid."),
    "invalid": _l("This value is not valid."),
    "format": _l("This value is not valid."),
    # the services' own codes
    "empty": _l("This field is required."),
    "duplicate": _l("This is already registered."),
    "not_found": _l("Not found."),
    "password_too_short": _l("Use at least 12 characters."),
    "password_too_long": _l("The password is too long."),
    "password_too_weak": _l("This password is too common or easy to guess."),
    "password_published": _l("This password has been published: choose another."),
    "bad_credentials": _l("The email or password is not correct."),
    "otp_invalid": _l("The code is not correct."),
    "in_past": _l("Choose today or a later date."),
    "in_future": _l("The date is in the future."),
    "too_far": _l("Choose a date within a year."),
    "order": _l("The end is before the start."),
    "range_invalid": _l("The end is before the start."),
    "cursor_invalid": _l("The page link is out of date."),
    "unknown_org": _l("Not a member of your consortium."),
    "own_org": _l("Your own organization needs no consent."),
    "unknown_user": _l("Not a member of your organization."),
    "not_family": _l("Only a family member's consultation has a relationship."),
    "use_close": _l("Close a case with its reason instead."),
    "body_too_large": _l("The file is too large."),
}

PROBLEM_MESSAGES: dict[str, Any] = {
    "bad_credentials": _l("The email or password is not correct."),
    "user_deactivated": _l("This account has been deactivated."),
    "org_suspended": _l("Your organization is suspended. Ask your consortium's office."),
    "otp_required": _l("Enter the 6-digit code from your authenticator app."),
    "otp_invalid": _l("The code is not correct."),
    "too_many_requests": _l("Too many failed sign-ins. Wait a while and try again."),
    "not_found": _l("Not found, or not yours to see."),
    "forbidden": _l("Your role does not allow this."),
    "csrf_failed": _l("The form expired. Reload the page and try again."),
    "upstream_unavailable": _l("A part of Tsunagu is not answering. Try again shortly."),
    "upstream_timeout": _l("A part of Tsunagu took too long to answer. Try again shortly."),
    "unavailable": _l("A part of Tsunagu is not answering. Try again shortly."),
    "auth_unavailable": _l(
        "Your sign-in cannot be checked right now. You are still signed in: try again shortly."
    ),
    "body_too_large": _l("What was sent is too large."),
    "own_org": _l("You cannot suspend your own organization."),
    "already_suspended": _l("The organization is already suspended."),
    "already_active": _l("The organization is already active."),
    "self": _l("You cannot change your own role or deactivate yourself."),
    "already_joined": _l("This person has already joined."),
    "not_your_org": _l(
        "Once an organization has an active admin, only its own admins add its people."
    ),
    "mfa_mandatory": _l("Your organization requires two-step sign-in."),
    "mfa_enabled": _l("Two-step sign-in is already on."),
    "mfa_not_started": _l("Start setting up two-step sign-in first."),
    "mfa_not_enabled": _l("Two-step sign-in is not on."),
    "validation_failed": _l("Some fields need attention."),
    "conflict": _l("This cannot be done in the current state."),
    "cursor_invalid": _l("The page link is out of date."),
}

GENERAL_FIELD_MESSAGE = _l("This value is not valid.")
GENERAL_PROBLEM_MESSAGE = _l("This cannot be done now. Reload the page and try again.")


def field_message(code: str, own: Mapping[str, Any] | None = None) -> str:
    """The translated message for a field error code (the area's own table first)."""
    for table in (own or {}, FIELD_MESSAGES):
        if code in table:
            return str(table[code])
    return str(GENERAL_FIELD_MESSAGE)


def problem_message(error: ApiError, own: Mapping[str, Any] | None = None) -> str:
    """The translated sentence for a refused request as a whole."""
    for table in (own or {}, PROBLEM_MESSAGES):
        if error.code in table:
            return str(table[error.code])
    if error.status == 403:
        return str(PROBLEM_MESSAGES["forbidden"])
    if error.status == 404:
        return str(PROBLEM_MESSAGES["not_found"])
    if error.status in (502, 503):
        return str(PROBLEM_MESSAGES["upstream_unavailable"])
    if error.status == 504:
        return str(PROBLEM_MESSAGES["upstream_timeout"])
    if error.status == 422:
        return str(PROBLEM_MESSAGES["validation_failed"])
    return str(GENERAL_PROBLEM_MESSAGE)
