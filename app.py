"""Clean & Clear API: thin Chalice routes over the domain code in chalicelib/."""
from __future__ import annotations

import functools
import json
import logging
import os
import re
from datetime import timedelta

from chalice import AuthResponse, AuthRoute, Chalice, Cron, Response

from chalicelib import audit, booking, capacity, metrics, registrations, rules, team, validation
from chalicelib.auth import ROLE_ADMIN, ROLE_KONSULTAN, AuthError, Forbidden, Principal, bearer_token, require_role
from chalicelib.errors import InputError
from chalicelib.web import parse_day, parse_json_object

app = Chalice(app_name="clean-and-clear")
app.log.setLevel(logging.INFO)

JSON_TYPES = ["application/json", "text/plain"]
NO_STORE = {"Cache-Control": "no-store", "Content-Type": "application/json; charset=utf-8"}
SERVER_ERROR = {"errors": {"_form": "Terjadi gangguan di server. Silakan coba lagi sebentar lagi."}}
FORBIDDEN = {"errors": {"_form": "Anda tidak punya akses ke bagian ini."}}
ADMIN_ONLY = (ROLE_ADMIN,)
ALL_STAFF = (ROLE_ADMIN, ROLE_KONSULTAN)


def respond(status: int, body: dict) -> Response:
    return Response(body=json.dumps(body, ensure_ascii=False), status_code=status, headers=NO_STORE)


@app.middleware("http")
def indonesian_server_errors(event, get_response):
    """Chalice turns an unhandled exception into a 500 in English; say it in Indonesian.

    Chalice has already logged the stack trace (our exceptions carry no personal data).
    """
    response = get_response(event)
    if response.status_code >= 500 and "errors" not in str(response.body):
        return respond(response.status_code, SERVER_ERROR)
    return response


# --- staff authentication ------------------------------------------------------------------

# (path, method) -> roles allowed; filled by @staff_route, read by the authorizer.
ROUTE_ROLES: dict[tuple[str, str], tuple[str, ...]] = {}


@functools.lru_cache(maxsize=1)
def _verifier():
    from chalicelib.auth import verifier_from_env

    return verifier_from_env(os.environ)


@app.authorizer(ttl_seconds=60)
def staff_auth(auth_request):
    """Verify the staff token fully and allow exactly the routes the principal's roles may use.

    A missing, malformed, forged, expired or foreign token gets no routes (403 from API
    Gateway; 401 when the header is missing altogether).
    """
    try:
        principal = _verifier().verify(bearer_token(auth_request.token))
    except AuthError as exc:
        app.log.info("staff token refused: %s", exc.reason)
        return AuthResponse(routes=[], principal_id="anonymous")
    allowed: dict[str, list[str]] = {}
    for (path, method), roles in ROUTE_ROLES.items():
        if principal.has_role(*roles):
            # The policy matches real request paths: a {param} becomes a wildcard.
            allowed.setdefault(re.sub(r"\{[^}]+\}", "*", path), []).append(method)
    return AuthResponse(
        routes=[AuthRoute(path, methods) for path, methods in sorted(allowed.items())],
        principal_id=principal.subject,
        context=principal.to_context(),
    )


def staff_route(path: str, methods=("GET",), roles=ADMIN_ONLY):
    """A route behind the staff authorizer; the view gets the Principal as first argument.

    Roles are checked twice: by the authorizer's route list and again here.
    """

    def decorate(fn):
        for method in methods:
            ROUTE_ROLES[(path, method)] = tuple(roles)

        @functools.wraps(fn)
        def view(**kwargs):
            try:
                principal = Principal.from_context(app.current_request.context.get("authorizer") or {})
                require_role(principal, *roles)
                return fn(principal, **kwargs)
            except (Forbidden, AuthError):
                return respond(403, FORBIDDEN)
            except InputError as exc:
                return respond(exc.status, {"errors": exc.errors})

        app.route(path, methods=list(methods), authorizer=staff_auth, content_types=JSON_TYPES)(view)
        return fn

    return decorate


def body() -> dict:
    return parse_json_object(app.current_request.raw_body)


def query(name: str) -> str | None:
    return (app.current_request.query_params or {}).get(name)


