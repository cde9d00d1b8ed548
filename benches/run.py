#!/usr/bin/env python3
"""Hand-run benchmarks of the partnerships API (Python 3.11 standard library only).

Measures, on SQLite and/or PostgreSQL, against a release binary started by this script:

  1. ingest of KPI records through POST /api/v1/kpi-records/batch (JSON and CSV batches):
     records/s for new rows, for the same batches again (unchanged) and for changed values
     (updated), and the server's peak RSS (VmHWM);
  2. a bulk-load baseline of the same CSV rows into a bare table with the same unique key:
     `psql \\copy` (PostgreSQL) or the `sqlite3` CLI `.import` (SQLite), and the ratio API/baseline;
  3. latency (p50/p95/p99) of GET /api/v1/agreements/{id}/kpis and GET /api/v1/dashboards/district
     with --stored-records records stored;
  4. reads under load with wrk (GET /api/v1/partners/{id} and a filtered list) against pgbench
     running the equivalent SELECT on the same database (PostgreSQL).

See benches/README.md for prerequisites, commands and what each figure means. Every figure in
the output comes from this run; nothing is estimated.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import glob
import hashlib
import http.client
import itertools
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True  # leave no __pycache__ in benches/
import kpigen  # noqa: E402

API = "/api/v1"
PARTNER_KINDS = [
    "business", "nonprofit", "higher_education", "museum", "library", "community_center",
    "government", "healthcare", "faith_based", "individual", "other",
]
TARGET_GROUPS = ["all", "program_participants"]
# Server settings the benchmark controls; inherited values of these are dropped.
SERVER_VARS = [
    "HOST", "PORT", "DATABASE_URL", "DATABASE_POOL_SIZE", "DATABASE_TIMEOUT_SECONDS",
    "MAX_BODY_BYTES", "CORS_ALLOWED_ORIGINS", "WORKERS", "REQUIRE_VETTING", "RUST_LOG",
    "JWT_SECRET", "JWT_SECRET_FILE", "TOKEN_TTL_SECONDS", "JWT_ISSUER", "JWT_AUDIENCE",
    "OIDC_ISSUER", "OIDC_AUDIENCE", "OIDC_PUBLIC_KEY_FILE", "OIDC_ALGORITHM",
    "KPI_BATCH_MAX_ROWS", "KPI_BATCH_MAX_BYTES",
]

# The performance issue's targets.
TARGETS = {
    "ingest_rate": 100_000.0,  # records/s, both databases
    "ingest_vs_copy": 0.6,  # API new records/s over the bulk-load baseline's rows/s
    "unchanged_vs_copy": 1.0,  # re-push of unchanged records, same ratio
    "changed_vs_copy": 0.5,  # re-push with changed values, same ratio
    "rss_mb": 100.0,  # server VmHWM during ingest, MB = 10^6 bytes
    "kpis_window_p95_ms": 20.0,  # /agreements/{id}/kpis, the last 52 weeks
    "kpis_long_p95_ms": 100.0,  # the same, the longest window a request may ask for
    "dashboard_p95_ms": 20.0,  # /dashboards/district
    "reads_vs_pgbench": 0.6,
    "reads_p99_ms": 15.0,
    "grants_per_s": 2_000.0,  # client-credential grants, rate limits off
}
# The longest window GET /agreements/{id}/kpis answers (MAX_WINDOW_DAYS in the server).
KPIS_MAX_WINDOW_DAYS = 1096


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# small helpers


def fmt_int(n: float) -> str:
    return f"{int(round(n)):,}"


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    k = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[k - 1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd: list[str], env=None, input_text=None, check=True, timeout=None, cwd=None):
    p = subprocess.run(
        cmd, env=env, input=input_text, capture_output=True, text=True, timeout=timeout, cwd=cwd
    )
    if check and p.returncode != 0:
        raise BenchError(
            f"{' '.join(cmd[:3])}... exited {p.returncode}: {(p.stderr or p.stdout).strip()[:2000]}"
        )
    return p


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("PASS" if ok else "FAIL")


# ---------------------------------------------------------------------------------------------
# HTTP


class Http:
    """One keep-alive connection; reconnects once if the server closed an idle connection."""

    def __init__(self, port: int, token: str | None = None, timeout: float = 900.0):
        self.port = port
        self.token = token
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def _connect(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def request(self, method: str, path: str, body=None, headers=None):
        hdrs = {"Accept": "application/json"}
        if self.token:
            hdrs["Authorization"] = f"Bearer {self.token}"
        if headers:
            hdrs.update(headers)
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        for attempt in (0, 1):
            if self.conn is None:
                self._connect()
            try:
                self.conn.request(method, path, body=body, headers=hdrs)
                resp = self.conn.getresponse()
                data = resp.read()
                return resp.status, resp, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.CannotSendRequest, http.client.BadStatusLine):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, body=None, expect=(200, 201)):
        status, _, data = self.request(method, path, body)
        if status not in expect:
            raise BenchError(f"{method} {path} -> {status}: {data[:1500].decode(errors='replace')}")
        return json.loads(data) if data else None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# ---------------------------------------------------------------------------------------------
# PostgreSQL helpers


class Pg:
    def __init__(self, args):
        self.host, self.port, self.user = args.pg_host, str(args.pg_port), args.pg_user
        bindir = Path(args.pg_bindir)
        self.psql = str(bindir / "psql") if (bindir / "psql").exists() else shutil.which("psql")
        self.createdb = str(bindir / "createdb") if (bindir / "createdb").exists() else shutil.which("createdb")
        self.dropdb = str(bindir / "dropdb") if (bindir / "dropdb").exists() else shutil.which("dropdb")
        self.pgbench = args.pgbench or (
            str(bindir / "pgbench") if (bindir / "pgbench").exists() else shutil.which("pgbench")
        )
        # The tools reach the database as the server does: the server adds sslmode=allow (plain
        # first) for a loopback host when nothing chose a mode, so psql and pgbench do too; a
        # PGSSLMODE in the environment reaches both alike.
        self.ssl_mode = os.environ.get("PGSSLMODE") or (
            "allow" if self.host in ("127.0.0.1", "localhost", "::1") else "prefer")
        self.env = dict(os.environ, PGSSLMODE=self.ssl_mode)

    def conn_args(self) -> list[str]:
        return ["-h", self.host, "-p", self.port, "-U", self.user]

    def url(self, db: str) -> str:
        return f"postgres://{self.user}@{self.host}:{self.port}/{db}"

    def create(self, db: str):
        run([self.createdb, *self.conn_args(), db], env=self.env)

    def drop(self, db: str):
        run([self.dropdb, *self.conn_args(), "--if-exists", "--force", db], check=False, env=self.env)

    def sql(self, db: str, sql: str) -> str:
        p = run([self.psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", *self.conn_args(),
                 "-d", db, "-c", sql], env=self.env)
        return p.stdout.strip()


# ---------------------------------------------------------------------------------------------
# the server under test


class Server:
    def __init__(self, args, kind: str, workdir: Path, label: str, pg: Pg | None):
        self.args, self.kind, self.workdir, self.label, self.pg = args, kind, workdir, label, pg
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.token: str | None = None
        self.stored = 0  # records 0..stored are in the database
        self.ids: dict | None = None
        if kind == "sqlite":
            self.db_path = workdir / f"{label}.db"
            self.url = f"sqlite://{self.db_path}"
            self.dbname = None
        else:
            self.dbname = f"bench_{label}_{os.getpid()}"
            self.url = pg.url(self.dbname)
        env = {k: v for k, v in os.environ.items() if k not in SERVER_VARS}
        env.update({
            "DATABASE_URL": self.url,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "JWT_SECRET": secrets.token_urlsafe(48),
            "RUST_LOG": "warn",
            "TOKEN_TTL_SECONDS": "86400",
            # The batch endpoint has its own limits (KPI_BATCH_MAX_ROWS/BYTES) and ignores this
            # one; raised only so no other request of the run can hit the 1 MiB default.
            "MAX_BODY_BYTES": str(64 * 1024 * 1024),
        })
        for item in args.server_env:
            k, _, v = item.partition("=")
            env[k] = v
        self.env = env
        self.log_path = workdir / f"server-{label}.log"

    def start(self):
        if self.kind == "postgres":
            self.pg.drop(self.dbname)
            self.pg.create(self.dbname)
        # Creates the schema (the admin commands migrate) and an admin client.
        p = run([self.args.bin, "client", "create", "--name", "bench", "--role", "admin"],
                env=self.env, cwd=self.workdir, timeout=300)
        out = p.stdout
        client = json.loads(out[out.index("{"): out.rindex("}") + 1])
        self.client_id = client.get("client_id") or client["id"]
        self.client_secret = client["client_secret"]
        self.logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen([self.args.bin, "serve"], env=self.env, cwd=self.workdir,
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        deadline = time.time() + 300
        while True:
            if self.proc.poll() is not None:
                raise BenchError(f"server exited with {self.proc.returncode}; log:\n{self.log_tail()}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/readyz")
                if c.getresponse().status == 200:
                    c.close()
                    break
                c.close()
            except OSError:
                pass
            if time.time() > deadline:
                raise BenchError("server not ready after 300 s")
            time.sleep(0.2)
        self.refresh_token()
        log(f"server {self.label} up: pid {self.proc.pid}, port {self.port}, {self.kind}")

    def refresh_token(self):
        basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        h = Http(self.port)
        status, _, data = h.request(
            "POST", f"{API}/oauth/token", body=b"grant_type=client_credentials",
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Authorization": f"Basic {basic}"})
        h.close()
        if status != 200:
            raise BenchError(f"token request -> {status}: {data[:500]!r}")
        self.token = json.loads(data)["access_token"]

    def http(self) -> Http:
        return Http(self.port, self.token)

    def vmhwm_kb(self) -> int | None:
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None

    def log_tail(self, n=30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if getattr(self, "logf", None):
            self.logf.close()
        if self.kind == "postgres" and not self.args.keep:
            self.pg.drop(self.dbname)


# ---------------------------------------------------------------------------------------------
# setup through the API


def setup(srv: Server, spec: kpigen.Spec, args) -> dict:
    h = srv.http()
    t0 = time.perf_counter()
    schools = []
    for s in range(spec.schools):
        row = h.json("POST", f"{API}/schools", {
            "name": f"Bench School {s + 1:03d}", "external_id": spec.school_external_id(s)})
        schools.append(row["id"])
    partners = []
    for p in range(args.partners):
        kind = PARTNER_KINDS[p % len(PARTNER_KINDS)]
        body = {"name": f"Bench Partner {p + 1:05d}", "kind": kind,
                "external_id": f"BENCH-PTR-{p + 1:05d}"}
        if p < spec.agreements:
            # Lead partners are vetted, so their agreements can become active.
            body["vetting"] = {"status": "approved", "background_check_on": "2026-01-05",
                               "background_check_expires_on": "2030-01-05",
                               "insurance_expires_on": "2030-01-05"}
        row = h.json("POST", f"{API}/partners", body)
        partners.append((row["id"], kind))
    agreements = []
    for a in range(spec.agreements):
        row = h.json("POST", f"{API}/agreements", {
            "title": f"Bench agreement {a + 1:03d}",
            "lead_partner_id": partners[a % len(partners)][0],
            "start_date": kpigen.AGREEMENT_START, "end_date": kpigen.AGREEMENT_END,
            "school_ids": [schools[s] for s in spec.schools_of_agreement(a)],
            "external_id": spec.agreement_external_id(a),
        })
        agreements.append(row["id"])
        # Active, so the dashboard assesses their targets.
        for to in ("proposed", "active"):
            h.json("POST", f"{API}/agreements/{row['id']}/transitions", {"to": to, "note": "bench"})
    h.close()
    log(f"setup: {len(schools)} schools, {len(partners)} partners, {len(agreements)} agreements "
        f"in {time.perf_counter() - t0:.1f} s")
    srv.ids = {"schools": schools, "partners": partners, "agreements": agreements}
    return srv.ids


def create_targets(srv: Server) -> int:
    h = srv.http()
    n = 0
    week = kpigen.Spec().week(0)
    for agreement in srv.ids["agreements"]:
        for code, aggregation, lo, hi in kpigen.KPIS:
            if aggregation == "rate":
                baseline, target = (20.0, 12.0) if code == "chronic_absence_rate" else (85.0, 92.0)
            elif aggregation == "weighted_mean":
                baseline, target = 3.0, 3.4
            else:
                baseline, target = 100.0, 200.0
            for group in TARGET_GROUPS:
                h.json("POST", f"{API}/agreements/{agreement}/kpi-targets", {
                    "kpi_code": code, "student_group": group, "baseline_value": baseline,
                    "baseline_period_start": week[0], "baseline_period_end": week[1],
                    "target_value": target, "target_date": "2028-06-30"})
                n += 1
    h.close()
    return n


# ---------------------------------------------------------------------------------------------
# ingest


def push(srv: Server, spec: kpigen.Spec, fmt: str, ranges, variant: int, threads: int,
         bodies: list[bytes] | None = None) -> dict:
    """Sends the batches with `threads` client threads; bodies pre-generated or made on the fly."""
    path = f"{API}/kpi-records/batch"
    ctype = kpigen.CONTENT_TYPES[fmt]
    counter = itertools.count()
    lock = threading.Lock()
    totals = {"received": 0, "inserted": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    batch_ms: list[float] = []
    failure: list[str] = []
    stop = threading.Event()

    def worker():
        h = srv.http()
        try:
            while not stop.is_set():
                i = next(counter)
                if i >= len(ranges):
                    return
                lo, hi = ranges[i]
                body = bodies[i] if bodies is not None else spec.body(fmt, lo, hi, variant)
                t = time.perf_counter()
                status, _, data = h.request("POST", path, body=body,
                                            headers={"Content-Type": ctype})
                ms = (time.perf_counter() - t) * 1000
                if status != 200:
                    failure.append(f"batch {lo}..{hi} -> HTTP {status}: "
                                   f"{data[:1500].decode(errors='replace')}")
                    stop.set()
                    return
                r = json.loads(data)
                with lock:
                    batch_ms.append(ms)
                    for k in totals:
                        totals[k] += int(r.get(k, 0) or 0)
                if int(r.get("received", hi - lo)) != hi - lo:
                    failure.append(f"batch {lo}..{hi}: received {r.get('received')} != {hi - lo}")
                    stop.set()
                    return
        except Exception as e:  # noqa: BLE001
            failure.append(f"{type(e).__name__}: {e}")
            stop.set()
        finally:
            h.close()

    records = sum(hi - lo for lo, hi in ranges)
    ts = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    seconds = time.perf_counter() - t0
    if failure:
        raise BenchError(failure[0])
    batch_ms.sort()
    return {"records": records, "seconds": seconds, "rate": records / seconds, "totals": totals,
            "batch_p50": percentile(batch_ms, 50), "batch_p95": percentile(batch_ms, 95),
            "batches": len(ranges)}


def pregenerate(spec, fmt, ranges, variant) -> list[bytes]:
    t = time.perf_counter()
    bodies = [spec.body(fmt, lo, hi, variant) for lo, hi in ranges]
    size = sum(len(b) for b in bodies)
    log(f"generated {len(bodies)} {fmt} batches ({size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")
    return bodies


def describe_push(r: dict) -> str:
    t = r["totals"]
    return (f"**{fmt_int(r['rate'])} records/s** ({fmt_int(r['records'])} in {r['seconds']:.1f} s; "
            f"inserted {fmt_int(t['inserted'])}, updated {fmt_int(t['updated'])}, "
            f"unchanged {fmt_int(t['unchanged'])}, rejected {fmt_int(t['rejected'])}; "
            f"batch p50 {r['batch_p50']:.0f} ms, p95 {r['batch_p95']:.0f} ms)")


def mb(kb: int | None) -> str:
    return "unknown" if kb is None else f"**{kb * 1024 / 1e6:.1f} MB** (VmHWM {fmt_int(kb)} kB)"


# ---------------------------------------------------------------------------------------------
# the benchmark for one database


class Bench:
    def __init__(self, args, kind: str, workdir: Path, pg: Pg | None):
        self.args, self.kind, self.workdir, self.pg = args, kind, workdir, pg
        self.spec = kpigen.Spec(args.schools, args.agreements, args.seed)
        self.rows: list[tuple[str, str, str, str, str]] = []  # id, measurement, result, target, verdict
        self.notes: list[str] = []
        self.failed = False
        self.server: Server | None = None
        self.ingest_rates: dict[str, float] = {}
        # Per format: records/s of the unchanged re-push (1c) and of the changed one (1d).
        self.repush_rates: dict[str, tuple[float | None, float | None]] = {}
        self.name = "PostgreSQL" if kind == "postgres" else "SQLite"
        self.judged = not args.quick and "/release/" in str(Path(args.bin).resolve())

    def row(self, rid, what, result, target="—", ok=None):
        if ok is not None and not self.judged:
            self.rows.append((rid, what, result, target, "not judged (quick or non-release run)"))
            return
        self.rows.append((rid, what, result, target, verdict(ok)))

    def fail(self, rid, what, e: Exception):
        self.failed = True
        msg = str(e).replace("\n", " ").replace("|", "\\|")[:400]
        self.row(rid, what, f"failed: {msg}")
        log(f"{self.name} {rid} failed: {e}")
        if not isinstance(e, BenchError):
            traceback.print_exc()

    def fresh_server(self, label: str) -> Server:
        if self.server is not None:
            self.server.stop()
        self.server = Server(self.args, self.kind, self.workdir, f"{self.kind}_{label}", self.pg)
        self.server.start()
        setup(self.server, self.spec, self.args)
        return self.server

    def ensure_server(self, label: str) -> Server:
        if self.server is None or self.server.proc is None or self.server.proc.poll() is not None:
            return self.fresh_server(label)
        self.server.refresh_token()
        return self.server

    # 1 ---------------------------------------------------------------------------------------
    def ingest(self):
        a = self.args
        ranges = kpigen.batches(0, a.records, a.batch_size)
        for fmt in a.formats:
            rid = f"1{{}} {fmt}"
            try:
                srv = self.fresh_server(f"ingest_{fmt}")
                hwm_setup = srv.vmhwm_kb()
                bodies = pregenerate(self.spec, fmt, ranges, 0)
                log(f"{self.name}: pushing {fmt_int(a.records)} new records as {fmt}")
                r = push(srv, self.spec, fmt, ranges, 0, a.client_threads, bodies)
                srv.stored = a.records
                hwm_insert = srv.vmhwm_kb()
                self.ingest_rates[fmt] = r["rate"]
                self.row(rid.format("a"), f"Ingest {fmt.upper()}: {fmt_int(a.records)} new records, batches of "
                         f"{fmt_int(a.batch_size)}, {a.client_threads} client threads",
                         describe_push(r), f"≥ {fmt_int(TARGETS['ingest_rate'])} records/s",
                         r["rate"] >= TARGETS["ingest_rate"])
                self.row(rid.format("b"), f"Server peak RSS after the {fmt.upper()} insert pass",
                         f"{mb(hwm_insert)}; {mb(hwm_setup).replace('**', '')} after setup, before the pass",
                         f"≤ {TARGETS['rss_mb']:.0f} MB",
                         None if hwm_insert is None else hwm_insert * 1024 / 1e6 <= TARGETS["rss_mb"])
                log(f"{self.name}: re-pushing the same {fmt} batches")
                r2 = push(srv, self.spec, fmt, ranges, 0, a.client_threads, bodies)
                self.repush_rates[fmt] = (r2["rate"], None)
                self.row(rid.format("c"), f"Same {fmt.upper()} batches again (all unchanged)", describe_push(r2))
                del bodies
                bodies = pregenerate(self.spec, fmt, ranges, 1)
                log(f"{self.name}: pushing changed values as {fmt}")
                r3 = push(srv, self.spec, fmt, ranges, 1, a.client_threads, bodies)
                del bodies
                self.repush_rates[fmt] = (r2["rate"], r3["rate"])
                self.row(rid.format("d"), f"Same keys, changed values as {fmt.upper()} (all updates)", describe_push(r3))
                hwm = srv.vmhwm_kb()
                self.row(rid.format("e"), f"Server peak RSS over all three {fmt.upper()} passes", mb(hwm),
                         f"≤ {TARGETS['rss_mb']:.0f} MB",
                         None if hwm is None else hwm * 1024 / 1e6 <= TARGETS["rss_mb"])
            except Exception as e:  # noqa: BLE001
                self.fail(rid.format(""), f"Ingest {fmt.upper()}", e)
                if self.server is not None:
                    log("server log tail:\n" + self.server.log_tail())

    # 2 ---------------------------------------------------------------------------------------
    def baseline(self):
        a = self.args
        csv_path = self.workdir / "rows.csv"
        try:
            if not csv_path.exists():
                t = time.perf_counter()
                with open(csv_path, "wb") as f:
                    for i, (lo, hi) in enumerate(kpigen.batches(0, a.records, 50_000)):
                        f.write(self.spec.csv_body(lo, hi, 0, header=(i == 0)))
                log(f"wrote {csv_path} in {time.perf_counter() - t:.1f} s")
            if self.kind == "postgres":
                seconds, what = self.copy_postgres(csv_path)
            else:
                seconds, what = self.import_sqlite(csv_path)
        except Exception as e:  # noqa: BLE001
            self.fail("2", "Bulk-load baseline", e)
            return
        if seconds is None:
            self.row("2", "Bulk-load baseline", f"skipped: {what}")
            return
        rate = a.records / seconds
        self.row("2a", what, f"**{fmt_int(rate)} rows/s** ({fmt_int(a.records)} in {seconds:.1f} s)")
        for fmt, api_rate in self.ingest_rates.items():
            ratio = api_rate / rate
            self.row(f"2b {fmt}", f"Ratio API {fmt.upper()} insert rate (1a) / baseline rate (2a)",
                     f"**{ratio:.2f}×**", f"≥ {TARGETS['ingest_vs_copy']}×", ratio >= TARGETS["ingest_vs_copy"])
            unchanged, changed = self.repush_rates.get(fmt, (None, None))
            if unchanged is not None:
                ratio = unchanged / rate
                self.row(f"2c {fmt}", f"Ratio API {fmt.upper()} unchanged re-push rate (1c) / baseline rate (2a)",
                         f"**{ratio:.2f}×**", f"≥ {TARGETS['unchanged_vs_copy']}×",
                         ratio >= TARGETS["unchanged_vs_copy"])
            if changed is not None:
                ratio = changed / rate
                self.row(f"2d {fmt}", f"Ratio API {fmt.upper()} changed re-push rate (1d) / baseline rate (2a)",
                         f"**{ratio:.2f}×**", f"≥ {TARGETS['changed_vs_copy']}×",
                         ratio >= TARGETS["changed_vs_copy"])
        if not self.ingest_rates:
            self.notes.append("No API ingest figure in this run, so no API/baseline ratio.")
        self.own_table()

    def own_table(self):
        """A second reference, not judged: the database's own tool loading the same new
        records into the server's own `kpi_records` table (its indexes, checks and foreign keys)
        on a freshly migrated database with the same setup. The bare table of 2a has none of
        these, so this shows how much of the gap is the schema rather than the server."""
        a = self.args
        what = "Own-table load"
        # A server of its own, so the step 3 server (the ingest one, records kept) stays as it is.
        srv = Server(self.args, self.kind, self.workdir, f"{self.kind}_own_table", self.pg)
        try:
            srv.start()
            setup(srv, self.spec, self.args)
            if self.kind == "postgres":
                query = lambda sql: self.pg.sql(srv.dbname, sql)  # noqa: E731
            else:
                sqlite3 = self.args.sqlite3 or shutil.which("sqlite3")
                if not sqlite3:
                    self.row("2e", what, "skipped: no sqlite3 CLI")
                    return
                query = lambda sql: run([sqlite3, str(srv.db_path), sql]).stdout.strip()  # noqa: E731
            ids = {}
            for table, key in (("kpi_definitions", "code"), ("schools", "external_id"),
                               ("agreements", "external_id")):
                for line in query(f"SELECT {key} || '|' || id FROM {table} WHERE {key} IS NOT NULL").splitlines():
                    k, _, v = line.partition("|")
                    ids[(table, k)] = v
            csv_path = self.workdir / "own-table.csv"
            now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
            t = time.perf_counter()
            with open(csv_path, "w") as f:
                for i in range(a.records):
                    (code, school, agreement, group, start, end, value, n, num, den,
                     source) = self.spec.row(i)
                    agreement_id = ids[("agreements", agreement)] if agreement else ""
                    f.write(f"{uuid.uuid4()},{ids[('kpi_definitions', code)]},{ids[('schools', school)]},"
                            f"{agreement_id},\"{agreement_id}\",{group},{start},{end},{value},{n},"
                            f"{'' if num is None else num},{'' if den is None else den},{source},1,"
                            f"{now},{now}\n")
            log(f"wrote {csv_path} in {time.perf_counter() - t:.1f} s")
            if self.kind == "postgres":
                copy = (f"\\copy kpi_records FROM '{csv_path}' WITH (FORMAT csv, "
                        f"FORCE_NOT_NULL (agreement_key))")
                log(f"{self.name}: psql \\copy of {fmt_int(a.records)} rows into kpi_records")
                t = time.perf_counter()
                run([self.pg.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", *self.pg.conn_args(),
                     "-d", srv.dbname, "-c", copy], env=self.pg.env)
                seconds = time.perf_counter() - t
                how = f"`psql \\copy` (one transaction)"
            else:
                # .import writes an empty cell as '' (never NULL), so the rows go through a
                # staging table and one INSERT … SELECT, in one transaction, with the server's
                # pragmas.
                script = (
                    "PRAGMA synchronous = NORMAL;\nPRAGMA foreign_keys = ON;\nBEGIN;\n"
                    "CREATE TEMP TABLE stage (id, kpi_id, school_id, agreement_id, agreement_key, "
                    "student_group, period_start, period_end, value, n, numerator, denominator, "
                    "source, version, created_at, updated_at);\n"
                    f".import --csv {csv_path} stage\n"
                    "INSERT INTO kpi_records SELECT id, kpi_id, school_id, NULLIF(agreement_id, ''), "
                    "agreement_key, student_group, period_start, period_end, value, n, "
                    "NULLIF(numerator, ''), NULLIF(denominator, ''), source, version, created_at, "
                    "updated_at FROM stage;\nCOMMIT;\n")
                log(f"{self.name}: sqlite3 .import of {fmt_int(a.records)} rows into kpi_records")
                t = time.perf_counter()
                run([sqlite3, "-bail", str(srv.db_path)], input_text=script)
                seconds = time.perf_counter() - t
                how = "`sqlite3` `.import` into a staging table, then one `INSERT … SELECT` (one transaction, foreign keys on)"
            count = int(query("SELECT count(*) FROM kpi_records"))
            if count != a.records:
                raise BenchError(f"the own-table load stored {count} rows, expected {a.records}")
            if not a.keep:
                csv_path.unlink(missing_ok=True)
        except Exception as e:  # noqa: BLE001
            self.fail("2e", what, e)
            return
        finally:
            srv.stop()
        rate = a.records / seconds
        self.row("2e", f"{how} of the same {fmt_int(a.records)} new records into the server's own "
                 f"`kpi_records` table (its three indexes, checks and foreign keys; not judged)",
                 f"**{fmt_int(rate)} rows/s** ({fmt_int(a.records)} in {seconds:.1f} s)")
        for fmt, api_rate in self.ingest_rates.items():
            self.row(f"2f {fmt}", f"Ratio API {fmt.upper()} insert rate (1a) / own-table load (2e)",
                     f"**{api_rate / rate:.2f}×**")

    def copy_postgres(self, csv_path: Path):
        pg = self.pg
        db = f"bench_copy_{os.getpid()}"
        pg.drop(db)
        pg.create(db)
        try:
            pg.sql(db, """
                CREATE TABLE kpi_copy (
                    kpi_code TEXT NOT NULL, school_external_id TEXT NOT NULL,
                    agreement_external_id TEXT NOT NULL DEFAULT '', student_group TEXT NOT NULL,
                    period_start DATE NOT NULL, period_end DATE NOT NULL,
                    value DOUBLE PRECISION NOT NULL, n BIGINT NOT NULL,
                    numerator DOUBLE PRECISION, denominator DOUBLE PRECISION, source TEXT,
                    CHECK (period_end >= period_start), CHECK (n >= 0));
                CREATE UNIQUE INDEX kpi_copy_key ON kpi_copy
                    (kpi_code, school_external_id, agreement_external_id, student_group,
                     period_start, period_end);""")
            cols = ",".join(kpigen.FIELDS)
            copy = (f"\\copy kpi_copy ({cols}) FROM '{csv_path}' WITH (FORMAT csv, HEADER true, "
                    f"FORCE_NOT_NULL (agreement_external_id))")
            log(f"{self.name}: psql \\copy of {fmt_int(self.args.records)} rows")
            t = time.perf_counter()
            run([pg.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", *pg.conn_args(), "-d", db, "-c", copy],
                env=pg.env)
            seconds = time.perf_counter() - t
            count = int(pg.sql(db, "SELECT count(*) FROM kpi_copy"))
            if count != self.args.records:
                raise BenchError(f"COPY loaded {count} rows, expected {self.args.records}")
        finally:
            if not self.args.keep:
                pg.drop(db)
        return seconds, (f"`psql \\copy` of the same {fmt_int(self.args.records)} CSV rows into a bare "
                         f"table with the same unique key (one transaction)")

    def import_sqlite(self, csv_path: Path):
        sqlite3 = self.args.sqlite3 or shutil.which("sqlite3")
        if not sqlite3:
            return None, "no sqlite3 CLI (apt-get install -y sqlite3)"
        db = self.workdir / "copy-baseline.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        ddl = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE kpi_copy (
                kpi_code TEXT NOT NULL, school_external_id TEXT NOT NULL,
                agreement_external_id TEXT NOT NULL DEFAULT '', student_group TEXT NOT NULL,
                period_start DATE NOT NULL, period_end DATE NOT NULL,
                value REAL NOT NULL, n INTEGER NOT NULL, numerator REAL, denominator REAL,
                source TEXT, CHECK (period_end >= period_start), CHECK (n >= 0));
            CREATE UNIQUE INDEX kpi_copy_key ON kpi_copy
                (kpi_code, school_external_id, agreement_external_id, student_group,
                 period_start, period_end);
        """
        run([sqlite3, "-bail", str(db)], input_text=ddl)
        # The server's pragmas (src/db/connection.rs): WAL, synchronous = NORMAL.
        script = (f"PRAGMA synchronous = NORMAL;\n"
                  f".import --csv --skip 1 {csv_path} kpi_copy\n")
        log(f"{self.name}: sqlite3 .import of {fmt_int(self.args.records)} rows")
        t = time.perf_counter()
        run([sqlite3, "-bail", str(db)], input_text=script)
        seconds = time.perf_counter() - t
        count = int(run([sqlite3, str(db), "SELECT count(*) FROM kpi_copy"]).stdout.strip())
        if count != self.args.records:
            raise BenchError(f".import loaded {count} rows, expected {self.args.records}")
        version = run([sqlite3, "--version"]).stdout.split()[0]
        if not self.args.keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
        return seconds, (f"`sqlite3` {version} CLI `.import` of the same {fmt_int(self.args.records)} CSV "
                         f"rows into a bare table with the same unique key (WAL, synchronous=NORMAL)")

    # 3 ---------------------------------------------------------------------------------------
    def latency(self):
        a = self.args
        try:
            srv = self.ensure_server("reads")
            if srv.stored < a.stored_records:
                ranges = kpigen.batches(srv.stored, a.stored_records, a.batch_size)
                log(f"{self.name}: topping up to {fmt_int(a.stored_records)} stored records "
                    f"({len(ranges)} CSV batches, generated on the fly)")
                r = push(srv, self.spec, "csv", ranges, 0, a.client_threads)
                srv.stored = a.stored_records
                self.notes.append(
                    f"Loading records {fmt_int(ranges[0][0])}..{fmt_int(a.stored_records)} for step 3 "
                    f"took {r['seconds']:.1f} s through the API (CSV, generated by the client while sending: "
                    f"not an ingest figure).")
            srv.refresh_token()
            n = create_targets(srv)
            log(f"{self.name}: {n} KPI targets created")
        except Exception as e:  # noqa: BLE001
            self.fail("3", f"Prepare {fmt_int(a.stored_records)} stored records and KPI targets", e)
            return
        agreements = srv.ids["agreements"]
        dash = f"{API}/dashboards/district" + (f"?{a.dashboard_query}" if a.dashboard_query else "")
        # The longest window a request may ask for (three years up to the last stored week), and
        # the last 52 weeks, which is what a front end's agreement page asks for. The whole
        # history is read window by window since windows are bounded.
        last = self.spec.periods_needed(srv.stored) - 1
        last_end = self.spec.week(last)[1]
        window_from = self.spec.week(max(0, last - 51))[0]
        long_from = (dt.date.fromisoformat(str(last_end)) - dt.timedelta(days=KPIS_MAX_WINDOW_DAYS)).isoformat()
        cases = [
            ("3a", f"GET /api/v1/agreements/{{id}}/kpis?from={long_from}&to={last_end} (the longest window, "
             f"{KPIS_MAX_WINDOW_DAYS} days; {len(agreements)} agreements in turn)",
             [f"{API}/agreements/{x}/kpis?from={long_from}&to={last_end}" for x in agreements],
             "kpis_long_p95_ms"),
            ("3a-window", f"GET /api/v1/agreements/{{id}}/kpis?from={window_from}&to={last_end} (last 52 weekly "
             f"periods; {len(agreements)} agreements in turn)",
             [f"{API}/agreements/{x}/kpis?from={window_from}&to={last_end}" for x in agreements],
             "kpis_window_p95_ms"),
            ("3b", f"GET {dash.replace(API, '/api/v1')}", [dash], "dashboard_p95_ms"),
        ]
        for rid, what, paths, target in cases:
            try:
                h = srv.http()
                for i in range(a.latency_warmup):
                    status, _, data = h.request("GET", paths[i % len(paths)])
                    if status != 200:
                        raise BenchError(f"{paths[i % len(paths)]} -> {status}: {data[:800].decode(errors='replace')}")
                times, size = [], 0
                for i in range(a.latency_requests):
                    t = time.perf_counter()
                    status, _, data = h.request("GET", paths[i % len(paths)])
                    times.append((time.perf_counter() - t) * 1000)
                    if status != 200:
                        raise BenchError(f"{paths[i % len(paths)]} -> {status}")
                    size = len(data)
                h.close()
                times.sort()
                p95 = percentile(times, 95)
                self.row(rid, f"{what}, {fmt_int(srv.stored)} records stored, {a.latency_requests} sequential "
                         f"requests after {a.latency_warmup} warm-up",
                         f"p50 {percentile(times, 50):.1f} ms, **p95 {p95:.1f} ms**, p99 {percentile(times, 99):.1f} ms, "
                         f"max {times[-1]:.1f} ms (response {size / 1000:.1f} kB)",
                         f"p95 ≤ {TARGETS[target]:.0f} ms", p95 <= TARGETS[target])
            except Exception as e:  # noqa: BLE001
                self.fail(rid, what, e)

    # 4 ---------------------------------------------------------------------------------------
    def reads(self):
        a = self.args
        wrk = a.wrk or shutil.which("wrk")
        try:
            srv = self.ensure_server("reads")
            if not wrk:
                raise BenchError("wrk not found (apt-get install -y wrk)")
        except Exception as e:  # noqa: BLE001
            self.fail("4", "Reads under load", e)
            return
        partners = srv.ids["partners"]
        ids = [pid for pid, _ in partners[: a.read_ids]]
        museums = sum(1 for _, k in partners if k == "museum")
        paths_file = self.workdir / "partner-paths.txt"
        paths_file.write_text("".join(f"{API}/partners/{i}\n" for i in ids))
        list_path = f"{API}/partners?kind=museum&limit=20"
        cases = [
            ("4a", f"GET /api/v1/partners/{{id}} ({len(ids)} ids at random)", f"{API}/partners/{ids[0]}",
             paths_file, [f"SELECT * FROM partners WHERE id = '{i}';" for i in ids]),
            ("4b", f"GET /api/v1/partners?kind=museum&limit=20 ({museums} museums of {len(partners)} partners)",
             list_path, None, ["SELECT * FROM partners WHERE kind = 'museum' ORDER BY id LIMIT 21;"]),
        ]
        for rid, what, path, pfile, sqls in cases:
            try:
                h = srv.http()
                status, _, data = h.request("GET", path)
                h.close()
                if status != 200:
                    raise BenchError(f"GET {path} -> {status}: {data[:500].decode(errors='replace')}")
                srv.refresh_token()
                w = self.run_wrk(wrk, srv, path, pfile)
                res = (f"**{fmt_int(w['rps'])} req/s**, p50 {w['p50']:.2f} ms, **p99 {w['p99']:.2f} ms** "
                       f"({fmt_int(w['requests'])} requests, non-2xx {w['non2xx']}, socket errors {w['errors']})")
                self.row(f"{rid}", f"{what}: wrk -t{a.wrk_threads} -c{a.wrk_connections} -d{a.wrk_duration}s --latency",
                         res, f"p99 ≤ {TARGETS['reads_p99_ms']:.0f} ms",
                         w["p99"] <= TARGETS["reads_p99_ms"] and w["non2xx"] == 0 and w["errors"] == 0)
                if self.kind != "postgres":
                    continue
                if rid == "4a":
                    tls = self.pg.sql("postgres", "SELECT count(*) FILTER (WHERE s.ssl) || ' of ' || count(*) "
                                      "FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) "
                                      f"WHERE a.datname = '{srv.dbname}'")
                    self.notes.append(f"The server's connections to the database after 4a: {tls} with TLS; "
                                      f"psql and pgbench ran with PGSSLMODE={self.pg.ssl_mode}.")
                b = self.run_pgbench(srv, sqls, rid)
                self.row(f"{rid}-pgbench", f"pgbench -n -c {a.pgbench_clients} -j {a.pgbench_jobs} -T {a.wrk_duration} "
                         f"-M {a.pgbench_protocol}: `{sqls[0][:70]}{'…' if len(sqls[0]) > 70 else ''}`"
                         + (f" ({len(sqls)} ids, one script each)" if len(sqls) > 1 else ""),
                         f"**{fmt_int(b['tps'])} tx/s**, p50 {b['p50']:.2f} ms, p99 {b['p99']:.2f} ms "
                         f"({fmt_int(b['transactions'])} transactions, failed {b['failed']})")
                ratio = w["rps"] / b["tps"]
                self.row(f"{rid}-ratio", "Ratio API req/s / pgbench tx/s", f"**{ratio:.2f}×**",
                         f"≥ {TARGETS['reads_vs_pgbench']}×", ratio >= TARGETS["reads_vs_pgbench"])
            except Exception as e:  # noqa: BLE001
                self.fail(rid, what, e)
        if self.kind != "postgres":
            self.notes.append("pgbench is PostgreSQL-only: the SQLite reads have no database baseline.")

    def run_wrk(self, wrk: str, srv: Server, path: str, pfile: Path | None) -> dict:
        a = self.args
        env = dict(os.environ, BENCH_TOKEN=srv.token, BENCH_PATHS=str(pfile) if pfile else "")
        url = f"http://127.0.0.1:{srv.port}{path}"
        script = str(HERE / "wrk" / "auth.lua")
        if a.wrk_warmup > 0:
            run([wrk, f"-t{a.wrk_threads}", f"-c{a.wrk_connections}", f"-d{a.wrk_warmup}s", "-s", script, url],
                env=env, timeout=a.wrk_warmup + 60)
        log(f"{self.name}: wrk {path} for {a.wrk_duration} s")
        p = run([wrk, f"-t{a.wrk_threads}", f"-c{a.wrk_connections}", f"-d{a.wrk_duration}s", "--latency",
                 "-s", script, url], env=env, timeout=a.wrk_duration + 120)
        (self.workdir / f"wrk-{self.kind}-{int(time.time())}.txt").write_text(p.stdout)
        return parse_wrk(p.stdout)

    def run_pgbench(self, srv: Server, sqls: list[str], rid: str) -> dict:
        a, pg = self.args, self.pg
        d = self.workdir / f"pgbench-{rid}"
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
        files = []
        for i, sql in enumerate(sqls):
            f = d / f"q{i}.sql"
            f.write_text(sql + "\n")
            files += ["-f", f"{f}@1"] if len(sqls) > 1 else ["-f", str(f)]
        cmd = [pg.pgbench, "-n", "-c", str(a.pgbench_clients), "-j", str(a.pgbench_jobs), "-T", str(a.wrk_duration),
               "-M", a.pgbench_protocol, "-l", "--log-prefix", str(d / "log"), *files, *pg.conn_args(), srv.dbname]
        log(f"{self.name}: pgbench {len(sqls)} script(s) for {a.wrk_duration} s")
        p = run(cmd, timeout=a.wrk_duration + 120, cwd=d, env=pg.env)
        (d / "stdout.txt").write_text(p.stdout)
        m = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", p.stdout)
        if not m:
            raise BenchError(f"cannot read pgbench tps:\n{p.stdout[-1500:]}")
        failed = re.search(r"number of failed transactions: (\d+)", p.stdout)
        lat = []
        for log_file in glob.glob(str(d / "log.*")):
            with open(log_file) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) >= 3:
                        lat.append(int(parts[2]) / 1000.0)
        lat.sort()
        return {"tps": float(m.group(1)), "transactions": len(lat), "p50": percentile(lat, 50),
                "p99": percentile(lat, 99), "failed": int(failed.group(1)) if failed else 0}

    # 5 ---------------------------------------------------------------------------------------
    def signin(self):
        """Client-credential grants/s with the rate limits off (benches/signin.py's first
        figure), on a fresh database of this run's kind."""
        import signin as signin_bench  # noqa: E402 (benches/ is on sys.path)

        a = self.args
        what = (f"Client-credential grants, wrk -t2 -c16 -d{a.wrk_duration}s on `POST /api/v1/oauth/token`, "
                f"sign-in rate limits off, fresh database")
        db = None
        try:
            if self.kind == "postgres":
                db = f"bench_signin_{os.getpid()}"
                self.pg.drop(db)
                self.pg.create(db)
                url = f"postgres://{a.pg_user}@{a.pg_host}:{a.pg_port}/{db}?sslmode=disable"
            else:
                url = f"sqlite://{self.workdir}/signin.db"
            log(f"{self.name}: sign-in grants for {a.wrk_duration} s")
            ok, rate, statuses, _ = signin_bench.grants(a.bin, str(self.workdir), url, a.wrk_duration)
            self.row("5", what, f"**{fmt_int(ok)} grants/s** (all answers {fmt_int(rate)}/s; statuses {statuses})",
                     f"≥ {fmt_int(TARGETS['grants_per_s'])}/s", ok >= TARGETS["grants_per_s"])
        except Exception as e:  # noqa: BLE001
            self.fail("5", what, e)
        finally:
            if db is not None:
                self.pg.drop(db)

    # ---------------------------------------------------------------------------------------
    def run_all(self):
        phases = self.args.phases
        try:
            if "ingest" in phases:
                self.ingest()
            if "baseline" in phases:
                self.baseline()
            if "latency" in phases:
                self.latency()
            if "reads" in phases:
                self.reads()
            if "signin" in phases:
                if self.server is not None:
                    self.server.stop()
                    self.server = None
                self.signin()
        finally:
            if self.server is not None:
                self.server.stop()


