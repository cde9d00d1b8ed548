//! Communication plans: their wire types and rules. A plan belongs to the district, a school
//! or an agreement and is owned by a committee. Staff write the plans of their schools (and of
//! agreements with their schools), administrators any. Overdue tasks are worked out on read.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, PlanFilter, PlanRow};
use crate::committees::store::CommitteeRow;
use auth::{Caller, Role, Scope};
use commitments::agreements::AgreementWithParties;
use directory::schools::SchoolRow;
use journal::Topic;
use pipeline::references::References;
use pipeline::{CallerContext, Collection, Resource, Stored};
use platform::db::{DbConnection, Stamp};
use platform::error::{check_all, ApiError, FieldError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;

platform::text_enum! {
    /// A way of reaching people.
    pub enum ChannelKind {
        LocalMedia => "local_media",
        SocialMedia => "social_media",
        Website => "website",
        Newsletter => "newsletter",
        Mailing => "mailing",
        Events => "events",
        PhoneText => "phone_text",
    }
}

platform::text_enum! {
    /// Where a task stands.
    pub enum TaskStatus {
        Planned => "planned",
        InProgress => "in_progress",
        Done => "done",
        Cancelled => "cancelled",
    }
}

/// A language tag as BCP 47 writes the common ones: `en`, `es`, `zh-Hant`, `pt-BR`.
pub fn language_tag(tag: &str) -> Result<(), validator::ValidationError> {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    let primary_ok =
        (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_lowercase());
    let rest_ok =
        parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    match primary_ok && rest_ok {
        true => Ok(()),
        false => {
            let mut e = validator::ValidationError::new("language_tag");
            e.message = Some("must be a language tag such as en, es or zh-Hant".into());
            Err(e)
        }
    }
}

const LANGUAGE_PATTERN: &str = "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$";

fn languages_valid(tags: &[String]) -> Result<(), validator::ValidationError> {
    tags.iter().try_for_each(|t| language_tag(t))
}

fn languages_schema() -> utoipa::openapi::schema::Array {
    platform::http::text::described(
        {
            use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
            ArrayBuilder::new()
                .items(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .pattern(Some(LANGUAGE_PATTERN)),
                )
                .max_items(Some(20))
                .build()
        },
        "Language tags (`en`, `es`, `zh-Hant`); a set.",
    )
}

fn goals_valid(goals: &[String]) -> Result<(), validator::ValidationError> {
    platform::http::text::each_within(goals, 500, false)
}

fn goals_schema() -> utoipa::openapi::schema::Array {
    platform::http::text::described(
        platform::http::text::text_list_schema(20, 500, false),
        "What the plan is for (each 1 to 500 characters, at most 20).",
    )
}

fn audiences_valid(audiences: &[String]) -> Result<(), validator::ValidationError> {
    platform::http::text::each_within(audiences, 200, true)
}

fn audiences_schema() -> utoipa::openapi::schema::Array {
    platform::http::text::described(
        platform::http::text::text_list_schema(20, 200, true),
        "Whom it reaches (each one line of 1 to 200 characters, at most 20).",
    )
}

/// A channel the plan uses, and the languages it speaks there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanChannel {
    /// The way of reaching people; each channel appears once in a plan.
    pub channel: ChannelKind,
    /// Language tags (`en`, `es`, `zh-Hant`); a set.
    #[serde(default)]
    #[validate(length(max = 20), custom(function = "languages_valid"))]
    #[schema(schema_with = languages_schema)]
    pub languages: Vec<String>,
}

/// A task of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// What is to be done, one line.
    #[validate(
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub title: String,
    /// Who does it.
    #[serde(default)]
    #[validate(
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub owner: Option<String>,
    /// When it is due (`YYYY-MM-DD`); unfinished past this day, it reads as overdue.
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
    /// `planned` when left out.
    #[serde(default)]
    pub status: Option<TaskStatus>,
    /// One of the plan's channels.
    #[serde(default)]
    pub channel: Option<ChannelKind>,
}

/// A target: a measure, the value aimed for, and the value reached so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// What is measured ("newsletter open rate, %", "families at events").
    #[validate(
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub measure: String,
    /// The value aimed for, in the measure's unit.
    #[validate(range(min = -1e12, max = 1e12))]
    #[schema(minimum = -1e12, maximum = 1e12)]
    pub target: f64,
    /// The value reached so far, in the same unit; `null` until measured.
    #[serde(default)]
    #[validate(range(min = -1e12, max = 1e12))]
    #[schema(minimum = -1e12, maximum = 1e12)]
    pub actual: Option<f64>,
}

