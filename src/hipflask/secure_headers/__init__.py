"""Security headers, on by default, and Content-Security-Policy (a battery; see docs/headers.md).

:mod:`.headers` holds the fixed headers and HSTS, :mod:`.csp` the policies and the nonce,
:mod:`.hook` the ``after_request`` hook :meth:`App.finalize() <hipflask.App.finalize>` installs.
"""

from __future__ import annotations

from .csp import Policy, compile_policy, csp, csp_exempt, csp_nonce
from .headers import frame_ancestors, security_headers, strict_transport_security
from .hook import app_policy, init_security_headers

__all__ = [
    "Policy",
    "app_policy",
    "compile_policy",
    "csp",
    "csp_exempt",
    "csp_nonce",
    "frame_ancestors",
    "init_security_headers",
    "security_headers",
    "strict_transport_security",
]
