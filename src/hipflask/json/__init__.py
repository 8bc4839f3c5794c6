"""JSON for the current app: ``jsonify``, ``dumps``, ``loads``; the provider; tagged JSON.

``hipflask.json`` is where ``flask.json`` ports to (``provider`` and ``tag`` as in Flask).
"""

from __future__ import annotations

from .provider import JSONProvider, dumps, jsonify, loads

__all__ = ["JSONProvider", "dumps", "jsonify", "loads"]
