"""What every benchmark app shares: the secret, the template and the routes it must hold."""

from __future__ import annotations

# SECURITY: a fixed key is fine for a benchmark; it signs nothing anyone relies on.
SECRET_KEY = "bench-secret-key-0123456789abcdef-0123456789abcdef"

# Dynamic rules ``/r0/<a>/<b>`` ... registered before the ``params`` route, so a router that
# scans its rules one by one pays for it.
FILLER_RULES = 50

TEMPLATE = (
    "<h1>Hello, {{ name }}!</h1>\n"
    "<ul>\n{% for item in items %}  <li>{{ loop.index }}: {{ item }}</li>\n{% endfor %}</ul>"
)
TEMPLATE_CONTEXT = {"name": "World", "items": [f"item {index}" for index in range(10)]}

STATIC_NAME = "blob.bin"
STATIC_SIZE = 100 * 1024
