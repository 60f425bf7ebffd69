"""The results as JSON (everything), Markdown (the tables people read) and a PNG chart.

``publish`` puts the chart and the summary tables into the repository's docs
and README, between the markers that README keeps for them.
"""
import json
import os
import shutil

from .cases import BASELINE, PEERS, REFRESH_INDEXES, TARGETS
from .targets import describe
from .units import format_bytes, format_number, format_rows

README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"
# The targets of the main queries table (times faster than the article's
# wrapper); the peers have a table of their own, against the floor.
COMPARED_TARGETS = [name for name in TARGETS if name not in PEERS]


def write_all(results, out):
    """results.json, results.md and chart.png in the directory ``out``; their paths."""
    os.makedirs(out, exist_ok=True)
    paths = {name: os.path.join(out, name) for name in ("results.json", "results.md", "chart.png")}
    with open(paths["results.json"], "w") as file:
        json.dump(results, file, indent=2)
        file.write("\n")
    with open(paths["results.md"], "w") as file:
        file.write(markdown(results))
    write_chart(results, paths["chart.png"])
    return paths


def ms(value):
    return "%s ms" % format_number(value)


def ratio(value):
    return "%sx" % format_number(value)


def table(header, rows, align=None):
    align = align or ["---"] + ["---:"] * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def sent(traffic):
    return "%d req, %s rows, %s" % (traffic["requests"], "{:,}".format(traffic["rows"]),
                                    format_bytes(traffic["bytes"]))


def queries_table(results):
    header = ["query"] + [TARGETS[name].label for name in COMPARED_TARGETS] + \
        ["rows", "sent by the service: article / ours"]
    rows = []
    for entry in results["queries"]:
        article = entry["targets"][BASELINE]["median_ms"]
        cells = ["`%s`" % entry["title"]]
        for name in COMPARED_TARGETS:
            median = entry["targets"][name]["median_ms"]
            cells.append(ms(median) if name == BASELINE else "%s (%s)" % (ms(median), ratio(article / median)))
        cells += [entry["rows"], "%s / %s" % (sent(entry["traffic"]["article"]),
                                              sent(entry["traffic"]["restcorn"]))]
        rows.append(cells)
    return table(header, rows)


def peers_table(results):
    """Ours and what users pick instead, each against the floor; ours against PL/Python."""
    header = ["query", "floor: SELECT 1 + one GET", TARGETS["restcorn"].label,
              TARGETS["plpython_pushed"].label, TARGETS["plpython"].label,
              "ours / PL/Python hand-pushed", "requests: ours / hand-pushed / unfiltered"]
    rows = []
    for entry in results["queries"]:
        floor = entry["floor"]["median_ms"]
        times = {name: entry["targets"][name]["median_ms"]
                 for name in ("restcorn", "plpython_pushed", "plpython")}
        rows.append(["`%s`" % entry["title"], ms(floor)]
                    + ["%s (%s floor)" % (ms(times[name]), ratio(times[name] / floor))
                       for name in ("restcorn", "plpython_pushed", "plpython")]
                    + [ratio(times["restcorn"] / times["plpython_pushed"]),
                       " / ".join(str(entry["traffic"][name]["requests"])
                                  for name in ("restcorn", "plpython_pushed", "plpython"))])
    return table(header, rows)


def spread_table(results):
    header = ["query"] + [target.label for target in TARGETS.values()] + ["floor"]
    rows = [["`%s`" % entry["title"]]
            + ["%s / %s / %s" % tuple(format_number(timing[key])
                                      for key in ("min_ms", "median_ms", "max_ms"))
               for timing in [*(entry["targets"][name] for name in TARGETS), entry["floor"]]]
            for entry in results["queries"]]
    return table(header, rows)


def cold_start_table(results):
    cold = results["cold_start"]
    rows = []
    for name, label in (("restcorn", TARGETS["restcorn"].label),
                        ("plpython_pushed", TARGETS["plpython_pushed"].label),
                        ("mv_gin", "PostgreSQL alone (%s)" % TARGETS["mv_gin"].label)):
        entry = cold[name]
        rows.append([label, ms(entry["cold"]["median_ms"]), ms(entry["warm"]["median_ms"]),
                     ms(entry["difference_ms"])])
    return table(["`%s`" % cold["sql"].format(table="...", value="<new id>"),
                  "first query in a new backend", "warm", "difference"], rows)


