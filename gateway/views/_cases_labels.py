"""Labels of the cases area (codes → translated text): option lists for forms, the
import's column names and the translated problems, kept apart from the views."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STAGES = [
    ("intake", _l("Intake")),
    ("preparation", _l("Preparation")),
    ("experience", _l("Experience")),
    ("job_search", _l("Job search")),
    ("employed", _l("Path decided")),
    ("retention", _l("Retention")),
    ("closed", _l("Closed")),
]
CHANNELS = [
    ("phone", _l("Phone")),
    ("visit", _l("Visit")),
    ("home_visit", _l("Home visit")),
    ("line", _l("LINE")),
    ("email", _l("E-mail")),
    ("outreach", _l("Outreach")),
    ("online", _l("Online")),
]
PARTIES = [("self", _l("The person")), ("family", _l("Family"))]
RELATIONSHIPS = [
    ("mother", _l("Mother")),
    ("father", _l("Father")),
    ("parent", _l("Parent")),
    ("sibling", _l("Sibling")),
    ("spouse", _l("Spouse")),
    ("child", _l("Child")),
    ("grandparent", _l("Grandparent")),
    ("relative", _l("Relative")),
    ("other", _l("Other")),
]
GENDERS = [
    ("unknown", _l("Not known")),
    ("female", _l("Female")),
    ("male", _l("Male")),
    ("other", _l("Other")),
]
ACTIVITIES = [
    ("aptitude_test", _l("Aptitude test")),
    ("interview_practice", _l("Interview practice")),
    ("workplace_tour", _l("Workplace tour")),
    ("country_work", _l("Country work")),
    ("work_experience", _l("Work experience")),
    ("job_application", _l("Job application")),
    ("group_program", _l("Group programme")),
    ("retention_followup", _l("Retention follow-up")),
    ("seminar", _l("Seminar")),
    ("other", _l("Other")),
]
OUTCOMES = [
    ("job_search_started", _l("Job search started")),
    ("path_decided", _l("Path decided")),
    ("retention", _l("Retention status")),
]
PATHS = [
    ("employment_regular", _l("Regular employment")),
    ("employment_nonregular", _l("Non-regular employment")),
    ("vocational_training", _l("Vocational training")),
    ("education", _l("Education")),
    ("welfare", _l("Welfare")),
    ("other", _l("Other")),
]
CATEGORIES = [
    ("identity", _l("Identity")),
    ("contact", _l("Contact details")),
    ("history", _l("Consultation history")),
    ("support_record", _l("Support record")),
    ("sensitive", _l("Sensitive information")),
]
METHODS = [("written", _l("Written")), ("verbal", _l("Verbal")), ("electronic", _l("Electronic"))]
GIVERS = [("self", _l("The person")), ("guardian", _l("Guardian")), ("family", _l("Family"))]
CLOSE_REASONS = [
    ("path_decided", _l("Path decided / settled")),
    ("referred", _l("Referred on")),
    ("no_contact", _l("Contact lost")),
    ("declined", _l("At their wish")),
    ("moved", _l("Moved away")),
    ("other", _l("Other")),
]
NOTE_CATEGORIES = [
    ("general", _l("General")),
    ("illness", _l("Illness")),
    ("disability", _l("Disability")),
    ("treatment", _l("Treatment")),
    ("criminal_record", _l("Criminal record")),
    ("crime_victim", _l("Crime victim")),
    ("other_sensitive", _l("Other sensitive")),
]
LADDER = [
    ("family_anonymous", _l("Family consults anonymously")),
    ("family_named", _l("Family gives names")),
    ("person_reached", _l("Person reached")),
    ("person_consented", _l("Person consents to sharing")),
]
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
IMPORT_COLUMNS = {
    "case_ref": _l("Case number"),
    "display_name": _l("Full name"),
    "kana": _l("Kana"),
    "anonymous": _l("Anonymous"),
    "birth_year": _l("Year of birth"),
    "gender": _l("Gender"),
    "municipality": _l("Municipality"),
    "phone": _l("Phone"),
    "email": _l("E-mail"),
    "address": _l("Home address"),
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
    "format": _l("The file cannot be read as CSV or Excel."),
    "encoding": _l("The file is neither UTF-8 nor Shift_JIS text."),
    "too_large": _l("The file is too large (at most 10 MB)."),
    "unsafe": _l("The workbook contains parts Excel does not write. Save it again from Excel."),
}

CASE_PROBLEMS = {
    "case_closed": _l("The case is closed: reopen it first."),
    "already_closed": _l("The case is already closed."),
    "already_open": _l("The case is open."),
    "already_withdrawn": _l("The consent is already withdrawn."),
    "import_invalid": _l("The file has errors: correct them and upload it again."),
}
FIELD_PROBLEMS = {
    **IMPORT_ERRORS,
    "in_future": _l("The date is in the future."),
    "not_family": _l("Only a family member's consultation has a relationship."),
    "use_close": _l("Close a case with its reason instead."),
    "unknown_org": _l("Not a member of your consortium."),
    "own_org": _l("Your own organization needs no consent."),
    "order": _l("The expiry must be after the date it was given."),
    "unknown_user": _l("Not a member of your organization."),
}
FIELD_LABELS = {
    "reason": _l("Reason"),
    "occurred_at": _l("When"),
    "obtained_at": _l("Obtained"),
    "expires_at": _l("Expires (optional)"),
    "to_org_ids": _l("May be shared with"),
    "categories": _l("What"),
    "path": _l("Path (when a path is decided)"),
    "retained": _l("Still at work?"),
    "checkpoint_months": _l("Retention checkpoint"),
    "allowance_yen": _l("Allowance in yen"),
    "days": _l("Days (work experience)"),
    "relationship": _l("Relationship"),
    "minutes": _l("Minutes"),
    "stage": _l("Stage"),
    "assigned_to": _l("In charge"),
    "employer": _l("Employer"),
    "sector": _l("Industry"),
    "given_by_relationship": _l("Relationship (guardian or family)"),
}

LABELS = {
    "stage": dict(STAGES),
    "channel": dict(CHANNELS),
    "by": dict(PARTIES),
    "relationship": dict(RELATIONSHIPS),
    "gender": dict(GENDERS),
    "activity": dict(ACTIVITIES),
    "outcome": dict(OUTCOMES),
    "path": dict(PATHS),
    "category": dict(CATEGORIES),
    "method": dict(METHODS),
    "given_by": dict(GIVERS),
    "close": dict(CLOSE_REASONS),
    "note": dict(NOTE_CATEGORIES),
    "ladder": dict(LADDER),
    "import": IMPORT_STATUS,
}