def parse_wrk(out: str) -> dict:
    def ms(text: str) -> float:
        m = re.match(r"([0-9.]+)(us|ms|s|m)$", text)
        if not m:
            raise BenchError(f"cannot read wrk latency {text!r}")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[m.group(2)]

    rps = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    total = re.search(r"(\d+) requests in", out)
    if not (rps and p50 and p99 and total):
        raise BenchError(f"cannot read wrk output:\n{out[-1500:]}")
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rps": float(rps.group(1)), "p50": ms(p50.group(1)), "p99": ms(p99.group(1)),
            "requests": int(total.group(1)), "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "errors": sum(int(x) for x in errors.groups()) if errors else 0}


# ---------------------------------------------------------------------------------------------
# report


def environment(args, kind: str, pg: Pg | None) -> list[str]:
    lines = []
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(l for l in open("/proc/meminfo") if l.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.1f} GiB RAM"
    except (OSError, StopIteration):
        pass
    lines.append(f"- Machine: {cpu}, {os.cpu_count()} logical CPUs{mem}, {platform.system()} "
                 f"{platform.release()}; client and server share these CPUs")
    b = Path(args.bin)
    try:
        st = b.stat()
        with open(b, "rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()[:12]
        built = dt.datetime.fromtimestamp(st.st_mtime, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        lines.append(f"- Binary: `{b}` ({st.st_size / 1e6:.1f} MB, built {built}, sha256 {digest}…)")
    except OSError:
        lines.append(f"- Binary: `{b}`")
    if "/release/" not in str(b.resolve()):
        lines.append("- **Warning: the binary is not under a `release/` directory — figures from a debug "
                     "build do not count.**")
    try:
        head = run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]).stdout.strip()
        # The results this run writes itself (the first database's, before the second's
        # header is made) are not changes to what was measured.
        own = ("benches/README.md", "benches/results-")
        dirty = [line for line in run(["git", "-C", str(REPO), "--no-optional-locks", "status",
                                       "--porcelain", "--untracked-files=no"]).stdout.splitlines()
                 if not line[3:].startswith(own)]
        lines.append(f"- Commit: {head}{' with uncommitted changes' if dirty else ''}")
    except Exception:  # noqa: BLE001
        pass
    if kind == "postgres" and pg:
        try:
            v = pg.sql("postgres", "SHOW server_version")
            s = pg.sql("postgres", "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name) "
                       "FROM pg_settings WHERE name IN ('shared_buffers','synchronous_commit','max_connections',"
                       "'fsync','wal_level')")
            lines.append(f"- PostgreSQL {v} at {pg.host}:{pg.port} (same machine): {s}")
        except Exception:  # noqa: BLE001
            pass
    else:
        lines.append("- SQLite: the library linked into the server; pragmas journal_mode=WAL, synchronous=NORMAL")
    lines.append(
        f"- Parameters: --records {args.records} --stored-records {args.stored_records} --batch-size "
        f"{args.batch_size} --formats {','.join(args.formats)} --client-threads {args.client_threads} "
        f"--partners {args.partners} --schools {args.schools} --agreements {args.agreements} --seed {args.seed}; "
        f"wrk -t{args.wrk_threads} -c{args.wrk_connections} -d{args.wrk_duration}s; "
        f"pgbench -c{args.pgbench_clients} -j{args.pgbench_jobs} -M {args.pgbench_protocol}"
        + (" (**--quick smoke run: not a measurement**)" if args.quick else ""))
    extra = [e for e in args.server_env]
    lines.append("- Server environment: RUST_LOG=warn, MAX_BODY_BYTES=67108864, defaults otherwise"
                 + (f"; plus {' '.join(extra)}" if extra else ""))
    return lines


