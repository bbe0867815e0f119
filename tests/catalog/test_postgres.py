"""postgres:17: the official environment variables, init scripts, data directory and port."""

from __future__ import annotations

import json

from catalog_helpers import wait_for

IMAGE = "postgres:17"


def _psql(docker, net, host, sql, password="s3cret", user="app", db="appdb"):
    return docker("run", "--rm", "--network", net, "-e", f"PGPASSWORD={password}", IMAGE,
                  "psql", "-h", host, "-U", user, "-d", db, "-tAc", sql, check=False)


def test_password_login_from_another_container_after_init_scripts(docker, tmp_path):
    initdb = tmp_path / "initdb"
    initdb.mkdir()
    (initdb / "01-schema.sql").write_text(
        "CREATE TABLE greetings (word text);\nINSERT INTO greetings VALUES ('hello');\n")
    script = initdb / "02-more.sh"
    script.write_text('#!/bin/bash\nset -e\npsql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" '
                      '--dbname "$POSTGRES_DB" -c "INSERT INTO greetings VALUES (\'from sh\');"\n')
    script.chmod(0o755)
    (initdb / "notes.txt").write_text("ignored\n")
    initdb.chmod(0o755)
    docker.pull(IMAGE)
    net = docker.network()
    db = docker.name("db")
    volume = docker.volume("pgdata")
    docker("run", "-d", "--name", db, "--network", net, "-e", "POSTGRES_PASSWORD=s3cret",
           "-e", "POSTGRES_USER=app", "-e", "POSTGRES_DB=appdb",
           "-v", f"{initdb}:/docker-entrypoint-initdb.d:ro", "-v", f"{volume}:/var/lib/postgresql/data",
           IMAGE)

    def query():
        r = _psql(docker, net, db, "SELECT string_agg(word, ',' ORDER BY word) FROM greetings")
        return r.stdout.strip() if r.returncode == 0 else None

    assert wait_for("postgres to accept a password login", query, 90, every=1) == "from sh,hello"
    logs = docker.logs(db)
    assert "running /docker-entrypoint-initdb.d/01-schema.sql" in logs
    assert "running /docker-entrypoint-initdb.d/02-more.sh" in logs
    assert "ignoring /docker-entrypoint-initdb.d/notes.txt" in logs
    assert "PostgreSQL init process complete; ready for start up." in logs
    assert "listening on IPv4 address \"0.0.0.0\", port 5432" in logs

    wrong = _psql(docker, net, db, "SELECT 1", password="wrong")
    assert wrong.returncode != 0
    assert 'password authentication failed for user "app"' in wrong.stderr
    version = _psql(docker, net, db, "SHOW server_version").stdout
    assert version.startswith("17.")
    ready = docker("exec", db, "pg_isready", "-U", "app")
    assert "accepting connections" in ready.stdout
    assert docker("exec", db, "cat", "/var/lib/postgresql/data/PG_VERSION").stdout == "17\n"
    assert docker("exec", db, "sh", "-c", "ps -o user= -p 1 2>/dev/null || stat -c %U /proc/1").stdout.strip() == "postgres"

    # A second start on the same data skips initialization, as the official image does.
    docker("rm", "-f", db)
    docker("run", "-d", "--name", db, "--network", net, "-v", f"{volume}:/var/lib/postgresql/data", IMAGE)
    assert wait_for("postgres to restart", query, 60, every=1) == "from sh,hello"
    assert "Skipping initialization" in docker.logs(db)


def test_without_a_password_it_refuses_with_the_official_error(docker):
    docker.pull(IMAGE)
    result = docker("run", "--rm", IMAGE, check=False)
    assert result.returncode == 1
    assert result.stderr.startswith(
        "Error: Database is uninitialized and superuser password is not specified.\n"
        "       You must specify POSTGRES_PASSWORD to a non-empty value for the\n"
        "       superuser. For example, \"-e POSTGRES_PASSWORD=password\" on \"docker run\".\n")


def test_image_interface(docker):
    docker.pull(IMAGE)
    config = json.loads(docker("image", "inspect", IMAGE).stdout)[0]["Config"]
    env = dict(e.split("=", 1) for e in config["Env"])
    assert env["PGDATA"] == "/var/lib/postgresql/data"
    assert env["PG_MAJOR"] == "17"
    assert "/var/lib/postgresql/data" in config["Volumes"]
    assert "5432/tcp" in config["ExposedPorts"]
    assert config["Cmd"] == ["postgres"]
    assert config["StopSignal"] == "SIGINT"
    assert docker("run", "--rm", IMAGE, "id", "postgres").stdout.startswith("uid=999(postgres) gid=999(postgres)")
