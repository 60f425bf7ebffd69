"""The one place wrappers get the Multicorn API from: the API of the host that loaded them.

Inside a backend running the restcorn engine, the engine has imported
``restcorn_engine`` before any wrapper, so that is the API, even when
Multicorn2's Python package is importable too (its exceptions and logging
would not reach PostgreSQL through the engine). Under real Multicorn2,
``restcorn_engine`` is not loaded and Multicorn2's ``multicorn`` package is
the API. Outside any backend (unit tests), the engine's module stands in.
The PyPI package named ``multicorn`` is unrelated and has no
ForeignDataWrapper, so it is skipped.

``multicorn2_behaviour()`` says whether the host behaves as Multicorn2 3.2
does (section 12 of the contract): true under real Multicorn2, and under the
engine's Multicorn2 stand-in mode. Wrappers ask it where the two hosts give
different facts (LIMIT offered past filters, lossy qual values, no
collations, empty columns for whole-row references).
"""
import sys


def _engine_api():
    from restcorn_engine import (ALL, ANY, ColumnDefinition, ForeignDataWrapper, Qual, SortKey,
                                 TableDefinition, log_to_postgres)
    return ALL, ANY, ColumnDefinition, ForeignDataWrapper, Qual, SortKey, TableDefinition, \
        log_to_postgres


if "restcorn_engine" in sys.modules:
    (ALL, ANY, ColumnDefinition, ForeignDataWrapper, Qual, SortKey, TableDefinition,
     log_to_postgres) = _engine_api()
    ENGINE = "restcorn"
else:
    try:
        from multicorn import (ALL, ANY, ColumnDefinition, ForeignDataWrapper, Qual, SortKey,
                               TableDefinition)
        from multicorn.utils import log_to_postgres
        ENGINE = "multicorn"
    except ImportError:
        (ALL, ANY, ColumnDefinition, ForeignDataWrapper, Qual, SortKey, TableDefinition,
         log_to_postgres) = _engine_api()
        ENGINE = "restcorn"


def _engine_function(name):
    """restcorn_engine's function ``name``, or None under Multicorn2 or an engine without it."""
    return None if ENGINE == "multicorn" else getattr(sys.modules.get("restcorn_engine"), name,
                                                      None)


# The engine's reading of its setting (an engine without the setting has none).
_engine_setting = _engine_function("multicorn2_behaviour")
_checks_rows = _engine_function("checks_rows")
_preloading = _engine_function("preloading")


def host_checks_rows():
    """The engine's CheckedRows class when ``execute`` may return it (restcorn_engine.checks_rows),
    else None: under Multicorn2, its stand-in, and outside a backend, the wrapper checks rows."""
    if _checks_rows is None or not _checks_rows():
        return None
    return sys.modules["restcorn_engine"].CheckedRows


def preloading():
    """True while the engine's restcorn.preload imports the wrappers' modules at server start
    (restcorn_engine.preloading); False under Multicorn2 and at any other time."""
    return _preloading is not None and _preloading()


def multicorn2_behaviour():
    """True when the host gives Multicorn2 3.2's facts (real Multicorn2, or the engine's stand-in).

    Asked at each call, not at import: the engine's stand-in mode is a
    setting that may change between statements.
    """
    if ENGINE == "multicorn":
        return True
    return bool(_engine_setting()) if _engine_setting is not None else False


__all__ = ["ALL", "ANY", "ColumnDefinition", "ENGINE", "ForeignDataWrapper", "Qual", "SortKey",
           "TableDefinition", "host_checks_rows", "log_to_postgres", "multicorn2_behaviour",
           "preloading"]
