"""The pages: a FastAPI router of server-rendered Jinja2 pages over the service's Python calls.

Every page resolves the signed-in principal from the session cookie and checks its role on the
server before it reads or changes anything; every form carries the session's CSRF token and
every POST checks it. Errors of the library render as a page with the same status the API
gives them.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from collections.abc import Iterator
from datetime import date
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.datastructures import FormData, UploadFile

from fentrace.exc import FentraceError, UsageError
from fentrace.network.html import embed_json
from fentrace.service import Principal, Service
from fentrace.service.errors import status_of
from fentrace.service.models import ALERT_LEVELS, DISPOSITIONS, ROLES
from fentrace.service.routers import kb as kb_routes
from fentrace.shipments.engine import explain_codes
from fentrace.shipments.rules import INDICATOR_CODES
from fentrace.simulation import BUNDLED_SCENARIOS
from fentrace.web import charts, evidence
from fentrace.web import simulation as sim
from fentrace.web.queue import QueueFilter, parse_route
from fentrace.web.sessions import (
    SESSION_COOKIE,
    SESSION_SECONDS,
    VISITOR_COOKIE,
    Session,
    SessionSigner,
    current,
    same_token,
)

#: Alerts per queue page.
PAGE_SIZE = 50
#: Most alerts one bulk action changes.
MAX_BULK = 200
#: Most identifiers or names one look-up form takes (the API's batch limit applies too).
MAX_LOOKUP = 50
QUEUE_SORTS = {
    "-score": "score, highest first",
    "score": "score, lowest first",
    "-date": "date, newest first",
    "date": "date, oldest first",
    "-updated": "recently reviewed",
    "row": "manifest row",
}
NAV = (
    ("/", "Dashboard", "viewer"),
    ("/alerts", "Alerts", "viewer"),
    ("/upload", "Upload", "analyst"),
    ("/chem", "Chemicals", "analyst"),
    ("/parties", "Parties", "analyst"),
    ("/gaps", "Control gaps", "viewer"),
    ("/timeline", "Policy timeline", "viewer"),
    ("/simulate", "Simulation", "analyst"),
    ("/admin", "Admin", "admin"),
)


class SignInRequiredError(Exception):
    """Nobody (or an expired session) asked for a page that needs a sign-in."""


class RoleTooLowError(Exception):
    """A signed-in principal asked for something its role may not do."""

    def __init__(self, principal: Principal, role: str) -> None:
        super().__init__(role)
        self.principal = principal
        self.role = role


class BadCsrfError(Exception):
    """A form came back without this session's CSRF token."""


def _templates() -> Environment:
    folder = resources.files("fentrace.web") / "templates"
    environment = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["links"] = _links
    environment.filters["label"] = lambda text: str(text or "").replace("_", " ")
    environment.globals["levels"] = ALERT_LEVELS
    environment.globals["dispositions"] = DISPOSITIONS
    environment.globals["roles"] = ROLES
    return environment


def _links(text: object) -> Markup:
    """Escaped text whose http(s) URLs are links that open without a referrer."""
    parts = []
    for piece, is_url in evidence.split_links(str(text or "")):
        if is_url:
            parts.append(
                Markup('<a href="{0}" rel="noopener noreferrer external">{0}</a>').format(piece)
            )
        else:
            parts.append(escape(piece))
    return Markup("").join(parts)