def actor(principal: Principal) -> str:
    return principal.email or principal.subject


@app.route("/auth/local/login", methods=["POST"], content_types=JSON_TYPES)
def local_login():
    """Sign-in for the local issuer (make run, tests). Absent unless AUTH_MODE=local, never in prod."""
    from chalicelib.auth import is_prod_stage

    if os.environ.get("AUTH_MODE") != "local" or is_prod_stage(os.environ):
        return respond(404, {"errors": {"_form": "Tidak tersedia."}})
    from chalicelib import local_issuer

    try:
        data = body()
    except InputError as exc:
        return respond(exc.status, {"errors": exc.errors})
    email, password = data.get("email"), data.get("password")
    token = None
    if isinstance(email, str) and isinstance(password, str):
        token = local_issuer.issue_token(email, password)
    if token is None:
        return respond(401, {"errors": {"_form": "E-mail atau kata sandi salah."}})
    principal = _verifier().verify(token)
    return respond(200, {"token": token, "expires_in": 3600, "email": principal.email,
                         "roles": sorted(principal.roles), "consultant_id": principal.consultant_id})


# --- public --------------------------------------------------------------------------------

@app.route("/health", methods=["GET"])
def health():
    return {"ok": True}


@app.route("/public/options", methods=["GET"])
def public_options():
    """Days a visitor may offer right now (working days, no holidays), for the signup page."""
    today = rules.wib_now().date()
    days = validation.bookable_days(today, registrations.closed_days(today))
    return Response(
        body={"days": [d.isoformat() for d in days]},
        headers={"Cache-Control": "public, max-age=600"},
    )


@app.route("/registrations", methods=["POST"], content_types=JSON_TYPES)
def create_registration():
    request = app.current_request
    try:
        payload = parse_json_object(request.raw_body)
    except InputError as exc:
        return respond(exc.status, {"errors": exc.errors})
    key = request.headers.get("idempotency-key") or payload.get("idempotency_key")
    outcome = registrations.create_registration(payload, key if isinstance(key, str) else None)
    if outcome.status == 201:
        app.log.info("registration stored %s", outcome.body["reference"])
    return respond(outcome.status, outcome.body)


@app.route("/registrations/{reference}", methods=["GET"])
def get_registration(reference):
    token = app.current_request.headers.get("x-registration-token")
    registration = registrations.find_for_visitor(reference, token)
    if registration is None:
        return respond(404, {"errors": {"_form": "Pendaftaran tidak ditemukan. Periksa kembali tautan Anda."}})
    return respond(200, {**registrations.visitor_view(registration), "session": booking.visitor_session(registration)})


def _visitor_registration(reference):
    registration = registrations.find_for_visitor(reference, app.current_request.headers.get("x-registration-token"))
    if registration is None:
        raise InputError({"_form": "Pendaftaran tidak ditemukan. Periksa kembali tautan Anda."}, 404)
    return registration


@app.route("/registrations/{reference}/cancel", methods=["POST"], content_types=JSON_TYPES)
def visitor_cancel(reference):
    try:
        booking.visitor_cancel(_visitor_registration(reference))
    except InputError as exc:
        return respond(exc.status, {"errors": exc.errors})
    return get_registration(reference)


@app.route("/registrations/{reference}/days", methods=["POST"], content_types=JSON_TYPES)
def visitor_new_days(reference):
    try:
        booking.visitor_new_days(_visitor_registration(reference), body().get("days"))
    except InputError as exc:
        return respond(exc.status, {"errors": exc.errors})
    return get_registration(reference)


# --- staff: who am I, labels -----------------------------------------------------------------

@staff_route("/staff/me", roles=ALL_STAFF)
def staff_me(principal):
    name = None
    if principal.consultant_id:
        try:
            name = team.get_consultant(principal.consultant_id).name
        except InputError:
            name = None
    return respond(200, {"email": principal.email, "roles": sorted(principal.roles),
                         "consultant_id": principal.consultant_id, "consultant_name": name})


