"""A local stand-in for the LINE platform: the Messaging API endpoints line-bot-sdk v3
calls, and a page where a person acts as LINE users whose actions reach the configured
webhook as LINE sends them. See docs/line-simulator.md."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from common.clock import Clock, utcnow
from common.errors import Conflict, DomainError
from common.http.problems import domain_error_response, problem_response
from tsunagu.linesim.state import SimulatorState
from tsunagu.linesim.webhook import WebhookTarget

DEFAULT_PORT = 8099
DEFAULT_CHANNEL_SECRET = "linesim-channel-secret"  # noqa: S105 - a local stand-in's
DEFAULT_CHANNEL_ACCESS_TOKEN = "linesim-channel-access-token"  # noqa: S105 - likewise
DEFAULT_BOT_USER_ID = "U" + "0" * 31 + "1"
"""The simulator's defaults (``tsunagu line-simulator`` spells them too, without importing
this package); the demo registers its channel with them."""
DEFAULT_MONTHLY_LIMIT = 200
"""The free plan's monthly message allowance."""


@dataclass(frozen=True)
class SimulatorConfig:
    channel_secret: str
    channel_access_token: str
    webhook_url: str
    bot_user_id: str
    monthly_limit: int = DEFAULT_MONTHLY_LIMIT


@dataclass
class LineSimulator:
    config: SimulatorConfig
    state: SimulatorState
    webhook_url: str = ""
    """Starts as the configured one; ``PUT /_sim/settings`` may set it later (``make run``
    learns the demo channel's id only once the stack is up)."""

    def __post_init__(self) -> None:
        self.webhook_url = self.webhook_url or self.config.webhook_url

    @property
    def target(self) -> WebhookTarget:
        if not self.webhook_url:
            raise Conflict(
                "No webhook URL is set yet: start with --webhook-url or PUT /_sim/settings",
                code="no_webhook_url",
            )
        return WebhookTarget(self.webhook_url, self.config.channel_secret, self.config.bot_user_id)


def create_app(config: SimulatorConfig, clock: Clock = utcnow) -> Flask:
    from tsunagu.linesim.control import MAX_IMAGE_BYTES, control
    from tsunagu.linesim.messaging_api import api, line_error
    from tsunagu.linesim.page import page

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_IMAGE_BYTES * 2  # base64 of the largest image
    app.extensions["linesim"] = LineSimulator(config, SimulatorState(config.monthly_limit, clock))
    app.register_blueprint(api)
    app.register_blueprint(control)
    app.register_blueprint(page)

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Response:
        return domain_error_response(error)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        status = error.code or 500
        if request.path.startswith("/v2/"):  # LINE's own error shape on LINE's paths
            return line_error(status, error.name)
        return problem_response(status, error.name, error.description, code=str(status))

    return app
