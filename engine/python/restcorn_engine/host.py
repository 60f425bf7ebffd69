"""What the C extension calls: find wrapper classes, build instances and quals,
run IMPORT FOREIGN SCHEMA, and turn a query cancel into a Python exception.

Keeping this in Python keeps the C side to the planner, the executor and the
row path.
"""
import importlib
from collections import OrderedDict

from restcorn_engine import ColumnDefinition, ForeignDataWrapper, MulticornException, Qual, SortKey


class QueryCanceled(KeyboardInterrupt):
    """Raised inside wrapper code when PostgreSQL wants the statement to stop.

    A KeyboardInterrupt, so that a wrapper's ``except Exception`` does not
    swallow it.
    """


def get_class(name):
    """Import ``pkg.module.Class`` and return the class.

    The engine has checked ``name`` against ``restcorn.wrappers`` before this
    runs. The object must be a class derived from this host's
    ForeignDataWrapper, else MulticornException (an ERROR naming it).
    """
    module_name, _, class_name = name.rpartition(".")
    if not module_name:
        raise ImportError("wrapper %r is not of the form module.Class" % name)
    module = importlib.import_module(module_name)
    try:
        cls = getattr(module, class_name)
    except AttributeError:
        raise ImportError("module %r has no class %r" % (module_name, class_name)) from None
    if not isinstance(cls, type) or not issubclass(cls, ForeignDataWrapper):
        raise MulticornException(
            "wrapper %r is not a ForeignDataWrapper class" % name,
            hint="A wrapper is a subclass of the ForeignDataWrapper of fdw.multicorn_compat.")
    return cls


def make_instance(class_name, options, columns):
    """cls(options, OrderedDict of ColumnDefinition) for one foreign table."""
    definitions = OrderedDict(
        (col[0], ColumnDefinition(*col)) for col in columns)
    return get_class(class_name)(options, definitions)


def make_qual(field_name, operator, value, is_array, use_or, *collation):
    """A Qual; ``collation`` (a name or None) becomes its attribute when given."""
    qual = Qual(field_name, (operator, use_or) if is_array else operator, value)
    if collation:
        qual.collation = collation[0]
    return qual


def make_sortkey(attname, attnum, is_reversed, nulls_first, collate):
    return SortKey(attname, attnum, is_reversed, nulls_first, collate)


def import_schema(class_name, remote_schema, srv_options, options,
                  restriction_type, restricts, local_schema, server_name):
    """The CREATE FOREIGN TABLE statements for IMPORT FOREIGN SCHEMA."""
    cls = get_class(class_name)
    tables = cls.import_schema(remote_schema, srv_options, options,
                               restriction_type, restricts) or []
    return [table.to_statement(local_schema, server_name) for table in tables]


def install_cancel_handler(pending):
    """Make SIGINT (cancel, statement_timeout) interrupt wrapper code.

    The C side keeps PostgreSQL's own SIGINT handler and only marks the signal
    for Python; this handler then runs between bytecodes or when a blocking
    call (sleep, socket wait) is interrupted, and raises if PostgreSQL has a
    cancel or termination pending.
    """
    import signal

    def on_sigint(signum, frame):
        if pending():
            raise QueryCanceled("canceling statement")

    signal.signal(signal.SIGINT, on_sigint)


def add_venv(venv):
    """Put a virtual environment's site-packages first on sys.path (.pth files included)."""
    import os
    import site
    import sys

    site_packages = os.path.join(venv, "lib", "python%d.%d" % sys.version_info[:2], "site-packages")
    if not os.path.isdir(site_packages):
        raise ImportError("restcorn.venv = %r: no %s (a venv made with this server's Python %d.%d?)"
                          % (venv, site_packages, sys.version_info[0], sys.version_info[1]))
    before = list(sys.path)
    site.addsitedir(site_packages)
    added = [p for p in sys.path if p not in before]
    sys.path[:] = added + before
