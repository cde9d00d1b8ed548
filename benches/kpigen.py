#!/usr/bin/env python3
"""Deterministic synthetic KPI records for the benchmarks (Python 3.11 standard library only).

Record ``i`` is a pure function of ``(i, seed, variant)``: the natural key comes from ``i`` alone
and the values from a splitmix64 stream seeded with ``seed`` and ``variant``, so the same rows come
out whatever the batch size, the order or the number of client threads. ``variant`` 0 is the
first push; another variant keeps every natural key and changes the values (``n`` always differs,
so every row of a re-push with another variant is an update).

Key space, period-major so that a batch covers one or two weeks of every school:

    index = ((period * schools + school) * 2 + with_agreement) * 70 + kpi * 10 + group

7 KPIs x 10 student groups x 2 (without / with the school's agreement) x ``schools`` (100) gives
14,000 distinct keys per weekly period, weeks starting on Monday 2019-01-07: 1,000,000 records
need 72 weeks and 5,000,000 need 358 (the last one in November 2025), so every period is in the
past and inside the agreements, which run 2019-01-01..2028-12-31 (the API allows at most 10 years).

Usage as a command (for inspection or for loading a database by hand):

    python3 benches/kpigen.py --records 1000 --format csv > rows.csv
    python3 benches/kpigen.py --records 10 --format json
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys

MASK64 = (1 << 64) - 1

# (code, aggregation, min, max) exactly as seeded in migrations/*/..._kpi_definitions/up.sql.
KPIS = [
    ("attendance_rate", "rate", 0.0, 100.0),
    ("chronic_absence_rate", "rate", 0.0, 100.0),
    ("course_pass_rate", "rate", 0.0, 100.0),
    ("engagement_index", "weighted_mean", 0.0, 5.0),
    ("students_served", "sum", 0.0, None),
    ("volunteer_hours", "sum", 0.0, None),
    ("average_gpa", "weighted_mean", 0.0, 5.0),
]

# Plausible share ranges for the rate KPIs (fraction of the denominator), and value ranges for
# the weighted means, so that dashboards aggregate realistic-looking numbers.
RATE_RANGES = {
    "attendance_rate": (0.82, 0.99),
    "chronic_absence_rate": (0.03, 0.35),
    "course_pass_rate": (0.60, 0.99),
}
MEAN_RANGES = {"engagement_index": (1.8, 4.7), "average_gpa": (1.6, 3.9)}

GROUPS = [
    "all",
    "grade_09",
    "grade_10",
    "grade_11",
    "grade_12",
    "program_participants",
    "comparison",
    "ell",
    "swd",
    "econ_disadv",
]

FIELDS = [
    "kpi_code",
    "school_external_id",
    "agreement_external_id",
    "student_group",
    "period_start",
    "period_end",
    "value",
    "n",
    "numerator",
    "denominator",
    "source",
]

FIRST_MONDAY = _dt.date(2019, 1, 7)
AGREEMENT_START = "2019-01-01"
AGREEMENT_END = "2028-12-31"
SOURCE = "bench-sis"


def splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


class Spec:
    """The shape of the synthetic district: how many schools and agreements."""

    def __init__(self, schools: int = 100, agreements: int = 20, seed: int = 20261127):
        if schools < 1 or agreements < 1 or agreements > schools:
            raise ValueError("need 1 <= agreements <= schools")
        self.schools = schools
        self.agreements = agreements
        self.seed = seed
        self.per_period = schools * 2 * len(KPIS) * len(GROUPS)
        self._week_cache: dict[int, tuple[str, str]] = {}

    # Names shared with the setup code in run.py.
    @staticmethod
    def school_external_id(s: int) -> str:
        return f"BENCH-SCH-{s + 1:04d}"

    @staticmethod
    def agreement_external_id(a: int) -> str:
        return f"BENCH-AGR-{a + 1:03d}"

    def agreement_of_school(self, s: int) -> int:
        return s % self.agreements

    def schools_of_agreement(self, a: int) -> list[int]:
        return [s for s in range(self.schools) if self.agreement_of_school(s) == a]

    def periods_needed(self, records: int) -> int:
        return -(-records // self.per_period)

    def last_period_end(self, records: int) -> str:
        return self.week(self.periods_needed(records) - 1)[1]

    def week(self, p: int) -> tuple[str, str]:
        w = self._week_cache.get(p)
        if w is None:
            start = FIRST_MONDAY + _dt.timedelta(weeks=p)
            w = (start.isoformat(), (start + _dt.timedelta(days=6)).isoformat())
            self._week_cache[p] = w
        return w

    def row(self, i: int, variant: int = 0) -> tuple:
        """Record ``i`` as a tuple in FIELDS order (absent optional fields are None)."""
        rest, group = divmod(i, len(GROUPS))
        rest, kpi = divmod(rest, len(KPIS))
        rest, with_agreement = divmod(rest, 2)
        period, school = divmod(rest, self.schools)
        code, aggregation, _lo, _hi = KPIS[kpi]
        start, end = self.week(period)
        agreement = (
            self.agreement_external_id(self.agreement_of_school(school)) if with_agreement else None
        )
        base = splitmix64((self.seed << 20) ^ i)
        r = splitmix64(base ^ (variant * 0x632BE59BD9B4E019 + 1))
        # n always differs between variants, so a re-push with another variant updates every row.
        n = 20 + base % 580 + variant
        u = (r >> 11) / float(1 << 53)
        numerator = denominator = None
        if aggregation == "rate":
            lo, hi = RATE_RANGES[code]
            denominator = n
            numerator = min(n, int(round(n * (lo + u * (hi - lo)))))
            value = 100.0 * numerator / denominator
        elif aggregation == "weighted_mean":
            lo, hi = MEAN_RANGES[code]
            value = round(lo + u * (hi - lo), 2)
        elif code == "students_served":
            value = float(int(u * n))
        else:  # volunteer_hours
            value = round(u * 400.0, 1)
        return (
            code,
            self.school_external_id(school),
            agreement,
            GROUPS[group],
            start,
            end,
            value,
            n,
            numerator,
            denominator,
            SOURCE,
        )

    # ---- encodings -------------------------------------------------------------------------

    def json_objects(self, start: int, stop: int, variant: int = 0) -> list[dict]:
        out = []
        for i in range(start, stop):
            row = self.row(i, variant)
            out.append({k: v for k, v in zip(FIELDS, row) if v is not None})
        return out

    def json_body(self, start: int, stop: int, variant: int = 0) -> bytes:
        return json.dumps(self.json_objects(start, stop, variant), separators=(",", ":")).encode()

    def ndjson_body(self, start: int, stop: int, variant: int = 0) -> bytes:
        lines = [json.dumps(o, separators=(",", ":")) for o in self.json_objects(start, stop, variant)]
        return ("\n".join(lines) + "\n").encode()

    @staticmethod
    def _csv_cell(v) -> str:
        if v is None:
            return ""
        if isinstance(v, float):
            return repr(v)
        return str(v)  # no field ever contains a comma, quote or newline

    def csv_lines(self, start: int, stop: int, variant: int = 0) -> list[str]:
        cell = self._csv_cell
        return [",".join(cell(v) for v in self.row(i, variant)) for i in range(start, stop)]

    def csv_body(self, start: int, stop: int, variant: int = 0, header: bool = True) -> bytes:
        lines = self.csv_lines(start, stop, variant)
        if header:
            lines.insert(0, ",".join(FIELDS))
        return ("\n".join(lines) + "\n").encode()

    def body(self, fmt: str, start: int, stop: int, variant: int = 0) -> bytes:
        if fmt == "json":
            return self.json_body(start, stop, variant)
        if fmt == "ndjson":
            return self.ndjson_body(start, stop, variant)
        if fmt == "csv":
            return self.csv_body(start, stop, variant)
        raise ValueError(f"unknown format {fmt}")


CONTENT_TYPES = {"json": "application/json", "ndjson": "application/x-ndjson", "csv": "text/csv"}


def batches(start: int, stop: int, size: int) -> list[tuple[int, int]]:
    return [(a, min(a + size, stop)) for a in range(start, stop, size)]


def self_check() -> None:
    """Cheap invariants: distinct keys, values in range, determinism."""
    spec = Spec()
    n = spec.per_period * 2 + 123
    keys = set()
    for i in range(n):
        r = spec.row(i)
        key = (r[0], r[1], r[2], r[3], r[4], r[5])
        assert key not in keys, (i, key)
        keys.add(key)
        code, value = r[0], r[6]
        lo, hi = next((k[2], k[3]) for k in KPIS if k[0] == code)
        assert value >= lo and (hi is None or value <= hi), (i, r)
        assert r[7] >= 0 and r[4] <= r[5]
        r2 = spec.row(i, 1)
        assert r2[:6] == r[:6] and r2[7] != r[7]
    assert spec.row(777) == Spec().row(777)
    assert spec.csv_body(0, 5) == spec.csv_body(0, 5)
    print(f"ok: {n} distinct keys, values in range, deterministic", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=10)
    ap.add_argument("--start", type=int, default=0, help="first record index")
    ap.add_argument("--format", choices=["json", "ndjson", "csv"], default="csv")
    ap.add_argument("--variant", type=int, default=0)
    ap.add_argument("--schools", type=int, default=100)
    ap.add_argument("--agreements", type=int, default=20)
    ap.add_argument("--seed", type=int, default=20261127)
    ap.add_argument("--self-check", action="store_true")
    a = ap.parse_args()
    if a.self_check:
        self_check()
        return
    spec = Spec(a.schools, a.agreements, a.seed)
    out = sys.stdout.buffer
    first = True
    for lo, hi in batches(a.start, a.start + a.records, 10000):
        if a.format == "csv":
            out.write(spec.csv_body(lo, hi, a.variant, header=first))
        elif a.format == "ndjson":
            out.write(spec.ndjson_body(lo, hi, a.variant))
        else:  # one JSON array overall
            objs = spec.json_objects(lo, hi, a.variant)
            for j, o in enumerate(objs):
                out.write(b"[" if first and j == 0 else b",")
                out.write(json.dumps(o, separators=(",", ":")).encode())
        first = False
    if a.format == "json":
        out.write(b"]\n" if not first else b"[]\n")


if __name__ == "__main__":
    main()
