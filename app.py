"""Clean & Clear: the Chalice app. It only wires things; every route and scheduled function lives
in a blueprint of chalicelib/api (see README, "Architecture")."""
from __future__ import annotations

import logging

from chalice import Chalice

# Libraries' start-up chatter (botocore's "Found credentials in environment variables", pynamodb's
# settings file search) says nothing an operator needs; set before they are imported.
for _quiet in ("botocore.credentials", "pynamodb.settings"):
    logging.getLogger(_quiet).setLevel(logging.WARNING)

from chalicelib.api import (  # noqa: E402 - after the loggers are quieted
    guard, http, public, schedules, staff, staff_desk, staff_evaluation, staff_insights, staff_messages,
    staff_registrations, staff_sessions, staff_skm, staff_team, webhooks)

app = Chalice(app_name="clean-and-clear")
app.log.setLevel(logging.INFO)
logging.getLogger("chalicelib").setLevel(logging.INFO)

app.register_middleware(http.indonesian_server_errors, "http")
for binary_type in staff_evaluation.BINARY_TYPES:
    if binary_type not in app.api.binary_types:
        app.api.binary_types.append(binary_type)

app.register_blueprint(guard.bp)
app.register_blueprint(public.bp)
app.register_blueprint(webhooks.bp)
app.register_blueprint(staff.bp)
app.register_blueprint(staff_team.bp)
app.register_blueprint(staff_registrations.bp)
app.register_blueprint(staff_sessions.bp)
app.register_blueprint(staff_desk.bp)
app.register_blueprint(staff_messages.bp)
app.register_blueprint(staff_evaluation.bp)
app.register_blueprint(staff_insights.bp)
app.register_blueprint(staff_skm.bp)
app.register_blueprint(schedules.bp)
