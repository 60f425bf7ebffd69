"""The benchmark must keep working: its smoke run (tiny sizes, one run each) writes a full report,
the peers (PL/Python), the floor, the cold start, the full scans and count(*) included.

No timing is asserted, the machines are shared: only that every number is
there, that every answer matched the article's wrapper, and that publishing
puts the tables where the README wants them.
"""
import json
import os
import subprocess
import sys

import pytest
from werkzeug.datastructures import MultiDict

from bench import report
from bench.cases import CASES, HAND_PUSHED, HTTP_TARGETS, REFRESHES, TARGETS
from bench.peers import floor_url
from bench.run import FreshIds
from mock_service.query import ParameterError
from mock_service.synthetic import page

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """(output directory, results) of one ``python -m bench --smoke``."""
    out = tmp_path_factory.mktemp("bench")
    result = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--out", str(out)],
                            cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    with open(out / "results.json") as file:
        return out, json.load(file)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def test_smoke_run_writes_json_markdown_and_chart(smoke):
    out, _ = smoke
    with open(out / "chart.png", "rb") as file:
        assert file.read(8) == b"\x89PNG\r\n\x1a\n"
    markdown = (out / "results.md").read_text()
    for case in CASES:
        assert "`%s`" % case.title in markdown
    for heading in ("## Queries", "## Against what users pick instead", "## The first query in a "
                    "new backend", "## Full scans and count(*)", "## Materialized view refresh",
                    "## Scale", "## Engine cost", "## Targets", "## Correctness"):
        assert heading in markdown


def test_every_query_case_has_a_median_for_every_target(smoke):
    _, results = smoke
    assert [entry["case"] for entry in results["queries"]] == [case.name for case in CASES]
    for entry in results["queries"]:
        for target in TARGETS:
            timing = entry["targets"][target]
            assert all(is_number(timing[key]) for key in ("median_ms", "min_ms", "max_ms")), entry
        for target in HTTP_TARGETS:
            assert entry["traffic"][target]["requests"] >= 1
        # The article's wrapper and the unfiltered peer always download every word; ours and
        # the hand-pushed peer send what was asked.
        for target in ("article", "plpython"):
            assert entry["traffic"][target]["rows"] == results["meta"]["words"]
        for target in ("restcorn", "plpython_pushed"):
            assert entry["traffic"][target]["rows"] < results["meta"]["words"]
        floor = entry["floor"]
        assert all(is_number(floor[key]) for key in ("median_ms", "select_1_ms", "get_ms")), entry
        assert floor["url"].startswith("/words?")


def test_answers_matched_the_article_wrapper(smoke):
    _, results = smoke
    assert results["correctness"]["passed"] is True
    assert "Passed" in (smoke[0] / "results.md").read_text()


def test_refresh_scale_engine_and_targets_are_reported(smoke):
    _, results = smoke
    assert set(results["refresh"]) == {refresh.name for refresh in REFRESHES}
    assert all(is_number(entry["median_ms"]) for entry in results["refresh"].values())
    (scale,) = results["scale"]
    assert scale["rows"] == 10000
    assert all(is_number(value) for value in (scale["scan"]["median_ms"], scale["peak_rss_mb"],
                                              scale["first_rows"]["median_ms"]))
    assert is_number(results["engine"]["restcorn"]["rows_per_second"])
    multicorn = results["engine"]["multicorn2"]
    assert multicorn.get("skipped") == "Multicorn2 not installed" or is_number(multicorn["median_ms"])
    for target in results["targets"]:
        assert "skipped" in target or isinstance(target["met"], bool), target


def test_cold_start_full_scans_and_count_at_scale_are_reported(smoke):
    _, results = smoke
    cold = results["cold_start"]
    assert cold["first_requests"] >= 1
    for target in ("restcorn", "plpython_pushed", "mv_gin"):
        assert is_number(cold[target]["cold"]["median_ms"])
        assert is_number(cold[target]["warm"]["median_ms"])
    words = results["words_scan"]
    assert words["rows"] == results["meta"]["words"]
    assert is_number(words["article"]["median_ms"]) and is_number(words["restcorn"]["median_ms"])
    count = results["count_at_scale"]
    assert count["rows"] == 10000 and count["traffic"]["requests"] >= 1
    assert is_number(count["count"]["median_ms"]) and is_number(count["request"]["median_ms"])
    assert results["scale"][0]["targeted"] is True
    names = " | ".join(target["name"] for target in results["targets"])
    for part in ("value never seen before>: HTTP requests", "vs the floor",
                 "vs PL/Python + requests hand-pushed", "first query in a new backend",
                 "count(*) of 10k rows", "full scan of 10k rows: rows/s",
                 "full scan of 10k rows: backend peak RSS", "full scan of the 104,334 words"):
        assert part in names


