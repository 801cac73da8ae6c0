"""The words of the referrals area: status, category, basis and outcome labels, notice
texts and the referrals service's refusal codes, in the user's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS = {
    "sent": _l("Sent"),
    "viewed": _l("Opened by the receiver"),
    "decline_requested": _l("Decline awaiting the center"),
    "accepted": _l("Accepted"),
    "completed": _l("Completed"),
    "declined": _l("Declined"),
    "withdrawn": _l("Referral withdrawn"),
    "expired": _l("Expired"),
}
CATEGORIES = {
    "identity": _l("Identity (name, kana, birth year, municipality)"),
    "contact": _l("Contact details"),
    "history": _l("Consultation history"),
    "support_record": _l("Support record"),
    "sensitive": _l("Sensitive information (要配慮個人情報)"),
}
CATEGORY_SHORT = {
    "attributes": _l("Age band and gender"),
    "identity": _l("Identity details"),
    "contact": _l("Contact"),
    "history": _l("Consultation history"),
    "support_record": _l("Support record"),
    "sensitive": _l("Sensitive information"),
}
BASIS = {
    "consent": _l("The person's consent"),
    "exception": _l("A statutory exception"),
    "anonymous": _l("Anonymous (nothing that identifies the person)"),
}
EXCEPTIONS = {
    "life_body_property": _l("Protecting life, body or property when consent cannot be had"),
    "public_health_child": _l("Public health or the sound upbringing of children"),
    "public_body_cooperation": _l("Cooperation with a public body"),
}
URGENCY = {"normal": _l("Normal"), "urgent": _l("Urgent")}
OUTCOMES = {
    "got_help": _l("Got help"),
    "could_not_contact": _l("Could not contact the person"),
    "no_longer_interested": _l("No longer interested"),
    "no_capacity": _l("No capacity"),
    "referred_elsewhere": _l("Referred elsewhere"),
    "other": _l("Other"),
}
DECLINE_REASONS = {
    "no_capacity": _l("We have no capacity"),
    "out_of_scope": _l("Outside what we offer"),
    "outside_area": _l("Outside our area"),
    "person_unreachable": _l("The person cannot be reached"),
    "other": _l("Other"),
}
WITHDRAW_REASONS = {
    "no_longer_needed": _l("No longer needed"),
    "person_request": _l("At the person's request"),
    "sent_in_error": _l("Sent in error"),
    "consent_withdrawn": _l("The person withdrew their consent"),
    "other": _l("Other"),
}
OBTAINED_VIA = {
    "consultation": _l("In consultation with the person or family"),
    "family_consultation": _l("In consultation with the family"),
    "outreach": _l("During outreach or a home visit"),
    "referral": _l("Through a referral from another organization"),
    "other": _l("Other"),
}
NOTICES = {
    "referral_received": _l("A new referral has arrived"),
    "status_changed": _l("A referral's status has changed"),
    "message_posted": _l("A new message on a referral"),
    "decline_confirmation_requested": _l("A decline awaits the center's confirmation"),
    "decline_confirmed": _l("The center confirmed a decline"),
    "decline_rejected": _l("The center sent a decline back: please answer again"),
    "referral_completed": _l("The receiver reported the outcome"),
    "referral_unanswered": _l("A referral has been left unanswered"),
    "referral_expired": _l("A referral expired without an answer"),
    "reminder": _l("A referral is waiting for your answer"),
    "consent_withdrawn": _l("The consent was withdrawn, so the referral was stopped"),
    "linked_case_opened": _l("Your case for the accepted referral is ready"),
    "linked_case_closed": _l("The linked case was closed: report the outcome to the sender"),
    "linked_case_reopened": _l("The linked case was reopened"),
    "linked_case_outcome": _l("An outcome was recorded on the linked case"),
    "urgent_decline_escalated": _l("An urgent referral is being declined: the center decides"),
    "urgent_declined": _l("An urgent referral was declined: find help elsewhere today"),
}
NEXT_STEPS = {
    "center_reviewing": _l(
        "This urgent referral is being declined. The prefectural center has been told and "
        "decides whether the decline stands. If the person cannot wait, contact the center now."
    ),
    "awaiting_center": _l("The decline waits for the prefectural center's confirmation."),
    "refer_elsewhere_urgently": _l(
        "This urgent referral did not go through. Refer the person to another member today, "
        "and talk to the prefectural center."
    ),
    "refer_elsewhere": _l("This referral did not go through. You may refer the person elsewhere."),
}
AGE_BANDS = {
    "under_30": _l("Under 30"),
    "30s": _l("30s"),
    "40s": _l("40s"),
    "50_plus": _l("50 and over"),
    "unknown": _l("Unknown"),
}
GENDERS = {
    "female": _l("Female"),
    "male": _l("Male"),
    "other": _l("Other"),
    "unknown": _l("Unknown"),
}
LABELS = {
    "status": STATUS,
    "category": CATEGORIES,
    "category_short": CATEGORY_SHORT,
    "basis": BASIS,
    "exception": EXCEPTIONS,
    "urgency": URGENCY,
    "outcome": OUTCOMES,
    "decline_reason": DECLINE_REASONS,
    "withdraw_reason": WITHDRAW_REASONS,
    "obtained_via": OBTAINED_VIA,
    "notice": NOTICES,
    "next_step": NEXT_STEPS,
    "age_band": AGE_BANDS,
    "gender": GENDERS,
}

# The referrals service's own refusal codes, in the user's language.
REFUSALS = {
    "consent_not_found": _l("No such consent on this case."),
    "consent_withdrawn": _l("The person has withdrawn this consent."),
    "consent_expired": _l("This consent has expired."),
    "consent_inactive": _l("This consent is not active."),
    "consent_receiver_not_named": _l("The consent does not name this organization."),
    "consent_category_missing": _l("The consent does not cover every category chosen."),
    "basis_required": _l("Choose a legal basis."),
    "basis_ambiguous": _l("Choose only one legal basis."),
    "sensitive_needs_consent": _l("Sensitive information goes only with a consent that names it."),
    "anonymous_with_categories": _l("An anonymous referral carries no data categories."),
    "categories_required": _l("Choose at least one category, or refer anonymously."),
    "receiver_outside_consortium": _l("Choose a member of your consortium."),
    "receiver_is_self": _l("Choose another organization."),
    "receiver_suspended": _l("This organization is suspended and cannot receive referrals."),
    "case_not_found": _l("No such case."),
    "in_past": _l("Choose today or a later date."),
    "too_far": _l("Choose a date within a year."),
    "range_invalid": _l("The end is before the start."),
    "referral_expired": _l("The respond-by date has passed."),
}

# What a packet carries is the cases service's vocabulary: the same msgids as the cases area
# (one gettext domain, one meaning), so the two areas always say the same thing.
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
STAGES = {
    "intake": _l("Intake"),
    "preparation": _l("Preparation"),
    "experience": _l("Experience"),
    "job_search": _l("Job search"),
    "employed": _l("Path decided"),
    "retention": _l("Retention"),
    "closed": _l("Closed"),
}
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
CASE_OUTCOMES = {
    "job_search_started": _l("Job search started"),
    "path_decided": _l("Path decided"),
    "retention": _l("Retention status"),
}
NOTE_CATEGORIES = {
    "illness": _l("Illness"),
    "disability": _l("Disability"),
    "treatment": _l("Treatment"),
    "criminal_record": _l("Criminal record"),
    "crime_victim": _l("Crime victim"),
    "other_sensitive": _l("Other sensitive"),
}
LABELS |= {
    "channel": CHANNELS,
    "party": PARTIES,
    "stage": STAGES,
    "activity": ACTIVITIES,
    "case_outcome": CASE_OUTCOMES,
    "note_category": NOTE_CATEGORIES,
}
