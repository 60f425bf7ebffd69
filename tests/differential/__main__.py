"""make fuzz: the differential test, unseeded, until stopped, N queries or the first mismatch.

    python -m tests.differential [--queries N] [--seed S] [--all]

Starts its own throwaway cluster (with the engine) and mock service, as the
tests do, and prints progress; at the first mismatch it prints the full
report and exits 1 (--all: goes on and prints every kind at the end).
"""
import argparse
import os
import random
import sys

import psycopg

from tools.pgcluster import REPO, Cluster
from tools.service import Service

from .harness import Harness, Run


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.differential")
    parser.add_argument("--queries", type=int, default=0, help="stop after N queries (0: never)")
    parser.add_argument("--seed", type=int, default=None, help="default: a random one, printed")
    parser.add_argument("--all", action="store_true", help="do not stop at the first mismatch")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10 ** 9)
    print("seed %d" % seed, flush=True)
    settings = {"restcorn.venv": "'%s'" % os.path.join(REPO, ".venv")}
    with Cluster(settings=settings) as cluster, Service() as service:
        with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION restcorn")
        harness = Harness(cluster.dsn(), service.url, seed).setup()
        run = Run(harness, seed, stop_at_first=not args.all,
                  progress=lambda done, kinds, seconds: print(
                      "%d queries, %d kinds of mismatch, %.0f s" % (done, kinds, seconds),
                      flush=True))
        try:
            found = run.run(args.queries or None)
            if found is not None:
                print(harness.detailed(found).report)
                smallest = harness.minimize(found)
                if smallest is not found:
                    print("\nThe same, minimized:\n" + smallest.report)
                return 1
            print(run.summary())
        except KeyboardInterrupt:
            print(run.summary(minimize=False))
        finally:
            harness.close()
        return 1 if run.mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
