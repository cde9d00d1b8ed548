"""Smoke test of the Python client that openapi-python-client builds from the OpenAPI document.

`.ci/contract/run` puts the generated package `partnerships_client` on PYTHONPATH and runs this.
Request bodies are built with the generated models; the calls go through the generated endpoint
functions into an in-process httpx.MockTransport, so no server is contacted: each test checks
the request the client would send and how it reads a canned answer.
"""

import datetime
import inspect
import json
import typing

import httpx

from partnerships_client import AuthenticatedClient, Client
from partnerships_client.api.community import answer_public_survey
from partnerships_client.api.kpis import ingest_kpi_records
from partnerships_client.api.outreach import import_relationships
from partnerships_client.api.partners import create_partner, patch_partner
from partnerships_client.api.schools import import_schools
from partnerships_client.models import (
    Audience,
    BatchMode,
    BatchOutcome,
    ImportOutcome,
    KpiRecordInput,
    Offering,
    PartnerInput,
    PartnerInputPatch,
    PartnerKind,
    Problem,
    RelationshipImport,
    ResponseReceipt,
    SurveyResponseInput,
    SurveyResponseInputAnswers,
)

BASE = "https://partnerships.invalid"
PARTNER_ID = "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b"
SENT: list[httpx.Request] = []

PROBLEM_422 = {
    "type": "urn:problem-type:partnerships:validation",
    "title": "Validation failed",
    "status": 422,
    "detail": "1 field is invalid",
    "errors": [{"field": "name", "code": "length", "message": "name is too long", "pointer": "/name"}],
    "request_id": "0192f0c1-8a4b-7c2e-9d3f-5e6a7b8c9d0e",
}


def rows_in(request: httpx.Request) -> int:
    """How many rows a bulk request carries: a JSON array, or CSV lines after the header."""
    if request.headers["Content-Type"] == "text/csv":
        return len(request.content.decode().splitlines()) - 1
    return len(json.loads(request.content))


def answer(request: httpx.Request) -> httpx.Response:
    """The canned answers of the mock transport."""
    SENT.append(request)
    path = request.url.path
    if path == "/api/v1/kpi-records/batch":
        n = rows_in(request)
        outcome = {"received": n, "inserted": n, "updated": 0, "unchanged": 0, "rejected": 0,
                   "errors": [], "errors_truncated": False}
        return httpx.Response(200, json=outcome)
    if path == "/api/v1/schools/import":
        n = rows_in(request)
        outcome = {"received": n, "created": n, "updated": 0, "unchanged": 0, "deactivated": 0, "skipped": 0,
                   "rejected": 0, "errors": []}
        return httpx.Response(200, json=outcome)
    if path == "/api/v1/relationships/batch":
        n = rows_in(request)
        outcome = {"received": n, "created": n, "partners_created": 0, "contacts_created": 0, "rejected": 0,
                   "errors": []}
        return httpx.Response(200, json=outcome)
    if path.startswith("/api/v1/public/surveys/"):
        receipt = {"id": "0193b000-0000-7000-8000-000000000001", "survey_id": "0193b000-0000-7000-8000-000000000002",
                   "audience": "families", "created_at": "2026-10-02T18:30:00Z"}
        return httpx.Response(201, json=receipt)
    if path.startswith("/api/v1/partners"):
        return httpx.Response(422, json=PROBLEM_422, headers={"Content-Type": "application/problem+json"})
    return httpx.Response(404, json={"type": "about:blank", "title": "Not Found", "status": 404, "detail": path})


def last_request() -> tuple[httpx.Request, object]:
    request = SENT[-1]
    return request, json.loads(request.content)


transport = httpx.MockTransport(answer)
staff = AuthenticatedClient(base_url=BASE, token="test-token", httpx_args={"transport": transport})
public = Client(base_url=BASE, httpx_args={"transport": transport})
checks = 0

# KPI ingest: a list of KpiRecordInput rows, JSON array body.
rows = [
    KpiRecordInput(
        kpi_code="attendance_rate",
        school_external_id="042",
        student_group="all",
        period_start=datetime.date(2026, 9, 1),
        period_end=datetime.date(2026, 9, 30),
        value=93.4,
        n=412,
        numerator=7702.0,
        denominator=8246.0,
        source="sis-nightly",
    ),
    KpiRecordInput(
        kpi_code="chronic_absence_rate",
        school_external_id="042",
        student_group="grade_09",
        period_start=datetime.date(2026, 9, 1),
        period_end=datetime.date(2026, 9, 30),
        value=12.5,
        n=96,
    ),
]
row = rows[0].to_dict()
assert row["kpi_code"] == "attendance_rate" and row["school_external_id"] == "042", row
assert row["period_start"] == "2026-09-01" and row["period_end"] == "2026-09-30", row
assert row["value"] == 93.4 and row["n"] == 412 and row["student_group"] == "all", row
assert "school_id" not in rows[1].to_dict(), "unset optional fields are left out"
outcome = ingest_kpi_records.sync(client=staff, body=rows, mode=BatchMode.PARTIAL, idempotency_key="nightly-2026-09-30")
request, sent = last_request()
assert request.method == "POST" and request.url.path == "/api/v1/kpi-records/batch", request
assert request.url.params["mode"] == "partial" and request.headers["Idempotency-Key"] == "nightly-2026-09-30"
assert request.headers["Content-Type"] == "application/json" and request.headers["Authorization"] == "Bearer test-token"
assert sent == [r.to_dict() for r in rows], sent
assert isinstance(outcome, BatchOutcome) and outcome.received == 2 and outcome.inserted == 2, outcome
checks += 1

