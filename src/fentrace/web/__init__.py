"""The analyst's web application: server-rendered pages over the service, mounted at ``/``.

An edge like ``cli/`` and ``service/``: the pages call the service's Python methods and the
library and hold no screening logic. ``fentrace serve`` mounts it on the service app::

    app = create_app(settings)      # fentrace.service
    mount_web(app)                  # sign-in, dashboard, upload, alert queue, evidence, admin

See docs/web.md.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from fentrace.web.app import Web, install_error_pages, router
from fentrace.web.headers import SecurityHeadersMiddleware
from fentrace.web.sessions import SessionSigner, load_secret
from fentrace.web.simulation import SimulationRunner

#: The web forms whose body is a manifest upload (the service applies its upload limit).
UPLOAD_FORM_PATHS = ("/upload",)


def mount_web(app: FastAPI) -> FastAPI:
    """Add the web pages, their assets and their security headers to a service app."""
    service = app.state.service
    app.state.web = Web(SessionSigner(load_secret(service.settings.data_dir)))
    app.state.simulations = SimulationRunner()
    app.state.upload_paths = [*getattr(app.state, "upload_paths", []), *UPLOAD_FORM_PATHS]
    app.include_router(router)
    static = resources.files("fentrace.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    install_error_pages(app)
    app.add_middleware(SecurityHeadersMiddleware)
    return app


__all__ = ["UPLOAD_FORM_PATHS", "mount_web"]