def full_scan_table(results):
    """The word list's full scan through both wrappers, and count(*) of the large resource."""
    parts = []
    scan = results.get("words_scan")
    if scan:
        article, ours = scan["article"]["median_ms"], scan["restcorn"]["median_ms"]
        parts.append(table(
            ["`%s`" % scan["sql"].format(table="..."), "article's wrapper", "fdw.DictionaryFDW",
             "ours / article's", "sent by the service: article / ours"],
            [["%s words" % "{:,}".format(scan["rows"]), ms(article), ms(ours),
              ratio(ours / article), "%s / %s" % (sent(scan["traffic"]["article"]),
                                                  sent(scan["traffic"]["restcorn"]))]]))
    count = results.get("count_at_scale")
    if count:
        ours, one = count["count"]["median_ms"], count["request"]["median_ms"]
        parts.append(table(
            ["rows", "`SELECT count(*)`", "one request (bare GET `%s`)" % count["url"],
             "count / request", "sent by the service"],
            [[format_rows(count["rows"]), ms(ours), ms(one), ratio(ours / one),
              sent(count["traffic"])]]))
    return "\n".join(parts)


def refresh_table(results):
    refresh = results["refresh"]
    rows = []
    for index, title in REFRESH_INDEXES.items():
        article = refresh["article_%s" % index]["median_ms"]
        ours = refresh["restcorn_%s" % index]["median_ms"]
        concurrently = refresh.get("restcorn_%s_concurrently" % index)
        rows.append([title, ms(article), "%s (%s)" % (ms(ours), ratio(article / ours)),
                     "%s (%s)" % (ms(concurrently["median_ms"]),
                                  ratio(article / concurrently["median_ms"]))
                     if concurrently else "n/a (needs a unique index)"])
    return table(["MV index", "over the article's wrapper", "over fdw.DictionaryFDW",
                  "CONCURRENTLY, over fdw.DictionaryFDW"], rows)


def sync_table(results):
    sync = results["sync"]
    quiet, reconcile = sync["quiet"], sync["reconcile"]
    return table(
        ["records", "changed", "sync_table()", "REFRESH ... CONCURRENTLY", "nothing changed",
         "reconcile pass (every key)"],
        [["{:,}".format(sync["rows"]), "{:,}".format(sync["changed"]),
          "%s (%s)" % (ms(sync["sync"]["median_ms"]),
                       ratio(sync["refresh"]["median_ms"] / sync["sync"]["median_ms"])),
          ms(sync["refresh"]["median_ms"]),
          "%s, %d request(s)" % (ms(quiet["ms"]), quiet["requests"]),
          "%s, %d request(s)" % (ms(reconcile["ms"]), reconcile["requests"])]])


def rate_limit_table(results):
    rate = results["rate_limit"]
    return table(["sessions", "rate_limit", "seconds", "requests", "per second", "busiest second",
                  "queries", "errors"],
                 [[rate["sessions"], "%d/s" % rate["rate"], rate["seconds"], rate["requests"],
                   format_number(rate["per_second"]), rate["busiest_second"], rate["queries"],
                   rate["errors"] + rate["wrong"]]])


def scale_table(results):
    rows = []
    for entry in results["scale"]:
        scan, first = entry["scan"], entry["first_rows"]
        rows.append([format_rows(entry["rows"]), ms(scan["median_ms"]),
                     "{:,.0f}".format(entry["rows_per_second"]), scan["traffic"]["requests"],
                     "%.1f MB" % entry["peak_rss_mb"], "%.1f MB" % entry["baseline_rss_mb"],
                     ms(first["median_ms"])])
    return table(["rows", "full scan (`count(word), sum(id)`)", "rows/s", "HTTP requests",
                  "backend peak RSS after the scan", "peak RSS, LIMIT 10 only",
                  "`LIMIT 10` (first row)"], rows)