# A family answers a survey through its public link (no token).
answers = SurveyResponseInputAnswers.from_dict({"needs": ["internet", "tutoring"], "satisfaction": 4})
answers["ideas"] = "More evening events."
survey_body = SurveyResponseInput(answers=answers, audience=Audience.FAMILIES, respondent_key="family-7f3a")
as_dict = survey_body.to_dict()
assert as_dict == {
    "answers": {"needs": ["internet", "tutoring"], "satisfaction": 4, "ideas": "More evening events."},
    "audience": "families",
    "respondent_key": "family-7f3a",
}, as_dict
receipt = answer_public_survey.sync(token="k3Jd9_x-2", client=public, body=survey_body)
request, sent = last_request()
assert request.method == "POST" and request.url.path == "/api/v1/public/surveys/k3Jd9_x-2/responses", request
assert "Authorization" not in request.headers and sent == as_dict, (request.headers, sent)
assert isinstance(receipt, ResponseReceipt) and receipt.audience == Audience.FAMILIES, receipt
checks += 1

# Creating a partner; the 422 answer reads as a Problem whose errors name the fields.
partner = PartnerInput(name="Gardiner Public Library", kind=PartnerKind.LIBRARY, offerings=[Offering.SPEAKER])
as_dict = partner.to_dict()
assert as_dict == {"name": "Gardiner Public Library", "kind": "library", "offerings": ["speaker"]}, as_dict
problem = create_partner.sync(client=staff, body=partner)
request, sent = last_request()
assert request.method == "POST" and request.url.path == "/api/v1/partners" and sent == as_dict, (request, sent)
assert isinstance(problem, Problem) and problem.status == 422, problem
assert [e.field for e in problem.errors] == ["name"] and problem.errors[0].pointer == "/name", problem.errors
checks += 1

# A partial update: JSON Merge Patch with If-Match.
patch = PartnerInputPatch(name="Kennebec River Museum (Gardiner)")
assert patch.to_dict() == {"name": "Kennebec River Museum (Gardiner)"}, patch.to_dict()
problem = patch_partner.sync(PARTNER_ID, client=staff, body=patch, if_match='"3"')
request, sent = last_request()
assert request.method == "PATCH" and request.url.path == f"/api/v1/partners/{PARTNER_ID}", request
assert request.headers["Content-Type"] == "application/merge-patch+json", request.headers
assert request.headers["If-Match"] == '"3"' and sent == {"name": "Kennebec River Museum (Gardiner)"}, sent
assert isinstance(problem, Problem) and problem.errors[0].field == "name", problem
checks += 1

# The bulk imports: the server takes a JSON array of rows or text/csv. openapi-python-client writes
# only the JSON form (py_generate.py tolerates its warning about text/csv), so `body` is a required
# list of rows. If CSV ever shows up here, the tolerance in py_generate.py is obsolete.
def body_parameter(endpoint) -> inspect.Parameter:
    return inspect.signature(endpoint.sync).parameters["body"]


for endpoint in (ingest_kpi_records, import_schools, import_relationships):
    body = body_parameter(endpoint)
    assert typing.get_origin(body.annotation) is list and body.default is inspect.Parameter.empty, (endpoint, body)
checks += 1

# Schools, as JSON rows with the orgs.csv column names.
school_rows = [
    {"sourcedId": "org-042", "status": "active", "name": "Gardiner Area High School", "type": "school",
     "identifier": "042", "parentSourcedId": "org-district"},
]
(SchoolRow,) = typing.get_args(body_parameter(import_schools).annotation)
imported = import_schools.sync(client=staff, body=[SchoolRow.from_dict(r) for r in school_rows],
                               idempotency_key="orgs-2026-10-01")
request, sent = last_request()
assert request.method == "POST" and request.url.path == "/api/v1/schools/import", request
assert request.headers["Content-Type"] == "application/json" and request.headers["Idempotency-Key"] == "orgs-2026-10-01"
assert sent == school_rows, sent
assert isinstance(imported, ImportOutcome) and imported.received == 1 and imported.created == 1, imported
checks += 1

# Relationships, as JSON rows with the spreadsheet's column names.
relationship_rows = [
    {"teacher_email": "r.ouellette@gardiner.k12.me.us", "school_external_id": "042",
     "partner_name": "Gardiner Public Library", "partner_kind": "library", "contact_name": "Ann Boucher"},
]
(RelationshipRow,) = typing.get_args(body_parameter(import_relationships).annotation)
imported = import_relationships.sync(client=staff, body=[RelationshipRow.from_dict(r) for r in relationship_rows])
request, sent = last_request()
assert request.method == "POST" and request.url.path == "/api/v1/relationships/batch", request
assert request.headers["Content-Type"] == "application/json" and sent == relationship_rows, (request.headers, sent)
assert isinstance(imported, RelationshipImport) and imported.received == 1, imported
checks += 1

print(f"smoke.py: {checks} passed, 0 failed")