/// How the plan was evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Evaluation {
    /// How progress is judged ("survey of families", "committee review").
    #[validate(
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub method: String,
    /// The day it was evaluated (`YYYY-MM-DD`); `null` while not yet evaluated.
    #[serde(default)]
    pub evaluated_on: Option<NaiveDate>,
    /// What the evaluation found, as text; optional.
    #[serde(default)]
    #[validate(length(min = 1, max = 10000))]
    #[schema(min_length = 1, max_length = 10000)]
    pub findings: Option<String>,
}

/// The writable fields of a communication plan.
///
/// Across fields: a plan belongs to a school or an agreement or (neither) the district, not
/// both; `ends_on` is not before `starts_on`; each channel appears once; a task's channel is
/// one of the plan's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Lincoln family outreach 2026-27",
    "school_id": "0193a5c8-2f4e-7c1a-9b7d-3e2f1a0b9c8d",
    "committee_id": "0193a5c8-2f4e-7c1a-9b7d-3e2f1a0b9c8e",
    "goals": ["Every family hears about the partnerships open to them"],
    "audiences": ["Spanish-speaking families", "local businesses"],
    "channels": [{"channel": "newsletter", "languages": ["en", "es"]},
                 {"channel": "phone_text", "languages": ["es"]}],
    "tasks": [{"title": "Autumn newsletter", "owner": "Communication committee chair",
               "due_on": "2026-10-15", "status": "planned", "channel": "newsletter"}],
    "targets": [{"measure": "families at the spring night", "target": 150, "actual": null}]}))]
pub struct PlanInput {
    /// The plan's title, one line.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(
        required,
        length(min = 1, max = 200),
        custom(function = "platform::http::text::one_line")
    )]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$")]
    pub title: Option<String>,
    /// The school it is for.
    #[serde(default, deserialize_with = "trimmed")]
    pub school_id: Option<String>,
    /// The agreement it is for.
    #[serde(default, deserialize_with = "trimmed")]
    pub agreement_id: Option<String>,
    /// The committee that owns it.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(required)]
    #[schema(value_type = String, required = true)]
    pub committee_id: Option<String>,
    /// The first day the plan covers (`YYYY-MM-DD`); optional.
    #[serde(default)]
    pub starts_on: Option<NaiveDate>,
    /// The last day the plan covers; optional, not before `starts_on`.
    #[serde(default)]
    pub ends_on: Option<NaiveDate>,
    /// What the plan is for (each 1 to 500 characters, at most 20).
    #[serde(default)]
    #[validate(length(max = 20), custom(function = "goals_valid"))]
    #[schema(schema_with = goals_schema)]
    pub goals: Option<Vec<String>>,
    /// Whom it reaches (each one line of 1 to 200 characters, at most 20).
    #[serde(default)]
    #[validate(length(max = 20), custom(function = "audiences_valid"))]
    #[schema(schema_with = audiences_schema)]
    pub audiences: Option<Vec<String>>,
    /// The channels it uses, each at most once, with their languages.
    #[serde(default)]
    #[validate(length(max = 7), nested)]
    #[schema(max_items = 7)]
    pub channels: Option<Vec<PlanChannel>>,
    /// The work to do, in order; a task's `channel` must be one of `channels`.
    #[serde(default)]
    #[validate(length(max = 200), nested)]
    #[schema(max_items = 200)]
    pub tasks: Option<Vec<Task>>,
    /// What the plan aims to reach, and what it has reached so far.
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub targets: Option<Vec<Target>>,
    /// How the plan was (or will be) evaluated; optional.
    #[serde(default)]
    #[validate(nested)]
    pub evaluation: Option<Evaluation>,
}

impl PlanInput {
    fn problems(&self) -> Vec<FieldError> {
        let mut problems = Vec::new();
        if self.school_id.is_some() && self.agreement_id.is_some() {
            problems.push(FieldError::new(
                "agreement_id",
                "one_owner",
                "a plan belongs to a school or to an agreement, not both (neither: the district)",
            ));
        }
        if let (Some(starts), Some(ends)) = (self.starts_on, self.ends_on) {
            if ends < starts {
                problems.push(FieldError::new(
                    "ends_on",
                    "before_start",
                    "ends_on is before starts_on",
                ));
            }
        }
        let mut channels = BTreeSet::new();
        for (i, c) in self.channels.iter().flatten().enumerate() {
            if !channels.insert(c.channel) {
                problems.push(FieldError::new(
                    format!("channels[{i}].channel"),
                    "duplicate",
                    format!("the channel {} is listed twice", c.channel.as_str()),
                ));
            }
        }
        for (i, t) in self.tasks.iter().flatten().enumerate() {
            if let Some(channel) = t.channel.filter(|c| !channels.contains(c)) {
                problems.push(FieldError::new(
                    format!("tasks[{i}].channel"),
                    "unknown_channel",
                    format!("{} is not one of the plan's channels", channel.as_str()),
                ));
            }
        }
        problems
    }
}

