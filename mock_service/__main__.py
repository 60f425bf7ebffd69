"""Serve the mock service with waitress.

    python -m mock_service [--host H] [--port P] [--words FILE] [--threads N]

Port 0 picks a free port; the line "serving on http://HOST:PORT" tells the real one.
"""

import argparse

import waitress

from . import DEFAULT_CONFIG, create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m mock_service", description="Serve the mock word service with waitress.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=5000, help="0 picks a free port (default: %(default)s)")
    parser.add_argument("--words", metavar="FILE", default=DEFAULT_CONFIG["WORDS_FILE"],
                        help="word list, one word per line (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=8, help="worker threads (default: %(default)s)")
    args = parser.parse_args(argv)

    app = create_app({"WORDS_FILE": args.words})
    server = waitress.create_server(app, host=args.host, port=args.port, threads=args.threads)
    print(f"serving on http://{args.host}:{server.effective_port}", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


if __name__ == "__main__":
    main()
