"""/docs (Swagger UI) and /redoc served with assets from bmad itself, never a CDN.

Why: the FastAPI defaults load their JavaScript from cdn.jsdelivr.net, so the docs were
blank on a machine without internet, and their inline start-up script forced
`script-src 'unsafe-inline'`. The bundles come from the pinned `fastapi-offline` package
(served from its installed folder); the start-up code is our own static file.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

VENDOR_PREFIX = "/static/apidocs"
OWN_PREFIX = "/console/static"

SWAGGER_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - Swagger UI</title>
<link rel="stylesheet" href="{vendor}/swagger-ui.css">
<link rel="icon" href="{vendor}/favicon.png"></head>
<body><div id="swagger-ui" data-spec-url="{spec}"></div>
<script src="{vendor}/swagger-ui-bundle.js"></script>
<script src="{own}/swagger-init.js"></script></body></html>"""

REDOC_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - ReDoc</title>
<link rel="icon" href="{vendor}/favicon.png"></head>
<body><div id="redoc" data-spec-url="{spec}"></div>
<script src="{vendor}/redoc.standalone.js"></script>
<script src="{own}/redoc-init.js"></script></body></html>"""


def install_api_docs(app: FastAPI) -> None:
    """Call with `FastAPI(docs_url=None, redoc_url=None)`: these routes replace them."""
    app.mount(VENDOR_PREFIX, StaticFiles(packages=[("fastapi_offline", "static")]), "apidocs")
    values = {"title": app.title, "spec": app.openapi_url, "vendor": VENDOR_PREFIX}
    values["own"] = OWN_PREFIX
    router = APIRouter(include_in_schema=False)

    @router.get("/docs")
    def swagger() -> HTMLResponse:
        return HTMLResponse(SWAGGER_HTML.format(**values))

    @router.get("/redoc")
    def redoc() -> HTMLResponse:
        return HTMLResponse(REDOC_HTML.format(**values))

    app.include_router(router)
