"""python -m bench: the project's speed against the article's wrapper, peers and floor, in one run.

The peers are what users pick instead (PL/Python + requests, bench/peers.py);
the floor is a SELECT 1 round trip plus one bare HTTP GET.

    python -m bench                  full run: results in bench/results/
    python -m bench --smoke          tiny sizes, one run each (the test suite runs this)
    python -m bench --out DIR        write results.json, results.md and chart.png to DIR
    python -m bench --publish        also put the chart and tables into docs/ and README.md
    python -m bench --repeat N       timed runs per measurement after the warm-up (default 5)
    python -m bench --profile CASE [--runs N] [--rows N]
                                     where the time of one case goes

Exits 1 when any target answers a query differently from the article's wrapper.
"""
import argparse
import os
import sys

from tools.pgcluster import REPO

from . import profile, report
from .environment import Environment
from .run import Mismatch, run_all
from .targets import describe, evaluate

FULL_SIZES = (1000000, 5000000, 10000000)
SMOKE_SIZES = (10000,)
# Of those, the sizes whose full scans the targets judge, and the size of the count(*) row.
FULL_SCAN_TARGETS, FULL_COUNT_ROWS = (1000000, 5000000), 5000000
SMOKE_SCAN_TARGETS, SMOKE_COUNT_ROWS = (10000,), 10000
FULL_SYNC_ROWS = 1000000  # the changing source of the incremental sync rows (1% changed)
SMOKE_SYNC_ROWS = 10000
FULL_RATE_LIMIT = (16, 10, 50)  # sessions sharing rate_limit, seconds, requests per second
SMOKE_RATE_LIMIT = (4, 2, 20)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true",
                        help="synthetic 10,000 rows only, one run each: fast, numbers mean little")
    parser.add_argument("--out", metavar="DIR", default=os.path.join(REPO, "bench", "results"),
                        help="where results.json, results.md and chart.png go "
                             "(default: bench/results)")
    parser.add_argument("--publish", action="store_true",
                        help="copy the chart to docs/benchmark.png and the tables into README.md "
                             "between <!-- bench:start --> and <!-- bench:end -->")
    parser.add_argument("--repeat", type=int, metavar="N",
                        help="timed runs after the warm-up (default: 5; 1 with --smoke)")
    parser.add_argument("--profile", metavar="CASE", choices=profile.names(),
                        help="run one case and print where its time goes; one of: %s"
                             % ", ".join(profile.names()))
    parser.add_argument("--runs", type=int, default=10, metavar="N",
                        help="runs of the --profile case (default: %(default)s)")
    parser.add_argument("--rows", type=int, default=1000000, metavar="N",
                        help="synthetic rows for --profile scan / first_rows (default: %(default)s)")
    args = parser.parse_args(argv)

    if args.profile:
        profile.profile(args.profile, args.runs, args.rows)
        return 0

    repeat = args.repeat or (1 if args.smoke else 5)
    sizes = SMOKE_SIZES if args.smoke else FULL_SIZES
    generator_rows = 10000 if args.smoke else 1000000
    with Environment(synthetic_sizes=sizes, generator_rows=generator_rows) as env:
        try:
            results = run_all(env, repeat, sizes, generator_rows, smoke=args.smoke,
                              load_sessions=4 if args.smoke else 16,
                              load_seconds=3 if args.smoke else 60,
                              sync_rows=SMOKE_SYNC_ROWS if args.smoke else FULL_SYNC_ROWS,
                              rate_limit=SMOKE_RATE_LIMIT if args.smoke else FULL_RATE_LIMIT,
                              scan_targets=SMOKE_SCAN_TARGETS if args.smoke else FULL_SCAN_TARGETS,
                              count_rows=SMOKE_COUNT_ROWS if args.smoke else FULL_COUNT_ROWS)
        except Mismatch as error:
            print("\nWRONG ANSWER, benchmark stopped: %s" % error, file=sys.stderr)
            return 1
    results["targets"] = evaluate(results)
    paths = report.write_all(results, args.out)

    print(report.queries_table(results))
    for target in results["targets"]:
        print("%s (%s): %s" % (target["name"], target["goal"], describe(target)))
    print("\nwrote %s" % ", ".join(paths.values()))
    if args.publish:
        print(report.publish(results, paths["chart.png"], REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
