"""HTTPS for the development server (``hipflask run --cert/--key``, ``app.run(ssl_context=...)``).

Waitress, which serves plain HTTP, has no TLS, so over HTTPS :func:`hipflask.serving.serve_wsgi`
hands its bound socket (inherited from the reloader, if any) to a gunicorn arbiter with one
``gthread`` worker process. This is for developing and testing over HTTPS; in production TLS
still terminates at the reverse proxy, or in gunicorn run with ``--certfile``/``--keyfile``.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import ssl
from typing import Any

from .runner import StartupError, WSGIApp

__all__ = ["check_tls", "gunicorn_server", "split_ssl_context"]

ADHOC_REFUSED = (
    "'adhoc' certificates are not supported (they need the cryptography package); make a "
    "self-signed one with: openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem "
    "-out cert.pem -days 30 -subj /CN=localhost -addext subjectAltName=DNS:localhost,"
    "IP:127.0.0.1 and pass --cert cert.pem --key key.pem (ssl_context=('cert.pem', 'key.pem'))."
)


def split_ssl_context(ssl_context: Any) -> tuple[str | None, str | None]:
    """Return the certificate and key files named by Flask's ``ssl_context`` argument.

    A ``(cert, key)`` pair is supported, and ``"adhoc"`` passes through for :func:`check_tls`
    to refuse with advice. An :class:`ssl.SSLContext` is refused: gunicorn loads the files.
    """
    if isinstance(ssl_context, str):
        return ssl_context, None
    if isinstance(ssl_context, tuple | list) and len(ssl_context) == 2:
        return os.fspath(ssl_context[0]), os.fspath(ssl_context[1])
    raise StartupError(
        "ssl_context must be a (cert_file, key_file) pair of PEM files, not "
        f"{type(ssl_context).__name__}; the HTTPS server (gunicorn) loads the files itself."
    )


def check_tls(cert: str | None, key: str | None) -> None:
    """Raise :class:`StartupError` unless ``cert`` and ``key`` are a PEM certificate and its
    unencrypted private key, and gunicorn (which serves HTTPS) is installed."""
    if cert == "adhoc":
        raise StartupError(ADHOC_REFUSED)
    if not cert or not key:
        raise StartupError(
            "HTTPS needs a certificate and its private key: pass both --cert and --key "
            "(cert= and key=, or ssl_context=(cert, key))."
        )
    for what, path in (("certificate", cert), ("key", key)):
        if not os.path.isfile(path):
            raise StartupError(f"The {what} file {path!r} was not found.")
    _load_cert_chain(cert, key)
    if importlib.util.find_spec("gunicorn") is None:
        raise StartupError(
            "HTTPS is served by gunicorn, which is not installed: pip install 'hipflask[gunicorn]'."
        )


def _load_cert_chain(cert: str, key: str) -> None:
    """Load the pair as gunicorn will, so a bad file is a one-line error at start-up rather
    than a worker failing to boot, and an encrypted key is refused rather than prompted for."""

    def refuse_passphrase() -> str:
        raise StartupError(
            f"The key file {key!r} is encrypted; the development server cannot ask for its "
            f"passphrase. Decrypt a copy: openssl pkey -in {key} -out key-plain.pem"
        )

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(cert, key, password=refuse_passphrase)
    except ssl.SSLError as exc:
        raise StartupError(
            f"Could not load the certificate {cert!r} with the key {key!r}: both must be PEM "
            f"files and the key must be the certificate's ({exc.reason or exc})."
        ) from None


def gunicorn_server(app: WSGIApp, sock: socket.socket, cert: str, key: str, threads: int) -> Any:
    """Return a server like waitress's: ``run()`` serves ``app`` over HTTPS on the bound
    ``sock`` until stopped, and ``close()`` does nothing (gunicorn closes the socket itself).

    Run :func:`check_tls` first. ``run()`` ends with ``SystemExit``, as gunicorn does, and the
    forked worker process unwinds through the caller's frames when it exits.
    """
    from gunicorn.app.base import BaseApplication
    from gunicorn.arbiter import Arbiter
    from gunicorn.sock import TCP6Socket, TCPSocket

    settings = _settings(cert, key, threads)

    # NOTE: gunicorn is untyped, so mypy sees BaseApplication as Any.
    class GunicornServer(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for name, value in settings.items():
                self.cfg.set(name, value)
            # NOTE: recent gunicorn opens a control socket under ~/.gunicorn or
            # $XDG_RUNTIME_DIR by default; a development server needs none.
            if "control_socket_disable" in self.cfg.settings:
                self.cfg.set("control_socket_disable", True)

        def load(self) -> WSGIApp:
            return app

        def run(self) -> None:
            arbiter = Arbiter(self)
            listener = TCP6Socket if sock.family == socket.AF_INET6 else TCPSocket
            # NOTE: preset listeners stop the arbiter from binding its own, so it serves on the
            # socket the reloader keeps open across restarts.
            address = sock.getsockname()
            arbiter.LISTENERS = [listener(address, self.cfg, arbiter.log, fd=sock.detach())]
            arbiter.run()

        def close(self) -> None:
            """Do nothing: the arbiter closes its socket when it stops."""

    return GunicornServer()


def _settings(cert: str, key: str, threads: int) -> dict[str, Any]:
    return {
        "certfile": cert,
        "keyfile": key,
        "workers": 1,
        "worker_class": "gthread",
        "threads": threads,
        "proc_name": "hipflask",
        # NOTE: serve_wsgi prints the URL; gunicorn's start-up and per-worker lines would only
        # repeat it. Warnings and errors still show.
        "loglevel": "warning",
        # NOTE: well under the 5 seconds the reloader gives a child to stop before killing it.
        "graceful_timeout": 2,
        # SECURITY: gunicorn trusts X-Forwarded-Proto (and SCRIPT_NAME headers) from loopback
        # peers by default; like waitress, trust no peer: the scheme is the connection's, and
        # ProxyFix is the opt-in for a proxy.
        "forwarded_allow_ips": "",
    }