@staff_route("/staff/meta", roles=ALL_STAFF)
def staff_meta(principal):
    blocks = {s: f"{a:%H.%M}–{b:%H.%M}" for s, (a, b) in rules.DEFAULT_RULES.blocks.items()}
    return respond(200, {
        "services": rules.SERVICES, "modes": rules.MODES, "topics": rules.TOPICS,
        "coop_only_topics": sorted(rules.COOPERATIVE_ONLY_TOPICS), "kecamatan": list(rules.kecamatan_list()),
        "statuses": rules.REGISTRATION_STATUSES, "session_statuses": rules.SESSION_STATUSES,
        "coop_statuses": rules.COOPERATIVE_STATUSES, "sectors": rules.BUSINESS_SECTORS,
        "sources": rules.SOURCES, "weekdays": team.WEEKDAYS, "blocks": blocks,
    })


# --- staff: the team ---------------------------------------------------------------------------

@staff_route("/staff/consultants")
def list_consultants(principal):
    return respond(200, {"items": [team.consultant_view(c) for c in team.list_consultants()]})


@staff_route("/staff/consultants", methods=("POST",))
def create_consultant(principal):
    return respond(201, team.consultant_view(team.create_consultant(actor(principal), body())))


@staff_route("/staff/consultants/{consultant_id}", methods=("PUT",))
def update_consultant(principal, consultant_id):
    return respond(200, team.consultant_view(team.update_consultant(actor(principal), consultant_id, body())))


@staff_route("/staff/rooms")
def list_rooms(principal):
    return respond(200, {"items": [team.room_view(r) for r in team.list_rooms()]})


@staff_route("/staff/rooms", methods=("POST",))
def create_room(principal):
    return respond(201, team.room_view(team.create_room(actor(principal), body())))


@staff_route("/staff/rooms/{room_id}", methods=("PUT",))
def update_room(principal, room_id):
    return respond(200, team.room_view(team.update_room(actor(principal), room_id, body())))


# --- staff: roster and closures ------------------------------------------------------------------

@staff_route("/staff/roster")
def roster_week(principal):
    day = parse_day(query("week"), "week", required=False) or rules.wib_now().date()
    return respond(200, team.roster_week(day))


@staff_route("/staff/roster/rules/{consultant_id}", methods=("PUT",))
def set_roster_rules(principal, consultant_id):
    saved = team.set_weekly_pattern(actor(principal), consultant_id, body().get("entries"))
    return respond(200, {"rules": [{"consultant_id": r.consultant_id, "weekday": r.weekday, "service": r.service} for r in saved]})


@staff_route("/staff/roster/exceptions", methods=("POST",))
def add_roster_exception(principal):
    e = team.add_exception(actor(principal), body())
    return respond(201, {"consultant_id": e.consultant_id, "day": e.day.isoformat(), "service": e.service, "kind": e.kind})


@staff_route("/staff/roster/exceptions/{consultant_id}/{day}/{service}", methods=("DELETE",))
def remove_roster_exception(principal, consultant_id, day, service):
    team.remove_exception(actor(principal), consultant_id, day, service)
    return respond(200, {"ok": True})


@staff_route("/staff/roster/copy-week", methods=("POST",))
def copy_roster_week(principal):
    data = body()
    changed = team.copy_week(actor(principal), parse_day(data.get("from_week"), "from_week"),
                             parse_day(data.get("to_week"), "to_week"))
    return respond(200, {"changed": changed})


@staff_route("/staff/closures")
def list_closures(principal):
    raw = query("year") or str(rules.wib_now().year)
    if not raw.isdigit() or not 2020 <= int(raw) <= 2100:
        raise InputError({"year": "Tahun tidak valid."})
    return respond(200, team.closures_for_year(int(raw)))


@staff_route("/staff/closures", methods=("POST",))
def add_closure(principal):
    c = team.add_closure(actor(principal), body())
    return respond(201, {"day": c.day.isoformat(), "service": c.service, "reason": c.reason})


@staff_route("/staff/closures/{day}/{service}", methods=("DELETE",))
def remove_closure(principal, day, service):
    team.remove_closure(actor(principal), day, service)
    return respond(200, {"ok": True})


# --- staff: calendar and capacity ----------------------------------------------------------------

def _range() -> tuple:
    today = rules.wib_now().date()
    start = parse_day(query("from"), "from", required=False) or today
    end = parse_day(query("to"), "to", required=False) or start + timedelta(days=13)
    capacity.parse_range(start, end)
    return start, end


