"""Start json-server 0.17.4 (tools/install-json-server.sh put it in .json-server/) on loopback.

json-server takes no port 0, so a free loopback port is found first; if
another process takes it meanwhile, the next one is tried.
"""
import json
import os
import socket
import subprocess
import time
import urllib.request

from tools.pgcluster import REPO
from tools.service import ChildServer

JSON_SERVER = os.path.join(REPO, ".json-server", "node_modules", ".bin", "json-server")
STARTUP_SECONDS = 60


def installed():
    return os.access(JSON_SERVER, os.X_OK)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class JsonServer(ChildServer):
    """json-server over ``data`` (resource name -> list of records), written to ``db_path``.

    ``url`` once started; ``stop()`` ends the process it started, by PID.
    """

    def __init__(self, data, db_path):
        self.data, self.db_path = data, db_path
        self.process, self.url = None, None

    def start(self):
        with open(self.db_path, "w", encoding="utf-8") as f:
            json.dump(self.data, f, ensure_ascii=False)
        for _ in range(5):
            port = free_port()
            self.process = subprocess.Popen(
                [JSON_SERVER, "--host", "127.0.0.1", "--port", str(port), "--quiet", self.db_path],
                cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            url = "http://127.0.0.1:%d" % port
            if self.wait_until_up(url):
                self.url = url
                return self
            self.stop()
        raise RuntimeError("json-server did not start")

    def wait_until_up(self, url):
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(url + "/db", timeout=5):
                    return True
            except OSError:
                time.sleep(0.1)
        return False
