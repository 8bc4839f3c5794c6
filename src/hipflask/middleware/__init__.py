"""WSGI middleware, one per module (``hipflask.middleware.proxy_fix``)."""
