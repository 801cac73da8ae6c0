"""The words of the cases area that only it uses: close reasons, the consent ladder, the
import's columns and problems, the cases service's refusals and the forms' field names.
The shared codes (stages, channels, activities…) are in gateway/vocabulary.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from gateway.vocabulary import PERSON_FIELDS

CLOSE_REASONS = {
    "path_decided": _l("Path decided / settled"),
    "referred": _l("Referred on"),
    "no_contact": _l("Contact lost"),
    "declined": _l("At their wish"),
    "moved": _l("Moved away"),
    "other": _l("Other"),
}
CONSENT_LADDER = {
    "family_anonymous": _l("Family consults anonymously"),
    "family_named": _l("Family gives names"),
    "person_reached": _l("Person reached"),
    "person_consented": _l("Person consents to sharing"),
}
CONSENT_GIVER_CHOICES = {
    "self": _l("The person"),
    "legal_representative": _l("A legal representative (a minor's parent, an adult guardian)"),
    "family": _l("A family member (covers the family member's own information only)"),
}
"""Who gives a consent, as the form offers it: a family member's word is not the person's."""
REPRESENTATIVE_BASES = {
    "minor": _l("Parent of a minor"),
    "guardianship": _l("Adult guardian (成年後見)"),
}
SENSITIVE_CHOICES = {
    "note": _l("Move it to a sensitive note"),
    "keep": _l("Keep it, shown only to roles allowed to read sensitive information"),
}
"""What the writer does with a summary the sensitive-term dictionary flagged."""
CHECKPOINTS = {
    "1": _l("1 month"),
    "3": _l("3 months"),
    "6": _l("6 months"),
    "12": _l("12 months"),
}
YES_NO = {"yes": _l("Yes"), "no": _l("No")}
IMPORT_STATUS = {
    "uploaded": _l("Waiting to be checked"),
    "checking": _l("Checking the file"),
    "previewed": _l("Ready to import"),
    "invalid": _l("Has errors"),
    "queued": _l("Waiting"),
    "committing": _l("Importing"),
    "committed": _l("Imported"),
    "failed": _l("Failed"),
    "discarded": _l("Discarded"),
    "expired": _l("Expired"),
}
IMPORT_COLUMNS = PERSON_FIELDS | {
    "case_ref": _l("Case number"),
    "stage": _l("Stage"),
    "opened_at": _l("Opened"),
    "contact_at": _l("Consultation date"),
    "channel": _l("How"),
    "by": _l("Who consulted"),
    "relationship": _l("Relationship"),
    "minutes": _l("Minutes"),
    "summary": _l("Summary"),
    "header": _l("Header row"),
    "file": _l("File"),
}
IMPORT_ERRORS = {
    "not_a_date": _l("Not a date (write 2021/4/1 or 令和3年4月1日)."),
    "no_such_date": _l("There is no such date."),
    "not_a_year": _l("Not a year (write 1982 or 昭和57年)."),
    "not_minutes": _l("Not a number of minutes."),
    "unknown_value": _l("This value is not one of the known choices."),
    "missing": _l("This is required."),
    "too_long": _l("This is too long."),
    "range": _l("This is out of range."),
    "in_future": _l("The date is in the future."),
    "conflict": _l("Differs from an earlier row of the same case number."),
    "duplicate": _l("A case with this number has been imported before."),
    "order": _l("Is later than the case's first consultation."),
    "not_family": _l("Only a family member's consultation has a relationship."),
    "unknown": _l("This column is not understood."),
    "repeat": _l("This column appears twice."),
    "too_many": _l("Too many rows (at most 5,000 per file)."),
    "empty": _l("The file has no rows."),
    "encoding": _l("The file's characters cannot be read: save it as UTF-8 or Excel."),
    "format": _l("This is not a CSV or Excel file."),
    "too_large": _l("The file is too large (at most 10 MB)."),
    "unsafe": _l("The workbook contains parts Excel does not write. Save it again from Excel."),
}

# The cases service's refusals of a whole request, and its own field error codes.
CASE_PROBLEMS = {
    "case_closed": _l("The case is closed: reopen it first."),
    "already_closed": _l("The case is already closed."),
    "already_open": _l("The case is open."),
    "already_withdrawn": _l("The consent is already withdrawn."),
    "import_invalid": _l("The file has errors: correct them and upload it again."),
    "order": _l("The expiry must be after the date it was given."),
    "representative_basis_required": _l(
        "Choose why they represent the person: a minor's parent or an adult guardian."
    ),
    "not_representative": _l("Only a legal representative has a basis of representation."),
    "self": _l("The person's own consent has no relationship."),
    "sensitive_terms": _l(
        "This summary seems to mention sensitive information (illness, disability, treatment, "
        "a criminal record…). Choose below what to do with it, then record again."
    ),
    "below_legal_minimum": _l("Keep closed cases at least the legal minimum of years."),
    "above_maximum": _l("That is longer than a retention policy may be."),
    "case_changed": _l(
        "Someone else changed this case while you were editing it. Check what it says now "
        "and make your change again."
    ),
}

FIELDS = PERSON_FIELDS | {
    "channel": _l("How"),
    "by": _l("Who consulted"),
    "relationship": _l("Relationship"),
    "occurred_at": _l("When"),
    "minutes": _l("Minutes"),
    "summary": _l("Summary"),
    "type": _l("Kind"),
    "place": _l("Place"),
    "accompanied": _l("Staff went along"),
    "days": _l("Days (work experience)"),
    "allowance_yen": _l("Allowance in yen"),
    "checkpoint_months": _l("Retention checkpoint"),
    "retained": _l("Still at work?"),
    "note": _l("Note"),
    "path": _l("Path (when a path is decided)"),
    "employer": _l("Employer"),
    "sector": _l("Industry"),
    "to_org_ids": _l("May be shared with"),
    "categories": _l("What"),
    "given_by": _l("Given by"),
    "given_by_relationship": _l("Relationship (guardian or family)"),
    "representative_basis": _l("Why they represent the person"),
    "closed_case_years": _l("Years a closed case is kept"),
    "sensitive_choice": _l("Sensitive information in the summary"),
    "terms": _l("Your organization's own terms"),
    "method": _l("How"),
    "obtained_at": _l("Obtained"),
    "expires_at": _l("Expires (optional)"),
    "stage": _l("Stage"),
    "stage_reason": _l("Reason for the change (optional)"),
    "assigned_to": _l("In charge"),
    "reason": _l("Reason"),
    "reason_code": _l("Why"),
    "category": _l("Note kind"),
    "body": _l("Note"),
    "person": _l("The person"),
}