/// A task as read: with whether it is overdue.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanTask {
    /// What is to be done.
    pub title: String,
    /// Who does it; `null` when not named.
    pub owner: Option<String>,
    /// When it is due; `null` when it has no date (then it is never overdue).
    pub due_on: Option<NaiveDate>,
    /// Where the task stands.
    pub status: TaskStatus,
    /// The plan's channel it serves; `null` when none.
    pub channel: Option<ChannelKind>,
    /// Due before today and neither done nor cancelled.
    pub overdue: bool,
}

/// Whether a task is overdue on `today`.
pub fn is_overdue(status: TaskStatus, due_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    !matches!(status, TaskStatus::Done | TaskStatus::Cancelled)
        && due_on.is_some_and(|due| due < today)
}

impl PlanTask {
    pub fn of(task: Task, today: NaiveDate) -> PlanTask {
        let status = task.status.unwrap_or(TaskStatus::Planned);
        PlanTask {
            overdue: is_overdue(status, task.due_on, today),
            title: task.title,
            owner: task.owner,
            due_on: task.due_on,
            status,
            channel: task.channel,
        }
    }
}

/// A communication plan.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f3-4e5f-7a6b-9c7d-8e9f0a1b2c3d",
    "title": "Gardiner Regional Middle School family outreach 2026-27",
    "school_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1e",
    "agreement_id": null,
    "committee_id": "0193a1f3-1b2c-7d3e-9f4a-5b6c7d8e9f01",
    "starts_on": "2026-09-01",
    "ends_on": "2027-06-15",
    "goals": ["Every family hears about the partnerships open to them"],
    "audiences": ["Spanish-speaking families", "local businesses"],
    "channels": [{"channel": "newsletter", "languages": ["en", "es"]},
        {"channel": "phone_text", "languages": ["en", "es"]}],
    "tasks": [
        {"title": "Autumn newsletter", "owner": "Jo Ramos", "due_on": "2026-10-15",
            "status": "done", "channel": "newsletter", "overdue": false},
        {"title": "Text families about the winter open house", "owner": "Jo Ramos",
            "due_on": "2026-11-20", "status": "in_progress", "channel": "phone_text",
            "overdue": true},
        {"title": "Spring family night flyer", "owner": null, "due_on": "2027-03-15",
            "status": "planned", "channel": "newsletter", "overdue": false}
    ],
    "overdue_tasks": 1,
    "targets": [{"measure": "families at the spring family night", "target": 150.0,
            "actual": null},
        {"measure": "newsletter open rate, %", "target": 60.0, "actual": 48.5}],
    "evaluation": {"method": "survey of families", "evaluated_on": null, "findings": null},
    "version": 5,
    "created_at": "2026-09-08T16:22:47.730145Z",
    "updated_at": "2026-11-23T19:20:00.123456Z"
}))]
pub struct Plan {
    /// The plan's id (a UUID).
    pub id: String,
    /// The plan's title.
    pub title: String,
    /// The school it is for; `null` for an agreement's or the district's plan.
    pub school_id: Option<String>,
    /// The agreement it is for; `null` for a school's or the district's plan.
    pub agreement_id: Option<String>,
    /// The committee that owns it.
    pub committee_id: String,
    /// The first day the plan covers; `null` when open.
    pub starts_on: Option<NaiveDate>,
    /// The last day the plan covers; `null` when open.
    pub ends_on: Option<NaiveDate>,
    /// What the plan is for.
    pub goals: Vec<String>,
    /// Whom it reaches.
    pub audiences: Vec<String>,
    /// The channels it uses; each channel's languages sorted.
    pub channels: Vec<PlanChannel>,
    /// The tasks in the order written, each marked overdue or not as of today.
    pub tasks: Vec<PlanTask>,
    /// How many tasks are overdue today.
    pub overdue_tasks: usize,
    /// What the plan aims to reach, and what it has reached.
    pub targets: Vec<Target>,
    /// How the plan was evaluated; `null` when not written.
    pub evaluation: Option<Evaluation>,
    /// Increases by one with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// When the plan was created (UTC).
    pub created_at: DateTime<Utc>,
    /// When the plan last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("stored plan {what} cannot be read: {e}"))
}