@staff_route("/staff/slots")
def list_slots(principal):
    return respond(200, {"slots": capacity.slots_view(*_range())})


@staff_route("/staff/capacity")
def capacity_view(principal):
    return respond(200, {"days": capacity.capacity_view(*_range())})


# --- staff: registrations and audit ----------------------------------------------------------------

@staff_route("/staff/registrations")
def staff_registrations(principal):
    limit = query("limit") or "25"
    if not limit.isdigit():
        raise InputError({"limit": "Harus angka."})
    return respond(200, registrations.staff_list(
        status=query("status") or None, service=query("service") or None, kecamatan=query("kecamatan") or None,
        start=parse_day(query("from"), "from", required=False), end=parse_day(query("to"), "to", required=False),
        q=query("q"), cursor=query("cursor"), limit=int(limit),
    ))


@staff_route("/staff/registrations/{reference}")
def staff_registration(principal, reference):
    return respond(200, registrations.staff_detail(reference))


@staff_route("/staff/audit")
def staff_audit(principal):
    day = parse_day(query("day"), "day", required=False) or rules.wib_now().date()
    return respond(200, {"items": audit.list_day(day.isoformat())})


# --- staff: sessions (allocation, lifecycle, notes) -------------------------------------------------

# Every 15 minutes, 07:00-17:45 WIB (00:00-10:45 UTC), Monday to Friday. EventBridge runs in UTC.
ALLOCATION_CRON = Cron("0/15", "0-10", "?", "*", "MON-FRI", "*")


@app.schedule(ALLOCATION_CRON, name="allocate")
def allocate_on_schedule(event):
    return _run_allocation()


def _run_allocation() -> dict:
    try:
        summary = booking.run_allocation()
    except Exception:
        metrics.emit("AllocationFailures")
        raise
    if summary.conflicts:
        metrics.emit("AllocationConflicts", summary.conflicts)
    app.log.info("allocation run %s", booking.summary_json(summary))
    return summary.as_dict()


@staff_route("/staff/allocation/run", methods=("POST",))
def run_allocation_now(principal):
    return respond(200, _run_allocation())


def _principal_may_touch(principal, session_id):
    session = booking.get_session(session_id)
    if not principal.is_admin and session.consultant_id != principal.consultant_id:
        raise InputError({"_form": "Sesi tidak ditemukan."}, 404)
    return session


@staff_route("/staff/sessions")
def staff_sessions(principal):
    start, end = _range()
    return respond(200, {"items": booking.sessions_view(start, end, query("consultant_id") or None, query("room_id") or None)})


@staff_route("/staff/sessions", methods=("POST",))
def staff_assign(principal):
    data = body()
    session = booking.assign_by_hand(actor(principal), str(data.get("reference") or "").replace("-", "").upper(),
                                     data.get("start"), data.get("consultant_id"), data.get("mode"))
    return respond(201, booking.session_view(session))


@staff_route("/staff/sessions/{session_id}", methods=("PUT",))
def staff_move(principal, session_id):
    data = body()
    return respond(200, booking.session_view(booking.move_session(actor(principal), session_id, data.get("start"), data.get("consultant_id"))))


@staff_route("/staff/sessions/{session_id}/attendance", methods=("POST",), roles=ALL_STAFF)
def staff_attendance(principal, session_id):
    _principal_may_touch(principal, session_id)
    return respond(200, booking.session_view(booking.mark_attendance(actor(principal), session_id, body().get("status"))))


@staff_route("/staff/sessions/{session_id}/cancel", methods=("POST",))
def staff_cancel(principal, session_id):
    requeue = body().get("requeue", True)
    if not isinstance(requeue, bool):
        raise InputError({"requeue": "Harus ya atau tidak."})
    booking.cancel_by_office(actor(principal), session_id, requeue=requeue)
    return respond(200, {"ok": True})


@staff_route("/staff/consultants/{consultant_id}/cancel-day", methods=("POST",))
def staff_cancel_day(principal, consultant_id):
    data = body()
    return respond(200, booking.cancel_consultant_day(actor(principal), consultant_id, data.get("day"), data.get("service") or None))


