"""A JSON web service over a word list, for restcorn to query through PostgreSQL.

GET / returns every word; GET /words filters, sorts and pages with query
parameters, which is what the foreign data wrapper pushes WHERE, ORDER BY
and LIMIT down to.
"""

from flask import Flask

from . import api, faults
from .request_log import RequestLog
from .words import WordList

DEFAULT_CONFIG = {
    "WORDS_FILE": "/usr/share/dict/words",
    "MAX_PAGE_SIZE": 10000,
    "DEFAULT_PAGE_SIZE": 1000,
    "REQUEST_LOG": True,
}


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(DEFAULT_CONFIG)
    if config:
        app.config.update(config)
    if not 0 <= app.config["DEFAULT_PAGE_SIZE"] <= app.config["MAX_PAGE_SIZE"]:
        raise ValueError("DEFAULT_PAGE_SIZE must be between 0 and MAX_PAGE_SIZE")

    app.extensions["word_list"] = WordList.from_file(app.config["WORDS_FILE"])
    app.extensions["request_log"] = RequestLog()
    app.register_blueprint(api.bp)
    app.wsgi_app = faults.FaultInjector(app.wsgi_app)
    return app
