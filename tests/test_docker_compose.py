"""docker-compose.yml and docker/ hang together: every file they name exists,
the services wait for each other, and the database's init script runs the
SQL scripts. (No Docker here: nothing is built or started.)"""
import os
import re
import shlex
import subprocess

import pytest
import yaml

from tools.pgcluster import REPO

IMAGE_SQL_DIR = "/restcorn/sql"
SCRIPTS_IN_ORDER = ["install.sql", "mv_dictionary.sql", "refresh.sql", "schedule.sql"]


@pytest.fixture(scope="module")
def compose():
    with open(os.path.join(REPO, "docker-compose.yml")) as f:
        return yaml.safe_load(f)


def dockerfile_of(service):
    build = service["build"]
    return os.path.join(REPO, build["context"], build["dockerfile"])


def instructions(path):
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined."""
    with open(path) as f:
        text = re.sub(r"\\\n", " ", f.read())
    lines = [line.strip() for line in text.splitlines()]
    return [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]


def copies(path):
    """(sources, destination) of each COPY."""
    result = []
    for instruction, arguments in instructions(path):
        if instruction == "COPY":
            parts = [part for part in shlex.split(arguments) if not part.startswith("--")]
            result.append((parts[:-1], parts[-1]))
    return result


def test_services_and_their_build_files_exist(compose):
    assert {"db", "api"} <= set(compose["services"])
    for service in compose["services"].values():
        context = os.path.join(REPO, service["build"]["context"])
        assert os.path.isdir(context)
        assert os.path.isfile(dockerfile_of(service))
        for sources, _ in copies(dockerfile_of(service)):
            for source in sources:
                assert os.path.exists(os.path.join(context, source)), source
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):  # a bind mount, not a named volume
                assert os.path.exists(os.path.join(REPO, source)), source
            else:
                assert source in compose.get("volumes", {}), source


def test_ports_and_startup_order(compose):
    db, api = compose["services"]["db"], compose["services"]["api"]
    assert "5432:5432" in db["ports"]
    assert "9999:9999" in api["ports"]
    assert db["depends_on"]["api"]["condition"] == "service_healthy"
    check = " ".join(api["healthcheck"]["test"])
    assert "http://127.0.0.1:9999/health" in check
    assert db["environment"]["RESTCORN_SERVICE_URL"] == "http://api:9999"


def test_api_image_serves_the_word_list_on_9999(compose):
    steps = instructions(dockerfile_of(compose["services"]["api"]))
    assert steps[0] == ("FROM", "python:3.11-slim")
    run = " ".join(arguments for instruction, arguments in steps if instruction == "RUN")
    assert "wamerican" in run and "flask" in run and "waitress" in run
    cmd = [arguments for instruction, arguments in steps if instruction == "CMD"][-1]
    assert '"mock_service"' in cmd and '"0.0.0.0"' in cmd and '"9999"' in cmd


def test_db_image_has_the_engine_multicorn_pg_cron_and_the_wrappers(compose):
    path = dockerfile_of(compose["services"]["db"])
    steps = instructions(path)
    assert steps[0] == ("FROM", "postgres:15")
    run = " ".join(arguments for instruction, arguments in steps if instruction == "RUN")
    for package in ("postgresql-15-python3-multicorn", "postgresql-15-cron", "python3-requests",
                    "python3-dev", "postgresql-server-dev-15"):
        assert package in run.split()
    assert "pip install --break-system-packages" in run
    copied = {source for sources, _ in copies(path) for source in sources}
    assert {"setup.py", "fdw", "sql", "engine"} <= copied
    # The engine is built against the Python the server embeds, and installed.
    engine_dir = dict((sources[0], destination) for sources, destination in copies(path))["engine"]
    assert "make -C %s with_llvm=no PYTHON=/usr/bin/python3 install" % engine_dir in run
    # ... before the setup scripts, which pick it when both hosts are there.
    order = [arguments.split()[0] for instruction, arguments in steps if instruction == "COPY"]
    assert order.index("engine") < order.index("sql")


def test_pg_cron_is_preloaded_for_the_setup_database(compose):
    db = compose["services"]["db"]
    settings = dict(arg.split("=", 1) for arg in db["command"] if "=" in arg)
    assert settings["shared_preload_libraries"] == "pg_cron"
    # schedule.sql runs in POSTGRES_DB, and pg_cron only schedules from cron.database_name.
    assert settings["cron.database_name"] == db["environment"]["POSTGRES_DB"]


def test_init_script_runs_the_sql_scripts_in_order(compose):
    path = dockerfile_of(compose["services"]["db"])
    destinations = dict((sources[0].rstrip("/"), destination) for sources, destination in copies(path))
    assert destinations["sql"] == IMAGE_SQL_DIR
    assert destinations["docker/initdb"] == "/docker-entrypoint-initdb.d/"

    init_dir = os.path.join(REPO, "docker", "initdb")
    scripts = sorted(os.listdir(init_dir))
    assert scripts and all(name.endswith((".sh", ".sql")) for name in scripts)
    init = os.path.join(init_dir, "10-restcorn.sh")
    subprocess.run(["sh", "-n", init], check=True)
    with open(init) as f:
        text = f.read()
    assert "${RESTCORN_SQL_DIR:-%s}" % IMAGE_SQL_DIR in text
    named = re.findall(r'"\$sql_dir/([\w.]+)"', text)
    assert named == SCRIPTS_IN_ORDER
    for script in named:
        assert os.path.isfile(os.path.join(REPO, "sql", script)), script
    assert '-v url="$service_url"' in text and "ON_ERROR_STOP=1" in text


def test_build_contexts_send_what_the_dockerfiles_copy(compose):
    """The per-Dockerfile ignore files let through every COPY source."""
    for service in compose["services"].values():
        path = dockerfile_of(service)
        with open(path + ".dockerignore") as f:
            allowed = [line[1:].rstrip("/") for line in f.read().splitlines() if line.startswith("!")]
        for sources, _ in copies(path):
            for source in sources:
                assert source.rstrip("/") in allowed, source