@staff_route("/staff/my-sessions", roles=ALL_STAFF)
def my_sessions(principal):
    if not principal.consultant_id:
        return respond(200, {"items": []})
    start, end = _range()
    return respond(200, {"items": booking.my_sessions(principal.consultant_id, start, end)})


@staff_route("/staff/sessions/{session_id}/notes", roles=ALL_STAFF)
def get_notes(principal, session_id):
    return respond(200, booking.get_notes(principal.consultant_id, principal.is_admin, session_id))


@staff_route("/staff/sessions/{session_id}/notes", methods=("PUT",), roles=ALL_STAFF)
def put_notes(principal, session_id):
    return respond(200, booking.save_notes(actor(principal), principal.consultant_id, principal.is_admin, session_id, body()))


# --- Zoom meetings for online sessions (chalicelib/zoom.py, chalicelib/zoom_sync.py) -----------
from chalicelib import zoom_sync  # noqa: E402

# Every 5 minutes, every day (EventBridge is UTC; cancellations and moves happen any day).
MEETINGS_CRON = Cron("0/5", "*", "*", "*", "?", "*")


def _sync_meetings() -> dict:
    summary = zoom_sync.run()
    app.log.info("zoom sync %s", json.dumps(summary.as_dict()))
    return summary.as_dict()


@app.schedule(MEETINGS_CRON, name="sync_meetings")
def sync_meetings(event):
    return _sync_meetings()


@staff_route("/staff/meetings/sync", methods=("POST",))
def sync_meetings_now(principal):
    return respond(200, _sync_meetings())


@staff_route("/staff/meetings/failed")
def failed_meetings(principal):
    return respond(200, {"items": zoom_sync.failures()})


@staff_route("/staff/sessions/{session_id}/meeting/retry", methods=("POST",))
def retry_meeting(principal, session_id):
    return respond(200, zoom_sync.retry(actor(principal), session_id))


# --- feedback after a session (stage 7; chalicelib/feedback.py) -----------------------------------
# Public: the signed link (?e=<expiry>&t=<signature>, from the page's URL fragment) is the only
# credential. 403 forged/altered link, 410 expired, 409 already answered or session not held.
from chalicelib import feedback  # noqa: E402


def _feedback_error(exc: InputError) -> Response:
    return respond(exc.status, {"errors": exc.errors, **getattr(exc, "extra", {})})


@app.route("/feedback/{session_id}", methods=["GET"])
def feedback_view(session_id):
    try:
        return respond(200, feedback.view_for_visitor(session_id, query("e"), query("t")))
    except InputError as exc:
        return _feedback_error(exc)


@app.route("/feedback/{session_id}", methods=["POST"], content_types=JSON_TYPES)
def feedback_submit(session_id):
    try:
        answer = feedback.submit(session_id, body())
    except InputError as exc:
        return _feedback_error(exc)
    app.log.info("feedback stored for session %s", session_id)
    return respond(201, answer)


# --- messages: outbox, WhatsApp webhooks, reminders (chalicelib/outbox.py, notify.py, reminders.py) ---
from chalice import Rate  # noqa: E402

from chalicelib import outbox, reminders  # noqa: E402


def _send_messages() -> dict:
    summary = outbox.send_due()
    app.log.info("outbox run %s", json.dumps(summary.as_dict()))
    return summary.as_dict()


def _queue_reminders() -> dict:
    summary = reminders.queue()
    app.log.info("reminders queued %s", json.dumps(summary.as_dict()))
    return summary.as_dict()


@app.schedule(Rate(1, unit=Rate.MINUTES), name="send_messages")
def send_messages(event):
    return _send_messages()


@app.schedule(Rate(15, unit=Rate.MINUTES), name="queue_reminders")
def queue_reminders(event):
    return _queue_reminders()


@staff_route("/staff/outbox")
def staff_outbox(principal):
    limit = query("limit") or "25"
    if not limit.isdigit():
        raise InputError({"limit": "Harus angka."})
    return respond(200, outbox.staff_list(day=parse_day(query("day"), "day", required=False),
                                          status=query("status") or None, cursor=query("cursor"), limit=int(limit)))