def test_every_case_has_a_hand_pushed_statement():
    assert set(HAND_PUSHED) == {case.name for case in CASES}


def test_the_floor_is_one_request():
    assert floor_url([], 0) is None
    assert floor_url(["/words?id=42&fields=id%2Cword&limit=1"], 1) == \
        "/words?id=42&fields=id%2Cword&limit=1"
    # several pages: the same filters, all rows in one page
    assert floor_url(["/words?id_gte=1000&id_lte=2000&fields=id%2Cword&limit=100",
                      "/words?id_gte=1000&id_lte=2000&fields=id%2Cword&limit=901&offset=100"],
                     1001) == "/words?id_gte=1000&id_lte=2000&fields=id%2Cword&limit=1001"
    with pytest.raises(ValueError):
        floor_url(["/words?limit=10000", "/words?limit=10000&offset=10000"], 20000)


def test_fresh_ids_are_new_and_skip_the_cases_ids():
    fresh = FreshIds(first=65535)
    assert [fresh.next_id() for _ in range(3)] == [65535, 65537, 65538]  # 65536 is in IN_IDS


def test_publish_replaces_only_the_readme_section(smoke, tmp_path):
    out, results = smoke
    (tmp_path / "README.md").write_text(
        "# Title\n\nbefore\n<!-- bench:start -->\nold table\n<!-- bench:end -->\nafter\n")
    message = report.publish(results, str(out / "chart.png"), str(tmp_path))
    readme = (tmp_path / "README.md").read_text()
    assert "updated README.md" in message
    assert readme.startswith("# Title\n\nbefore\n<!-- bench:start -->\n")
    assert readme.endswith("<!-- bench:end -->\nafter\n")
    assert "old table" not in readme and "`count(*)`" in readme
    assert (tmp_path / "docs" / "benchmark.png").exists()
    assert not (tmp_path / "docs" / "benchmark.md").exists()


def test_publish_without_readme_markers_writes_docs_benchmark_md(smoke, tmp_path):
    out, results = smoke
    message = report.publish(results, str(out / "chart.png"), str(tmp_path))
    assert "docs/benchmark.md" in message
    assert not (tmp_path / "README.md").exists()
    assert "`count(*)`" in (tmp_path / "docs" / "benchmark.md").read_text()


def synthetic(rows, **args):
    body, count = page(rows, MultiDict(args), 10000, 1000)
    decoded = json.loads(body)
    assert len(decoded["records"]) == count
    return decoded


def test_synthetic_pages_are_generated_rows_in_the_words_shape():
    assert synthetic(25, limit="3", offset="2") == {
        "records": [{"id": 3, "word": "word-3"}, {"id": 4, "word": "word-4"},
                    {"id": 5, "word": "word-5"}],
        "total": 25, "limit": 3, "offset": 2}
    assert synthetic(25, limit="10", offset="23", fields="word")["records"] == [
        {"word": "word-24"}, {"word": "word-25"}]
    assert synthetic(25, fields="", limit="2")["records"] == [{}, {}]
    assert synthetic(25, offset="30")["records"] == []
    assert synthetic(10 ** 7, limit="0") == {"records": [], "total": 10 ** 7, "limit": 0, "offset": 0}
    assert len(synthetic(5000)["records"]) == 1000


@pytest.mark.parametrize("args, parameter", [
    ({"id": "3"}, "id"),
    ({"limit": "10001"}, "limit"),
    ({"offset": "-1"}, "offset"),
    ({"fields": "id,colour"}, "fields"),
])
def test_synthetic_rejects_what_it_cannot_honour(args, parameter):
    with pytest.raises(ParameterError) as info:
        page(100, MultiDict(args), 10000, 1000)
    assert info.value.parameter == parameter
