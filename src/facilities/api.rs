//! Routes for `/facilities`, and the public list of open facilities.

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse};

use super::model::{Facilities, Facility, FacilityInput, FacilityQuery};
use super::public::{
    busy_and_free, window, PublicFacilities, PublicFacilitiesQuery, PublicFacility, MAX_FACILITIES,
};
use super::store::{self, FacilityFilter};
use crate::auth::limits::PublicLimit;
use crate::db::{self, DbPool};
use crate::error::ApiError;

crate::resource_api! {
    resource: Facilities, tag: "outreach",
    collection: "/facilities", item: "/facilities/{id}",
    parent: [],
    filter: FacilityQuery, sort: crate::db::keyset::ListSort, input: FacilityInput, output: Facility,
    /// A school's spaces: gym, computer lab, library, auditorium, classroom, field, kitchen.
    list: list_facilities,
    /// Describe a space of a school (staff of the school, or administrators).
    create: create_facility,
    /// One facility.
    get: get_facility,
    /// Replace a facility.
    replace: replace_facility,
    /// Change a facility (JSON Merge Patch); `community_requestable` opens it to requests.
    patch: patch_facility,
    /// Delete a facility without bookings.
    delete: delete_facility,
}

/// The facilities the community may ask for, each with its busy and free times within a
/// window (default: the next 14 days; at most 62), without a token and without anything about
/// who booked them. Rate-limited per address.
#[utoipa::path(tag = "outreach", params(PublicFacilitiesQuery), security(()),
    responses((status = 200, description = "The open facilities", body = PublicFacilities),
        (status = 429, description = "Too many requests from this address", body = crate::error::Problem,
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
    let (from, to) = window(&query, now).map_err(ApiError::BadRequest)?;
    let answer = db::run(&pool, move |conn| {
        let filter = FacilityFilter {
            school_id: query.school_id,
            community_requestable: Some(true),
            ..FacilityFilter::default()
        };
        let rows = store::page(
            conn,
            &filter,
            crate::db::keyset::ListSort::Name.into(),
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
        let schools = crate::schools::store::names(conn, &school_ids)?;
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
pub fn all_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(public_facilities);
    routes(cfg);
}
