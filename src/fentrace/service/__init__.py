"""The fentrace service: an HTTP API with storage, keys and roles, jobs and an audit trail.

An edge like ``cli/``: it calls the library and holds no screening logic. Entry points::

    from fentrace.service import Settings, Service, create_app

    settings = Settings.load("fentrace.toml")      # defaults < TOML < FENTRACE_* variables
    app = create_app(settings)                     # FastAPI; its lifespan starts the Service
    service = app.state.service                    # the same operations without HTTP

See docs/service.md.
"""

from fentrace.service.alerts import AlertFilter
from fentrace.service.app import create_app
from fentrace.service.core import Service
from fentrace.service.deps import current_principal, get_service, require_role
from fentrace.service.security import Principal
from fentrace.service.settings import SETTING_HELP, Settings

__all__ = [
    "SETTING_HELP",
    "AlertFilter",
    "Principal",
    "Service",
    "Settings",
    "create_app",
    "current_principal",
    "get_service",
    "require_role",
]
