"""The services' codes and what people call them: one English msgid per meaning, shared by
every UI area that shows the code. The Japanese is in the gettext catalogue (core), nowhere
else.

A code a page shows goes through :func:`label` (or a table's ``.get(code, fallback)``), never
bare: a code missing here shows as "—" rather than as ``aptitude_test``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

# --- the person ------------------------------------------------------------------------

PERSON_FIELDS = {
    "display_name": _l("Full name"),
    "kana": _l("Kana"),
    "anonymous": _l("Anonymous"),
    "birth_year": _l("Year of birth"),
    "gender": _l("Gender"),
    "municipality": _l("Municipality"),
    "phone": _l("Phone"),
    "email": _l("Email address"),
    "address": _l("Home address"),
}
GENDERS = {
    "unknown": _l("Not known"),
    "female": _l("Female"),
    "male": _l("Male"),
    "other": _l("Other"),
}
AGE_BANDS = {
    "under_30": _l("Under 30"),
    "30s": _l("30s"),
    "40s": _l("40s"),
    "50_plus": _l("50 and over"),
    "unknown": _l("Not known"),
}
RELATIONSHIPS = {
    "mother": _l("Mother"),
    "father": _l("Father"),
    "parent": _l("Parent"),
    "sibling": _l("Sibling"),
    "spouse": _l("Spouse"),
    "child": _l("Child"),
    "grandparent": _l("Grandparent"),
    "relative": _l("Relative"),
    "other": _l("Other"),
}

# --- the case --------------------------------------------------------------------------

STAGES = {
    "intake": _l("Intake"),
    "preparation": _l("Preparation"),
    "experience": _l("Experience"),
    "job_search": _l("Job search"),
    "employed": _l("Path decided"),
    "retention": _l("Retention"),
    "closed": _l("Closed"),
}
CHANNELS = {
    "phone": _l("Phone"),
    "visit": _l("Visit"),
    "home_visit": _l("Home visit"),
    "line": _l("LINE"),
    "email": _l("E-mail"),
    "outreach": _l("Outreach"),
    "online": _l("Online"),
}
PARTIES = {"self": _l("The person"), "family": _l("Family")}
ACTIVITIES = {
    "aptitude_test": _l("Aptitude test"),
    "interview_practice": _l("Interview practice"),
    "workplace_tour": _l("Workplace tour"),
    "country_work": _l("Country work"),
    "work_experience": _l("Work experience"),
    "job_application": _l("Job application"),
    "group_program": _l("Group programme"),
    "retention_followup": _l("Retention follow-up"),
    "seminar": _l("Seminar"),
    "other": _l("Other"),
}
OUTCOMES = {
    "job_search_started": _l("Job search started"),
    "path_decided": _l("Path decided"),
    "retention": _l("Retention status"),
}
PATHS = {
    "employment_regular": _l("Regular employment"),
    "employment_nonregular": _l("Non-regular employment"),
    "vocational_training": _l("Vocational training"),
    "education": _l("Education"),
    "welfare": _l("Welfare"),
    "other": _l("Other"),
}
NOTE_CATEGORIES = {
    "general": _l("General"),
    "illness": _l("Illness"),
    "disability": _l("Disability"),
    "treatment": _l("Treatment"),
    "criminal_record": _l("Criminal record"),
    "crime_victim": _l("Crime victim"),
    "other_sensitive": _l("Other sensitive"),
}
STAGE_CHANGE_CAUSES = {
    # Why a case moved on the ladder without anyone choosing a stage: what was recorded.
    **ACTIVITIES,
    **OUTCOMES,
    "contact": _l("Consultation"),
    "referral": _l("Referral"),
    "referral_accepted": _l("Referral accepted"),
    "reopened": _l("Reopened"),
    "import": _l("Imported"),
}

# --- sharing ---------------------------------------------------------------------------

DATA_CATEGORIES = {
    "identity": _l("Identity (name, kana, birth year, municipality)"),
    "contact": _l("Contact details"),
    "history": _l("Consultation history"),
    "support_record": _l("Support record"),
    "sensitive": _l("Sensitive information (要配慮個人情報)"),
}
DATA_CATEGORIES_SHORT = {
    "attributes": _l("Age band and gender"),
    "identity": _l("Identity details"),
    "contact": _l("Contact details"),
    "history": _l("Consultation history"),
    "support_record": _l("Support record"),
    "sensitive": _l("Sensitive information"),
}
CONSENT_METHODS = {
    "written": _l("Written"),
    "verbal": _l("Verbal"),
    "electronic": _l("Electronic"),
}
CONSENT_GIVERS = {
    "self": _l("The person"),
    "guardian": _l("Legal representative"),
    "legal_representative": _l("Legal representative"),
    "family": _l("Family"),
}
CONSENT_STATUS = {
    "active": _l("In force"),
    "withdrawn": _l("Withdrawn"),
    "expired": _l("Expired"),
    "pending": _l("Not yet"),
}

# --- organizations and people ----------------------------------------------------------

ORG_KINDS = {
    "family_association": _l("Family association"),
    "npo": _l("NPO"),
    "support_station": _l("Support Station"),
    "prefectural_center": _l("Prefectural hikikomori center"),
    "municipality": _l("Municipality"),
    "other": _l("Other"),
}
SECTORS = {"private": _l("Private"), "public": _l("Public")}
ROLES = {
    "org_admin": _l("Organization admin"),
    "staff": _l("Staff"),
    "volunteer": _l("Volunteer"),
    "viewer": _l("Viewer"),
    "consortium_admin": _l("Consortium admin"),
    "platform_admin": _l("Platform admin"),
}
USER_STATUS = {
    "active": _l("Active"),
    "invited": _l("Invited"),
    "deactivated": _l("Deactivated"),
}
ORG_STATUS = {"active": _l("Active"), "suspended": _l("Suspended")}

MISSING = "—"


def label(table: Mapping[str, Any], code: Any) -> str:
    """What people call ``code``; "—" for an empty or unknown code (never the code itself)."""
    if code is None or code == "":
        return MISSING
    found = table.get(str(code))
    return str(found) if found is not None else MISSING