@staff_route("/staff/outbox/{message_id}/retry", methods=("POST",))
def staff_outbox_retry(principal, message_id):
    return respond(200, outbox.retry(actor(principal), message_id))


@staff_route("/staff/outbox/run", methods=("POST",))
def staff_outbox_run(principal):
    """Queue due reminders and send what is due now (the same as the two scheduled functions)."""
    return respond(200, {"reminders": _queue_reminders(), "sent": _send_messages()})


@app.route("/webhooks/whatsapp", methods=["GET"])
def whatsapp_verify():
    try:
        challenge = outbox.whatsapp_handshake(query("hub.mode"), query("hub.verify_token"), query("hub.challenge"))
    except InputError as exc:
        return respond(exc.status, {"errors": exc.errors})
    return Response(body=challenge, status_code=200, headers={"Content-Type": "text/plain; charset=utf-8",
                                                               "Cache-Control": "no-store"})


@app.route("/webhooks/whatsapp", methods=["POST"], content_types=JSON_TYPES)
def whatsapp_webhook():
    request = app.current_request
    try:
        result = outbox.whatsapp_webhook(request.raw_body, request.headers.get("x-hub-signature-256"))
    except InputError as exc:
        return respond(exc.status, {"errors": exc.errors})
    return respond(200, result)


# --- Evaluation and outreach (issue 6): dashboard, campaigns and posters, reports, data rights ----
# chalicelib/stats.py (counters), dashboard.py, campaigns.py, poster.py, reports.py, privacy.py,
# broadcasts.py. Binary answers (poster PNG, XLSX) need their types in binary_types; API Gateway
# returns them as binary only when the request's Accept header names the type.
from chalicelib import campaigns as campaigns_mod  # noqa: E402
from chalicelib import dashboard  # noqa: E402

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
for _binary_type in ("image/png", XLSX_TYPE):
    if _binary_type not in app.api.binary_types:
        app.api.binary_types.append(_binary_type)


@staff_route("/staff/dashboard")
def staff_dashboard(principal):
    start, end = dashboard.parse_range(parse_day(query("from"), "from", required=False),
                                       parse_day(query("to"), "to", required=False), rules.wib_now().date())
    return respond(200, dashboard.build(start, end, broadcasts_view=lambda a, b, all_time: broadcasts.list_view(a, b, all_time)))


@staff_route("/staff/campaigns")
def staff_campaigns(principal):
    return respond(200, {"items": [campaigns_mod.view(c) for c in campaigns_mod.list_campaigns()]})


@staff_route("/staff/campaigns", methods=("POST",))
def staff_campaign_create(principal):
    return respond(201, campaigns_mod.view(campaigns_mod.create(actor(principal), body())))


@staff_route("/staff/campaigns/{code}", methods=("GET",))
def staff_campaign(principal, code):
    return respond(200, campaigns_mod.view(campaigns_mod.get(code)))


@staff_route("/staff/campaigns/{code}", methods=("PUT",))
def staff_campaign_update(principal, code):
    return respond(200, campaigns_mod.view(campaigns_mod.update(actor(principal), code, body())))


@staff_route("/staff/campaigns/{code}/posts", methods=("POST",))
def staff_campaign_post_add(principal, code):
    return respond(201, campaigns_mod.view(campaigns_mod.save_post(actor(principal), code, None, body())))


@staff_route("/staff/campaigns/{code}/posts/{post_id}", methods=("PUT",))
def staff_campaign_post_save(principal, code, post_id):
    return respond(200, campaigns_mod.view(campaigns_mod.save_post(actor(principal), code, post_id, body())))


@staff_route("/staff/campaigns/{code}/posts/{post_id}", methods=("DELETE",))
def staff_campaign_post_delete(principal, code, post_id):
    return respond(200, campaigns_mod.view(campaigns_mod.delete_post(actor(principal), code, post_id)))


def _campaign_poster(code: str, kind: str) -> Response:
    from chalicelib import poster

    campaign = campaigns_mod.get(code)
    if kind == "svg":
        body_, content_type = poster.svg(campaign.code), "image/svg+xml; charset=utf-8"
    else:
        body_, content_type = poster.png(campaign.code), "image/png"
    return Response(body=body_, status_code=200, headers={
        "Content-Type": content_type, "Cache-Control": "no-store",
        "Content-Disposition": f'inline; filename="poster-{campaign.code}.{kind}"'})


