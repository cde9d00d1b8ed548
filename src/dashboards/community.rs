//! The dashboard's community section: who sits on committees for the community, the
//! communication tasks that are late, the hours schools hosted the community, and the meetings
//! partners hosted.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::listed::{listed, Listed};
use crate::committee_members::model::Represents;
use crate::communication_plans::model::{tasks_of, PlanTask, TaskStatus};
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::facility_bookings::model::hours_between;

/// Seats on a school's (or the district's) active committees held today.
#[derive(Debug, Serialize, ToSchema)]
pub struct SchoolSeats {
    /// `null`: the district's own committees.
    pub school_id: Option<String>,
    /// The school's name; `null` for the district.
    pub school_name: Option<String>,
    /// Seats of members who represent families, the community or business.
    pub community_seats: i64,
}

/// A communication task due before today and not done or cancelled.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverdueCommunicationTask {
    /// The communication plan's id.
    pub plan_id: String,
    /// The plan's title.
    pub plan_title: String,
    /// The task's title.
    pub title: String,
    /// Who owns the task, as written in the plan; `null` if nobody is named.
    pub owner: Option<String>,
    /// When it was due.
    pub due_on: Option<NaiveDate>,
    /// Where it stands.
    pub status: TaskStatus,
}

/// Community hours a school hosted in its facilities.
#[derive(Debug, Serialize, ToSchema)]
pub struct HostedHours {
    /// The school's id.
    pub school_id: String,
    /// The school's name.
    pub school_name: Option<String>,
    /// Hours of approved bookings that have ended.
    pub hours: f64,
    /// How many such bookings there were.
    pub bookings: usize,
}

/// Meetings a partner hosted at its place.
#[derive(Debug, Serialize, ToSchema)]
pub struct HostPartner {
    /// The partner's id.
    pub partner_id: String,
    /// The partner's name.
    pub name: Option<String>,
    /// Committee and agreement meetings held at its place.
    pub meetings: i64,
}

/// The power of place: meetings held at partners' places.
#[derive(Debug, Serialize, ToSchema)]
pub struct HostedMeetings {
    /// Committee meetings plus agreement meetings (kickoffs, check-ins, reviews and renewals
    /// not cancelled).
    pub total: i64,
    /// Committee meetings held at a partner's place.
    pub committee_meetings: i64,
    /// Agreement meetings held at a partner's place: kickoffs, check-ins, reviews and renewals
    /// not cancelled.
    pub agreement_meetings: i64,
    /// Most meetings first.
    pub by_partner: Vec<HostPartner>,
}

/// The community's voice and presence: committee seats, late communication tasks, the hours
/// schools hosted the community, and the meetings partners hosted.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommunityVoice {
    /// Per school with any, by school id (the district's own last).
    pub seats_by_school: Vec<SchoolSeats>,
    /// Oldest due first.
    pub overdue_communication_tasks: Listed<OverdueCommunicationTask>,
    /// Per school with any, by school id: the community hours its facilities hosted.
    pub hosted_hours_by_school: Vec<HostedHours>,
    /// Meetings held at partners' places.
    pub meetings_hosted_by_partners: HostedMeetings,
}

pub fn community(
    conn: &mut DbConnection,
    today: NaiveDate,
    limit: usize,
) -> Result<CommunityVoice, ApiError> {
    let represents: Vec<&str> = Represents::COMMUNITY.iter().map(|r| r.as_str()).collect();
    let seats = crate::committees::seats_by_school(conn, &represents, today)?;
    let hosted = crate::facility_bookings::hosted(conn, chrono::Utc::now().naive_utc())?;
    let school_ids: Vec<String> = seats
        .iter()
        .filter_map(|(s, _)| s.clone())
        .chain(hosted.iter().map(|(s, _, _)| s.clone()))
        .collect();
    let school_names = crate::schools::names(conn, &school_ids)?;
    let mut seats_by_school: Vec<SchoolSeats> = seats
        .into_iter()
        .map(|(school_id, seats)| SchoolSeats {
            school_name: school_id
                .as_ref()
                .and_then(|id| school_names.get(id).cloned()),
            school_id,
            community_seats: seats,
        })
        .collect();
    seats_by_school.sort_by(|a, b| {
        (a.school_id.is_none(), &a.school_id).cmp(&(b.school_id.is_none(), &b.school_id))
    });

    let mut overdue = Vec::new();
    for (plan_id, plan_title, tasks) in crate::communication_plans::all_tasks(conn)? {
        for task in tasks_of(&tasks)? {
            let task = PlanTask::of(task, today);
            if task.overdue {
                overdue.push(OverdueCommunicationTask {
                    plan_id: plan_id.clone(),
                    plan_title: plan_title.clone(),
                    title: task.title,
                    owner: task.owner,
                    due_on: task.due_on,
                    status: task.status,
                });
            }
        }
    }
    overdue.sort_by(|a, b| a.due_on.cmp(&b.due_on).then(a.plan_id.cmp(&b.plan_id)));
    let mut hosted_hours_by_school: Vec<HostedHours> = Vec::new();
    for (school_id, starts, ends) in hosted {
        let hours = hours_between(starts, ends);
        match hosted_hours_by_school.last_mut() {
            Some(last) if last.school_id == school_id => {
                last.hours += hours;
                last.bookings += 1;
            }
            _ => hosted_hours_by_school.push(HostedHours {
                school_name: school_names.get(&school_id).cloned(),
                school_id,
                hours,
                bookings: 1,
            }),
        }
    }
    Ok(CommunityVoice {
        seats_by_school,
        overdue_communication_tasks: listed(overdue, limit),
        hosted_hours_by_school,
        meetings_hosted_by_partners: hosted_meetings(conn, limit)?,
    })
}

fn hosted_meetings(conn: &mut DbConnection, limit: usize) -> Result<HostedMeetings, ApiError> {
    let committee = crate::committee_meetings::per_host(conn)?;
    let agreement = crate::timeline::meetings_per_host(conn)?;
    let sum = |rows: &[(Option<String>, i64)]| rows.iter().map(|(_, n)| n).sum::<i64>();
    let (committee_meetings, agreement_meetings) = (sum(&committee), sum(&agreement));
    let mut per_partner: std::collections::BTreeMap<String, i64> = Default::default();
    for (partner, n) in committee.into_iter().chain(agreement) {
        if let Some(partner) = partner {
            *per_partner.entry(partner).or_default() += n;
        }
    }
    let mut ranked: Vec<(String, i64)> = per_partner.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(limit);
    let ids: Vec<String> = ranked.iter().map(|(id, _)| id.clone()).collect();
    let names = crate::partners::names(conn, &ids)?;
    let by_partner = ranked
        .into_iter()
        .map(|(partner_id, meetings)| HostPartner {
            name: names.get(&partner_id).cloned(),
            partner_id,
            meetings,
        })
        .collect();
    Ok(HostedMeetings {
        total: committee_meetings + agreement_meetings,
        committee_meetings,
        agreement_meetings,
        by_partner,
    })
}
