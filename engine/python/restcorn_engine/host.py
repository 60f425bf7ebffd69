"""What the C extension calls: find wrapper classes, build instances and quals,
run IMPORT FOREIGN SCHEMA, and turn a query cancel into a Python exception.

Keeping this in Python keeps the C side to the planner, the executor and the
row path.
"""
import sys
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
    __import__(module_name)  # importlib.import_module's work, without importing importlib
    module = sys.modules[module_name]
    try:
        cls = getattr(module, class_name)
    except AttributeError:
        raise ImportError("module %r has no class %r" % (module_name, class_name)) from None
    if not isinstance(cls, type) or not issubclass(cls, ForeignDataWrapper):
        raise MulticornException(
            "wrapper %r is not a ForeignDataWrapper class" % name,
            hint="A wrapper is a subclass of the ForeignDataWrapper of fdw.multicorn_compat.")
    return cls


def merge_options(cls, table, server, mapping):
    """The options a wrapper gets: table, then server, then user mapping (later keys win).

    An option set on both the table and its server with different values is
    an ERROR: Multicorn2's order would silently drop the table's. A user
    mapping may override the server (per-user credentials).

    A class may declare ``server_options`` (names only a server may set) and
    ``user_mapping_options`` (the only names a user mapping may set); an
    option set elsewhere is an ERROR naming it and where it may be set.
    Values never appear in these errors (a mapping holds secrets).
    """
    server_only = tuple(getattr(cls, "server_options", ()) or ())
    mapping_allowed = getattr(cls, "user_mapping_options", None)
    for name in sorted(table):
        if name in server_only:
            raise MulticornException(
                'option "%s" may be set only on the foreign server, not on the foreign table' % name,
                hint="Set it with ALTER SERVER ... OPTIONS.")
    for name in sorted(mapping):
        if name in server_only:
            raise MulticornException(
                'option "%s" may be set only on the foreign server, not in a user mapping' % name,
                hint="Set it with ALTER SERVER ... OPTIONS.")
        if mapping_allowed is not None and name not in mapping_allowed:
            raise MulticornException(
                'option "%s" may not be set in a user mapping' % name,
                hint="A user mapping of %s may set only: %s." % (
                    cls.__name__, ", ".join(mapping_allowed) or "nothing"))
    for name in sorted(set(table) & set(server)):
        if name != "wrapper" and table[name] != server[name]:
            raise MulticornException(
                'option "%s" is set on both the foreign table and its server, with different '
                'values; the server\'s would win' % name,
                hint="Drop it from one of them (ALTER FOREIGN TABLE ... OPTIONS (DROP %s), or "
                     "ALTER SERVER ... OPTIONS (DROP %s))." % (name, name))
    merged = dict(table)
    merged.update(server)
    merged.update(mapping)
    merged.pop("wrapper", None)  # the server's, naming the class
    return merged


def make_instance(class_name, table_options, server_options, mapping_options, columns):
    """cls(merged options, OrderedDict of ColumnDefinition) for one foreign table and user."""
    cls = get_class(class_name)
    options = merge_options(cls, table_options, server_options, mapping_options)
    definitions = OrderedDict(
        (col[0], ColumnDefinition(*col)) for col in columns)
    return cls(options, definitions)


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

    site_packages = os.path.join(venv, "lib", "python%d.%d" % sys.version_info[:2], "site-packages")
    if not os.path.isdir(site_packages):
        raise ImportError("restcorn.venv = %r: no %s (a venv made with this server's Python %d.%d?)"
                          % (venv, site_packages, sys.version_info[0], sys.version_info[1]))
    before = list(sys.path)
    site.addsitedir(site_packages)
    added = [p for p in sys.path if p not in before]
    sys.path[:] = added + before
