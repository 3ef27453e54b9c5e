"""The admin login: login and logout routes, CSRF-checked forms, and private mode's gate.

The admin pages exist only once an admin account does (`newsmon admin add NAME`);
until then they answer 404 and the web stays read-only. The session cookie is signed
by Starlette's SessionMiddleware (installed by `create_app`); it holds the admin's
name and the CSRF token every form carries.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from newsmon.storage.models import AdminUser
from newsmon.web.auth import check_login, csrf_ok, feed_token_owner, has_admins, new_csrf_token
from newsmon.web.deps import SessionDep

router = APIRouter(include_in_schema=False)
MAX_FORM_FIELD = 10_000
TOKEN_PATHS = ("/feeds/", "/healthz", "/metrics")  # machine readers: ?token= opens them
FEED_ENDINGS = (".rss", ".atom")


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made when first needed; every form carries it."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = new_csrf_token()
        request.session["csrf"] = token
    return token


def logged_in(request: Request, session: Session) -> str | None:
    """The signed-in admin's name, if the account still exists."""
    name = request.session.get("admin")
    if not isinstance(name, str):
        return None
    return session.scalar(select(AdminUser.name).where(AdminUser.name == name))


def admins_exist(session: SessionDep) -> None:
    """Admin pages are off (404) until an admin account exists."""
    if not has_admins(session):
        raise HTTPException(404, "no admin account: `newsmon admin add NAME` turns admin on")


async def checked_form(request: Request) -> FormData:
    """The posted form, refused (403) without the session's CSRF token or a login."""
    form = await request.form()
    if not csrf_ok(request.session.get("csrf"), form.get("csrf")):
        raise HTTPException(403, "the form's security token is missing or stale: reload the page")
    if any(isinstance(v, str) and len(v) > MAX_FORM_FIELD for v in form.values()):
        raise HTTPException(413, "a form field is too long")
    return form


def require_admin(request: Request, session: SessionDep) -> str:
    """For write routes: the signed-in admin, else 403."""
    name = logged_in(request, session)
    if name is None:
        raise HTTPException(403, "log in first: /admin/login")
    return name


AdminOn = Depends(admins_exist)
FormDep = Annotated[FormData, Depends(checked_form)]
AdminDep = Annotated[str, Depends(require_admin)]


def render(request: Request, template: str, status: int = 200, **context: object) -> HTMLResponse:
    context["csrf"] = csrf_token(request)
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, template, context, status_code=status
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _safe_next(target: str) -> str:
    """Only a path on this site (no `//host`), so login cannot redirect elsewhere."""
    return target if target.startswith("/") and not target.startswith("//") else "/admin"


@router.get("/admin/login", response_class=HTMLResponse, dependencies=[AdminOn])
def login_page(request: Request, next: str = "/admin") -> HTMLResponse:
    return render(request, "login.html", next=_safe_next(next[:500]), error=None)


@router.post("/admin/login", dependencies=[AdminOn])
def login(request: Request, session: SessionDep, form: FormDep) -> Response:
    name = str(form.get("name") or "")[:64]
    password = str(form.get("password") or "")[:1024]
    target = _safe_next(str(form.get("next") or "/admin")[:500])
    host = request.client.host if request.client else "?"
    keys = (f"ip:{host}", f"name:{name.lower()}")
    limiter, now = request.app.state.login_limiter, request.app.state.clock.now()
    if limiter.blocked(keys, now):
        error = "too many failed logins: wait a quarter of an hour and try again"
        return render(request, "login.html", 429, next=target, error=error)
    user = check_login(session, name=name, password=password)
    if user is None:
        limiter.failed(keys, now)
        return render(request, "login.html", 401, next=target, error="wrong name or password")
    request.session.clear()  # a fresh session at login: no fixation
    request.session.update({"admin": user.name, "csrf": new_csrf_token()})
    return RedirectResponse(target, status_code=303)


@router.post("/admin/logout", dependencies=[AdminOn])
def logout(request: Request, form: FormDep) -> Response:
    request.session.clear()
    return RedirectResponse("/", status_code=303)


def gate(
    path: str, *, private: bool, signed_in: bool, token_ok: bool
) -> Literal["pass", "login", "deny"]:
    """Private mode's decision for one request: everything but the login form needs a
    signed-in admin; feeds, health and metrics also open to an admin's feed token."""
    if not private or signed_in or path == "/admin/login":
        return "pass"
    if token_ok and (path.startswith(TOKEN_PATHS) or path.endswith(FEED_ENDINGS)):
        return "pass"
    machine = path.startswith(("/api/", "/feeds/", "/healthz", "/metrics"))
    return "deny" if machine or path.endswith(FEED_ENDINGS) else "login"


async def private_gate(request: Request) -> Response | None:
    """None to let the request through, else the answer (login redirect or 401)."""
    if not request.app.state.config.private:
        return None
    engine = request.app.state.engine

    def look() -> tuple[bool, bool]:
        with Session(engine) as session:
            token = request.query_params.get("token", "")[:200]
            return logged_in(request, session) is not None, bool(
                token and feed_token_owner(session, token)
            )

    signed_in, token_ok = await run_in_threadpool(look)
    path = request.url.path
    decision = gate(path, private=True, signed_in=signed_in, token_ok=token_ok)
    if decision == "pass":
        return None
    if decision == "login":
        return RedirectResponse(f"/admin/login?next={quote(path)}", status_code=303)
    return Response(
        "this newsmon is private: log in, or add ?token= to a feed URL\n",
        status_code=401,
        media_type="text/plain",
        headers={"Cache-Control": "no-store"},
    )
