"""The words of the LINE desk area: conversation statuses, risk, message types, weekdays,
the form fields and the line service's refusal codes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS = {
    "waiting": _l("Waiting"),
    "open": _l("In progress"),
    "closed": _l("Closed"),
}
RISK = {
    "none": _l("No risk words"),
    "watch": _l("Watch"),
    "high": _l("High risk"),
}
MESSAGE_TYPES = {
    "text": _l("Text"),
    "image": _l("Image"),
    "video": _l("Video"),
    "audio": _l("Voice message"),
    "file": _l("File"),
    "location": _l("Location"),
    "sticker": _l("Sticker"),
    "postback": _l("Button answer"),
}
DELIVERY = {
    "queued": _l("Sending"),
    "sent": _l("Sent to LINE"),
    "failed": _l("Not delivered"),
}
WEEKDAYS = {
    "0": _l("Mon"),
    "1": _l("Tue"),
    "2": _l("Wed"),
    "3": _l("Thu"),
    "4": _l("Fri"),
    "5": _l("Sat"),
    "6": _l("Sun"),
}
FIELDS = {
    "org_id": _l("Desk organization"),
    "name": _l("Account name"),
    "channel_id": _l("Channel ID"),
    "channel_secret": _l("Channel secret"),
    "channel_access_token": _l("Channel access token"),
    "bot_user_id": _l("Bot user ID"),
    "hours_open": _l("Opens at"),
    "hours_close": _l("Closes at"),
    "weekdays": _l("Open on"),
    "out_of_hours_message": _l("Out-of-hours answer"),
    "text": _l("Reply"),
    "summary": _l("Closing summary"),
}
REFUSALS = {
    # field errors
    "string_pattern_mismatch": _l("Check the format: it is shown in the LINE Developers console."),
    "value_error": _l("This value is not valid."),
    "empty_patch": _l("Nothing was changed."),
    # the line service's refusals as a whole
    "channel_registered": _l("This LINE channel is already registered."),
    "assignment_cap": _l("You have reached the number of conversations one person may hold."),
    "conversation_closed": _l("This conversation is closed."),
}
CAP_REACHED = _l("You have reached the limit of conversations you can hold at once (%(cap)s).")
ONLY_HOLDER = _l("Only the counsellor who holds this conversation can do this. Take it over first.")
