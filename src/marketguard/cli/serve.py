"""``marketguard serve`` (the workbench's HTTP API on uvicorn) and ``marketguard users`` (who may use it)."""

from __future__ import annotations

__all__ = ["serve", "users"]

from datetime import timedelta
from pathlib import Path

import click

from marketguard.cases.statuses import ROLES
from marketguard.cli.cases import db_option, open_store
from marketguard.cli.terminal import console, debug_option, errors


@click.command()
@click.argument("results", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(1),
    default=1,
    show_default=True,
    help="Server processes (each holds the results it serves in memory).",
)
@click.option(
    "--demo-user",
    metavar="NAME",
    help="Create (or reset) investigator NAME with a new random password and print it: for a demo, not a team.",
)
@click.option(
    "--live-model",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Score events as they come with this model (marketguard train --signals live): POST /v1/events.",
)
@click.option(
    "--live-events",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The live events' log (SQLite; default: events.sqlite beside the live model).",
)
@click.option(
    "--live-reference",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A dataset directory whose brands, authorized_sellers and labels the live scorer reads.",
)
@click.option(
    "--live-history",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A dataset the live scorer starts from (its rows and reference tables), built in bulk: the events "
    "after it come through POST /v1/events. Instead of --live-reference.",
)
@click.option("--live-threshold", type=click.FloatRange(0.0, 1.0), default=0.5, show_default=True)
@debug_option
def serve(
    results: tuple[Path, ...],
    db: str | None,
    host: str,
    port: int,
    workers: int,
    demo_user: str | None,
    live_model: Path | None,
    live_events: Path | None,
    live_reference: Path | None,
    live_history: Path | None,
    live_threshold: float,
    debug: bool,
) -> None:
    """Serve the API (docs at /v1/docs) over the case store, registering the scans in RESULTS first (oldest
    first). Without --db the store is cases.sqlite beside the first RESULTS directory."""
    import os

    import uvicorn

    from marketguard.errors import ParameterError
    from marketguard.server.app import DB_VARIABLE, LiveSettings, create_app

    with errors(debug):
        live = None
        if live_model is not None:
            if workers != 1:  # the live state lives in one process
                raise ParameterError("--live-model serves from one process: leave out --workers")
            events = live_events or live_model.parent / "events.sqlite"
            if live_history is not None and live_reference is not None:
                raise ParameterError(
                    "--live-history holds its own reference tables: leave out --live-reference"
                )
            live = LiveSettings(live_model, events, live_reference, live_threshold, live_history)
        with open_store(db, results[0] if results else None) as store:
            url = store.url
            for path in results:  # here, once, not in each worker
                store.register_scan(path)
            if demo_user:
                from marketguard.cases.users import reset_demo_user

                password = reset_demo_user(store, demo_user)
                console.print(
                    f"console: http://{host}:{port}/ , sign in as {demo_user} with password {password}",
                    markup=False,
                )
        console.print(f"case store: {url}; API docs at http://{host}:{port}/v1/docs", markup=False)
        level = "info" if debug else "warning"
        if workers == 1:
            uvicorn.run(create_app(url, live=live), host=host, port=port, log_level=level)
            return
        os.environ[DB_VARIABLE] = url
        uvicorn.run(
            "marketguard.server.app:app_from_environment",
            factory=True,
            workers=workers,
            host=host,
            port=port,
            log_level=level,
        )


@click.group()
def users() -> None:
    """Add users, issue and revoke their API tokens."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--brand", "brands", multiple=True, help="A brand a brand user may see (repeat for several).")
@click.option("--password", is_flag=True, help="Ask for a console password.")
@db_option
@debug_option
def add(name: str, role: str, brands: tuple[str, ...], password: bool, db: str | None, debug: bool) -> None:
    """Add user NAME with a role."""
    from marketguard.cases.users import add_user

    secret = click.prompt("password", hide_input=True, confirmation_prompt=True) if password else None
    with errors(debug), open_store(db) as store:
        add_user(store, name, role, brands, password=secret)
    click.echo(f"added {name} ({role})")


@users.command()
@click.argument("name")
@click.option("--label", default="api", show_default=True, help="What the token is for (to revoke it by).")
@click.option("--expires-days", type=click.IntRange(1), help="Days until it stops working (default: never).")
@db_option
@debug_option
def token(name: str, label: str, expires_days: int | None, db: str | None, debug: bool) -> None:
    """Issue an API token for NAME: printed once, kept only as a hash."""
    from marketguard.cases.users import issue_token

    expires = timedelta(days=expires_days) if expires_days else None
    with errors(debug), open_store(db) as store:
        click.echo(issue_token(store, name, label, expires))


@users.command()
@click.argument("name")
@click.option("--label", help="Only the tokens with this label (default: all of NAME's).")
@db_option
@debug_option
def revoke(name: str, label: str | None, db: str | None, debug: bool) -> None:
    """Revoke NAME's tokens."""
    from marketguard.cases.users import revoke_tokens

    with errors(debug), open_store(db) as store:
        n = revoke_tokens(store, name, label)
    click.echo(f"revoked {n} token(s) of {name}")
