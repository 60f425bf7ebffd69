"""Foreign data wrappers that query JSON web services, pushing WHERE / ORDER BY / LIMIT down.

Use as ``wrapper 'fdw.RestFDW'`` (configured by options, see the Options section of README.md),
``wrapper 'fdw.DictionaryFDW'`` (the dictionary service, no options needed)
or ``wrapper 'fdw.StatsFDW'`` (this session's request counts per table).
"""
from .dictionary import DictionaryFDW
from .rest import RestFDW
from .stats import StatsFDW

__all__ = ["DictionaryFDW", "RestFDW", "StatsFDW"]
