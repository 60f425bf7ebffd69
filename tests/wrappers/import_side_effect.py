"""A module whose import is visible: the allow-list tests show it is never imported."""
import os

from fdw.multicorn_compat import ForeignDataWrapper

os.environ["RESTCORN_TEST_SIDE_EFFECT"] = "imported"


class Wrapper(ForeignDataWrapper):
    """Would be a wrapper, if restcorn.wrappers allowed it."""

    def execute(self, quals, columns, sortkeys=None, limit=None, offset=None):
        return []
