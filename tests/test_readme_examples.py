"""The README's worked examples for real services' conventions, run as written.

Each ```sql block of the section "Worked examples: real services'
conventions" runs in a fresh database of its own, the addresses replaced by
the test's json-server and mock service; the results of their SELECTs are
compared with the same words in a local table.
"""
import os
import re

import psycopg
import pytest

from tools import json_server

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")
SECTION = "### Worked examples: real services' conventions"
JSON_SERVER_URL = "http://127.0.0.1:3000"
MOCK_URL = "http://127.0.0.1:9999"


def examples():
    with open(README, encoding="utf-8") as f:
        text = f.read()
    section = text.split(SECTION, 1)[1].split("\n### ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, re.DOTALL)


def test_the_section_has_three_examples():
    blocks = examples()
    assert len(blocks) == 3
    assert JSON_SERVER_URL in blocks[0] and "/datasette/" in blocks[1] and "IMPORT" in blocks[2]


@pytest.fixture(scope="module")
def json_server_url(words, tmp_path_factory):
    if not json_server.installed():
        pytest.skip("json-server is not installed: run tools/install-json-server.sh "
                    "(make test does)")
    records = [{"id": number, "word": word, "length": len(word)}
               for number, word in enumerate(words, 1)]
    with json_server.JsonServer({"words": records},
                                str(tmp_path_factory.mktemp("readme") / "db.json")) as server:
        yield server.url


@pytest.fixture
def database(cluster):
    """A database of its own, so that the examples' names are free; dropped afterwards."""
    with psycopg.connect(cluster.dsn(), autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS readme_examples")
        admin.execute("CREATE DATABASE readme_examples")
    with psycopg.connect(cluster.dsn("readme_examples"), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION restcorn")  # the README's quick start
        yield conn
    with psycopg.connect(cluster.dsn(), autocommit=True) as admin:
        admin.execute("DROP DATABASE readme_examples WITH (FORCE)")


def run(conn, block, json_url, mock_url):
    """Each statement of ``block``; the rows of its SELECTs, in order."""
    sql = block.replace(JSON_SERVER_URL, json_url).replace(MOCK_URL, mock_url)
    results = []
    for statement in (part.strip() for part in sql.split(";\n")):
        if statement:
            cursor = conn.execute(statement)
            if statement.startswith("SELECT"):
                results.append(cursor.fetchall())
    return results


def test_json_server_example(database, json_server_url, service, words):
    (rows,) = run(database, examples()[0], json_server_url, service.url)
    expected = sorted(((n, w) for n, w in enumerate(words, 1) if w.startswith("zebra")),
                      key=lambda row: row[1].encode(), reverse=True)[:3]
    assert rows == expected


def test_datasette_example(database, service, words):
    count, zo = run(database, examples()[1], JSON_SERVER_URL, service.url)
    assert count == [(len(words),)]
    assert zo == [(w,) for w in sorted((w for w in words if w.startswith("zo")),
                                       key=str.encode, reverse=True)]


def test_github_example(database, service, words):
    (rows,) = run(database, examples()[2], JSON_SERVER_URL, service.url)
    assert rows == [(n, w, len(w)) for n, w in enumerate(words, 1) if "zz" in w]
