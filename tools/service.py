"""Start the mock JSON service as a real HTTP server (waitress) in a subprocess."""
import os
import subprocess

from tools.pgcluster import REPO


class ChildServer:
    """A server this process started (``self.process``): ``stop()`` ends it by its PID;
    a context manager that starts it and stops it."""

    process = None

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class Service(ChildServer):
    """``python -m mock_service --port 0``; ``url`` once started; ``stop()`` ends it by PID."""

    def __init__(self, port=0, args=(), python=None):
        self.port = port
        self.args = list(args)
        self.python = python or os.path.join(REPO, ".venv", "bin", "python")
        self.process = None
        self.url = None

    def start(self):
        self.process = subprocess.Popen(
            [self.python, "-m", "mock_service", "--host", "127.0.0.1", "--port", str(self.port),
             *self.args],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("serving on "):
            self.stop()
            raise RuntimeError("the mock service did not start: %r" % line)
        self.url = line.split("serving on ", 1)[1].strip()
        return self
