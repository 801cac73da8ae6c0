"""The referrals service's HTTP API: thin views that parse, call one operation, shape JSON.

Routes the gateway forwards: /referrals… (with /referrals/recipients and /referrals/oversight),
/referral-policy, /notifications…, /reports/provision-ledger and /audit.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

from flask import Blueprint, Response, jsonify

from common.errors import Unauthenticated
from common.http.audit_api import add_audit_route
from common.http.openapi import endpoint, page_of
from common.http.service import bearer_token, current_principal, db, service_context
from common.schemas import PageQuery
from common.service import dependencies
from services.referrals.models import AuditEntry
from services.referrals.operations import (
    ReferralDeps,
    ledger,
    messages,
    notifications,
    oversight,
    policy,
    reading,
    recipients,
    responding,
    retention,
    sending,
)
from services.referrals.responses import (
    CenterAnswer,
    MessageAnswer,
    NotificationAnswer,
    OversightItem,
    OversightSummary,
    PolicyAnswer,
    ProvisionRecordAnswer,
    ProvisionRecordsDue,
    Recipient,
    ReferralDetail,
    ReferralPreview,
    ReferralSummary,
    UnreadCount,
)
from services.referrals.schemas import (
    CenterDecision,
    Complete,
    Decline,
    LedgerQuery,
    MarkAllRead,
    MessageCreate,
    NotificationQuery,
    PolicyUpdate,
    ReferralCreate,
    ReferralListQuery,
    RejectDecline,
    Withdraw,
)

bp = Blueprint("referrals", __name__)
TAGS = ("referrals",)


def deps() -> ReferralDeps:
    return dependencies(ReferralDeps)


def _token() -> str:
    token = bearer_token()
    if token is None:  # the service skeleton refuses such a request before it gets here
        raise Unauthenticated()
    return token


# --- sending ---------------------------------------------------------------------------


@bp.post("/referrals")
@endpoint(
    "Send a referral (consent-gated)",
    body=ReferralCreate,
    status=201,
    tags=TAGS,
    response=ReferralDetail,
)
def create_referral(body: ReferralCreate) -> tuple[Response, int]:
    return jsonify(sending.create(db(), deps(), current_principal(), _token(), body)), 201


@bp.post("/referrals/preview")
@endpoint(
    "The exact packet a referral would carry; writes nothing",
    body=ReferralCreate,
    tags=TAGS,
    response=ReferralPreview,
)
def preview_referral(body: ReferralCreate) -> Response:
    return jsonify(sending.preview(db(), deps(), current_principal(), _token(), body))


@bp.get("/referrals/recipients")
@endpoint("Members of my consortium a referral may go to", tags=TAGS, response=page_of(Recipient))
def list_recipients() -> Response:
    return jsonify(recipients.list_recipients(db(), current_principal()))


# --- reading ---------------------------------------------------------------------------


@bp.get("/referrals")
@endpoint(
    "My incoming and outgoing referrals",
    query=ReferralListQuery,
    tags=TAGS,
    response=page_of(ReferralSummary),
)
def list_referrals(query: ReferralListQuery) -> Response:
    return jsonify(reading.list_referrals(db(), current_principal(), query))


@bp.get("/referrals/<uuid:referral_id>")
@endpoint(
    "One referral (sender and receiver only); the receiver's first look marks it viewed",
    tags=TAGS,
    response=ReferralDetail,
)
def get_referral(referral_id: uuid.UUID) -> Response:
    return jsonify(reading.get_referral(db(), deps(), current_principal(), referral_id))


# --- answering -------------------------------------------------------------------------


@bp.post("/referrals/<uuid:referral_id>/accept")
@endpoint("Accept (receiver); the linked case follows", tags=TAGS, response=ReferralDetail)
def accept_referral(referral_id: uuid.UUID) -> Response:
    return jsonify(responding.accept(db(), deps(), current_principal(), referral_id))


@bp.post("/referrals/<uuid:referral_id>/decline")
@endpoint(
    "Decline (receiver), or ask the center to confirm the decline",
    body=Decline,
    tags=TAGS,
    response=ReferralDetail,
)
def decline_referral(referral_id: uuid.UUID, body: Decline) -> Response:
    return jsonify(responding.decline(db(), deps(), current_principal(), referral_id, body))


@bp.post("/referrals/<uuid:referral_id>/decline/confirm")
@endpoint(
    "Confirm a requested decline (prefectural center)",
    body=CenterDecision,
    tags=TAGS,
    response=CenterAnswer,
)
def confirm_decline(referral_id: uuid.UUID, body: CenterDecision) -> Response:
    return jsonify(responding.confirm_decline(db(), deps(), current_principal(), referral_id, body))


@bp.post("/referrals/<uuid:referral_id>/decline/reject")
@endpoint(
    "Send a requested decline back to the receiver (prefectural center)",
    body=RejectDecline,
    tags=TAGS,
    response=CenterAnswer,
)
def reject_decline(referral_id: uuid.UUID, body: RejectDecline) -> Response:
    return jsonify(responding.reject_decline(db(), deps(), current_principal(), referral_id, body))


@bp.post("/referrals/<uuid:referral_id>/withdraw")
@endpoint("Withdraw (sender)", body=Withdraw, tags=TAGS, response=ReferralDetail)
def withdraw_referral(referral_id: uuid.UUID, body: Withdraw) -> Response:
    return jsonify(responding.withdraw(db(), deps(), current_principal(), referral_id, body))


@bp.post("/referrals/<uuid:referral_id>/complete")
@endpoint(
    "Complete with an outcome and a note back to the sender (receiver)",
    body=Complete,
    tags=TAGS,
    response=ReferralDetail,
)
def complete_referral(referral_id: uuid.UUID, body: Complete) -> Response:
    return jsonify(responding.complete(db(), deps(), current_principal(), referral_id, body))


# --- the thread ------------------------------------------------------------------------


@bp.get("/referrals/<uuid:referral_id>/messages")
@endpoint(
    "The thread between the two orgs", query=PageQuery, tags=TAGS, response=page_of(MessageAnswer)
)
def list_messages(referral_id: uuid.UUID, query: PageQuery) -> Response:
    return jsonify(messages.list_messages(db(), current_principal(), referral_id, query))


@bp.post("/referrals/<uuid:referral_id>/messages")
@endpoint("Write on the thread", body=MessageCreate, status=201, tags=TAGS, response=MessageAnswer)
def post_message(referral_id: uuid.UUID, body: MessageCreate) -> tuple[Response, int]:
    return (
        jsonify(messages.post_message(db(), deps(), current_principal(), referral_id, body.body)),
        201,
    )


# --- the center, the policy ------------------------------------------------------------


@bp.get("/referrals/oversight")
@endpoint(
    "Declines to confirm, unanswered and expired referrals (center; metadata only)",
    query=oversight.OversightQuery,
    tags=TAGS,
    response=page_of(OversightItem),
)
def list_oversight(query: oversight.OversightQuery) -> Response:
    return jsonify(oversight.list_oversight(db(), current_principal(), query))


@bp.get("/referrals/oversight/summary")
@endpoint(
    "The consortium's referral flow in counts (center and consortium admin; no persons)",
    tags=TAGS,
    response=OversightSummary,
)
def oversight_summary() -> Response:
    return jsonify(oversight.summary(db(), current_principal(), deps().now()))


@bp.get("/referral-policy")
@endpoint("My consortium's referral policy", tags=TAGS, response=PolicyAnswer)
def get_policy() -> Response:
    return jsonify(policy.get_policy(db(), current_principal()))


@bp.put("/referral-policy")
@endpoint(
    "Set my consortium's referral policy (consortium admin)",
    body=PolicyUpdate,
    tags=TAGS,
    response=PolicyAnswer,
)
def update_policy(body: PolicyUpdate) -> Response:
    return jsonify(policy.update_policy(db(), deps(), current_principal(), body))


# --- notifications ---------------------------------------------------------------------


@bp.get("/notifications")
@endpoint(
    "My organization's notices, read or unread for me",
    query=NotificationQuery,
    tags=("notifications",),
    response=page_of(NotificationAnswer),
)
def list_notifications(query: NotificationQuery) -> Response:
    return jsonify(notifications.list_notifications(db(), current_principal(), query))


@bp.get("/notifications/unread-count")
@endpoint("Unread notices, per box", tags=("notifications",), response=UnreadCount)
def unread_count() -> Response:
    return jsonify(notifications.unread_count(db(), current_principal()))


@bp.post("/notifications/<uuid:notification_id>/read")
@endpoint("Mark one notice read", tags=("notifications",), response=UnreadCount)
def mark_read(notification_id: uuid.UUID) -> Response:
    return jsonify(notifications.mark_read(db(), current_principal(), notification_id))


@bp.post("/notifications/read-all")
@endpoint(
    "Mark all (or one referral's) notices read",
    body=MarkAllRead,
    tags=("notifications",),
    response=UnreadCount,
)
def mark_all_read(body: MarkAllRead) -> Response:
    return jsonify(notifications.mark_all_read(db(), current_principal(), body.referral_id))


# --- records ---------------------------------------------------------------------------


@bp.get("/reports/provision-ledger")
@endpoint(
    "My org's provision records (APPI arts. 29/30) as JSON, CSV or XLSX",
    query=LedgerQuery,
    tags=("records",),
    response=page_of(ProvisionRecordAnswer),
    media=("text/csv", ledger.XLSX_MIME),
)
def provision_ledger(query: LedgerQuery) -> Response:
    result = ledger.ledger(db(), current_principal(), query)
    if isinstance(result, dict):
        return jsonify(result)
    response = Response(result.content, mimetype=result.mimetype)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{result.filename}\"; filename*=UTF-8''{quote(result.filename)}"
    )
    return response


@bp.get("/reports/provision-ledger/due")
@endpoint(
    "Dry run: my org's provision records whose retention has ended, which the retention "
    "job removes (org admin)",
    tags=("records",),
    response=ProvisionRecordsDue,
)
def provision_records_due() -> Response:
    now = service_context().runtime.now()
    return jsonify(retention.due(db(), current_principal(), now))


add_audit_route(
    bp,
    AuditEntry,
    summary="My organization's referral audit log (org admin)",
    export_name="referral-audit.csv",
    tags=("records",),
)
