//! Routes for `/facilities`, and the public list of open facilities.

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse};

use super::model::{Facilities, Facility, FacilityInput, FacilityQuery};
use super::public::{
    busy_and_free, window, PublicFacilities, PublicFacilitiesQuery, PublicFacility, MAX_FACILITIES,
};
use super::store::{self, FacilityFilter};
use auth::limits::PublicLimit;
use platform::db::{self, DbPool};
use platform::error::ApiError;

pipeline::resource_api! {
    resource: Facilities, tag: "outreach",
    collection: "/facilities", item: "/facilities/{id}",
    parent: [],
    filter: FacilityQuery, sort: platform::db::keyset::ListSort, input: FacilityInput, output: Facility,
    /// A school's spaces: gym, computer lab, library, auditorium, classroom, field, kitchen.
    ///
    /// Needs `agreements:read`: admin, staff, viewer and partner accounts, and integrations
    /// granted it; every caller sees every school's facilities.
    list: list_facilities,
    /// Describe a space of a school (staff of the school, or administrators).
    ///
    /// Needs `agreements:write` (admin, staff, integrations granted it); staff only for their
    /// own schools (403). `school_id` must be an existing school (422 `not_found`).
    create: create_facility,
    /// One facility.
    ///
    /// Needs `agreements:read`; every reader sees every facility.
    get: get_facility,
    /// Replace a facility.
    ///
    /// Needs `agreements:write`; staff only for facilities of their schools, and only to a
    /// school of theirs (403). `school_id` must exist (422 `not_found`). Existing bookings are
    /// not re-checked against a lower `capacity`.
    replace: replace_facility,
    /// Change a facility (JSON Merge Patch); `community_requestable` opens it to requests.
    ///
    /// Needs `agreements:write`; staff only for facilities of their schools (403). Closing a
    /// facility to requests leaves its existing bookings as they are.
    patch: patch_facility,
    /// Delete a facility without bookings.
    ///
    /// Needs `agreements:write`; staff only for facilities of their schools (403). A facility
    /// any booking names, whatever its status, is 409 `conflict`: set `community_requestable`
    /// to `false` instead.
    delete: delete_facility,
}

/// The facilities the community may ask for, each with its busy and free times within a
/// window (default: the next 14 days; at most 62), without a token and without anything about
/// who booked them. Rate-limited per address.
///
/// Anyone may call it (429 with `Retry-After` past the per-address limit). `busy` holds the
/// approved bookings only; requests still waiting do not show. A `to` not after `from` is
/// 422 `date_order` and a window over 62 days 422 `window_too_long` (both naming `to`); a year
/// not of four digits is 400.
#[utoipa::path(tag = "outreach", params(PublicFacilitiesQuery), security(()),
    responses((status = 200, description = "The open facilities", body = PublicFacilities),
        (status = 429, description = "Too many requests from this address", body = platform::error::Problem,
            content_type = "application/problem+json")))]
#[get("/public/facilities")]
pub async fn public_facilities(
    req: HttpRequest,
    limit: web::Data<PublicLimit>,
    pool: web::Data<DbPool>,
    query: web::Query<PublicFacilitiesQuery>,
) -> Result<HttpResponse, ApiError> {
    limit.check(&req)?;
    let query = query.into_inner();
    let now = chrono::Utc::now();
    let (from, to) = window(&query, now)?;
    let answer = db::run(&pool, move |conn| {
        let filter = FacilityFilter {
            school_id: query.school_id,
            community_requestable: Some(true),
            ..FacilityFilter::default()
        };
        let rows = store::page(
            conn,
            &filter,
            platform::db::keyset::ListSort::Name.into(),
            None,
            MAX_FACILITIES,
        )?;
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let mut taken: BTreeMap<String, Vec<_>> = BTreeMap::new();
        for (facility, starts, ends) in crate::facility_bookings::store::busy(conn, &ids, from, to)?
        {
            taken.entry(facility).or_default().push((starts, ends));
        }
        let school_ids: Vec<String> = rows.iter().map(|r| r.school_id.clone()).collect();
        let schools = directory::schools::names(conn, &school_ids)?;
        let mut facilities = Vec::new();
        for row in rows {
            let school_name = schools.get(&row.school_id).cloned().unwrap_or_default();
            let (busy, free) =
                busy_and_free(taken.get(&row.id).map_or(&[][..], Vec::as_slice), from, to);
            facilities.extend(PublicFacility::of(row, school_name, busy, free));
        }
        Ok(PublicFacilities {
            from: from.and_utc(),
            to: to.and_utc(),
            facilities,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// Registers the facility routes; the public one first.
pub fn all_routes(cfg: &mut platform::http::routes::Routes) {
    cfg.service(public_facilities);
    routes(cfg);
}
