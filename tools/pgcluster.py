"""Throwaway PostgreSQL clusters for the tests, the demo and the benchmark.

PostgreSQL refuses to run as root, so when we are root the cluster belongs
to the unprivileged ``postgres`` user (created by Debian's packages) and every
server command runs as that user. The cluster listens on loopback only, on a
free port, with its socket in its own directory, and is removed on stop().
"""
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_bindir():
    """The folder of PostgreSQL's programs: those of the ``pg_config`` named by the
    environment variable PG_CONFIG (as ``make engine PG_CONFIG=...``), else the PATH's."""
    return subprocess.run([os.environ.get("PG_CONFIG") or "pg_config", "--bindir"], check=True,
                          capture_output=True, text=True).stdout.strip()


class Cluster:
    """initdb + pg_ctl start; ``dsn()`` to connect, ``stop()`` to end and remove it.

    ``bindir``: the PostgreSQL programs to run (default: ``pg_bindir()``).
    """

    def __init__(self, settings=None, env=None, os_user="postgres", bindir=None):
        self.port = free_port()
        self.settings = dict(settings or {})
        self.env = dict(env or {})
        self.as_root = os.geteuid() == 0
        self.os_user = os_user if self.as_root else pwd.getpwuid(os.geteuid()).pw_name
        self.bindir = bindir or pg_bindir()
        self.base = tempfile.mkdtemp(prefix="restcorn-pg-")
        self.datadir = os.path.join(self.base, "data")
        self.logfile = os.path.join(self.base, "server.log")
        self.started = False

    def _run(self, *args, check=True):
        command = [os.path.join(self.bindir, args[0]), *args[1:]]
        env = dict(os.environ, **self.env)
        if self.as_root:
            command = ["runuser", "-u", self.os_user, "--", "env",
                       *("%s=%s" % kv for kv in self.env.items()), *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, env=env,
                              cwd=self.base)

    def let_server_read(self, path):
        """The server (another OS user) imports the project's code: make ``path`` reachable.

        Only adds search (x) permission on the folders above ``path`` that lack it,
        as a checkout under a private home folder would.
        """
        check = ["runuser", "-u", self.os_user, "--", "test", "-r", path]
        if subprocess.run(check).returncode == 0:
            return
        folder = os.path.dirname(os.path.abspath(path))
        while True:
            mode = os.stat(folder).st_mode
            if not mode & 0o001:
                print("note: adding o+x to %s so the server can read %s" % (folder, path))
                os.chmod(folder, mode | 0o001)
            if folder == "/":
                break
            folder = os.path.dirname(folder)

    def start(self):
        if self.as_root:
            user = pwd.getpwnam(self.os_user)
            os.chown(self.base, user.pw_uid, user.pw_gid)
            self.let_server_read(os.path.join(REPO, "fdw", "__init__.py"))
        os.chmod(self.base, 0o755)
        self.create_datadir()
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": "'%s'" % self.base,
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "logging_collector": "off",
            "log_min_messages": "warning",
            "lc_messages": "'C'",
        }
        settings.update(self.settings)
        with open(os.path.join(self.datadir, "postgresql.conf"), "a") as conf:
            for key, value in settings.items():
                conf.write("%s = %s\n" % (key, value))
        result = self._run("pg_ctl", "-D", self.datadir, "-l", self.logfile, "-w", "-t", "60",
                           "start", check=False)
        if result.returncode != 0:
            raise RuntimeError("PostgreSQL did not start:\n%s\n%s" % (result.stderr, self.log()))
        self.started = True
        return self

    def create_datadir(self):
        self._run("initdb", "-D", self.datadir, "-U", "postgres", "--auth=trust",
                  "--encoding=UTF8", "--locale=C")

    def dsn(self, dbname="postgres", user="postgres"):
        return "host=127.0.0.1 port=%d dbname=%s user=%s" % (self.port, dbname, user)

    def log(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.started:
            self._run("pg_ctl", "-D", self.datadir, "-m", "fast", "-w", "stop", check=False)
            self.started = False
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class Standby(Cluster):
    """A hot standby of a running ``primary``: pg_basebackup, then streaming replication.

    Both listen on loopback; the standby copies the primary's configuration
    (its own port and socket directory come after) and connects to it as the
    ``postgres`` role over TCP, which initdb's trust rules allow for
    replication from 127.0.0.1. ``settings`` are added to the standby's.
    """

    def __init__(self, primary, settings=None):
        super().__init__(settings=settings, env=primary.env, os_user=primary.os_user)
        self.primary = primary

    def create_datadir(self):
        # -R writes standby.signal and primary_conninfo; -X stream copies the WAL written meanwhile.
        self._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres",
                  "-D", self.datadir, "-R", "-X", "stream", "-c", "fast", "--no-sync")


def wait_for(predicate, timeout=10.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