class Web:
    """The page renderer, the session signer and the checks shared by every page."""

    def __init__(self, signer: SessionSigner) -> None:
        self.signer = signer
        self.env = _templates()

    # -------------------------------------------------------------- sessions

    def session(self, request: Request) -> Session | None:
        return self.signer.read(request.cookies.get(SESSION_COOKIE))

    def need(self, request: Request, role: str) -> tuple[Principal, Session]:
        """The signed-in principal (re-read from the database) if its role is ``role`` or above."""
        session = self.session(request)
        if session is None:
            raise SignInRequiredError
        principal = current(service_of(request), session)
        if principal is None:
            raise SignInRequiredError
        request.state.principal = principal
        request.state.session = session
        if not principal.can(role):
            raise RoleTooLowError(principal, role)
        return principal, session

    async def form(self, request: Request, role: str) -> tuple[Principal, FormData]:
        """A POSTed form from a principal with ``role``, after its CSRF token is checked."""
        principal, session = self.need(request, role)
        form = await request.form(max_files=1, max_fields=MAX_BULK + 20)
        token = form.get("csrf")
        if not same_token(session.csrf, token if isinstance(token, str) else None):
            raise BadCsrfError
        return principal, form

    # -------------------------------------------------------------- rendering

    def page(self, request: Request, template: str, status: int = 200, **context: Any) -> Response:
        session: Session | None = getattr(request.state, "session", None)
        principal: Principal | None = getattr(request.state, "principal", None)
        nav = [
            (href, label, href == request.url.path)
            for href, label, role in NAV
            if principal is not None and principal.can(role)
        ]
        text = self.env.get_template(template).render(
            request=request,
            principal=principal,
            csrf=session.csrf if session else "",
            nav=nav,
            **context,
        )
        return HTMLResponse(text, status_code=status)

    def problem(self, request: Request, error: FentraceError) -> Response:
        """A library error as a page with the API's status for it."""
        return self.page(
            request,
            "error.html",
            status=status_of(error),
            title="That did not work",
            message=str(error),
        )


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _web(request: Request) -> Web:
    web: Web = request.app.state.web
    return web


def _text(form: FormData, name: str, limit: int = 2000) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    if len(value) > limit:
        raise UsageError(f"{name} is longer than {limit} characters", field=name)
    return value.strip()


