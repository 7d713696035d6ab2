"""`fentrace serve`: run the HTTP service (uvicorn) on SQLite by default or on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import click

from fentrace.service.settings import ENV_PREFIX, SETTING_HELP


def _settings_epilog() -> str:
    lines = [
        "Settings: defaults, then --config FILE (TOML, keys below, optionally under [service]),",
        "then environment variables, then the options above:",
    ]
    for name, text in SETTING_HELP.items():
        lines.append(f"  {ENV_PREFIX}{name.upper()}: {text}")
    return "\b\n" + "\n".join(lines)


def build_app(
    config: str | None = None,
    *,
    host: str | None = None,
    port: int | None = None,
    data_dir: str | None = None,
    database_url: str | None = None,
) -> object:
    """The ASGI app ``fentrace serve`` runs: the service API and the web pages at ``/``."""
    from fentrace.service import Settings, create_app
    from fentrace.service.logs import configure_logging
    from fentrace.web import mount_web

    settings = Settings.load(
        config,
        host=host,
        port=port,
        data_dir=Path(data_dir) if data_dir else None,
        database_url=database_url,
    )
    configure_logging(settings.log_level)
    return mount_web(create_app(settings))


@click.command(name="serve", epilog=_settings_epilog())
@click.option(
    "--config", type=click.Path(dir_okay=False, exists=True), help="A TOML settings file."
)
@click.option("--host", help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default 8000).")
@click.option("--data-dir", help="Directory for the SQLite database and uploads.")
@click.option("--database-url", help="postgresql+psycopg://... (default: SQLite in the data dir).")
def serve(
    config: str | None,
    host: str | None,
    port: int | None,
    data_dir: str | None,
    database_url: str | None,
) -> None:
    """Run the fentrace service: screening API, jobs, alert review, audit (docs at /docs)."""
    import uvicorn

    app = build_app(config, host=host, port=port, data_dir=data_dir, database_url=database_url)
    settings = app.state.service.settings  # type: ignore[attr-defined]
    uvicorn.run(
        app,  # type: ignore[arg-type]
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )
