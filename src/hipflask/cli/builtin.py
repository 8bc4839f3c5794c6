"""The built-in commands of ``hipflask``: ``run``, ``routes`` and ``shell``."""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import click

from ..ctx import current_app
from .appgroup import ScriptInfo, with_appcontext
from .discovery import get_debug_flag


class _CertFile(click.Path):
    """An existing certificate file, or ``adhoc``, which start-up refuses with advice (as
    ``app.run(ssl_context="adhoc")`` does)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Pass ``adhoc`` through; check any other value is an existing file."""
        if value == "adhoc":
            return value
        return super().convert(value, param, ctx)


def _validate_key(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Require --key with a --cert file, and --cert with --key, as ``flask run`` does."""
    # NOTE: --cert is eager, so it is in ctx.params before this callback runs.
    cert = ctx.params.get("cert")
    if value is not None and cert is None:
        raise click.BadParameter("'--cert' must be given too.", ctx, param)
    if value is None and cert not in (None, "adhoc"):
        raise click.BadParameter(
            "Required with '--cert': the certificate's private key file.", ctx, param
        )
    return value


@click.command("run", short_help="Serve the app with the development server.")
@click.option("--host", "-h", default="127.0.0.1", show_default=True, help="The interface.")
@click.option("--port", "-p", default=5000, show_default=True, type=int, help="The port.")
@click.option("--debug/--no-debug", default=None, help="Debug mode (overrides 'hipflask --debug').")
@click.option(
    "--reload/--no-reload",
    default=None,
    help="Restart on code and template changes (default: on in debug mode).",
)
@click.option(
    "--threads", default=8, show_default=True, type=click.IntRange(1), help="Worker threads."
)
@click.option(
    "--force-debug",
    is_flag=True,
    help="Allow debug mode on an address other than localhost (dangerous: tracebacks leak).",
)
@click.option(
    "--extra-files",
    default=None,
    type=click.Path(),
    help=f"More files that trigger a reload, separated by {os.path.pathsep!r}.",
)
@click.option(
    "--cert",
    type=_CertFile(exists=True, dir_okay=False),
    is_eager=True,
    help="Serve HTTPS (with gunicorn) using this PEM certificate file; needs --key.",
)
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False),
    callback=_validate_key,
    help="The PEM private key file of --cert.",
)
@click.pass_obj
def run_command(
    info: ScriptInfo,
    host: str,
    port: int,
    debug: bool | None,
    reload: bool | None,
    threads: int,
    force_debug: bool,
    extra_files: str | None,
    cert: str | None,
    key: str | None,
) -> None:
    """Serve the app with a multi-threaded server (waitress), restarting on changes in debug.

    With --cert and --key it serves HTTPS with gunicorn (one worker process, --threads threads);
    in production, terminate TLS at a reverse proxy or in gunicorn itself.

    Debug mode shows tracebacks in the browser, so it is refused on any address but localhost
    unless --force-debug is given. Without debug mode, a weak SECRET_KEY logs a warning.
    """
    from ..serving import runner as serving

    if debug is not None:
        os.environ["HIPFLASK_DEBUG"] = "1" if debug else "0"
    try:
        app = info.load_app()
    except Exception as exc:
        if not serving.is_running_from_reloader():
            raise
        # NOTE: a reloaded child keeps serving (an error page) so the next edit can fix it.
        traceback.print_exc()
        error_app = serving.load_error_app(exc, get_debug_flag())
        serving.serve_wsgi(error_app, host, port, threads, cert=cert, key=key)
        return
    files = [f for f in (extra_files or "").split(os.path.pathsep) if f]
    try:
        serving.check_startup(app, host, app.debug, force_debug, cert=cert, key=key)
        serving.serve(
            app,
            host,
            port,
            use_reloader=app.debug if reload is None else reload,
            threads=threads,
            extra_files=files,
            cert=cert,
            key=key,
        )
    except serving.StartupError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("routes", short_help="Show the routes of the app.")
@click.option(
    "--sort",
    "-s",
    type=click.Choice(("endpoint", "methods", "domain", "rule", "match")),
    default="endpoint",
    show_default=True,
    help="Sort by this column; 'match' is the order in which rules are tried.",
)
@click.option("--all-methods", is_flag=True, help="Show HEAD and OPTIONS too.")
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """Print a table of the app's routes: endpoint, methods and rule."""
    rules = list(current_app.url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return
    ignored = set() if all_methods else {"HEAD", "OPTIONS"}
    has_domain = any(rule.subdomain for rule in rules)
    headers = ["Endpoint", "Methods", *(["Subdomain"] * has_domain), "Rule"]
    columns = ["endpoint", "methods", *(["domain"] * has_domain), "rule"]
    if sort == "match":
        rules.sort(key=_match_order)
    rows = [
        [
            rule.endpoint or "",
            ", ".join(sorted(set(rule.methods or ()) - ignored)),
            *([rule.subdomain or ""] * has_domain),
            rule.rule,
        ]
        for rule in rules
    ]
    if sort in columns:
        index = columns.index(sort)
        rows.sort(key=lambda row: row[index])
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    template = "  ".join(f"{{{i}:<{width}}}" for i, width in enumerate(widths))
    for row in [headers, ["-" * width for width in widths], *rows]:
        click.echo(template.format(*row).rstrip())


def _match_order(rule: Any) -> tuple[int, Any]:
    # NOTE: the router tries static rules first (one dict lookup), then the rules with
    # variables in their priority order, which routing keeps as the rule's _sort_key.
    if not rule.arguments:
        return (0, ())
    return (1, rule._sort_key)


@click.command("shell", short_help="Run a Python shell in the app context.")
@with_appcontext
def shell_command() -> None:
    """Run an interactive Python shell with ``app``, ``g`` and the shell context in scope.

    ``@app.shell_context_processor`` functions add names; ``PYTHONSTARTUP`` runs first.
    """
    import code

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    banner = (
        f"Python {sys.version} on {sys.platform}\nApp: {app.name}\nInstance: {app.instance_path}"
    )
    namespace: dict[str, Any] = {}
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup, encoding="utf-8") as file:
            exec(compile(file.read(), startup, "exec"), namespace)
    namespace.update(app.make_shell_context())
    hook = getattr(sys, "__interactivehook__", None)
    if hook is not None and sys.stdin.isatty():
        try:
            import readline
            from rlcompleter import Completer
        except ImportError:
            pass
        else:
            readline.set_completer(Completer(namespace).complete)
        hook()
    code.interact(banner=banner, local=namespace)
