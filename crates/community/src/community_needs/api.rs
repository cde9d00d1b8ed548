//! `GET /community-needs`.

use std::collections::BTreeSet;

use actix_web::{get, web, HttpResponse};

use super::model::{community_needs, hidden_needs, Assessment, CommunityNeeds, NeedsQuery};
use crate::surveys::model::Surveys;
use crate::surveys::results::{needs_named, reads_live, released_answers, results};
use auth::{Caller, Scope};
use directory::partners::PartnerFilter;
use directory::schools::SchoolRow;
use pipeline::{Resource, Stored};
use platform::db::{self, DbPool};
use platform::error::ApiError;
use platform::settings::Policy;

/// The most partners listed against the needs.
const MAX_PARTNERS: i64 = 2000;

/// What families need, from the latest closed needs assessment of a school (`school_id`) or of
/// the district, each need with how many respondents named it and the active partners whose
/// offerings address it (the mapping is the need catalogue's). The survey's results' rules
/// apply: admin and staff of the survey's school read every response; everyone else reads the
/// released blocks with counts below `KPI_MIN_CELL_SIZE` suppressed. A partner sees itself
/// among the partners, no other.
///
/// Needs both `partners:read` and `agreements:read` (admin, staff, viewer and partner accounts;
/// integrations granted both). Only closed surveys with purpose `needs_assessment` count; the
/// school's own, or without `school_id` those with no school. An unknown `school_id` is 404.
/// Needs whose count would reveal a count the survey's results hide are suppressed as well.
#[utoipa::path(tag = "community", params(NeedsQuery),
    responses((status = 200, description = "The needs, most named first", body = CommunityNeeds),
        (status = 404, description = "There is no school with this `school_id`",
            body = platform::error::Problem, content_type = "application/problem+json")))]
#[get("/community-needs")]
pub async fn community_needs_view(
    caller: Caller,
    pool: web::Data<DbPool>,
    policy: web::Data<Policy>,
    query: web::Query<NeedsQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Scope::PartnersRead)?;
    caller.require(Scope::AgreementsRead)?;
    let min = policy.kpi_min_cell_size;
    let school = query.into_inner().school_id;
    let view = db::run(&pool, move |conn| {
        if let Some(school) = &school {
            if SchoolRow::find_key(conn, school)?.is_none() {
                return Err(ApiError::not_found("school"));
            }
        }
        // Set by the assessment read below; without one nothing is counted.
        let mut open = false;
        let survey = match crate::surveys::store::latest_closed_assessment(conn, school.as_deref())?
        {
            None => None,
            Some(row) => {
                let id = row.id.clone();
                let survey = Surveys::represent(row)?;
                let stored = crate::surveys::store::responses(conn, &id)?;
                // The survey's own results' rule: what they release is what is counted here.
                open = reads_live(&caller, survey.school_id.as_deref(), min);
                let (answered, invited) = released_answers(&stored, open, min)?;
                // Per respondent, the needs their answers name: counted once, used twice.
                let named: Vec<BTreeSet<String>> = answered
                    .iter()
                    .map(|(_, answers)| needs_named(&survey.questions, answers))
                    .collect();
                // What the survey's own results hide from this caller stays hidden here.
                let (hidden_needs, respondents_hidden) = match open {
                    true => (BTreeSet::new(), false),
                    false => {
                        let counted = results(&survey, &answered, invited, false, false, min);
                        (
                            hidden_needs(&survey.questions, &counted, &named, min),
                            counted.all.respondents.suppressed,
                        )
                    }
                };
                Some(Assessment {
                    id,
                    named,
                    hidden_needs,
                    respondents_hidden,
                })
            }
        };
        let needs = crate::need_categories::store::all(conn)?;
        let filter = PartnerFilter {
            status: Some("active"),
            only: caller.partner_scope(),
            ..PartnerFilter::default()
        };
        let partners = directory::partners::list(
            conn,
            &filter,
            platform::db::keyset::ListSort::Name.into(),
            None,
            MAX_PARTNERS,
        )?;
        community_needs(school, survey, needs, &partners, open, min)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

pub fn routes(cfg: &mut platform::http::routes::Routes) {
    cfg.service(community_needs_view);
}