def render(bench: Bench, args, env_lines: list[str], started: float) -> str:
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [f"Run of {when}{' (quick smoke run: not a measurement)' if args.quick else ''}:", ""]
    out += env_lines
    out.append(f"- Run time: {(time.time() - started) / 60:.1f} min")
    out += ["", "| # | Measurement | Result | Target | Verdict |", "|---|---|---|---|---|"]
    for rid, what, result, target, ok in bench.rows:
        out.append(f"| {rid} | {what} | {result} | {target} | {ok} |")
    if bench.notes:
        out.append("")
        out += [f"- {n}" for n in bench.notes]
    return "\n".join(out) + "\n"


def update_readme(kind: str, text: str, readme: Path = HERE / "README.md"):
    body = readme.read_text()
    start, end = f"<!-- results:{kind} -->", f"<!-- /results:{kind} -->"
    i, j = body.find(start), body.find(end)
    if i < 0 or j < 0:
        log(f"README has no {start} … {end} markers; not updated")
        return
    body = body[: i + len(start)] + "\n" + text + body[j:]
    readme.write_text(body)
    log(f"updated the {kind} results in {readme}")


# ---------------------------------------------------------------------------------------------


def default_bin() -> str:
    if os.environ.get("BIN"):
        return os.environ["BIN"]
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.expanduser("~/.cache/partnerships/target")
    return os.path.join(target, "release", "partnerships")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--bin", default=default_bin(),
                    help="server binary (env BIN; default $CARGO_TARGET_DIR/release/partnerships)")
    ap.add_argument("--records", type=int, help="records per ingest pass (default 1,000,000; quick 20,000)")
    ap.add_argument("--stored-records", type=int,
                    help="records stored for the latency step (default 5,000,000; quick 30,000)")
    ap.add_argument("--batch-size", type=int, help="records per request (default 10,000; quick 2,000)")
    ap.add_argument("--formats", default="json,csv",
                    help="ingest formats in order, from json,csv,ndjson; the last one's database is "
                         "kept for steps 3 and 4 (default json,csv)")
    ap.add_argument("--client-threads", type=int, default=2)
    ap.add_argument("--partners", type=int, help="partners created (default 1,000; quick 200)")
    ap.add_argument("--schools", type=int, default=100)
    ap.add_argument("--agreements", type=int, default=20)
    ap.add_argument("--seed", type=int, default=20261127)
    ap.add_argument("--phases", default="ingest,baseline,latency,reads,signin",
                    help="comma-separated subset of ingest,baseline,latency,reads")
    ap.add_argument("--latency-requests", type=int, help="default 200; quick 50")
    ap.add_argument("--latency-warmup", type=int, help="default 20; quick 5")
    ap.add_argument("--dashboard-query", default="", help="query string for /dashboards/district, e.g. 'kpi=attendance_rate'")
    ap.add_argument("--read-ids", type=int, default=32, help="partner ids used for GET /partners/{id}")
    ap.add_argument("--wrk", help="wrk binary (default: wrk on PATH)")
    ap.add_argument("--wrk-duration", type=int, help="seconds, also pgbench -T (default 15; quick 3)")
    ap.add_argument("--wrk-warmup", type=int, help="seconds of unrecorded wrk before each run (default 2; quick 1)")
    ap.add_argument("--wrk-connections", type=int, default=64)
    ap.add_argument("--wrk-threads", type=int, default=2)
    ap.add_argument("--pgbench", help="pgbench binary (default <pg-bindir>/pgbench)")
    ap.add_argument("--pgbench-clients", type=int, default=64)
    ap.add_argument("--pgbench-jobs", type=int, default=2)
    ap.add_argument("--pgbench-protocol", choices=["simple", "extended", "prepared"], default="simple")
    ap.add_argument("--pg-host", default="127.0.0.1")
    ap.add_argument("--pg-port", type=int, default=5432)
    ap.add_argument("--pg-user", default="postgres")
    ap.add_argument("--pg-bindir", default="/usr/lib/postgresql/15/bin")
    ap.add_argument("--sqlite3", help="sqlite3 CLI (default: sqlite3 on PATH)")
    ap.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE",
                    help="extra server environment variable (repeatable), e.g. WORKERS=2")
    ap.add_argument("--workdir", help="scratch directory (default: a new temporary directory)")
    ap.add_argument("--out-dir", default=str(HERE), help="where results-<db>.md go (default benches/)")
    ap.add_argument("--update-readme", action="store_true",
                    help="also replace the results section of benches/README.md (not with --quick)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory and databases")
    ap.add_argument("--quick", action="store_true", help="small counts to smoke-test the scripts in a minute or two")
    a = ap.parse_args(argv)
    q = a.quick
    defaults = {
        "records": 20_000 if q else 1_000_000,
        "stored_records": 30_000 if q else 5_000_000,
        "batch_size": 2_000 if q else 10_000,
        "partners": 200 if q else 1_000,
        "latency_requests": 50 if q else 200,
        "latency_warmup": 5 if q else 20,
        "wrk_duration": 3 if q else 15,
        "wrk_warmup": 1 if q else 2,
    }
    for k, v in defaults.items():
        if getattr(a, k) is None:
            setattr(a, k, v)
    a.formats = [f.strip() for f in a.formats.split(",") if f.strip()]
    a.phases = {p.strip() for p in a.phases.split(",") if p.strip()}
    bad = [f for f in a.formats if f not in kpigen.CONTENT_TYPES] + [
        p for p in a.phases if p not in {"ingest", "baseline", "latency", "reads", "signin"}]
    if bad:
        ap.error(f"unknown format or phase: {bad}")
    if a.update_readme and a.quick:
        ap.error("--update-readme records real measurements only; drop --quick")
    if a.partners < max(a.agreements, a.read_ids, 1):
        ap.error("--partners must be at least --agreements and --read-ids")
    spec = kpigen.Spec(a.schools, a.agreements, a.seed)
    last = spec.last_period_end(max(a.records, a.stored_records))
    if last >= min(kpigen.AGREEMENT_END, dt.date.today().isoformat()):
        ap.error(f"{max(a.records, a.stored_records)} records need weekly periods up to {last}, past today "
                 f"or the agreements' end ({kpigen.AGREEMENT_END}); raise --schools")
    return a


def main(argv=None) -> int:
    args = parse_args(argv)
    if not os.access(args.bin, os.X_OK):
        print(f"error: no executable server binary at {args.bin}; run `cargo build --release` or pass "
              f"--bin / BIN", file=sys.stderr)
        return 2
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="partnerships-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    log(f"scratch directory {workdir}")
    pg = Pg(args)
    status = 0
    try:
        for kind in kinds:
            started = time.time()
            env_lines = environment(args, kind, pg if kind == "postgres" else None)
            bench = Bench(args, kind, workdir, pg if kind == "postgres" else None)
            try:
                bench.run_all()
            except KeyboardInterrupt:
                bench.notes.append("Interrupted.")
                bench.failed = True
                raise
            finally:
                text = render(bench, args, env_lines, started)
                out = Path(args.out_dir) / f"results-{kind}{'-quick' if args.quick else ''}.md"
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(f"# Benchmark results: {bench.name}\n\n{text}")
                print(text)
                log(f"wrote {out}")
                if args.update_readme:
                    update_readme(kind, text)
            if bench.failed:
                status = 1
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