def engine_table(results):
    engine = results["engine"]
    rows = []
    for name, label in (("restcorn", "restcorn engine"), ("multicorn2", "Multicorn2")):
        entry = engine[name]
        if "skipped" in entry:
            rows.append([label, "skipped: %s" % entry["skipped"], ""])
        else:
            rows.append([label, ms(entry["median_ms"]), "{:,.0f}".format(entry["rows_per_second"])])
    return table(["engine", "`%s` over %s rows" % (engine["sql"], format_rows(engine["rows"])),
                  "rows/s"], rows)


def load_table(results):
    load = results["load"]
    return table(["sessions", "seconds", "queries", "errors", "p50", "p99"],
                 [[load["sessions"], load["seconds"], "{:,}".format(load["queries"]),
                   load["errors"], ms(load["p50_ms"]), ms(load["p99_ms"])]])


def targets_table(results):
    rows = [[target["name"], target["goal"], describe(target)] for target in results["targets"]]
    return table(["target", "goal", "this run"], rows, ["---", "---", "---"])


def where_lines(results):
    lines = []
    for target in results["targets"]:
        if not target.get("met", True) and target.get("where"):
            lines.append("- **%s** (%s): %s.\n" % (target["name"], describe(target), target["where"]))
    return "".join(lines)


def summary(results, chart=None):
    """The part published in README: the queries, the targets, the chart."""
    meta = results["meta"]
    parts = [
        "Medians of %d runs after a warm-up (PostgreSQL %s, %d CPUs, %s); (Nx) = times faster "
        "than the article's wrapper in the same run. Full report: `python -m bench`.\n\n"
        % (meta["repeat"], meta["postgresql"].split()[0], meta["cpus"], meta["date"]),
        queries_table(results),
        "\nAgainst what users pick instead, in the same run: (Nx floor) = times the floor, a "
        "`SELECT 1` round trip plus one bare HTTP GET (http.client, kept alive) of the request "
        "the foreign table sends, the service's own time included.\n\n",
        peers_table(results), "\n", targets_table(results),
    ]
    if chart:
        parts += ["\n", "![Query medians per target, log scale](%s)\n" % chart]
    return "".join(parts)


PEERS_INTRO = (
    "PL/Python + requests (plpython3u) calling the same service, one kept-alive session per "
    "backend: *unfiltered* reads the whole word list with the service's paging and lets SQL "
    "filter; *hand-pushed* sends the request's parameters typed by hand for each query "
    "(bench/cases.py, HAND_PUSHED). The floor is a `SELECT 1` round trip through psycopg plus one "
    "bare HTTP GET (http.client, kept alive, from the benchmark's process) of the request the "
    "foreign table sends (its pages as one request where it sends several), the service's own "
    "time included. Every target and the floor run in turn in each round; (Nx floor) = times "
    "the floor's median.\n\n")