def _parse_date(text: str | None, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{field}: {text!r} is not a date (YYYY-MM-DD)", field=field) from None


def _digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _safe_back(target: str, default: str) -> str:
    """A same-site path to return to (never another host)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def _lines(text: str, field: str) -> list[str]:
    items = [line.strip() for line in text.splitlines() if line.strip()]
    if not items:
        raise UsageError(f"{field}: give at least one, one per line", field=field)
    if len(items) > MAX_LOOKUP:
        raise UsageError(f"{field}: at most {MAX_LOOKUP} per look-up", field=field)
    return items


router = APIRouter(include_in_schema=False)


# ------------------------------------------------------------------ sign-in


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    web = _web(request)
    visitor = request.cookies.get(VISITOR_COOKIE) or secrets.token_urlsafe(18)
    response = web.page(
        request,
        "login.html",
        title="Sign in",
        login_csrf=web.signer.visitor_token(visitor),
        next=_safe_back(next, "/"),
        error=None,
    )
    _set_cookie(request, response, VISITOR_COOKIE, visitor, 3600)
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    web = _web(request)
    form = await request.form(max_files=0, max_fields=10)
    visitor = request.cookies.get(VISITOR_COOKIE) or ""
    token = form.get("csrf")
    next_path = _safe_back(str(form.get("next") or "/"), "/")
    if not visitor or not same_token(
        web.signer.visitor_token(visitor), token if isinstance(token, str) else None
    ):
        raise BadCsrfError
    service = service_of(request)
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    api_key = str(form.get("api_key") or "").strip()
    principal = None
    if api_key:
        principal = service.authenticate(api_key)
    elif username and password and len(username) <= 100 and len(password) <= 1000:
        principal = service.verify_user_password(username, password)
    if principal is None:
        response = web.page(
            request,
            "login.html",
            status=401,
            title="Sign in",
            login_csrf=web.signer.visitor_token(visitor),
            next=next_path,
            error="That user name and password, or that API key, did not sign you in.",
        )
        return response
    cookie, _session = web.signer.issue(principal)
    service.audit(principal, "web.sign_in", result={"via": "api key" if api_key else "password"})
    response = RedirectResponse(next_path, status_code=303)
    _set_cookie(request, response, SESSION_COOKIE, cookie, SESSION_SECONDS)
    response.delete_cookie(VISITOR_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    web = _web(request)
    principal, _form = await web.form(request, "viewer")
    web.signer.revoke(request.state.session)
    service_of(request).audit(principal, "web.sign_out")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _set_cookie(request: Request, response: Response, name: str, value: str, age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


# ------------------------------------------------------------------ dashboard


@router.get("/")
def dashboard(request: Request) -> Response:
    web = _web(request)
    web.need(request, "viewer")
    service = service_of(request)
    stats = service.alert_stats()
    ranked = sorted(
        (
            (code, item)
            for code, item in stats["by_indicator"].items()
            if item["precision"] is not None
        ),
        key=lambda pair: (-pair[1]["precision"], pair[0]),
    )
    return web.page(
        request,
        "dashboard.html",
        title="Dashboard",
        jobs=service.list_jobs(limit=10),
        stats=stats,
        best=ranked[:3],
        worst=list(reversed(ranked[-3:])) if len(ranked) > 3 else [],
        level_chart=charts.bar_chart(
            "Alerts by level",
            [(level, stats["by_level"][level]) for level in ALERT_LEVELS],
            charts.LEVEL_COLOURS,
        ),
        disposition_chart=charts.bar_chart(
            "Alerts by disposition",
            [(d, stats["by_disposition"][d]) for d in DISPOSITIONS],
            charts.DISPOSITION_COLOURS,
        ),
    )


# ------------------------------------------------------------------ upload and jobs


@router.get("/upload")
def upload_form(request: Request) -> Response:
    web = _web(request)
    web.need(request, "analyst")
    settings = service_of(request).settings
    return web.page(
        request, "upload.html", title="Upload a manifest", max_bytes=settings.max_upload_bytes
    )


@router.post("/upload")
async def upload(request: Request) -> Response:
    web = _web(request)
    principal, form = await web.form(request, "analyst")
    file = form.get("file")
    try:
        if not isinstance(file, UploadFile) or not file.filename:
            raise UsageError("choose a manifest file to upload", field="file")
        as_of = _parse_date(_text(form, "as_of", 20), "as_of")
        min_level = _text(form, "min_level", 10) or None

        def chunks() -> Iterator[bytes]:
            while block := file.file.read(1 << 20):
                yield block

        job = service_of(request).submit_job(
            principal, chunks(), file.filename, as_of=as_of, min_level=min_level
        )
    except FentraceError as error:
        return web.problem(request, error)
    finally:
        await form.close()
    return RedirectResponse(f"/jobs/{job['id']}", status_code=303)


@router.get("/jobs/{job_id}")
def job_page(request: Request, job_id: str) -> Response:
    web = _web(request)
    web.need(request, "viewer")
    service = service_of(request)
    try:
        job = service.get_job(job_id)
        rejections = service.job_rejections(job_id, limit=500)
    except FentraceError as error:
        return web.problem(request, error)
    return web.page(
        request, "job.html", title=f"Job {job['filename']}", job=job, rejections=rejections
    )


@router.get("/jobs/{job_id}/progress")
def job_progress(request: Request, job_id: str) -> Response:
    _web(request).need(request, "viewer")
    try:
        job = service_of(request).get_job(job_id)
    except FentraceError as error:
        return JSONResponse(error.to_dict(), status_code=status_of(error))
    progress = job["progress"]
    return JSONResponse(
        {
            "state": job["state"],
            "rows_total": progress["rows_total"],
            "rows_screened": progress["rows_screened"],
            "rows_rejected": progress["rows_rejected"],
            "alerts_stored": progress["alerts_stored"],
            "error": job["error"],
        },
        headers={"Cache-Control": "no-store"},
    )


# ------------------------------------------------------------------ alert queue


def _queue_filter(params: dict[str, str], levels: list[str]) -> QueueFilter:
    disposition = params.get("disposition") or None
    if disposition is not None and disposition not in DISPOSITIONS:
        raise UsageError(f"disposition {disposition!r} is not one of ours", field="disposition")
    code = params.get("code") or None
    if code is not None and code not in INDICATOR_CODES:
        raise UsageError(f"indicator {code!r} is not one of ours", field="code")
    bad = [level for level in levels if level not in ALERT_LEVELS]
    if bad:
        raise UsageError(f"level {bad[0]!r} is not high, medium or low", field="level")
    for name in ("party", "chemical", "assignee", "country", "route", "job"):
        if len(params.get(name, "")) > 200:
            raise UsageError(f"{name} is longer than 200 characters", field=name)
    return QueueFilter(
        job_id=params.get("job") or None,
        levels=tuple(levels),
        code=code,
        party=params.get("party") or None,
        chemical=params.get("chemical") or None,
        disposition=disposition,
        assignee=params.get("assignee") or None,
        country=(params.get("country") or "").strip()[:2] or None,
        route=parse_route(params.get("route", "")),
    )


@router.get("/alerts")
def queue(request: Request) -> Response:
    web = _web(request)
    principal, _session = web.need(request, "viewer")
    params = {k: v.strip() for k, v in request.query_params.items() if k != "level"}
    levels = request.query_params.getlist("level")
    sort = params.get("sort") or "-score"
    try:
        if sort not in QUEUE_SORTS:
            raise UsageError(f"sort {sort!r}: use one of {', '.join(QUEUE_SORTS)}", field="sort")
        try:
            page_number = max(1, int(params.get("page") or 1))
        except ValueError:
            raise UsageError("page must be a whole number", field="page") from None
        where = _queue_filter(params, levels)
        listing = service_of(request).list_alerts(
            where, sort=sort, offset=(page_number - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
    except FentraceError as error:
        return web.problem(request, error)
    pages = max(1, math.ceil(listing["total"] / PAGE_SIZE))
    kept = [(k, v) for k, v in params.items() if k != "page" and v] + [
        ("level", level) for level in levels
    ]

    def page_link(number: int) -> str:
        return "/alerts?" + urlencode([*kept, ("page", str(number))])

    return web.page(
        request,
        "queue.html",
        title="Alert queue",
        listing=listing,
        params=params,
        levels_chosen=levels,
        sort=sort,
        sorts=QUEUE_SORTS,
        codes=INDICATOR_CODES,
        page_number=page_number,
        pages=pages,
        previous_link=page_link(page_number - 1) if page_number > 1 else None,
        next_link=page_link(page_number + 1) if page_number < pages else None,
        back=str(request.url.path) + ("?" + request.url.query if request.url.query else ""),
        can_review=principal.can("analyst"),
    )


@router.post("/alerts/bulk")
async def bulk_review(request: Request) -> Response:
    web = _web(request)
    principal, form = await web.form(request, "analyst")
    back = _safe_back(str(form.get("back") or "/alerts"), "/alerts")
    try:
        ids = []
        for value in form.getlist("ids"):
            try:
                ids.append(int(str(value)))
            except ValueError:
                raise UsageError(f"alert id {value!r} is not a number", field="ids") from None
        if not ids:
            raise UsageError("select at least one alert", field="ids")
        if len(ids) > MAX_BULK:
            raise UsageError(f"at most {MAX_BULK} alerts at once", field="ids")
        disposition = _text(form, "disposition", 20) or None
        assignee_text = _text(form, "assignee", 200)
        note = _text(form, "note", 5000) or None
        service = service_of(request)
        for alert_id in ids:
            changes: dict[str, Any] = {"disposition": disposition, "note": note}
            if assignee_text:
                changes["assignee"] = assignee_text
            service.review_alert(
                principal, alert_id, input_sha256=_digest({"id": alert_id, **changes}), **changes
            )
    except FentraceError as error:
        return web.problem(request, error)
    return RedirectResponse(back, status_code=303)


# ------------------------------------------------------------------ alert detail


def _parties_of(shipment: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    roles = (
        ("shipper", "shipper_name", "shipper_country"),
        ("consignee", "consignee_name", "consignee_country"),
        ("forwarder", "forwarder_name", None),
        ("notify party", "notify_party", None),
    )
    return [
        (
            role,
            str(shipment[name]),
            str(shipment[country]) if country and shipment.get(country) else None,
        )
        for role, name, country in roles
        if shipment.get(name)
    ]


@router.get("/alerts/{alert_id}")
def alert_page(request: Request, alert_id: int) -> Response:
    web = _web(request)
    principal, _session = web.need(request, "viewer")
    service = service_of(request)
    try:
        alert = service.get_alert(alert_id)
        job = service.get_job(alert["job_id"])
        upload_path = service.upload_path(alert["job_id"])
    except FentraceError as error:
        return web.problem(request, error)
    shipment = alert["shipment"]
    explanations = explain_codes()
    as_of = _parse_date(job.get("as_of"), "as_of") or date.today()
    queries = tuple(evidence.chemical_queries(shipment))
    has_structure = bool(queries) and evidence.structure_svg(queries, as_of) is not None
    parties = _parties_of(shipment)
    screener = service.screener
    matches = evidence.party_matches(screener, parties) if screener is not None else []
    graph = evidence.neighbourhood(upload_path, [name for _, name, _ in parties[:2]])
    hidden = {"reasons", "row", "score", "level"}
    fields = [(k, v) for k, v in shipment.items() if k not in hidden and v not in (None, "", [])]
    return web.page(
        request,
        "alert.html",
        title=f"Alert {alert['shipment_id']}",
        alert=alert,
        job=job,
        reasons=[
            {**reason, "explanation": explanations.get(str(reason["code"]), "")}
            for reason in alert["reasons"]
        ],
        has_structure=has_structure,
        matches=matches,
        graph_json=Markup(embed_json(graph)) if graph else None,
        fields=fields,
        can_review=principal.can("analyst"),
    )


@router.get("/alerts/{alert_id}/structure.svg")
def alert_structure(request: Request, alert_id: int) -> Response:
    web = _web(request)
    web.need(request, "viewer")
    service = service_of(request)
    try:
        alert = service.get_alert(alert_id)
        job = service.get_job(alert["job_id"])
    except FentraceError as error:
        return web.problem(request, error)
    as_of = _parse_date(job.get("as_of"), "as_of") or date.today()
    svg = evidence.structure_svg(tuple(evidence.chemical_queries(alert["shipment"])), as_of)
    return _svg_response(svg)


def _svg_response(svg: str | None) -> Response:
    if svg is None:
        return Response("no structure to draw", status_code=404, media_type="text/plain")
    # RDKit styles its drawing with style attributes; an SVG shown by <img> runs no script.
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
            "Cache-Control": "private, max-age=3600",
        },
    )


@router.post("/alerts/{alert_id}/review")
async def review(request: Request, alert_id: int) -> Response:
    web = _web(request)
    principal, form = await web.form(request, "analyst")
    try:
        disposition = _text(form, "disposition", 20) or None
        note = _text(form, "note", 5000) or None
        changes: dict[str, Any] = {"disposition": disposition, "note": note}
        if "assignee" in form:
            changes["assignee"] = _text(form, "assignee", 200) or None
        service_of(request).review_alert(
            principal, alert_id, input_sha256=_digest({"id": alert_id, **changes}), **changes
        )
    except FentraceError as error:
        return web.problem(request, error)
    back = _safe_back(str(form.get("back") or ""), f"/alerts/{alert_id}")
    return RedirectResponse(back, status_code=303)


# ------------------------------------------------------------------ chemicals and knowledge base


@router.get("/chem")
def chem_form(request: Request) -> Response:
    web = _web(request)
    web.need(request, "analyst")
    return web.page(request, "chem.html", title="Chemical look-up", results=None, text="")


@router.post("/chem")
async def chem_lookup(request: Request) -> Response:
    web = _web(request)
    principal, form = await web.form(request, "analyst")
    text = _text(form, "queries", 20_000)
    try:
        queries = _lines(text, "queries")
        as_of = _parse_date(_text(form, "as_of", 20), "as_of")
        results = service_of(request).screen_chemicals(
            principal, queries, as_of, _digest({"queries": queries, "as_of": as_of})
        )
    except FentraceError as error:
        return web.problem(request, error)
    return web.page(request, "chem.html", title="Chemical look-up", results=results, text=text)


@router.get("/substances/{substance_id}")
def substance_page(request: Request, substance_id: str) -> Response:
    web = _web(request)
    principal, _session = web.need(request, "viewer")
    service = service_of(request)
    try:
        found = kb_routes.substance(
            substance_id=substance_id, as_of=None, _principal=principal, service=service
        )
    except FentraceError as error:
        return web.problem(request, error)
    today = date.today()
    spans = [
        charts.Span(
            jurisdiction=control["jurisdiction"],
            start=date.fromisoformat(control["effective"]),
            end=date.fromisoformat(control["end"]) if control["end"] else None,
            label=control["list_name"],
            citation=control["citation"],
            verified=control["verified"],
        )
        for control in found["controls"]
        if control["jurisdiction"] in charts.TIMELINE_JURISDICTIONS
    ]
    smiles = found["substance"]["smiles"]
    route = _route_of(smiles, today) if smiles else []
    return web.page(
        request,
        "substance.html",
        title=found["substance"]["name"],
        found=found,
        chart=charts.control_timeline(spans, today),
        route=route,
        has_structure=bool(smiles) and evidence.structure_svg((smiles,), today) is not None,
    )


def _route_of(smiles: str, when: date) -> list[dict[str, Any]]:
    from fentrace.chemistry.screen import screen

    return [step.to_dict() for step in screen(smiles, when).route]


@router.get("/substances/{substance_id}/structure.svg")
def substance_structure(request: Request, substance_id: str) -> Response:
    web = _web(request)
    web.need(request, "viewer")
    service = service_of(request)
    substance = service.kb.find_substance(substance_id) if service.kb else None
    if substance is None or not substance.smiles:
        return _svg_response(None)
    return _svg_response(evidence.structure_svg((substance.smiles,), date.today()))


@router.get("/gaps")
def gaps_page(request: Request, family: str = "precursor", as_of: str = "") -> Response:
    web = _web(request)
    principal, _session = web.need(request, "viewer")
    try:
        if family not in ("precursor", "fentanyl", "reagent", "all"):
            raise UsageError(f"family {family!r}: precursor, fentanyl, reagent or all")
        when = _parse_date(as_of, "as_of")
        matrix = kb_routes.gaps(
            as_of=when,
            family=family,  # type: ignore[arg-type]
            _principal=principal,
            service=service_of(request),
        )
    except FentraceError as error:
        return web.problem(request, error)
    return web.page(
        request, "gaps.html", title="Control-gap matrix", matrix=matrix, family=family, as_of=as_of
    )


@router.get("/timeline")
def timeline_page(
    request: Request, start: str = "", end: str = "", jurisdiction: str = ""
) -> Response:
    web = _web(request)
    principal, _session = web.need(request, "viewer")
    try:
        events = kb_routes.timeline(
            from_=_parse_date(start, "start"),
            to=_parse_date(end, "end"),
            kind=None,
            jurisdiction=jurisdiction[:10] or None,
            _principal=principal,
            service=service_of(request),
        )
    except FentraceError as error:
        return web.problem(request, error)
    service = service_of(request)
    sources = service.kb.sources if service.kb else {}
    return web.page(
        request,
        "timeline.html",
        title="Policy timeline",
        events=events["events"],
        sources=sources,
        start=start,
        end=end,
        jurisdiction=jurisdiction,
    )


# ------------------------------------------------------------------ parties


@router.get("/parties")
def parties_form(request: Request) -> Response:
    web = _web(request)
    web.need(request, "analyst")
    return web.page(request, "parties.html", title="Party look-up", results=None, text="")


@router.post("/parties")
async def parties_lookup(request: Request) -> Response:
    web = _web(request)
    principal, form = await web.form(request, "analyst")
    text = _text(form, "names", 20_000)
    country = _text(form, "country", 2).upper() or None
    try:
        names = _lines(text, "names")
        results = service_of(request).screen_parties(
            principal,
            [(name, country, ()) for name in names],
            _digest({"names": names, "country": country}),
            action="parties.screen",
        )
    except FentraceError as error:
        return web.problem(request, error)
    return web.page(
        request,
        "parties.html",
        title="Party look-up",
        results=[r.to_dict() for r in results],
        text=text,
        country=country or "",
    )


# ------------------------------------------------------------------ simulation


def _runner(request: Request) -> sim.SimulationRunner:
    runner: sim.SimulationRunner = request.app.state.simulations
    return runner


@router.get("/simulate")
def simulate_form(request: Request) -> Response:
    web = _web(request)
    web.need(request, "analyst")
    return web.page(
        request,
        "simulate.html",
        title="Simulation",
        scenarios=BUNDLED_SCENARIOS,
        runs=_runner(request).recent(),
    )


@router.post("/simulate")
async def simulate(request: Request) -> Response:
    web = _web(request)
    principal, form = await web.form(request, "analyst")
    try:
        scenarios = [str(v) for v in form.getlist("scenarios")]
        seed_text = _text(form, "seed", 12) or "0"
        try:
            seed = int(seed_text)
        except ValueError:
            raise UsageError(f"seed {seed_text!r} is not a whole number", field="seed") from None
        run = _runner(request).submit(
            principal.actor,
            scenarios,
            _text(form, "start", 7) or "2015-01",
            _text(form, "end", 7) or "2026-12",
            seed,
        )
    except FentraceError as error:
        return web.problem(request, error)
    service_of(request).audit(
        principal,
        "simulate.run",
        target=f"simulation:{run.id}",
        result={
            "scenarios": list(run.scenarios),
            "start": run.start.isoformat()[:7],
            "end": run.end.isoformat()[:7],
            "seed": run.seed,
        },
    )
    return RedirectResponse(f"/simulate/{run.id}", status_code=303)


@router.get("/simulate/{run_id}/progress")
def simulate_progress(request: Request, run_id: str) -> Response:
    _web(request).need(request, "analyst")
    try:
        run = _runner(request).get(run_id)
    except FentraceError as error:
        return JSONResponse(error.to_dict(), status_code=status_of(error))
    return JSONResponse(run.progress(), headers={"Cache-Control": "no-store"})


@router.get("/simulate/{run_id}")
def simulate_result(request: Request, run_id: str) -> Response:
    web = _web(request)
    web.need(request, "analyst")
    try:
        run = _runner(request).get(run_id)
    except FentraceError as error:
        return web.problem(request, error)
    figures = []
    if run.state == "succeeded":
        first = next(iter(run.series.values()))
        months = first["month"].to_list()

        def lines(column: str, scale: str | None = None) -> list[tuple[str, list[float]]]:
            return [
                (
                    name,
                    [
                        float(v) * (float(t) if scale else 1.0)
                        for v, t in zip(
                            frame[column].to_list(),
                            frame[scale or column].to_list(),
                            strict=True,
                        )
                    ],
                )
                for name, frame in run.series.items()
            ]

        figures.append(
            charts.line_chart(
                "Overdose deaths (model)", months, lines("deaths_model"), "deaths a month"
            )
        )
        figures.append(
            charts.line_chart("Fentanyl seized", months, lines("fentanyl_seized_kg"), "kg a month")
        )
        figures.append(
            charts.line_chart(
                "Precursors seized", months, lines("precursor_seized_kg"), "kg a month"
            )
        )
        for column, route in sim.ROUTES.items():
            figures.append(
                charts.line_chart(
                    f"Precursor flow: {route}",
                    months,
                    lines(column, scale="precursor_kg_total"),
                    "kg a month",
                )
            )
    return web.page(
        request,
        "simulation.html",
        title="Simulation run",
        run=run,
        figures=figures,
        levers=sim.lever_table(run) if run.state == "succeeded" else [],
        totals=sim.totals(run) if run.state == "succeeded" else [],
    )


# ------------------------------------------------------------------ administration


@router.get("/admin")
def admin_page(request: Request) -> Response:
    web = _web(request)
    web.need(request, "admin")
    return _admin(request, created=None)


def _admin(request: Request, created: dict[str, str] | None) -> Response:
    service = service_of(request)
    head = service.list_audit(limit=1)
    recent = service.list_audit(after=max(0, head["total"] - 50), limit=50)
    return _web(request).page(
        request,
        "admin.html",
        title="Administration",
        keys=service.list_keys(),
        users=service.list_users(),
        audit=list(reversed(recent["items"])),
        chain=service.verify_audit(),
        created=created,
    )


@router.post("/admin/keys")
async def admin_create_key(request: Request) -> Response:
    web = _web(request)
    principal, form = await web.form(request, "admin")
    try:
        name = _text(form, "name", 200)
        if not name:
            raise UsageError("name the key", field="name")
        described, token = service_of(request).create_key(
            name, _text(form, "role", 20), actor=principal.actor
        )
    except FentraceError as error:
        return web.problem(request, error)
    return _admin(request, created={"what": f"API key {described['key_id']}", "secret": token})


@router.post("/admin/keys/{key_id}/revoke")
async def admin_revoke_key(request: Request, key_id: str) -> Response:
    web = _web(request)
    principal, _form = await web.form(request, "admin")
    try:
        service_of(request).revoke_key(key_id, actor=principal.actor)
    except FentraceError as error:
        return web.problem(request, error)
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/users")
async def admin_create_user(request: Request) -> Response:
    web = _web(request)
    principal, form = await web.form(request, "admin")
    from fentrace.service.security import new_password

    password = new_password()
    try:
        username = _text(form, "username", 100)
        service_of(request).create_user(
            username, _text(form, "role", 20), password, actor=principal.actor
        )
    except FentraceError as error:
        return web.problem(request, error)
    return _admin(request, created={"what": f"one-time password of {username}", "secret": password})


@router.post("/admin/users/{username}/disable")
async def admin_disable_user(request: Request, username: str) -> Response:
    web = _web(request)
    principal, form = await web.form(request, "admin")
    try:
        service_of(request).set_user_disabled(
            username, _text(form, "disabled", 5) != "no", actor=principal.actor
        )
    except FentraceError as error:
        return web.problem(request, error)
    return RedirectResponse("/admin", status_code=303)


# ------------------------------------------------------------------ assets


@router.get("/static/graph.js")
def graph_js() -> Response:
    return Response(
        evidence.graph_script(),
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=3600"},
    )


def install_error_pages(app: FastAPI) -> None:
    """Pages for a missing sign-in (to the sign-in form), a role too low (403), a bad form (403)."""

    @app.exception_handler(SignInRequiredError)
    async def sign_in(request: Request, _error: SignInRequiredError) -> Response:
        target = request.url.path + ("?" + request.url.query if request.url.query else "")
        if request.method != "GET" or request.url.path.endswith((".svg", "/progress")):
            return JSONResponse(
                {"error": {"type": "AuthenticationError", "message": "sign in first"}},
                status_code=401,
            )
        response = RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.exception_handler(RoleTooLowError)
    async def forbidden(request: Request, error: RoleTooLowError) -> Response:
        return _web(request).page(
            request,
            "error.html",
            status=403,
            title="Not allowed",
            message=f"This needs the {error.role} role; you are signed in as "
            f"{error.principal.role}.",
        )

    @app.exception_handler(BadCsrfError)
    async def bad_form(request: Request, _error: BadCsrfError) -> Response:
        return _web(request).page(
            request,
            "error.html",
            status=403,
            title="Form expired",
            message="This form is out of date or did not come from this site. "
            "Go back, reload the page and try again.",
        )
