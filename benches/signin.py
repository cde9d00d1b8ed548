#!/usr/bin/env python3
"""Sign-in under load: client-credential grants per second, and what a bad-credential flood
does to everyone else (authenticated reads' p99, /readyz).

    python3 benches/signin.py [--bin PATH] [--seconds 10] [--postgres URL]

Starts the release server twice on a fresh SQLite file (or, with ``--postgres
postgres://user@host:port``, a fresh database on that server, created and dropped with psql):
once with the sign-in rate limits off,
to measure grants/s at 16 connections; once with the default limits, while 64 connections post
wrong secrets and 4 others read `GET /api/v1/partners` with a token, and /readyz is polled ten
times a second. Writes benches/results-signin.md. Standard library only, plus wrk.
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_BIN = os.path.join(
    os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/partnerships/target")),
    "release", "partnerships")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, workdir, limits_off, database_url):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # PostgreSQL needs a shared signing key (SQLite makes one itself).
        self.env = dict(os.environ, DATABASE_URL=database_url, HOST="127.0.0.1",
                        PORT=str(self.port), RUST_LOG="error",
                        JWT_SECRET="bench-secret-bench-secret-bench-secret-0123456789")
        if limits_off:
            self.env.update(RATE_LIMIT_SIGNIN_PER_MINUTE="0", RATE_LIMIT_ACCOUNT_PER_MINUTE="0")
        self.binary, self.workdir = binary, workdir

    def cli(self, *args):
        out = subprocess.run([self.binary, *args], env=self.env, cwd=self.workdir, check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out)

    def __enter__(self):
        self.proc = subprocess.Popen([self.binary, "serve"], env=self.env, cwd=self.workdir,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                return self
            except OSError:
                time.sleep(0.1)
        raise SystemExit("the server did not start")

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def grant(base, client_id, secret):
    body = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client_id,
                                   "client_secret": secret}).encode()
    with urllib.request.urlopen(urllib.request.Request(base + "/api/v1/oauth/token", data=body),
                                timeout=10) as r:
        return json.loads(r.read())["access_token"]


def wrk(url, connections, seconds, script, env, latency=False):
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", script]
    if latency:
        args.append("--latency")
    out = subprocess.run(args + [url], env=dict(os.environ, **env), capture_output=True,
                         text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    statuses = {int(s): int(n) for s, n in re.findall(r"status (\d+) (\d+)", out)}
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99_ms = None
    if p99:
        value, unit = float(p99.group(1)), p99.group(2)
        p99_ms = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    return rate, statuses, p99_ms, out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=os.environ.get("BIN", DEFAULT_BIN))
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--postgres", help="a PostgreSQL server URL, without a database name")
    args = parser.parse_args()
    if args.postgres:
        name = f"signin_bench_{os.getpid()}"
        subprocess.run(["psql", f"{args.postgres}/postgres", "-qc", f"CREATE DATABASE {name}"],
                       check=True)
        try:
            run(args, f"{args.postgres}/{name}?sslmode=disable", "PostgreSQL")
        finally:
            subprocess.run(["psql", f"{args.postgres}/postgres", "-qc",
                            f"DROP DATABASE {name} WITH (FORCE)"], check=True)
    else:
        run(args, None, "SQLite")


GRANT_LUA = os.path.join(HERE, "wrk", "grant.lua")


def grants(binary, workdir, database_url, seconds):
    """Client-credential grants at 16 connections with the rate limits off: (grants/s, all
    answers/s, statuses). Leaves the client `bench` it created in the database."""
    with Server(binary, workdir, True, database_url) as server:
        client = server.cli("client", "create", "--name", "bench", "--role", "viewer")
        rate, statuses, _, _ = wrk(server.base + "/api/v1/oauth/token", 16, seconds, GRANT_LUA,
                                   {"BENCH_CLIENT_ID": client["id"],
                                    "BENCH_CLIENT_SECRET": client["client_secret"]})
        return statuses.get(200, 0) / seconds, rate, statuses, client


def run(args, database_url, label):
    grant_lua = GRANT_LUA
    auth_lua = os.path.join(HERE, "wrk", "auth.lua")
    lines = []

    with tempfile.TemporaryDirectory() as workdir:
        database_url = database_url or f"sqlite://{workdir}/bench.db"
        ok, rate, statuses, client = grants(args.bin, workdir, database_url, args.seconds)
        cid, secret = client["id"], client["client_secret"]
        lines.append(f"| Client-credential grants, 16 connections, limits off | "
                     f"{ok:,.0f} grants/s (all answers {rate:,.0f}/s; statuses {statuses}) |")

        with Server(args.bin, workdir, False, database_url) as server:
            token = grant(server.base, cid, secret)
            readyz = {}
            stop = threading.Event()

            def poll():
                while not stop.is_set():
                    try:
                        code = urllib.request.urlopen(server.base + "/readyz", timeout=5).status
                    except urllib.error.HTTPError as e:
                        code = e.code
                    except OSError:
                        code = 0
                    readyz[code] = readyz.get(code, 0) + 1
                    time.sleep(0.1)

            flood = {}

            def run_flood():
                flood["result"] = wrk(server.base + "/api/v1/oauth/token", 64, args.seconds + 4,
                                      grant_lua, {"BENCH_CLIENT_ID": cid,
                                                  "BENCH_CLIENT_SECRET": "wrong"})

            poller = threading.Thread(target=poll)
            flooder = threading.Thread(target=run_flood)
            flooder.start()
            poller.start()
            time.sleep(2)
            _, _, p99, _ = wrk(server.base + "/api/v1/partners", 4, args.seconds, auth_lua,
                               {"BENCH_TOKEN": token}, latency=True)
            flooder.join()
            stop.set()
            poller.join()
            frate, fstatuses, _, _ = flood["result"]
            lines.append(f"| Bad-credential flood, 64 connections | {frate:,.0f} answers/s; "
                         f"statuses {fstatuses} |")
            lines.append(f"| Authenticated `GET /api/v1/partners` during the flood, 4 connections "
                         f"| p99 {p99:.1f} ms |")
            lines.append(f"| `/readyz` during the flood, polled every 100 ms | {readyz} |")

    table = "| Figure | Result |\n|---|---|\n" + "\n".join(lines) + "\n"
    print(table)
    suffix = "" if label == "SQLite" else "-" + label.lower()
    with open(os.path.join(HERE, f"results-signin{suffix}.md"), "w") as f:
        f.write(f"# Sign-in bench ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {label}, "
                f"{args.seconds} s per figure)\n\n" + table)


if __name__ == "__main__":
    sys.exit(main())