fn read<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> Result<T, ApiError> {
    serde_json::from_str(json).map_err(|e| corrupt(what, e))
}

fn write<T: Serialize>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(|e| ApiError::Internal(format!("cannot store: {e}")))
}

/// A plan's stored tasks.
pub fn tasks_of(json: &str) -> Result<Vec<Task>, ApiError> {
    read("tasks", json)
}

/// The filters of `GET /communication-plans`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanQuery {
    /// Only the plans of this school (not those of its agreements).
    pub school_id: Option<String>,
    /// Only the plans of this agreement.
    pub agreement_id: Option<String>,
    /// Only the plans this committee owns.
    pub committee_id: Option<String>,
    /// `true`: only the district's own plans (neither school nor agreement).
    pub district: Option<bool>,
}

/// The schools a plan is bound to: its school, or its agreement's schools.
fn schools_of(conn: &mut DbConnection, row: &PlanRow) -> Result<Option<Vec<String>>, ApiError> {
    if let Some(school) = &row.school_id {
        return Ok(Some(vec![school.clone()]));
    }
    match &row.agreement_id {
        Some(agreement) => Ok(Some(
            AgreementWithParties::find(conn, agreement)?
                .map(|a| a.schools)
                .unwrap_or_default(),
        )),
        None => Ok(None),
    }
}

/// Staff write the plans of their schools and of agreements with their schools; the
/// district's plans are for administrators.
fn may_write(conn: &mut DbConnection, caller: &Caller, row: &PlanRow) -> Result<(), ApiError> {
    if caller.role != Role::Staff {
        return Ok(());
    }
    match schools_of(conn, row)? {
        Some(schools) => caller.check_schools(&schools),
        None => caller.check_school_or_district(None),
    }
}

pub struct CommunicationPlans;

impl Resource for CommunicationPlans {
    const TOPIC: Topic = Topic::published("communication_plan");
    const READ: Scope = Scope::AgreementsRead;
    const WRITE: Scope = Scope::AgreementsWrite;

    type Row = PlanRow;
    type Input = PlanInput;
    type Output = Plan;
    type Filter = PlanQuery;
    type Sort = platform::db::keyset::ListSort;

