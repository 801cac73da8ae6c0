"""The words of the referrals area: statuses, legal bases, reasons, notices and the
referrals service's refusal codes. Shared codes (stages, channels…) are in
gateway/vocabulary.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from gateway.vocabulary import (
    ACTIVITIES,
    AGE_BANDS,
    CHANNELS,
    DATA_CATEGORIES,
    DATA_CATEGORIES_SHORT,
    GENDERS,
    NOTE_CATEGORIES,
    OUTCOMES,
    PARTIES,
    STAGES,
)

STATUS = {
    "sent": _l("Sent"),
    "viewed": _l("Viewed"),
    "decline_requested": _l("Decline awaiting the center"),
    "accepted": _l("Accepted"),
    "completed": _l("Completed"),
    "declined": _l("Declined"),
    "withdrawn": _l("Referral withdrawn"),
    "expired": _l("Expired"),
}
BASIS = {
    "consent": _l("The person's consent"),
    "exception": _l("A statutory exception"),
    "support_meeting": _l("A support meeting both members sit in"),
    "anonymous": _l("Anonymous (nothing that identifies the person)"),
}
CONSENT_GIVEN_BY = {
    "self": _l("The person's consent"),
    "legal_representative": _l("A legal representative's consent"),
    "guardian": _l("A legal representative's consent"),
}
"""Who gave the consent a provision relied on; a family member's never allows one."""
REPRESENTATION = {
    "minor": _l("a minor's parent"),
    "guardianship": _l("an adult guardian (成年後見)"),
}
MEETING_LAWS = {
    "seikatsu_konkyu_9": _l("Act on Self-Reliance Support for Needy Persons, art. 9"),
    "shakai_fukushi_106_6": _l("Social Welfare Act, art. 106-6"),
}
EXCEPTIONS = {
    "life_body_property": _l("Protecting life, body or property when consent cannot be had"),
    "public_health_child": _l("Public health or the sound upbringing of children"),
    "public_body_cooperation": _l("Cooperation with a public body"),
}
URGENCY = {"normal": _l("Normal"), "urgent": _l("Urgent")}
REFERRAL_OUTCOMES = {
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
DIRECTIONS = {"provided": _l("Provided"), "received": _l("Received")}
OVERSIGHT_FILTERS = {
    "decline_requested": _l("Declines to confirm"),
    "unanswered": _l("Unanswered"),
    "expired": _l("Expired"),
}

LABELS = {
    "status": STATUS,
    "category": DATA_CATEGORIES,
    "category_short": DATA_CATEGORIES_SHORT,
    "basis": BASIS,
    "exception": EXCEPTIONS,
    "urgency": URGENCY,
    "outcome": REFERRAL_OUTCOMES,
    "decline_reason": DECLINE_REASONS,
    "withdraw_reason": WITHDRAW_REASONS,
    "obtained_via": OBTAINED_VIA,
    "notice": NOTICES,
    "next_step": NEXT_STEPS,
    "age_band": AGE_BANDS,
    "gender": GENDERS,
    "direction": DIRECTIONS,
    "given_by": CONSENT_GIVEN_BY,
    "representation": REPRESENTATION,
    "meeting_law": MEETING_LAWS,
    # what a packet carries is the cases service's vocabulary
    "channel": CHANNELS,
    "party": PARTIES,
    "stage": STAGES,
    "activity": ACTIVITIES,
    "case_outcome": OUTCOMES,
    "note_category": NOTE_CATEGORIES,
}

# The referrals service's own refusal codes, in the user's language.
REFUSALS = {
    "consent_not_found": _l("No such consent on this case."),
    "consent_withdrawn": _l("The person has withdrawn this consent."),
    "consent_expired": _l("This consent has expired."),
    "consent_inactive": _l("This consent is not active."),
    "consent_receiver_not_named": _l("The consent does not name this organization."),
    "consent_category_missing": _l("The consent does not cover every category chosen."),
    "consent_given_by_family": _l(
        "A family member's consent covers only the family member's own information, not the "
        "person's. Record the person's (or a legal representative's) consent, or use a "
        "statutory exception or a support meeting."
    ),
    "sender_record_incomplete": _l(
        "Your organization has no address or representative on file. An org admin enters them "
        "on the organization page; provision records need both."
    ),
    "receiver_record_incomplete": _l(
        "This member has no address or representative on file, so the provision cannot be "
        "recorded. Ask them to enter both."
    ),
    "not_a_meeting_member": _l(
        "Both your organization and the receiver must be members of the support meeting."
    ),
    "unknown_org": _l("Not a member of your consortium."),
    "in_future": _l("The meeting has not been held yet."),
    "duplicate": _l("Each member once."),
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
    "respond_by_passed": _l("The respond-by date has passed."),
    "referral_changed": _l("This cannot be done now: the referral has moved on. See its history."),
    "conflict": _l("This cannot be done now: the referral has moved on. See its history."),
    "packet_refused": _l("The case could not be shared as chosen."),
}

FIELDS = {
    "to_org_id": _l("Refer to"),
    "categories": _l("What to share"),
    "basis": _l("Legal basis"),
    "consent_id": _l("Consent"),
    "exception_code": _l("Statutory exception"),
    "exception_reason": _l("Why the exception applies"),
    "reason": _l("Reason"),
    "reason_code": _l("Main reason"),
    "urgency": _l("Urgency"),
    "respond_by": _l("Respond by"),
    "obtained_via": _l("How you obtained the data"),
    "support_meeting_law": _l("The law constituting the meeting"),
    "support_meeting_constituted_by": _l("Who constituted the meeting"),
    "support_meeting_held_on": _l("Date of the meeting"),
    "support_meeting_member_org_ids": _l("Member organizations present"),
    "support_meeting_purpose": _l("Purpose of the meeting (optional)"),
    "outcome": _l("Outcome of the referral"),
    "outcome_note": _l("Note for the sender"),
    "body": _l("Message"),
    "from": _l("From"),
    "to": _l("Until"),
}
