"""Foreign data wrappers that query JSON web services, pushing WHERE / ORDER BY / LIMIT down.

Use as ``wrapper 'fdw.RestFDW'`` (configured by options) or
``wrapper 'fdw.DictionaryFDW'`` (the dictionary service, no options needed).
"""
from .dictionary import DictionaryFDW
from .rest import RestFDW

__all__ = ["DictionaryFDW", "RestFDW"]
