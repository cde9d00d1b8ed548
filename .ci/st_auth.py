"""schemathesis hooks for CI: the fuzzer's own credentials stay out of its reach.

The fuzzer calls every operation, and it learns ids from responses: left alone it revokes, re-keys
or demotes the admin clients it signs in with and then sees only 401s. So it signs in with two
admin clients (a token from the first that still gets one, fetched afresh every few seconds), and
no generated request names either of them in its path; every other client is fair game.
"""

import json
import os
import uuid
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
