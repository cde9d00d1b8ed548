//! The full role × endpoint matrix: every operation of the OpenAPI document, called by every
//! kind of caller, against the outcome one table gives. An operation missing from the table, or
//! a table row the document no longer has, fails the test.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::both;
use crate::support::*;
use partnerships::auth::permissions::expand;
use partnerships::auth::{Role, Scope};

both!(every_operation_for_every_caller);

/// The callers, in the order of the table's columns.
const CALLERS: [&str; 8] = [
    "admin",
    "staff of the school",
    "staff of another school",
    "the partner",
    "another partner",
    "viewer",
    "integration with the scope",
    "integration without it",
];

/// How each caller of `CALLERS` reads the school's survey results (`-`: not at all): live, with
/// free text, or the released blocks with small cells suppressed.
const SURVEY_RESULTS_READ: &str = "live live released - - released released -";

/// Per operation: the scopes the document must name, and the status each caller gets, in the
/// order of `CALLERS`. Without a token every protected operation is 401 (checked for all);
/// public operations give the same answer to everyone, token or not.
///
/// The requests go to the resources of "the partner" and "the school": an agreement led by the
/// partner for the school, its targets, responsibilities, timeline and activities.
const TABLE: &[(&str, &str, &str)] = &[
    // schools: everyone reads; only schools:write writes.
    (
        "GET /schools",
        "schools:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "POST /schools",
        "schools:write",
        "201 403 403 403 403 403 201 403",
    ),
    (
        "GET /schools/{id}",
        "schools:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "PUT /schools/{id}",
        "schools:write",
        "200 403 403 403 403 403 200 403",
    ),
    (
        "PATCH /schools/{id}",
        "schools:write",
        "200 403 403 403 403 403 200 403",
    ),
    (
        "DELETE /schools/{id}",
        "schools:write",
        "204 403 403 403 403 403 204 403",
    ),
    // partners: staff write any; a partner reads only itself.
    (
        "GET /partners",
        "partners:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "POST /partners",
        "partners:write",
        "201 201 201 403 403 403 201 403",
    ),
    (
        "GET /partners/{id}",
        "partners:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "PUT /partners/{id}",
        "partners:write",
        "200 200 200 403 403 403 200 403",
    ),
    (
        "PATCH /partners/{id}",
        "partners:write",
        "200 200 200 403 403 403 200 403",
    ),
    (
        "DELETE /partners/{id}",
        "partners:write",
        "204 204 204 403 403 403 204 403",
    ),
    (
        "GET /partners/{partner_id}/contacts",
        "partners:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "POST /partners/{partner_id}/contacts",
        "partners:write",
        "201 201 201 403 403 403 201 403",
    ),
    (
        "GET /partners/{partner_id}/contacts/{id}",
        "partners:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "PUT /partners/{partner_id}/contacts/{id}",
        "partners:write",
        "200 200 200 403 403 403 200 403",
    ),
    (
        "PATCH /partners/{partner_id}/contacts/{id}",
        "partners:write",
        "200 200 200 403 403 403 200 403",
    ),
    (
        "DELETE /partners/{partner_id}/contacts/{id}",
        "partners:write",
        "204 204 204 403 403 403 204 403",
    ),
    // vetting history: read like the partner; staff and writers propose, deciders decide.
    (
        "GET /partners/{partner_id}/vetting",
        "partners:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "POST /partners/{partner_id}/vetting",
        "partners:write",
        "201 201 201 403 403 403 201 403",
    ),
    (
        "GET /partners/{partner_id}/vetting/{id}",
        "partners:read",
        "200 200 200 200 404 200 200 403",
    ),
    // the continuum: everyone who reads partners reads it; only administrators change it.
    (
        "GET /continuum-levels",
        "partners:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "POST /continuum-levels",
        "admin",
        "201 403 403 403 403 403 403 403",
    ),
    (
        "GET /continuum-levels/{id}",
        "partners:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "PUT /continuum-levels/{id}",
        "admin",
        "200 403 403 403 403 403 403 403",
    ),
    (
        "PATCH /continuum-levels/{id}",
        "admin",
        "200 403 403 403 403 403 403 403",
    ),
    (
        "DELETE /continuum-levels/{id}",
        "admin",
        "204 403 403 403 403 403 403 403",
    ),
    // agreements: staff write those of their schools; a partner reads those it is part of.
    (
        "GET /agreements",
        "agreements:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "POST /agreements",
        "agreements:write",
        "201 201 403 403 403 403 201 403",
    ),
    (
        "GET /agreements/{id}",
        "agreements:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "PUT /agreements/{id}",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "PATCH /agreements/{id}",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "DELETE /agreements/{id}",
        "agreements:write",
        "204 204 403 403 403 403 204 403",
    ),
    (
        "POST /agreements/{id}/transitions",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "GET /agreements/{id}/transitions",
        "agreements:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "GET /agreements/{id}/versions",
        "agreements:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "GET /agreements/{id}/versions/{version}",
        "agreements:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "GET /agreements/{id}/versions/{version}/diff",
        "agreements:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "GET /agreements/{id}/summary",
        "agreements:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "GET /agreements/{id}/export",
        "agreements:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "GET /agreements/{id}/kpis",
        "agreements:read kpi:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "GET /agreements/{agreement_id}/investment",
        "agreements:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "GET /agreements/{agreement_id}/kpi-targets",
        "agreements:read kpi:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "POST /agreements/{agreement_id}/kpi-targets",
        "agreements:write",
        "201 201 403 403 403 403 201 403",
    ),
    (
        "GET /agreements/{agreement_id}/kpi-targets/{id}",
        "agreements:read kpi:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "PUT /agreements/{agreement_id}/kpi-targets/{id}",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "PATCH /agreements/{agreement_id}/kpi-targets/{id}",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "DELETE /agreements/{agreement_id}/kpi-targets/{id}",
        "agreements:write",
        "204 204 403 403 403 403 204 403",
    ),
    (
        "GET /agreements/{agreement_id}/responsibilities",
        "agreements:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "POST /agreements/{agreement_id}/responsibilities",
        "agreements:write",
        "201 201 403 403 403 403 201 403",
    ),
    (
        "GET /agreements/{agreement_id}/responsibilities/{id}",
        "agreements:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "PUT /agreements/{agreement_id}/responsibilities/{id}",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    // A status-only patch: the partner marks its own responsibility with the read scope.
    (
        "PATCH /agreements/{agreement_id}/responsibilities/{id}",
        "agreements:write",
        "200 200 403 200 404 403 200 403",
    ),
    (
        "DELETE /agreements/{agreement_id}/responsibilities/{id}",
        "agreements:write",
        "204 204 403 403 403 403 204 403",
    ),
    (
        "GET /agreements/{agreement_id}/timeline",
        "agreements:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "POST /agreements/{agreement_id}/timeline",
        "agreements:write",
        "201 201 403 403 403 403 201 403",
    ),
    (
        "GET /agreements/{agreement_id}/timeline/{id}",
        "agreements:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "PUT /agreements/{agreement_id}/timeline/{id}",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "PATCH /agreements/{agreement_id}/timeline/{id}",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "DELETE /agreements/{agreement_id}/timeline/{id}",
        "agreements:write",
        "204 204 403 403 403 403 204 403",
    ),
    (
        "PUT /agreements/{agreement_id}/timeline/{id}/check-in",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    // activities: a partner logs its own with the read scope; staff those of their schools.
    (
        "GET /activities",
        "agreements:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "POST /activities",
        "agreements:write",
        "201 201 403 201 403 403 201 403",
    ),
    (
        "GET /activities/totals",
        "agreements:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "GET /activities/{id}",
        "agreements:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "PUT /activities/{id}",
        "agreements:write",
        "200 200 403 200 404 403 200 403",
    ),
    (
        "PATCH /activities/{id}",
        "agreements:write",
        "200 200 403 200 404 403 200 403",
    ),
    (
        "DELETE /activities/{id}",
        "agreements:write",
        "204 204 403 204 404 403 204 403",
    ),
    // KPIs: everyone reads the catalogue and records (small cells hidden); only
    // administrators change the catalogue; kpi:write pushes records.
    // The district's school list from the SIS: admin or an integration, never staff.
    (
        "POST /schools/import",
        "schools:write",
        "200 403 403 403 403 403 200 403",
    ),
    (
        "GET /kpi-definitions",
        "kpi:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "POST /kpi-definitions",
        "admin",
        "201 403 403 403 403 403 403 403",
    ),
    (
        "GET /kpi-definitions/{id}",
        "kpi:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "PUT /kpi-definitions/{id}",
        "admin",
        "200 403 403 403 403 403 403 403",
    ),
    (
        "PATCH /kpi-definitions/{id}",
        "admin",
        "200 403 403 403 403 403 403 403",
    ),
    (
        "DELETE /kpi-definitions/{id}",
        "admin",
        "204 403 403 403 403 403 403 403",
    ),
    // The student-group catalogue reads and changes as the KPI catalogue does.
    (
        "GET /student-groups",
        "kpi:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "POST /student-groups",
        "admin",
        "201 403 403 403 403 403 403 403",
    ),
    (
        "GET /student-groups/{id}",
        "kpi:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "PUT /student-groups/{id}",
        "admin",
        "200 403 403 403 403 403 403 403",
    ),
    (
        "PATCH /student-groups/{id}",
        "admin",
        "200 403 403 403 403 403 403 403",
    ),
    (
        "DELETE /student-groups/{id}",
        "admin",
        "204 403 403 403 403 403 403 403",
    ),
    // The need-category catalogue reads with partners and changes as the continuum does.
    (
        "GET /need-categories",
        "partners:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "POST /need-categories",
        "admin",
        "201 403 403 403 403 403 403 403",
    ),
    (
        "GET /need-categories/{id}",
        "partners:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "PUT /need-categories/{id}",
        "admin",
        "200 403 403 403 403 403 403 403",
    ),
    (
        "PATCH /need-categories/{id}",
        "admin",
        "200 403 403 403 403 403 403 403",
    ),
    (
        "DELETE /need-categories/{id}",
        "admin",
        "204 403 403 403 403 403 403 403",
    ),
    // Surveys: run by staff of their school (district-wide ones by admins); a partner sees
    // only open surveys addressed to partners (this one is a draft: 404 to partners).
    (
        "GET /surveys",
        "agreements:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "POST /surveys",
        "agreements:write",
        "201 201 403 403 403 403 201 403",
    ),
    (
        "GET /surveys/{id}",
        "agreements:read",
        "200 200 200 404 404 200 200 403",
    ),
    (
        "PUT /surveys/{id}",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "PATCH /surveys/{id}",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "DELETE /surveys/{id}",
        "agreements:write",
        "204 204 403 403 403 403 204 403",
    ),
    // Answering: anyone who sees the survey; this one is a draft, so it takes no answers
    // (409). The public link is the same for everyone, token or not (a wrong key: 404).
    // What families need: anyone who reads partners and agreements (a partner sees itself
    // among the partners).
    (
        "GET /community-needs",
        "partners:read agreements:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "GET /surveys/{id}/results",
        "agreements:read",
        "200 200 200 404 404 200 200 403",
    ),
    // Invitation codes: those who run the survey (staff of its school, admin, integrations
    // granted agreements:write).
    (
        "POST /surveys/{id}/invitations",
        "agreements:write",
        "201 201 403 403 403 403 201 403",
    ),
    (
        "POST /surveys/{id}/responses",
        "agreements:read",
        "409 409 409 404 404 409 409 403",
    ),
    (
        "GET /public/surveys/{token}",
        "",
        "404 404 404 404 404 404 404 404",
    ),
    (
        "POST /public/surveys/{token}/responses",
        "",
        "404 404 404 404 404 404 404 404",
    ),
    // Committees of the school, with the partner's contact seated (another partner does not
    // see them); their members, meetings and communication plans. Staff write for their
    // school; a partner reads only.
    (
        "GET /committees",
        "agreements:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "POST /committees",
        "agreements:write",
        "201 201 403 403 403 403 201 403",
    ),
    (
        "GET /committees/{id}",
        "agreements:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "PUT /committees/{id}",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "PATCH /committees/{id}",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "DELETE /committees/{id}",
        "agreements:write",
        "204 204 403 403 403 403 204 403",
    ),
    (
        "GET /committees/{committee_id}/members",
        "agreements:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "POST /committees/{committee_id}/members",
        "agreements:write",
        "201 201 403 403 403 403 201 403",
    ),
    (
        "GET /committees/{committee_id}/members/{id}",
        "agreements:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "PUT /committees/{committee_id}/members/{id}",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "PATCH /committees/{committee_id}/members/{id}",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "DELETE /committees/{committee_id}/members/{id}",
        "agreements:write",
        "204 204 403 403 403 403 204 403",
    ),
    (
        "GET /committees/{committee_id}/meetings",
        "agreements:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "POST /committees/{committee_id}/meetings",
        "agreements:write",
        "201 201 403 403 403 403 201 403",
    ),
    (
        "GET /committees/{committee_id}/meetings/{id}",
        "agreements:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "PUT /committees/{committee_id}/meetings/{id}",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "PATCH /committees/{committee_id}/meetings/{id}",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "DELETE /committees/{committee_id}/meetings/{id}",
        "agreements:write",
        "204 204 403 403 403 403 204 403",
    ),
    (
        "GET /communication-plans",
        "agreements:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "POST /communication-plans",
        "agreements:write",
        "201 201 403 403 403 403 201 403",
    ),
    (
        "GET /communication-plans/{id}",
        "agreements:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "PUT /communication-plans/{id}",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "PATCH /communication-plans/{id}",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "DELETE /communication-plans/{id}",
        "agreements:write",
        "204 204 403 403 403 403 204 403",
    ),
    // Facilities of the school (staff of the school keep them) and a booking the partner asked
    // for: a partner asks for, changes and withdraws its own with agreements:read (another
    // partner does not see it); the open facilities are public.
    (
        "GET /facilities",
        "agreements:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "POST /facilities",
        "agreements:write",
        "201 201 403 403 403 403 201 403",
    ),
    (
        "GET /facilities/{id}",
        "agreements:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "PUT /facilities/{id}",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "PATCH /facilities/{id}",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "DELETE /facilities/{id}",
        "agreements:write",
        "204 204 403 403 403 403 204 403",
    ),
    (
        "GET /facility-bookings",
        "agreements:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "POST /facility-bookings",
        "agreements:write",
        "201 201 403 201 403 403 201 403",
    ),
    (
        "GET /facility-bookings/{id}",
        "agreements:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "PUT /facility-bookings/{id}",
        "agreements:write",
        "200 200 403 200 404 403 200 403",
    ),
    (
        "PATCH /facility-bookings/{id}",
        "agreements:write",
        "200 200 403 200 404 403 200 403",
    ),
    (
        "DELETE /facility-bookings/{id}",
        "agreements:write",
        "204 204 403 204 404 403 204 403",
    ),
    (
        "GET /public/facilities",
        "",
        "200 200 200 200 200 200 200 200",
    ),
    // Stories of the school naming the partner (a draft: another partner does not see it;
    // the showcase shows only published stories, so its slug is 404 to everyone).
    (
        "GET /stories",
        "agreements:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "POST /stories",
        "agreements:write",
        "201 201 403 403 403 403 201 403",
    ),
    (
        "GET /stories/{id}",
        "agreements:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "PUT /stories/{id}",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "PATCH /stories/{id}",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "DELETE /stories/{id}",
        "agreements:write",
        "204 204 403 403 403 403 204 403",
    ),
    ("GET /public/stories", "", "200 200 200 200 200 200 200 200"),
    (
        "GET /public/stories.atom",
        "",
        "200 200 200 200 200 200 200 200",
    ),
    (
        "GET /public/stories/{slug}",
        "",
        "404 404 404 404 404 404 404 404",
    ),
    // The relationship inventory: a teacher of the school knows the partner. Staff write for
    // their school (a sheet of another school's rows is refused row by row: 422); partner
    // accounts read none of it.
    (
        "GET /relationships",
        "partners:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "POST /relationships",
        "partners:write",
        "201 201 403 403 403 403 201 403",
    ),
    (
        "GET /relationships/{id}",
        "partners:read",
        "200 200 200 404 404 200 200 403",
    ),
    (
        "PUT /relationships/{id}",
        "partners:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "PATCH /relationships/{id}",
        "partners:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "DELETE /relationships/{id}",
        "partners:write",
        "204 204 403 403 403 403 204 403",
    ),
    (
        "POST /relationships/batch",
        "partners:write",
        "200 200 422 403 403 403 200 403",
    ),
    // Procedures: administrators write; this one is for partners, so every reader reads it
    // and its history.
    (
        "GET /procedures",
        "agreements:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "POST /procedures",
        "admin",
        "201 403 403 403 403 403 403 403",
    ),
    (
        "GET /procedures/{id}",
        "agreements:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "PUT /procedures/{id}",
        "admin",
        "200 403 403 403 403 403 403 403",
    ),
    (
        "PATCH /procedures/{id}",
        "admin",
        "200 403 403 403 403 403 403 403",
    ),
    (
        "DELETE /procedures/{id}",
        "admin",
        "204 403 403 403 403 403 403 403",
    ),
    (
        "GET /procedures/{id}/versions",
        "agreements:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "GET /procedures/{id}/versions/{version}",
        "agreements:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "GET /procedures/{id}/versions/{version}/diff",
        "agreements:read",
        "200 200 200 200 200 200 200 403",
    ),
    // The opportunities board: an open ask of the school; the partner's pending response
    // (another partner does not see it). A partner volunteers and withdraws with
    // agreements:read; matches rank partners, so partners do not read them.
    (
        "GET /opportunities",
        "agreements:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "POST /opportunities",
        "agreements:write",
        "201 201 403 403 403 403 201 403",
    ),
    (
        "GET /opportunities/{id}",
        "agreements:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "PUT /opportunities/{id}",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "PATCH /opportunities/{id}",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "DELETE /opportunities/{id}",
        "agreements:write",
        "204 204 403 403 403 403 204 403",
    ),
    (
        "GET /opportunities/{id}/matches",
        "agreements:read",
        "200 200 200 403 403 200 200 403",
    ),
    (
        "GET /opportunities/{opportunity_id}/responses",
        "agreements:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "POST /opportunities/{opportunity_id}/responses",
        "agreements:write",
        "201 201 403 201 403 403 201 403",
    ),
    (
        "GET /opportunities/{opportunity_id}/responses/{id}",
        "agreements:read",
        "200 200 200 200 404 200 200 403",
    ),
    (
        "PUT /opportunities/{opportunity_id}/responses/{id}",
        "agreements:write",
        "200 200 403 200 404 403 200 403",
    ),
    (
        "PATCH /opportunities/{opportunity_id}/responses/{id}",
        "agreements:write",
        "200 200 403 200 404 403 200 403",
    ),
    (
        "DELETE /opportunities/{opportunity_id}/responses/{id}",
        "agreements:write",
        "204 204 403 204 404 403 204 403",
    ),
    (
        "POST /opportunities/{opportunity_id}/responses/{id}/accept",
        "agreements:write",
        "200 200 403 403 403 403 200 403",
    ),
    (
        "GET /kpi-records",
        "kpi:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "POST /kpi-records/batch",
        "kpi:write",
        "200 403 403 403 403 403 200 403",
    ),
    // The change feed: every reader follows the resource types its scopes read (a partner,
    // only its own rows). It names no scope of its own: "with the scope" is an integration
    // holding none, refused; "without it" holds the rest, and follows.
    ("GET /changes", "", "200 200 200 200 200 200 403 200"),
    // Metrics are off in the test App (no METRICS_TOKEN), whoever asks.
    ("GET /metrics", "", "404 404 404 404 404 404 404 404"),
    // Calendar feeds: anyone who reads agreements makes and lists their own; a feed is
    // revoked by its creator or an admin (another caller does not see it: 404); the .ics is
    // public, its URL the key.
    (
        "POST /calendar-feeds",
        "agreements:read",
        "201 201 201 201 201 201 201 403",
    ),
    (
        "GET /calendar-feeds",
        "agreements:read",
        "200 200 200 200 200 200 200 403",
    ),
    (
        "DELETE /calendar-feeds/{id}",
        "agreements:read",
        "204 404 404 404 404 404 404 403",
    ),
    (
        "GET /calendars/{token}.ics",
        "",
        "200 200 200 200 200 200 200 200",
    ),
    (
        "GET /dashboards/district",
        "agreements:read partners:read kpi:read",
        "200 200 200 403 403 200 200 403",
    ),
    // administration: the admin role only (no integration holds `admin`).
    ("GET /webhooks", "admin", "200 403 403 403 403 403 403 403"),
    ("POST /webhooks", "admin", "201 403 403 403 403 403 403 403"),
    (
        "GET /webhooks/{id}",
        "admin",
        "200 403 403 403 403 403 403 403",
    ),
    (
        "PATCH /webhooks/{id}",
        "admin",
        "200 403 403 403 403 403 403 403",
    ),
    (
        "DELETE /webhooks/{id}",
        "admin",
        "204 403 403 403 403 403 403 403",
    ),
    (
        "POST /webhooks/{id}/ping",
        "admin",
        "202 403 403 403 403 403 403 403",
    ),
    (
        "GET /webhooks/{id}/deliveries",
        "admin",
        "200 403 403 403 403 403 403 403",
    ),
    (
        "POST /webhooks/{id}/deliveries/{delivery_id}/redeliver",
        "admin",
        "202 403 403 403 403 403 403 403",
    ),
    ("GET /clients", "admin", "200 403 403 403 403 403 403 403"),
    ("POST /clients", "admin", "201 403 403 403 403 403 403 403"),
    (
        "GET /clients/{id}",
        "admin",
        "200 403 403 403 403 403 403 403",
    ),
    (
        "PATCH /clients/{id}",
        "admin",
        "200 403 403 403 403 403 403 403",
    ),
    (
        "POST /clients/{id}/revoke",
        "admin",
        "200 403 403 403 403 403 403 403",
    ),
    (
        "POST /clients/{id}/secret",
        "admin",
        "200 403 403 403 403 403 403 403",
    ),
    ("GET /users", "admin", "200 403 403 403 403 403 403 403"),
    ("POST /users", "admin", "201 403 403 403 403 403 403 403"),
    (
        "GET /users/{id}",
        "admin",
        "200 403 403 403 403 403 403 403",
    ),
    (
        "PATCH /users/{id}",
        "admin",
        "200 403 403 403 403 403 403 403",
    ),
    (
        "GET /audit-events",
        "admin",
        "200 403 403 403 403 403 403 403",
    ),
    // public: the same for everyone (wrong credentials here).
    ("POST /oauth/token", "", "401 401 401 401 401 401 401 401"),
    ("POST /auth/login", "", "401 401 401 401 401 401 401 401"),
    ("GET /healthz", "", "200 200 200 200 200 200 200 200"),
    ("GET /readyz", "", "200 200 200 200 200 200 200 200"),
];

/// What the requests are made against.
struct World {
    school: String,
    other_school: String,
    partner: String,
    contact: String,
    vetting: String,
    agreement: String,
    kpi: String,
    group: String,
    /// The token of a calendar feed the admin made.
    calendar: String,
    webhook: String,
    /// A draft survey of the school.
    survey: String,
    /// A committee of the school, the partner's contact seated on it, a meeting of it, and
    /// a communication plan it owns.
    committee: String,
    member: String,
    meeting: String,
    plan: String,
    /// A facility of the school open to requests, and a booking the partner asked for.
    facility: String,
    booking: String,
    /// A draft story of the school naming the partner, its slug `matrix-story`.
    story: String,
    /// A teacher of the school knows the partner.
    relationship: String,
    /// A procedure for partners, at version 2.
    procedure: String,
    /// An open opportunity of the school, and the partner's pending response to it.
    opportunity: String,
    response: String,
    /// A ping queued for `webhook`.
    delivery: String,
    target: String,
    responsibility: String,
    item: String,
    activity: String,
    level: String,
    client: String,
    user: String,
    /// Continuum ranks are unique (1 to 100): handed out one by one within this world.
    ranks: AtomicUsize,
}

static SERIAL: AtomicUsize = AtomicUsize::new(0);

fn serial() -> usize {
    SERIAL.fetch_add(1, Ordering::Relaxed)
}

fn survey_body(world: &World, title: &str) -> Value {
    json!({"title": title, "purpose": "feedback", "audiences": ["families"],
           "school_id": world.school, "opens_on": "2027-01-10", "closes_on": "2027-02-10",
           "questions": [{"code": "overall", "prompt": "How did it go?", "kind": "scale"}]})
}

fn committee_body(world: &World, name: &str) -> Value {
    json!({"name": name, "kind": "site_council", "school_id": world.school})
}

fn plan_body(world: &World, title: &str) -> Value {
    json!({"title": title, "school_id": world.school, "committee_id": world.committee,
           "channels": [{"channel": "newsletter", "languages": ["en"]}],
           "tasks": [{"title": "Newsletter", "due_on": "2027-01-15", "channel": "newsletter"}]})
}

fn facility_body(world: &World, name: &str) -> Value {
    json!({"school_id": world.school, "name": name, "kind": "gym", "community_requestable": true})
}

fn booking_body(world: &World, purpose: &str) -> Value {
    json!({"facility_id": world.facility, "partner_id": world.partner, "purpose": purpose,
           "starts_at": "2027-03-01T17:00:00Z", "ends_at": "2027-03-01T19:00:00Z"})
}

fn story_body(world: &World, slug: &str, title: &str) -> Value {
    json!({"title": title, "slug": slug, "body": "What happened.", "school_ids": [world.school],
           "partner_ids": [world.partner]})
}

fn relationship_body(world: &World, teacher: &str) -> Value {
    json!({"teacher_name": teacher, "school_id": world.school, "partner_id": world.partner,
           "kinds": ["speaker"]})
}

fn procedure_body(title: &str) -> Value {
    json!({"title": title, "audience": "partners", "body": "Sign in at the office."})
}

fn opportunity_body(world: &World, title: &str) -> Value {
    json!({"title": title, "description": "Students build bridges.", "school_id": world.school,
           "offerings": ["speaker"], "starts_on": "2027-02-01", "ends_on": "2027-03-01",
           "involves_students": false})
}

fn agreement_body(world: &World, title: &str) -> Value {
    json!({"title": title, "lead_partner_id": world.partner, "school_ids": [world.school],
           "start_date": "2027-01-01", "end_date": "2027-12-31", "involves_students": false})
}

async fn make<A: TestApp>(admin: &A, uri: &str, body: Value) -> String {
    post(admin, uri, body).await.expect(201).id()
}

/// The request an operation is called with: on the world's resources, or on one made for this
/// call when the call deletes or moves it.
async fn request_for<A: TestApp>(admin: &A, w: &World, op: &str) -> TestRequest {
    let n = serial();
    let a = &w.agreement;
    let (method, path) = op.split_once(' ').unwrap_or_default();
    let body: Option<Value> = match op {
        "POST /schools" => Some(json!({"name": format!("School {n}")})),
        "PUT /schools/{id}" => Some(json!({"name": "Matrix School", "state_id": format!("S{n}")})),
        "PATCH /schools/{id}" => Some(json!({"state_id": format!("P{n}")})),
        "POST /partners" => Some(json!({"name": format!("Partner {n}"), "kind": "other"})),
        "PUT /partners/{id}" => {
            Some(json!({"name": "Own", "kind": "museum", "description": format!("put {n}")}))
        }
        "PATCH /partners/{id}" => Some(json!({"description": format!("patch {n}")})),
        "POST /partners/{partner_id}/contacts" => Some(json!({"name": format!("Contact {n}")})),
        "PUT /partners/{partner_id}/contacts/{id}" => {
            Some(json!({"name": "Own contact", "role": format!("r{n}")}))
        }
        "PATCH /partners/{partner_id}/contacts/{id}" => Some(json!({"role": format!("p{n}")})),
        "POST /partners/{partner_id}/vetting" => {
            Some(json!({"status": "pending", "evidence": format!("reference {n}")}))
        }
        "POST /continuum-levels" => Some(
            json!({"rank": w.ranks.fetch_add(1, Ordering::Relaxed), "name": format!("Level {n}")}),
        ),
        "PUT /continuum-levels/{id}" => {
            Some(json!({"rank": 99, "name": format!("Matrix level {n}")}))
        }
        "PATCH /continuum-levels/{id}" => Some(json!({"description": format!("d{n}")})),
        "POST /agreements" => Some(agreement_body(w, &format!("Agreement {n}"))),
        "PUT /agreements/{id}" => Some(agreement_body(w, &format!("Matrix agreement {n}"))),
        "PATCH /agreements/{id}" => Some(json!({"purpose": format!("purpose {n}")})),
        "POST /agreements/{id}/transitions" => Some(json!({"to": "proposed"})),
        "POST /agreements/{agreement_id}/kpi-targets" => Some(
            json!({"kpi_code": "matrix_kpi", "student_group": format!("g{n}"), "target_value": 90, "target_date": "2027-06-30"}),
        ),
        "PUT /agreements/{agreement_id}/kpi-targets/{id}" => Some(
            json!({"kpi_code": "matrix_kpi", "student_group": "all", "target_value": 50 + n % 40, "target_date": "2027-06-30"}),
        ),
        "PATCH /agreements/{agreement_id}/kpi-targets/{id}" => {
            Some(json!({"notes": format!("n{n}")}))
        }
        "POST /agreements/{agreement_id}/responsibilities" => {
            Some(json!({"party": "school", "description": format!("Task {n}")}))
        }
        "PUT /agreements/{agreement_id}/responsibilities/{id}" => {
            Some(json!({"party": "partner", "description": format!("Curate {n}")}))
        }
        "PATCH /agreements/{agreement_id}/responsibilities/{id}" => {
            Some(json!({"status": if n % 2 == 0 { "in_progress" } else { "planned" }}))
        }
        "POST /agreements/{agreement_id}/timeline" => Some(
            json!({"kind": "event", "title": format!("Event {n}"), "scheduled_on": "2027-03-01"}),
        ),
        "PUT /agreements/{agreement_id}/timeline/{id}" => Some(
            json!({"kind": "milestone", "title": format!("Milestone {n}"), "scheduled_on": "2027-04-01"}),
        ),
        "PATCH /agreements/{agreement_id}/timeline/{id}" => Some(json!({"notes": format!("n{n}")})),
        "PUT /agreements/{agreement_id}/timeline/{id}/check-in" => {
            Some(json!({"notes": format!("held {n}")}))
        }
        "POST /activities" | "PUT /activities/{id}" => Some(
            json!({"partner_id": w.partner, "school_id": w.school, "agreement_id": a, "kind": "talk",
                   "occurred_on": "2026-10-01", "hours": 1 + n % 5}),
        ),
        "PATCH /activities/{id}" => Some(json!({"notes": format!("n{n}")})),
        "POST /kpi-definitions" => Some(
            json!({"code": format!("kpi_{n}"), "name": "K", "unit": "count",
            "direction": "neutral", "aggregation": "sum"}),
        ),
        "PUT /kpi-definitions/{id}" => {
            Some(json!({"code": "matrix_kpi", "name": format!("Matrix {n}"),
            "unit": "percent", "direction": "higher_is_better", "aggregation": "weighted_mean"}))
        }
        "PATCH /kpi-definitions/{id}" => Some(json!({"description": format!("d{n}")})),
        "POST /student-groups" => Some(json!({"code": format!("sg_{n}"), "name": "S"})),
        "POST /calendar-feeds" => Some(json!({"scope": "district"})),
        "POST /surveys" | "PUT /surveys/{id}" => Some(survey_body(w, &format!("Survey {n}"))),
        "PATCH /surveys/{id}" => Some(json!({"title": format!("Renamed {n}")})),
        "POST /surveys/{id}/invitations" => Some(json!({"count": 2})),
        "POST /surveys/{id}/responses" | "POST /public/surveys/{token}/responses" => {
            Some(json!({"answers": {"overall": 4}, "audience": "families"}))
        }
        "POST /committees" | "PUT /committees/{id}" => {
            Some(committee_body(w, &format!("Council {n}")))
        }
        "PATCH /committees/{id}" => Some(json!({"purpose": format!("purpose {n}")})),
        "POST /committees/{committee_id}/members" => Some(
            json!({"name": format!("Parent {n}"), "role": "member", "represents": "family", "term_start": "2026-09-01"}),
        ),
        "PUT /committees/{committee_id}/members/{id}" => Some(
            json!({"contact_id": w.contact, "role": "member", "represents": "business", "term_start": format!("2026-09-{:02}", 1 + n % 28)}),
        ),
        "PATCH /committees/{committee_id}/members/{id}" => {
            Some(json!({"role": if n % 2 == 0 { "secretary" } else { "member" }}))
        }
        "POST /committees/{committee_id}/meetings"
        | "PUT /committees/{committee_id}/meetings/{id}" => {
            Some(json!({"held_on": "2026-11-01", "agenda": format!("Agenda {n}")}))
        }
        "PATCH /committees/{committee_id}/meetings/{id}" => {
            Some(json!({"minutes": format!("m{n}")}))
        }
        "POST /communication-plans" | "PUT /communication-plans/{id}" => {
            Some(plan_body(w, &format!("Plan {n}")))
        }
        "PATCH /communication-plans/{id}" => Some(json!({"goals": [format!("goal {n}")]})),
        "POST /facilities" | "PUT /facilities/{id}" => Some(facility_body(w, &format!("Gym {n}"))),
        "PATCH /facilities/{id}" => Some(json!({"rules": format!("rule {n}")})),
        "POST /facility-bookings" | "PUT /facility-bookings/{id}" => {
            Some(booking_body(w, &format!("Meeting {n}")))
        }
        "PATCH /facility-bookings/{id}" => Some(json!({"purpose": format!("Meeting {n}")})),
        "POST /stories" => Some(story_body(w, &format!("story-{n}"), &format!("Story {n}"))),
        "PUT /stories/{id}" => Some(story_body(w, "matrix-story", &format!("Story {n}"))),
        "PATCH /stories/{id}" => Some(json!({"summary": format!("s{n}")})),
        "POST /relationships" | "PUT /relationships/{id}" => {
            Some(relationship_body(w, &format!("Teacher {n}")))
        }
        "PATCH /relationships/{id}" => Some(json!({"notes": format!("n{n}")})),
        "POST /procedures" | "PUT /procedures/{id}" => {
            Some(procedure_body(&format!("Procedure {n}")))
        }
        "PATCH /procedures/{id}" => Some(json!({"tags": [format!("t{n}")]})),
        "POST /opportunities" | "PUT /opportunities/{id}" => {
            Some(opportunity_body(w, &format!("Ask {n}")))
        }
        "PATCH /opportunities/{id}" => Some(json!({"grade_band": format!("g{n}")})),
        "POST /opportunities/{opportunity_id}/responses"
        | "PUT /opportunities/{opportunity_id}/responses/{id}" => {
            Some(json!({"message": format!("We can help {n}"), "partner_id": w.partner}))
        }
        "PATCH /opportunities/{opportunity_id}/responses/{id}" => {
            Some(json!({"message": format!("Still keen {n}")}))
        }
        "POST /opportunities/{opportunity_id}/responses/{id}/accept" => {
            Some(json!({"create": "nothing"}))
        }
        "POST /need-categories" => Some(json!({"code": format!("need_{n}"), "name": "N"})),
        "PUT /need-categories/{id}" => Some(
            json!({"code": "internet_access", "name": format!("Internet {n}"), "offerings": ["internet_access"]}),
        ),
        "PATCH /need-categories/{id}" => Some(json!({"description": format!("d{n}")})),
        "POST /webhooks" => {
            Some(json!({"url": format!("https://hooks.district.example.org/{n}"), "events": ["*"]}))
        }
        "PATCH /webhooks/{id}" => Some(json!({"description": format!("d{n}")})),
        "PUT /student-groups/{id}" => Some(
            json!({"code": "matrix_group", "name": format!("Matrix {n}"),
            "part_of": "all", "dimension": "matrix"}),
        ),
        "PATCH /student-groups/{id}" => Some(json!({"name": format!("Renamed {n}")})),
        "POST /kpi-records/batch" => Some(json!([{"kpi_code": "matrix_kpi", "school_id": w.school,
            "student_group": "all", "period_start": "2026-09-01", "period_end": "2026-09-30",
            "value": 90 + n % 9, "n": 400}])),
        "POST /clients" => Some(json!({"name": format!("Client {n}"), "role": "viewer"})),
        "PATCH /clients/{id}" => Some(json!({"name": format!("Renamed {n}")})),
        "POST /users" => {
            Some(json!({"email": format!("u{n}@matrix.example"), "name": "N", "role": "viewer"}))
        }
        "PATCH /users/{id}" => Some(json!({"name": format!("Renamed {n}")})),
        "POST /auth/login" => {
            Some(json!({"email": "nobody@matrix.example", "password": "not the password"}))
        }
        _ => None,
    };
    // A target names a group of the catalogue, and an agreement has one target per KPI and
    // group: a fresh group for each new target.
    if matches!(
        op,
        "POST /agreements/{agreement_id}/kpi-targets"
            | "DELETE /agreements/{agreement_id}/kpi-targets/{id}"
    ) {
        make(
            admin,
            "/api/v1/student-groups",
            json!({"code": format!("g{n}"), "name": "G"}),
        )
        .await;
    }
    // One response a partner: a fresh opportunity for calls that add or remove one.
    let opportunity = match op {
        "POST /opportunities/{opportunity_id}/responses"
        | "DELETE /opportunities/{opportunity_id}/responses/{id}"
        | "POST /opportunities/{opportunity_id}/responses/{id}/accept" => {
            make(
                admin,
                "/api/v1/opportunities",
                opportunity_body(w, &format!("Fresh {n}")),
            )
            .await
        }
        _ => w.opportunity.clone(),
    };
    // Deleted, revoked or moved: a fresh one for this call.
    let fresh = match op {
        "DELETE /opportunities/{opportunity_id}/responses/{id}"
        | "POST /opportunities/{opportunity_id}/responses/{id}/accept" => {
            make(admin, &format!("/api/v1/opportunities/{opportunity}/responses"),
                json!({"message": "Doomed", "partner_id": w.partner})).await
        }
        "DELETE /opportunities/{id}" => {
            make(admin, "/api/v1/opportunities", opportunity_body(w, &format!("Doomed {n}"))).await
        }
        "DELETE /schools/{id}" => make(admin, "/api/v1/schools", json!({"name": format!("Doomed {n}")})).await,
        "DELETE /partners/{id}" => {
            make(admin, "/api/v1/partners", json!({"name": format!("Doomed {n}"), "kind": "other"})).await
        }
        "DELETE /partners/{partner_id}/contacts/{id}" => {
            make(admin, &format!("/api/v1/partners/{}/contacts", w.partner), json!({"name": "Doomed"})).await
        }
        "DELETE /continuum-levels/{id}" => {
            make(admin, "/api/v1/continuum-levels", json!({"rank": w.ranks.fetch_add(1, Ordering::Relaxed), "name": format!("Doomed {n}")})).await
        }
        "DELETE /agreements/{id}" | "POST /agreements/{id}/transitions" => {
            make(admin, "/api/v1/agreements", agreement_body(w, &format!("Doomed {n}"))).await
        }
        "DELETE /agreements/{agreement_id}/kpi-targets/{id}" => {
            make(admin, &format!("/api/v1/agreements/{a}/kpi-targets"),
                json!({"kpi_code": "matrix_kpi", "student_group": format!("g{n}"), "target_value": 1, "target_date": "2027-06-30"})).await
        }
        "DELETE /agreements/{agreement_id}/responsibilities/{id}" => {
            make(admin, &format!("/api/v1/agreements/{a}/responsibilities"),
                json!({"party": "district", "description": "Doomed"})).await
        }
        "DELETE /agreements/{agreement_id}/timeline/{id}" => {
            make(admin, &format!("/api/v1/agreements/{a}/timeline"),
                json!({"kind": "event", "title": "Doomed", "scheduled_on": "2027-05-01"})).await
        }
        "DELETE /activities/{id}" => {
            make(admin, "/api/v1/activities", json!({"partner_id": w.partner, "school_id": w.school,
                "agreement_id": a, "kind": "tour", "occurred_on": "2026-10-02"})).await
        }
        "DELETE /kpi-definitions/{id}" => {
            make(admin, "/api/v1/kpi-definitions", json!({"code": format!("doomed_{n}"), "name": "D",
                "unit": "count", "direction": "neutral", "aggregation": "sum"})).await
        }
        "DELETE /calendar-feeds/{id}" => {
            make(admin, "/api/v1/calendar-feeds", json!({"scope": "district"})).await
        }
        "DELETE /surveys/{id}" => {
            make(admin, "/api/v1/surveys", survey_body(w, &format!("Doomed {n}"))).await
        }
        "DELETE /committees/{id}" => {
            make(admin, "/api/v1/committees", committee_body(w, &format!("Doomed {n}"))).await
        }
        "DELETE /committees/{committee_id}/members/{id}" => {
            make(admin, &format!("/api/v1/committees/{}/members", w.committee),
                json!({"name": "Doomed", "role": "member", "represents": "community", "term_start": "2026-09-01"})).await
        }
        "DELETE /committees/{committee_id}/meetings/{id}" => {
            make(admin, &format!("/api/v1/committees/{}/meetings", w.committee), json!({"held_on": "2026-10-01"})).await
        }
        "DELETE /communication-plans/{id}" => {
            make(admin, "/api/v1/communication-plans", plan_body(w, &format!("Doomed {n}"))).await
        }
        "DELETE /facilities/{id}" => {
            make(admin, "/api/v1/facilities", facility_body(w, &format!("Doomed {n}"))).await
        }
        "DELETE /facility-bookings/{id}" => {
            make(admin, "/api/v1/facility-bookings", booking_body(w, &format!("Doomed {n}"))).await
        }
        "DELETE /stories/{id}" => {
            make(admin, "/api/v1/stories", story_body(w, &format!("doomed-{n}"), "Doomed")).await
        }
        "DELETE /relationships/{id}" => {
            make(admin, "/api/v1/relationships", relationship_body(w, "Doomed")).await
        }
        "DELETE /procedures/{id}" => {
            make(admin, "/api/v1/procedures", procedure_body("Doomed")).await
        }
        "DELETE /need-categories/{id}" => {
            make(admin, "/api/v1/need-categories", json!({"code": format!("doomed_{n}"), "name": "D"})).await
        }
        "DELETE /webhooks/{id}" => {
            make(admin, "/api/v1/webhooks", json!({"url": "https://hooks.district.example.org/doomed", "events": ["*"]})).await
        }
        "DELETE /student-groups/{id}" => {
            make(admin, "/api/v1/student-groups", json!({"code": format!("doomed_{n}"), "name": "D"})).await
        }
        "POST /clients/{id}/revoke" | "POST /clients/{id}/secret" => {
            make(admin, "/api/v1/clients", json!({"name": format!("Doomed {n}"), "role": "viewer"})).await
        }
        _ => String::new(),
    };
    let pick = |own: &str| {
        if fresh.is_empty() {
            own.to_owned()
        } else {
            fresh.clone()
        }
    };
    let uri = path
        .replace("{partner_id}", &w.partner)
        .replace("{agreement_id}", a)
        .replace("{committee_id}", &w.committee)
        .replace("{opportunity_id}", &opportunity)
        .replace("{slug}", "matrix-story")
        .replace("{version}", "2")
        .replace("{token}", &w.calendar)
        .replace("{delivery_id}", &w.delivery)
        .replace(
            "{id}",
            &match path {
                p if p.starts_with("/schools/") => pick(&w.school),
                p if p.starts_with("/partners/{partner_id}/contacts/") => pick(&w.contact),
                p if p.starts_with("/partners/{partner_id}/vetting/") => pick(&w.vetting),
                p if p.starts_with("/partners/") => pick(&w.partner),
                p if p.starts_with("/continuum-levels/") => pick(&w.level),
                p if p.contains("/kpi-targets/") => pick(&w.target),
                p if p.contains("/responsibilities/") => pick(&w.responsibility),
                p if p.contains("/timeline/") => pick(&w.item),
                p if p.starts_with("/agreements/") => pick(a),
                p if p.starts_with("/activities/") => pick(&w.activity),
                p if p.starts_with("/kpi-definitions/") => pick(&w.kpi),
                p if p.starts_with("/student-groups/") => pick(&w.group),
                p if p.starts_with("/calendar-feeds/") => pick(""),
                p if p.starts_with("/webhooks/") => pick(&w.webhook),
                p if p.starts_with("/need-categories/") => pick("internet_access"),
                p if p.starts_with("/surveys/") => pick(&w.survey),
                p if p.contains("/members/") => pick(&w.member),
                p if p.contains("/meetings/") => pick(&w.meeting),
                p if p.starts_with("/committees/") => pick(&w.committee),
                p if p.starts_with("/communication-plans/") => pick(&w.plan),
                p if p.starts_with("/facilities/") => pick(&w.facility),
                p if p.starts_with("/stories/") => pick(&w.story),
                p if p.starts_with("/relationships/") => pick(&w.relationship),
                p if p.starts_with("/procedures/") => pick(&w.procedure),
                p if p.contains("/responses/") && p.starts_with("/opportunities/") => {
                    pick(&w.response)
                }
                p if p.starts_with("/opportunities/") => pick(&w.opportunity),
                p if p.starts_with("/facility-bookings/") => pick(&w.booking),
                p if p.starts_with("/clients/") => pick(&w.client),
                p if p.starts_with("/users/") => pick(&w.user),
                _ => String::new(),
            },
        );
    let uri = match path {
        "/healthz" | "/readyz" | "/metrics" => uri,
        _ => format!("/api/v1{uri}"),
    };
    let method = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
    let req = TestRequest::default().method(method.clone()).uri(&uri);
    match (op, body) {
        ("POST /schools/import", _) => {
            req.insert_header(("content-type", "text/csv"))
                .set_payload(format!(
                    "sourcedId,status,name,type,identifier\nm-{n},active,Imported {n},school,\n"
                ))
        }
        ("POST /relationships/batch", _) => req
            .insert_header(("content-type", "text/csv"))
            .set_payload(format!(
                "teacher_name,school_id,partner_name\nTeacher {n},{},Own\n",
                w.school
            )),
        ("POST /oauth/token", _) => req
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(format!(
                "grant_type=client_credentials&client_id={}&client_secret=wrong",
                w.client
            )),
        (_, Some(body)) if method == actix_web::http::Method::PATCH => req
            .insert_header(("content-type", "application/merge-patch+json"))
            .set_payload(body.to_string()),
        (_, Some(body)) => req.set_json(body),
        (_, None) => req,
    }
}

async fn every_operation_for_every_caller(db: TestDb) {
    let admin = app(&db).await;
    let raw = raw_app(&db, auth_settings()).await;

    // The table and the document name the same operations, with the same scopes.
    let doc = serde_json::to_value(partnerships::openapi_document()).unwrap();
    let mut documented = BTreeSet::new();
    // Operations that take no token at all.
    let mut public_ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let path = path.trim_start_matches("/api/v1").to_owned();
            let key = format!("{} {path}", method.to_uppercase());
            let scopes: Vec<String> = op["security"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["oauth2"].as_array())
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect();
            let bearer = op["security"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|r| r.get("bearer").is_some());
            if !bearer {
                public_ops.insert(key.clone());
            }
            documented.insert((key, scopes.join(" ")));
        }
    }
    let tabled: BTreeSet<(String, String)> = TABLE
        .iter()
        .map(|(op, scopes, _)| (op.to_string(), scopes.to_string()))
        .collect();
    let missing: Vec<_> = documented.difference(&tabled).collect();
    let stale: Vec<_> = tabled.difference(&documented).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "operations (with their scopes) not in the table: {missing:?}; in the table but not documented so: {stale:?}"
    );

    // The world, made by the admin.
    let school = make(&admin, "/api/v1/schools", json!({"name": "Matrix School"})).await;
    let other_school = make(&admin, "/api/v1/schools", json!({"name": "Other School"})).await;
    let partner = make(
        &admin,
        "/api/v1/partners",
        json!({"name": "Own", "kind": "museum"}),
    )
    .await;
    let other_partner = make(
        &admin,
        "/api/v1/partners",
        json!({"name": "Other", "kind": "library"}),
    )
    .await;
    let contact = make(
        &admin,
        &format!("/api/v1/partners/{partner}/contacts"),
        json!({"name": "Own contact"}),
    )
    .await;
    let vetting = make(
        &admin,
        &format!("/api/v1/partners/{partner}/vetting"),
        json!({"status": "pending", "evidence": "Check requested"}),
    )
    .await;
    let kpi = make(
        &admin,
        "/api/v1/kpi-definitions",
        json!({"code": "matrix_kpi", "name": "Matrix", "unit": "percent",
               "direction": "higher_is_better", "aggregation": "weighted_mean"}),
    )
    .await;
    let level = make(
        &admin,
        "/api/v1/continuum-levels",
        json!({"rank": 99, "name": "Matrix level"}),
    )
    .await;
    let group = make(
        &admin,
        "/api/v1/student-groups",
        json!({"code": "matrix_group", "name": "Matrix"}),
    )
    .await;
    let feed = post(
        &admin,
        "/api/v1/calendar-feeds",
        json!({"scope": "district"}),
    )
    .await
    .expect(201);
    let calendar = feed.body["url"]
        .as_str()
        .unwrap()
        .trim_start_matches("/api/v1/calendars/")
        .trim_end_matches(".ics")
        .to_owned();
    let client = make(
        &admin,
        "/api/v1/clients",
        json!({"name": "Some client", "role": "viewer"}),
    )
    .await;
    let webhook = make(
        &admin,
        "/api/v1/webhooks",
        json!({"url": "https://hooks.district.example.org/matrix", "events": ["partner.*"]}),
    )
    .await;
    let delivery = post(
        &admin,
        &format!("/api/v1/webhooks/{webhook}/ping"),
        json!({}),
    )
    .await
    .expect(202)
    .id();
    let user = make(
        &admin,
        "/api/v1/users",
        json!({"email": "matrix@d.example", "name": "U", "role": "viewer"}),
    )
    .await;
    let mut world = World {
        school,
        other_school,
        partner,
        contact,
        vetting,
        agreement: String::new(),
        kpi,
        group,
        calendar,
        webhook,
        survey: String::new(),
        committee: String::new(),
        member: String::new(),
        meeting: String::new(),
        plan: String::new(),
        facility: String::new(),
        booking: String::new(),
        story: String::new(),
        relationship: String::new(),
        procedure: String::new(),
        opportunity: String::new(),
        response: String::new(),
        delivery,
        target: String::new(),
        responsibility: String::new(),
        item: String::new(),
        activity: String::new(),
        level,
        client,
        user,
        ranks: AtomicUsize::new(20),
    };
    world.agreement = make(
        &admin,
        "/api/v1/agreements",
        agreement_body(&world, "Matrix agreement"),
    )
    .await;
    world.survey = make(
        &admin,
        "/api/v1/surveys",
        survey_body(&world, "Matrix survey"),
    )
    .await;
    world.committee = make(
        &admin,
        "/api/v1/committees",
        committee_body(&world, "Matrix council"),
    )
    .await;
    world.member = make(
        &admin,
        &format!("/api/v1/committees/{}/members", world.committee),
        json!({"contact_id": world.contact, "role": "member", "represents": "business",
               "term_start": "2026-09-01"}),
    )
    .await;
    world.meeting = make(
        &admin,
        &format!("/api/v1/committees/{}/meetings", world.committee),
        json!({"held_on": "2026-10-15", "attendees": [world.member]}),
    )
    .await;
    world.plan = make(
        &admin,
        "/api/v1/communication-plans",
        plan_body(&world, "Matrix plan"),
    )
    .await;
    world.facility = make(
        &admin,
        "/api/v1/facilities",
        facility_body(&world, "Matrix gym"),
    )
    .await;
    world.booking = make(
        &admin,
        "/api/v1/facility-bookings",
        booking_body(&world, "Matrix meeting"),
    )
    .await;
    world.story = make(
        &admin,
        "/api/v1/stories",
        story_body(&world, "matrix-story", "Matrix story"),
    )
    .await;
    world.relationship = make(
        &admin,
        "/api/v1/relationships",
        relationship_body(&world, "Matrix teacher"),
    )
    .await;
    world.procedure = make(
        &admin,
        "/api/v1/procedures",
        procedure_body("Matrix procedure"),
    )
    .await;
    patch(
        &admin,
        &format!("/api/v1/procedures/{}", world.procedure),
        json!({"tags": ["matrix"]}),
    )
    .await
    .expect(200);
    world.opportunity = make(
        &admin,
        "/api/v1/opportunities",
        opportunity_body(&world, "Matrix ask"),
    )
    .await;
    world.response = make(
        &admin,
        &format!("/api/v1/opportunities/{}/responses", world.opportunity),
        json!({"message": "Matrix help", "partner_id": world.partner}),
    )
    .await;
    let a = world.agreement.clone();
    patch(
        &admin,
        &format!("/api/v1/agreements/{a}"),
        json!({"purpose": "version two"}),
    )
    .await
    .expect(200);
    world.target = make(
        &admin,
        &format!("/api/v1/agreements/{a}/kpi-targets"),
        json!({"kpi_code": "matrix_kpi", "student_group": "all", "target_value": 95, "target_date": "2027-06-30"}),
    )
    .await;
    // Partner side, unassigned, and the partner is the agreement's only partner: its own.
    world.responsibility = make(
        &admin,
        &format!("/api/v1/agreements/{a}/responsibilities"),
        json!({"party": "partner", "description": "Curate"}),
    )
    .await;
    world.item = make(
        &admin,
        &format!("/api/v1/agreements/{a}/timeline"),
        json!({"kind": "milestone", "title": "Milestone", "scheduled_on": "2027-02-01"}),
    )
    .await;
    world.activity = make(
        &admin,
        "/api/v1/activities",
        json!({"partner_id": world.partner, "school_id": world.school, "agreement_id": a,
               "kind": "talk", "occurred_on": "2026-09-15"}),
    )
    .await;

    // The callers; the integrations are made per operation from its scopes.
    let fixed = [
        principal(&db, Role::Admin, &[], None),
        staff(&db, &[&world.school]),
        staff(&db, &[&world.other_school]),
        principal(&db, Role::Partner, &[], Some(&world.partner)),
        principal(&db, Role::Partner, &[], Some(&other_partner)),
        principal(&db, Role::Viewer, &[], None),
    ];
    let mut checked = 0;
    for (op, scopes, expected) in TABLE {
        let expected: Vec<u16> = expected.split(' ').map(|s| s.parse().unwrap()).collect();
        assert_eq!(expected.len(), CALLERS.len(), "{op}: one status per caller");
        let needed: Vec<Scope> = scopes
            .split_whitespace()
            .map(|s| Scope::parse(s).unwrap())
            .collect();
        let without: Vec<Scope> = Scope::ALL
            .iter()
            .copied()
            .filter(|s| *s != Scope::Admin && !needed.iter().any(|n| expand([*s]).contains(n)))
            .collect();
        let with = principal(&db, Role::Integration, &needed, None);
        let lacking = principal(&db, Role::Integration, &without, None);
        let callers: Vec<&Principal> = fixed.iter().chain([&with, &lacking]).collect();
        for (i, (caller, (who, status))) in callers
            .iter()
            .zip(CALLERS.iter().zip(&expected))
            .enumerate()
        {
            let req = request_for(&admin, &world, op)
                .await
                .insert_header(caller.header());
            let reply = send(&raw, req).await;
            assert_eq!(
                reply.status.as_u16(),
                *status,
                "{op} as {who}: {}",
                reply.text
            );
            if *op == "GET /surveys/{id}/results" && *status == 200 {
                let live = SURVEY_RESULTS_READ.split(' ').nth(i) == Some("live");
                assert_eq!(reply.body["live"], live, "{op} as {who}: {}", reply.text);
            }
            checked += 1;
        }
        // No token at all.
        let public = public_ops.contains(*op);
        let reply = send(&raw, request_for(&admin, &world, op).await).await;
        let anonymous = if public { expected[0] } else { 401 };
        assert_eq!(
            reply.status.as_u16(),
            anonymous,
            "{op} without a token: {}",
            reply.text
        );
        checked += 1;
    }
    assert_eq!(checked, TABLE.len() * (CALLERS.len() + 1));
}