def markdown(results):
    meta = results["meta"]
    intro = ("Run of %s: PostgreSQL %s, Python %s, %d CPUs (load average %.2f before the run, "
             "%.2f after), %s words. Wall time per statement "
             "measured from the client on one persistent connection per target; medians of %d "
             "runs after a warm-up; (Nx) = how many times faster than the article's wrapper, "
             "measured in the same run. The indexed views also carry the unique index on id "
             "that REFRESH ... CONCURRENTLY needs.\n"
             % (meta["date"], meta["postgresql"].split()[0], meta["python"], meta["cpus"],
                meta["load_before"], meta["load_after"], "{:,}".format(meta["words"]),
                meta["repeat"]))
    if meta["smoke"]:
        intro += ("\n**Smoke run**: tiny sizes and one run each; it proves the benchmark works, "
                  "its numbers mean little.\n")
    correctness = results["correctness"]
    parts = [
        "# restcorn benchmark\n\n", intro,
        "\n## Queries\n\n", queries_table(results),
        "\n## Against what users pick instead, and the floor\n\n", PEERS_INTRO,
        peers_table(results),
        "\nmin / median / max, ms:\n\n", spread_table(results),
        *(["\n## The first query in a new backend\n\n", cold_start_table(results)]
          if results.get("cold_start") else []),
        *(["\n## Full scans and count(*)\n\n", full_scan_table(results)]
          if results.get("words_scan") or results.get("count_at_scale") else []),
        "\n## Materialized view refresh\n\n", refresh_table(results),
        *(["\n## Incremental sync: sql/sync.sql vs a concurrent refresh, same indexes\n\n",
            sync_table(results)] if results.get("sync") else []),
        "\n## Scale: fdw.RestFDW over the synthetic resource (page_size 10000)\n\n",
        scale_table(results),
        "\n## Engine cost: rows from a pure-Python generator\n\n", engine_table(results),
        "\n## Load: concurrent sessions running a mix of pushdown queries (tools/load.py)\n\n",
        load_table(results),
        *(["\n## One rate_limit shared by many sessions (fdw/ratelimit.py)\n\n",
            rate_limit_table(results)] if results.get("rate_limit") else []),
        "\n## Targets\n\n", targets_table(results),
    ]
    where = where_lines(results)
    if where:
        parts += ["\nWhere the time goes, for the missed targets:\n\n", where]
    parts += ["\n## Correctness\n\n",
              "%s: each of the %d queries gave the article's wrapper's answer on every target and "
              "every run (%d runs each); every refreshed view holds the same rows; each scan "
              "returned the expected count and sum.\n"
              % ("Passed" if correctness["passed"] else "FAILED", correctness["queries"],
                 correctness["runs_each"])]
    return "".join(parts)


def write_chart(results, path):
    """Grouped bars: one group per query, one bar per target, log-scale milliseconds."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    titles = [entry["title"] for entry in results["queries"]]
    bars = [(target.label, [entry["targets"][name]["median_ms"] for entry in results["queries"]])
            for name, target in TARGETS.items()]
    bars.append(("floor: SELECT 1 + one GET",
                 [entry["floor"]["median_ms"] for entry in results["queries"]]))
    width = 0.8 / len(bars)
    figure, axes = plt.subplots(figsize=(14, 6))
    for number, (label, medians) in enumerate(bars):
        axes.bar([i + (number - (len(bars) - 1) / 2) * width for i in range(len(titles))],
                 medians, width, label=label)
    axes.set_yscale("log")
    axes.set_ylabel("median wall time per query, ms (log scale)")
    axes.set_xticks(range(len(titles)))
    axes.set_xticklabels(titles, rotation=25, ha="right", fontsize=8)
    axes.set_title("restcorn vs the article's wrapper, materialized views, PL/Python and the floor "
                   "(%s words)" % "{:,}".format(results["meta"]["words"]))
    axes.legend(fontsize=8, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.25))
    axes.grid(axis="y", which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(figure)


def publish(results, chart_path, root):
    """Copy the chart to docs/ and put the summary in README.md's bench section; what was done."""
    docs = os.path.join(root, "docs")
    os.makedirs(docs, exist_ok=True)
    shutil.copyfile(chart_path, os.path.join(docs, "benchmark.png"))
    readme = os.path.join(root, "README.md")
    text = None
    if os.path.exists(readme):
        with open(readme) as file:
            text = file.read()
    start, end = (text.find(README_START), text.find(README_END)) if text else (-1, -1)
    if 0 <= start < end:
        section = "%s\n%s%s" % (README_START, summary(results, "docs/benchmark.png"), README_END)
        with open(readme, "w") as file:
            file.write(text[:start] + section + text[end + len(README_END):])
        return "updated README.md between %s and %s; chart in docs/benchmark.png" % (
            README_START, README_END)
    with open(os.path.join(docs, "benchmark.md"), "w") as file:
        file.write("# Benchmark\n\n" + summary(results, "benchmark.png"))
    return ("README.md %s: wrote docs/benchmark.md and docs/benchmark.png instead"
            % ("has no %s ... %s markers" % (README_START, README_END) if text is not None
               else "does not exist"))
