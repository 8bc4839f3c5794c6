"""Form messages in the request's locale, from WTForms' bundled translations.

Flask-WTF translates WTForms' messages through Flask-Babel's ``get_locale()``. hipflask has
no Babel battery, so the locale comes from a selector: ``WTF_I18N_LOCALE_SELECTOR`` (a callable
returning a locale such as ``"de"`` or ``"pt_BR"``, or None), else the selector of a Babel
extension registered as ``app.extensions["babel"]`` (Flask-Babel's ``locale_selector`` or
``locale_selector_func``). A selector that answers None falls back to
``BABEL_DEFAULT_LOCALE``. ``WTF_I18N_ENABLED = False`` turns all of it off.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from ..ctx import app_ctx_var, request_ctx_var

__all__ = ["get_locale", "request_translations"]

_CACHE_KEY = "hipflask.forms.translations"
_NONE = object()
# SECURITY: the locale becomes part of a file path; only language tags get that far.
_LOCALE = re.compile(r"[A-Za-z]{2,3}(?:_[A-Za-z0-9]{2,8})*")


def get_locale() -> str | None:
    """Return the current request's locale as the configured selector gives it, or None."""
    app_ctx = app_ctx_var.get(None)
    if app_ctx is None or request_ctx_var.get(None) is None:
        return None
    config = app_ctx.app.config
    if not config.get("WTF_I18N_ENABLED", True):
        return None
    selector = _selector(app_ctx.app)
    if selector is None:
        return None
    locale = selector() or config.get("BABEL_DEFAULT_LOCALE")
    if not locale:
        return None
    tag = str(locale).replace("-", "_")
    return tag if _LOCALE.fullmatch(tag) else None


def _selector(app: Any) -> Callable[[], Any] | None:
    """Return the configured locale selector: the setting, else the Babel extension's."""
    selector = app.config.get("WTF_I18N_LOCALE_SELECTOR")
    if selector is None:
        babel = app.extensions.get("babel")
        selector = getattr(babel, "locale_selector", None) or getattr(
            babel, "locale_selector_func", None
        )
    return selector if callable(selector) else None


def request_translations() -> Any:
    """Return WTForms' translations for the request's locale, or None (WTForms' English).

    Looked up once per request: every form of the request shares the answer.
    """
    ctx = request_ctx_var.get(None)
    if ctx is None:
        return None
    environ = ctx.request.environ
    translations = environ.get(_CACHE_KEY, _NONE)
    if translations is _NONE:
        locale = get_locale()
        translations = environ[_CACHE_KEY] = None if locale is None else _translations(locale)
    return translations


@lru_cache(maxsize=64)
def _translations(locale: str) -> Any:
    """Return WTForms' bundled catalogue for ``locale``, or None when it has none."""
    from wtforms.i18n import get_translations

    try:
        return get_translations([locale])
    except OSError:
        return None
