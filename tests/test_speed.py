"""Requests per query: what a query costs in round trips to the service, through the engine,
the real wrapper, real HTTP and the real mock service (the request log says what was sent)."""
import pytest
import requests


@pytest.fixture(scope="module")
def lookups(cluster, service):
    """speed.words: the dictionary service as a RestFDW table with a planning count."""
    import psycopg

    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS speed CASCADE")
        conn.execute("DROP SERVER IF EXISTS speed_srv CASCADE")
        conn.execute("CREATE SCHEMA speed")
        conn.execute("CREATE SERVER speed_srv FOREIGN DATA WRAPPER restcorn OPTIONS "
                     "(wrapper 'fdw.DictionaryFDW', url '%s')" % service.url)
        conn.execute('CREATE FOREIGN TABLE speed.words (id int, word varchar COLLATE "C") '
                     "SERVER speed_srv")
    return "speed.words"


def sent(service):
    """The requests the service received for words since the log was cleared."""
    return [entry["args"] for entry in requests.get(service.url + "/_log").json()["requests"]
            if entry["path"] == "/words"]


def clear(service):
    requests.delete(service.url + "/_log").raise_for_status()


def test_lookup_of_a_new_value_is_one_request(db, lookups, words, service):
    """issue 13: WHERE id = 42 after WHERE id = 7 sent a limit=0 count for 42 first."""
    assert db.rows("SELECT id, word FROM speed.words WHERE id = 7") == [(7, words[6])]
    clear(service)
    assert db.rows("SELECT id, word FROM speed.words WHERE id = 42") == [(42, words[41])]
    (request,) = sent(service)
    assert request["id"] == ["42"] and request.get("limit") != ["0"]


@pytest.mark.parametrize("values", [(1, 104334, 50000), (3, 3, 99)])
def test_each_new_value_of_a_counted_shape_is_one_request(db, lookups, words, service, values):
    db.rows("SELECT id FROM speed.words WHERE id >= 104000")
    for value in values:
        clear(service)
        rows = db.rows("SELECT id, word FROM speed.words WHERE id >= %s ORDER BY id", [value])
        assert rows == [(i + 1, words[i]) for i in range(value - 1, len(words))]
        assert all(request.get("limit") != ["0"] for request in sent(service))


def test_another_shape_is_counted_once(db, lookups, words, service):
    db.rows("SELECT id FROM speed.words WHERE id = 7")
    clear(service)
    rows = db.rows("SELECT id FROM speed.words WHERE word LIKE 'house%'")
    assert sorted(rows) == [(i + 1,) for i, w in enumerate(words) if w.startswith("house")]
    counts = [request for request in sent(service) if request.get("limit") == ["0"]]
    assert len(counts) == 1 and counts[0]["word_like"] == ["house%"]
