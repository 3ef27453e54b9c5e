"""The site's icon, drawn inline as SVG: no file to ship, nothing fetched from elsewhere."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

router = APIRouter(include_in_schema=False)

# Two overlapping pages, the older one struck through: versions of one article.
ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect x="3" y="2" width="18" height="24" rx="2" fill="#fdd" stroke="#a33" stroke-width="2"/>'
    '<path d="M7 10h10M7 15h10" stroke="#a33" stroke-width="2"/>'
    '<rect x="11" y="6" width="18" height="24" rx="2" fill="#dfd" stroke="#262" stroke-width="2"/>'
    '<path d="M15 14h10M15 19h10M15 24h6" stroke="#262" stroke-width="2"/></svg>'
)


@router.get("/favicon.svg")
def favicon_svg() -> Response:
    return Response(
        ICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
    )


@router.get("/favicon.ico")
def favicon_ico() -> Response:
    """Browsers ask for /favicon.ico whatever the page links: send them to the SVG."""
    return RedirectResponse("/favicon.svg", status_code=301)