    fn represent(row: PlanRow) -> Result<Plan, ApiError> {
        let today = platform::db::today();
        let tasks: Vec<PlanTask> = tasks_of(&row.tasks)?
            .into_iter()
            .map(|t| PlanTask::of(t, today))
            .collect();
        Ok(Plan {
            overdue_tasks: tasks.iter().filter(|t| t.overdue).count(),
            tasks,
            goals: read("goals", &row.goals)?,
            audiences: read("audiences", &row.audiences)?,
            channels: read("channels", &row.channels)?,
            targets: read("targets", &row.targets)?,
            evaluation: row
                .evaluation
                .as_deref()
                .map(|e| read("evaluation", e))
                .transpose()?,
            id: row.id,
            title: row.title,
            school_id: row.school_id,
            agreement_id: row.agreement_id,
            committee_id: row.committee_id,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }

    fn writable(row: &PlanRow) -> Result<PlanInput, ApiError> {
        Ok(PlanInput {
            title: Some(row.title.clone()),
            school_id: row.school_id.clone(),
            agreement_id: row.agreement_id.clone(),
            committee_id: Some(row.committee_id.clone()),
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            goals: Some(read("goals", &row.goals)?),
            audiences: Some(read("audiences", &row.audiences)?),
            channels: Some(read("channels", &row.channels)?),
            tasks: Some(tasks_of(&row.tasks)?),
            targets: Some(read("targets", &row.targets)?),
            evaluation: row
                .evaluation
                .as_deref()
                .map(|e| read("evaluation", e))
                .transpose()?,
        })
    }

    fn check(input: &PlanInput, _id: Option<&str>) -> Result<(), ApiError> {
        check_all(input, input.problems())
    }

    fn build(
        _conn: &mut DbConnection,
        input: PlanInput,
        _place: &Collection,
        stamp: Stamp,
        _current: Option<&PlanRow>,
        _ctx: &CallerContext,
    ) -> Result<PlanRow, ApiError> {
        let trim = |items: Option<Vec<String>>| -> Vec<String> {
            items
                .unwrap_or_default()
                .into_iter()
                .map(|s| s.trim().to_owned())
                .collect()
        };
        // Languages are a set, kept in a fixed order so an unchanged PUT keeps the version.
        let channels: Vec<PlanChannel> = input
            .channels
            .unwrap_or_default()
            .into_iter()
            .map(|c| PlanChannel {
                channel: c.channel,
                languages: c
                    .languages
                    .into_iter()
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
            })
            .collect();
        let tasks: Vec<Task> = input
            .tasks
            .unwrap_or_default()
            .into_iter()
            .map(|t| Task {
                status: Some(t.status.unwrap_or(TaskStatus::Planned)),
                ..t
            })
            .collect();
        Ok(PlanRow {
            id: stamp.id,
            title: input.title.unwrap_or_default(),
            school_id: input.school_id,
            agreement_id: input.agreement_id,
            committee_id: input.committee_id.unwrap_or_default(),
            starts_on: input.starts_on,
            ends_on: input.ends_on,
            goals: write(&trim(input.goals))?,
            audiences: write(&trim(input.audiences))?,
            channels: write(&channels)?,
            tasks: write(&tasks)?,
            targets: write(&input.targets.unwrap_or_default())?,
            evaluation: input.evaluation.as_ref().map(write).transpose()?,
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        })
    }

    /// A partner sees the plans of its agreements and of the committees it sits on.
    fn visible_in(
        conn: &mut DbConnection,
        caller: &Caller,
        row: &PlanRow,
    ) -> Result<bool, ApiError> {
        let Some(partner) = caller.partner_scope() else {
            return Ok(true);
        };
        if let Some(agreement) = &row.agreement_id {
            let partners =
                commitments::agreements::partners_of(conn, std::slice::from_ref(agreement))?;
            if partners.iter().any(|(_, p, _)| *p == partner) {
                return Ok(true);
            }
        }
        Ok(crate::committees::store::seats_partner(
            conn,
            &row.committee_id,
            &partner,
            platform::db::today(),
        )?)
    }

    fn may_change(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        row: &PlanRow,
    ) -> Result<(), ApiError> {
        may_write(conn, ctx.caller, row)
    }

    fn list(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        _place: &Collection,
        query: PlanQuery,
        page: &PageRequest,
    ) -> Result<Vec<PlanRow>, ApiError> {
        let filter = PlanFilter {
            school_id: query.school_id,
            agreement_id: query.agreement_id,
            committee_id: query.committee_id,
            district: query.district,
            partner: ctx
                .caller
                .partner_scope()
                .map(|p| (p, platform::db::today())),
        };
        Ok(store::page(
            conn,
            &filter,
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }

    /// The school, agreement and committee exist; staff write for their schools.
    fn before_save(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        _before: Option<&PlanRow>,
        after: &PlanRow,
    ) -> Result<(), ApiError> {
        let mut references = References::new();
        references
            .to::<SchoolRow>(conn, "school_id", "school", after.school_id.as_deref())?
            .to::<AgreementWithParties>(
                conn,
                "agreement_id",
                "agreement",
                after.agreement_id.as_deref(),
            )?
            .to::<CommitteeRow>(conn, "committee_id", "committee", Some(&after.committee_id))?
            .done()?;
        // Staff hang plans on their schools' committees or the district's.
        if ctx.caller.role == Role::Staff {
            if let Some(committee) = CommitteeRow::find(conn, &after.committee_id)? {
                if let Some(school) = &committee.school_id {
                    ctx.caller.check_schools(std::slice::from_ref(school))?;
                }
            }
        }
        may_write(conn, ctx.caller, after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_is_overdue_when_due_before_today_and_not_finished() {
        let day = |d| NaiveDate::from_ymd_opt(2027, 3, d).unwrap_or_default();
        assert!(is_overdue(TaskStatus::Planned, Some(day(1)), day(2)));
        assert!(is_overdue(TaskStatus::InProgress, Some(day(1)), day(2)));
        assert!(!is_overdue(TaskStatus::Planned, Some(day(2)), day(2)));
        assert!(!is_overdue(TaskStatus::Done, Some(day(1)), day(2)));
        assert!(!is_overdue(TaskStatus::Cancelled, Some(day(1)), day(2)));
        assert!(!is_overdue(TaskStatus::Planned, None, day(2)));
    }

    #[test]
    fn language_tags_are_checked() {
        for ok in ["en", "es", "zh-Hant", "pt-BR", "hmn"] {
            assert!(language_tag(ok).is_ok(), "{ok}");
        }
        for bad in ["", "E", "english", "en_US", "en-", "es-x"] {
            assert!(language_tag(bad).is_err(), "{bad}");
        }
    }
}
