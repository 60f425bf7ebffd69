"""The one place wrappers get the Multicorn API from.

Real Multicorn2 when it is installed (its ``multicorn`` package ships with the
extension), the restcorn engine's own module otherwise. The PyPI package named
``multicorn`` is unrelated and has no ForeignDataWrapper, so it is skipped.
"""
try:
    from multicorn import ALL, ANY, ColumnDefinition, ForeignDataWrapper, Qual, SortKey, TableDefinition
    from multicorn.utils import log_to_postgres
    ENGINE = "multicorn"
except ImportError:
    from restcorn_engine import (ALL, ANY, ColumnDefinition, ForeignDataWrapper, Qual, SortKey,
                                 TableDefinition, log_to_postgres)
    ENGINE = "restcorn"

__all__ = ["ALL", "ANY", "ColumnDefinition", "ENGINE", "ForeignDataWrapper", "Qual", "SortKey",
           "TableDefinition", "log_to_postgres"]
