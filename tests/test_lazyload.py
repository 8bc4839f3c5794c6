"""lazy_compile and lazy_import: module globals that replace themselves on first use."""

from __future__ import annotations

import re
import types

from hipflask.lazyload import lazy_compile, lazy_import


def make_module(source: str) -> types.ModuleType:
    """Run ``source`` as a module's code, so its stand-ins bind to that module's globals."""
    module = types.ModuleType("probe")
    exec("from hipflask.lazyload import lazy_compile, lazy_import\n" + source, module.__dict__)
    return module


def test_the_first_use_puts_the_compiled_pattern_in_the_module_globals() -> None:
    module = make_module("PATTERN = lazy_compile(r'(?i)ab+')\nALIAS = PATTERN\n")
    stand_in = module.PATTERN
    assert not isinstance(stand_in, re.Pattern)
    assert stand_in.fullmatch("ABB")
    assert isinstance(module.PATTERN, re.Pattern)
    assert module.PATTERN.pattern == r"(?i)ab+" and module.PATTERN.flags & re.IGNORECASE
    assert module.ALIAS is module.PATTERN
    # A reference kept before the first use still works, through the stand-in.
    assert stand_in.fullmatch("ab") and not stand_in.fullmatch("ac")


def test_a_bytes_pattern_and_inline_flags() -> None:
    module = make_module("P = lazy_compile(rb'(?s)a.b')\nV = lazy_compile(r'''(?x) a \\s* b ''')\n")
    assert module.P.fullmatch(b"a\nb")
    assert module.V.fullmatch("a  b") and not module.V.fullmatch("a c")


def test_lazy_import_binds_the_real_module_on_first_use() -> None:
    module = make_module("_json = lazy_import('json')\n")
    assert module._json.dumps([1]) == "[1]"
    import json

    assert module._json is json


def test_a_stand_in_names_what_it_stands_for() -> None:
    assert repr(lazy_compile("a+")) == "<_Pattern 'a+'>"
    assert repr(lazy_import("json")) == "<_Module 'json'>"