@staff_route("/staff/campaigns/{code}/poster.svg")
def staff_campaign_poster_svg(principal, code):
    return _campaign_poster(code, "svg")


@staff_route("/staff/campaigns/{code}/poster.png")
def staff_campaign_poster_png(principal, code):
    return _campaign_poster(code, "png")


@staff_route("/staff/reports/{name}")
def staff_report(principal, name):
    """`/staff/reports/2026-11.xlsx` or `.csv` (`?sheet=` one table of the CSV)."""
    from chalicelib import reports

    content, content_type, filename = reports.build(name, query("sheet") or None)
    return Response(body=content, status_code=200, headers={
        "Content-Type": content_type, "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="{filename}"'})


# Data rights (UU PDP) from the private link, and retention (chalicelib/privacy.py).
@app.route("/registrations/{reference}/data", methods=["GET"])
def visitor_data(reference):
    from chalicelib import privacy

    try:
        registration = _visitor_registration(reference)
    except InputError as exc:
        return respond(exc.status, {"errors": exc.errors})
    app.log.info("data export %s", registration.reference)
    return Response(body=json.dumps(privacy.export(registration), ensure_ascii=False, indent=2), status_code=200,
                    headers={**NO_STORE, "Content-Disposition": f'attachment; filename="data-{registration.reference}.json"'})


@app.route("/registrations/{reference}/delete", methods=["POST"], content_types=JSON_TYPES)
def visitor_delete(reference):
    from chalicelib import privacy

    try:
        registration = _visitor_registration(reference)
        answer = privacy.delete_for_visitor(registration, body())
    except InputError as exc:
        return respond(exc.status, {"errors": exc.errors})
    app.log.info("data deleted on request %s", registration.reference)
    return respond(200, answer)


# Every day at 02:15 WIB (19:15 UTC the day before).
RETENTION_CRON = Cron(15, 19, "*", "*", "?", "*")


@app.schedule(RETENTION_CRON, name="anonymise_old_data")
def anonymise_old_data(event):
    from chalicelib import privacy

    summary = privacy.run_retention()
    app.log.info("retention %s", json.dumps(summary.as_dict()))
    return summary.as_dict()


# WhatsApp broadcasts to past clients (chalicelib/broadcasts.py): paced by `send_broadcasts`.
from chalice import Rate as _Rate  # noqa: E402

from chalicelib import broadcasts  # noqa: E402


@staff_route("/staff/broadcasts/templates")
def staff_broadcast_templates(principal):
    return respond(200, {"items": broadcasts.templates(), "per_minute": broadcasts.per_minute(),
                         "daily_limit": broadcasts.daily_limit()})


@staff_route("/staff/broadcasts/preview", methods=("POST",))
def staff_broadcast_preview(principal):
    return respond(200, broadcasts.preview(body()))


@staff_route("/staff/broadcasts")
def staff_broadcasts(principal):
    return respond(200, {"items": broadcasts.list_view()})


@staff_route("/staff/broadcasts", methods=("POST",))
def staff_broadcast_create(principal):
    key = app.current_request.headers.get("idempotency-key")
    record, created = broadcasts.create(actor(principal), body(), key if isinstance(key, str) else None)
    return respond(201 if created else 200, broadcasts.view(record))


@staff_route("/staff/broadcasts/{broadcast_id}")
def staff_broadcast(principal, broadcast_id):
    return respond(200, broadcasts.view(broadcasts.get(broadcast_id)))


@staff_route("/staff/broadcasts/{broadcast_id}/cancel", methods=("POST",))
def staff_broadcast_cancel(principal, broadcast_id):
    return respond(200, broadcasts.view(broadcasts.cancel(actor(principal), broadcast_id)))


@app.schedule(_Rate(1, unit=_Rate.MINUTES), name="send_broadcasts")
def send_broadcasts(event):
    summary = broadcasts.run()
    app.log.info("broadcasts %s", json.dumps(summary.as_dict()))
    return summary.as_dict()
