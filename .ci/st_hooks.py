"""schemathesis hooks for CI: the fuzzer's own credentials stay out of its reach, opaque values
are realistic, and a schema-valid request may be refused only by a rule across fields, rows or
time named in `.ci/cross_field_rules`.

The fuzzer calls every operation, and it learns ids from responses: left alone it revokes, re-keys
or demotes the admin clients it signs in with and then sees only 401s. So it signs in with two
admin clients (a token from the first that still gets one, fetched afresh every few seconds), and
no generated request names either of them in its path; every other client is fair game.
"""

import json
import os
import pathlib
import re
import uuid
import urllib.error
import urllib.parse
import urllib.request

import schemathesis

CLIENTS = json.loads(os.environ["ST_CLIENTS"])
BASE = os.environ["ST_BASE"]


@schemathesis.auth(refresh_interval=5)
class TwoAdmins:
    def get(self, case, ctx):
        last = None
        for client_id, secret in CLIENTS:
            form = urllib.parse.urlencode(
                {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
            ).encode()
            try:
                with urllib.request.urlopen(BASE + "/api/v1/oauth/token", data=form, timeout=10) as reply:
                    return json.load(reply)["access_token"]
            except Exception as error:  # revoked or rotated: try the other one
                last = error
        raise RuntimeError(f"no admin client gets a token any more: {last}")

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        # /metrics takes the operator's METRICS_TOKEN, not an API token.
        if case.operation.path == "/metrics":
            data = os.environ["METRICS_TOKEN"]
        case.headers["Authorization"] = f"Bearer {data}"


OWN_IDS = {client_id for client_id, _ in CLIENTS}


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    # Every phase (examples learnt from responses too): a request naming one of the fuzzer's own
    # clients names a client that does not exist instead.
    params = case.path_parameters or {}
    for name, value in list(params.items()):
        if str(value) in OWN_IDS:
            params[name] = str(uuid.uuid4())
    realistic_opaque_values(case)


# Opaque values are the server's to make: a random cursor or entity tag is not one a client could
# hold. Each is replaced by one the server gave, as a client would use it.


def _header(headers, name):
    for key in list(headers or {}):
        if key.lower() == name.lower():
            return key
    return None


def _get(case, path, query=None):
    """GET `path` as the case's caller: (status, headers, JSON body or None)."""
    url = BASE + path + ("?" + urllib.parse.urlencode(query, doseq=True) if query else "")
    auth = _header(case.headers, "Authorization")
    request = urllib.request.Request(url, headers={"Authorization": case.headers[auth]} if auth else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            body = reply.read()
            try:
                return reply.status, reply.headers, json.loads(body)
            except ValueError:
                return reply.status, reply.headers, None
    except urllib.error.HTTPError as error:
        return error.code, error.headers, None
    except OSError:
        return 0, {}, None


TAG_LIST = re.compile(r'^(\*|(W/)?"[\x21\x23-\x7e]*"( ?, ?(W/)?"[\x21\x23-\x7e]*")*)$')
KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def realistic_opaque_values(case):
    # A negative case keeps a malformed value (the mutation to be refused); any well-formed one
    # becomes what a client would hold.
    meta = getattr(case, "meta", None)
    negative = meta is not None and not meta.generation.mode.is_positive

    def kept(value, form):
        return negative and not (isinstance(value, str) and form.match(value))

    headers = case.headers = case.headers or {}
    # A fresh Idempotency-Key for each request: a key reused for another request is refused by
    # design (422), and a client sends a new key with each new request.
    key = _header(headers, "Idempotency-Key")
    if key and not kept(headers[key], KEY):
        headers[key] = str(uuid.uuid4())
    path = case.formatted_path
    # The current entity tag, as a client that just read the resource holds it; `*` (whatever
    # version is current) when it cannot be read.
    condition = _header(headers, "If-Match")
    if condition and not kept(headers[condition], TAG_LIST):
        status, reply_headers, _ = _get(case, path)
        if status != 200 and case.method.upper() == "POST":
            # An action (`/clients/{id}/secret`) is guarded by its resource's tag.
            status, reply_headers, _ = _get(case, path.rsplit("/", 1)[0])
        headers[condition] = (reply_headers.get("ETag") if status == 200 else None) or "*"
    # A read's If-None-Match: the current tag (304) or, for what does not exist, a plausible one.
    unchanged = _header(headers, "If-None-Match")
    if unchanged and case.method.upper() == "GET" and not kept(headers[unchanged], TAG_LIST):
        status, reply_headers, _ = _get(case, path)
        headers[unchanged] = (reply_headers.get("ETag") if status == 200 else None) or '"1"'
    # A cursor from the same list (its first page's next_cursor), or none.
    query = case.query = case.query or {}
    if "cursor" in query and case.method.upper() == "GET" and not negative:
        first = {k: v for k, v in query.items() if k != "cursor"}
        status, _, body = _get(case, path, first)
        cursor = body.get("next_cursor") if status == 200 and isinstance(body, dict) else None
        if cursor:
            query["cursor"] = cursor
        else:
            del query["cursor"]


# The rules a schema cannot state, each with the reason: `code  reason` a line.
RULES = {
    line.split()[0]
    for line in (pathlib.Path(__file__).parent / "cross_field_rules").read_text().splitlines()
    if line.strip() and not line.startswith("#")
}


TRIMMED_PAST_MAX = re.compile(r'violates `maxLength` at \S+ \(was ".*?", became "(.*)"\)$')


@schemathesis.hook
def filter_failure(ctx, failure, case, response):
    """A schema-valid request refused only by named rules across fields, rows or time is not a
    failure of the contract; any other refusal of one is."""
    code = getattr(failure, "code", None)
    if code == "ST201":
        # Text is trimmed before its length is counted (README: text rules), which JSON Schema
        # cannot say: a string pushed past maxLength only by its own surrounding white space
        # is taken. Every other accepted schema-violating request is a failure.
        # One mutation only: the server took the value, so its trimmed length fit.
        lines = [line for line in (getattr(failure, "message", "") or "").splitlines() if "violates" in line]
        padded = TRIMMED_PAST_MAX.search(lines[0]) if len(lines) == 1 else None
        return not (padded and padded.group(1) != padded.group(1).strip())
    if code != "ST202":
        return True
    try:
        problem = json.loads(response.content)
    except ValueError:
        return True
    if not isinstance(problem, dict):
        return True
    codes = {error.get("code") for error in problem.get("errors") or [] if isinstance(error, dict)}
    codes |= {row.get("code") for row in problem.get("rows") or [] if isinstance(row, dict)}
    rule = problem.get("rule")
    if rule:
        codes.add(rule)
    return not (codes and codes <= RULES)
