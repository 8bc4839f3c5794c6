"""What every benchmark app shares: the secret, the template and the routes it must hold."""

from __future__ import annotations

from pathlib import Path

# SECURITY: a fixed key is fine for a benchmark; it signs nothing anyone relies on.
SECRET_KEY = "bench-secret-key-0123456789abcdef-0123456789abcdef"

# Dynamic rules ``/r0/<a>/<b>`` ... registered before the ``params`` route, so a router that
# scans its rules one by one pays for it.
FILLER_RULES = 50

# Every app renders this file from this folder through its own template API, so each one loads
# and compiles it once and pays only for the render (bench/templates/bench.html).
TEMPLATE_FOLDER = str(Path(__file__).resolve().parent.parent / "templates")
TEMPLATE_NAME = "bench.html"
TEMPLATE_CONTEXT = {"name": "World", "items": [f"item {index}" for index in range(10)]}

STATIC_NAME = "blob.bin"
STATIC_SIZE = 100 * 1024
