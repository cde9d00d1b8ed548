//! Vetting entries: the rules of a decision and of a proposal.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::store::{self, EntryRow};
use crate::partners::model::{stored, Partners, VettingStatus};
use crate::partners::store::PartnerRow;
use auth::{Caller, Scope};
use journal::audit;
use journal::Topic;
use pipeline::{Access, CallerContext, Collection, Resource, Stored};
use platform::db::{DbConnection, Stamp};
use platform::error::{check_all, ApiError, FieldError};
use platform::http::paging::PageRequest;
use platform::http::text::trimmed;

platform::text_enum! {
    /// `decision`: sets the partner's vetting (admin, or `vetting:decide`). `proposal`: evidence
    /// offered by staff or an integration; the vetting stays as decided.
    pub enum EntryKind {
        Decision => "decision",
        Proposal => "proposal",
    }
}

/// A decision, when the caller may decide (admin, or the `vetting:decide` scope); otherwise a
/// proposal of evidence that changes nothing the vetting rule reads.
///
/// Across fields: `expired` is never sent (it is computed from the expiry dates); a decision (a
/// change of status or dates) needs admin or `vetting:decide`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "approved", "background_check_on": "2026-08-15",
    "background_check_expires_on": "2028-08-15", "insurance_expires_on": "2027-06-30",
    "evidence": "Background check ref. BC-88412; insurance certificate on file", "notes": null}))]
pub struct VettingEntryInput {
    /// A decision's new status (required in a decision); a proposal may suggest one. `expired`
    /// is computed from the dates and cannot be set.
    #[serde(default)]
    pub status: Option<VettingStatus>,
    /// When the background check was done; a decision sets (or, if absent, clears) it.
    #[serde(default)]
    pub background_check_on: Option<NaiveDate>,
    /// When the background check runs out; a decision sets (or, if absent, clears) it.
    #[serde(default)]
    pub background_check_expires_on: Option<NaiveDate>,
    /// When the insurance certificate runs out; a decision sets (or, if absent, clears) it.
    #[serde(default)]
    pub insurance_expires_on: Option<NaiveDate>,
    /// What the entry rests on: a check reference, a certificate number.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub evidence: Option<String>,
    /// Read by admin and staff only.
    #[serde(default, deserialize_with = "trimmed")]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

/// One entry of a partner's vetting history.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a1f2-0000-7000-8000-0000000000b1",
    "partner_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
    "kind": "decision",
    "status": "approved",
    "background_check_on": "2026-08-15",
    "background_check_expires_on": "2028-08-15",
    "insurance_expires_on": "2027-06-30",
    "evidence": "Background check ref. BC-88412",
    "notes": null,
    "recorded_by": "0193a1f0-0000-7000-8000-000000000009",
    "recorded_at": "2026-11-23T20:01:12.654321Z",
    "version": 1
}))]
pub struct VettingEntry {
    /// The entry's id (a UUID); ids follow time.
    pub id: String,
    /// The partner the entry is about.
    pub partner_id: String,
    /// `decision` (set the partner's vetting) or `proposal` (evidence only).
    pub kind: EntryKind,
    /// The status decided or proposed; `null` for a proposal that suggests none.
    pub status: Option<VettingStatus>,
    /// The background check date the entry records; `null` if none.
    pub background_check_on: Option<NaiveDate>,
    /// The background check expiry the entry records; `null` if none.
    pub background_check_expires_on: Option<NaiveDate>,
    /// The insurance expiry the entry records; `null` if none.
    pub insurance_expires_on: Option<NaiveDate>,
    /// What the entry rests on (a check reference, a certificate number); `null` if none.
    pub evidence: Option<String>,
    /// Shown to admin and staff only; `null` for other callers.
    pub notes: Option<String>,
    /// The client or user who recorded it.
    pub recorded_by: String,
    /// When it was recorded (UTC, set by the server).
    pub recorded_at: DateTime<Utc>,
    /// Always 1: entries are never changed.
    pub version: i64,
}

/// The filters of a vetting history.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VettingQuery {
    /// Only decisions, or only proposals.
    pub kind: Option<EntryKind>,
}

platform::sort_enum! {
    /// Order of a vetting history: oldest first (the default), or newest first. Ids follow time.
    pub enum EntrySort default Id {
        Id => "id": Id;
        IdDesc => "-id": Id desc;
    }
}

pub struct VettingEntries;

impl Resource for VettingEntries {
    const TOPIC: Topic = Topic::published("vetting_entry");
    const READ: Scope = Scope::PartnersRead;
    const WRITE: Scope = Scope::PartnersWrite;
    const PARENT: Option<(&'static str, &'static str)> = Some(("partner_id", "partner"));

    type Row = EntryRow;
    type Input = VettingEntryInput;
    type Output = VettingEntry;
    type Filter = VettingQuery;
    type Sort = EntrySort;

    fn represent(row: EntryRow) -> Result<VettingEntry, ApiError> {
        Ok(VettingEntry {
            kind: stored(EntryKind::parse(&row.kind), "vetting entry kind", &row.kind)?,
            status: row
                .status
                .as_deref()
                .map(|text| stored(VettingStatus::parse(text), "vetting status", text))
                .transpose()?,
            id: row.id,
            partner_id: row.partner_id,
            background_check_on: row.background_check_on,
            background_check_expires_on: row.background_check_expires_on,
            insurance_expires_on: row.insurance_expires_on,
            evidence: row.evidence,
            notes: row.notes,
            recorded_by: row.recorded_by,
            recorded_at: row.created_at.and_utc(),
            version: row.version,
        })
    }

    fn for_caller(
        _conn: &mut DbConnection,
        ctx: &CallerContext,
        mut entries: Vec<VettingEntry>,
    ) -> Result<Vec<VettingEntry>, ApiError> {
        if !ctx.caller.reads_vetting_notes() {
            for entry in &mut entries {
                entry.notes = None;
            }
        }
        Ok(entries)
    }

    fn writable(row: &EntryRow) -> Result<VettingEntryInput, ApiError> {
        let entry = Self::represent(row.clone())?;
        Ok(VettingEntryInput {
            status: entry.status,
            background_check_on: entry.background_check_on,
            background_check_expires_on: entry.background_check_expires_on,
            insurance_expires_on: entry.insurance_expires_on,
            evidence: entry.evidence,
            notes: entry.notes,
        })
    }

    fn check(input: &VettingEntryInput, _id: Option<&str>) -> Result<(), ApiError> {
        let mut extra = Vec::new();
        if input.status == Some(VettingStatus::Expired) {
            extra.push(FieldError::new(
                "status",
                "read_only",
                "expired is computed from the expiry dates; set the dates instead",
            ));
        }
        check_all(input, extra)
    }

    /// A decider's entry is a decision and names its status; anyone else's is a proposal.
    fn build(
        _conn: &mut DbConnection,
        input: VettingEntryInput,
        place: &Collection,
        stamp: Stamp,
        _current: Option<&EntryRow>,
        ctx: &CallerContext,
    ) -> Result<EntryRow, ApiError> {
        let kind = if ctx.caller.decides_vetting() {
            EntryKind::Decision
        } else {
            EntryKind::Proposal
        };
        if kind == EntryKind::Decision && input.status.is_none() {
            return Err(ApiError::field(
                "status",
                "required",
                "a decision names the vetting status",
            ));
        }
        Ok(EntryRow {
            id: stamp.id,
            partner_id: place.parent()?.to_owned(),
            kind: kind.as_str().to_owned(),
            status: input.status.map(|s| s.as_str().to_owned()),
            background_check_on: input.background_check_on,
            background_check_expires_on: input.background_check_expires_on,
            insurance_expires_on: input.insurance_expires_on,
            evidence: input.evidence,
            notes: input.notes,
            recorded_by: ctx.actor.id.clone(),
            version: stamp.version,
            created_at: stamp.created_at,
            updated_at: stamp.updated_at,
        })
    }

    fn authorize(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        place: &Collection,
        access: Access,
    ) -> Result<(), ApiError> {
        crate::partners::access::authorize(conn, ctx, place, access)
    }

    fn visible(caller: &Caller, row: &EntryRow) -> bool {
        caller.sees_partner(&row.partner_id)
    }

    fn list(
        conn: &mut DbConnection,
        _ctx: &CallerContext,
        place: &Collection,
        query: VettingQuery,
        page: &PageRequest,
    ) -> Result<Vec<EntryRow>, ApiError> {
        Ok(store::list(
            conn,
            place.parent()?,
            query.kind.map(EntryKind::as_str),
            page.sort,
            page.after.as_ref(),
            page.limit + 1,
        )?)
    }

    /// A decision becomes the partner's vetting, with its own audit event on the partner.
    fn before_save(
        conn: &mut DbConnection,
        ctx: &CallerContext,
        _before: Option<&EntryRow>,
        entry: &EntryRow,
    ) -> Result<(), ApiError> {
        if entry.kind != EntryKind::Decision.as_str() {
            return Ok(());
        }
        let before = PartnerRow::find(conn, &entry.partner_id)?
            .ok_or_else(|| ApiError::not_found("partner"))?;
        let after = PartnerRow {
            vetting_status: entry
                .status
                .clone()
                .unwrap_or_else(|| VettingStatus::NotStarted.as_str().to_owned()),
            background_check_on: entry.background_check_on,
            background_check_expires_on: entry.background_check_expires_on,
            insurance_expires_on: entry.insurance_expires_on,
            vetting_notes: entry.notes.clone().or_else(|| before.vetting_notes.clone()),
            vetting_decided_by: Some(entry.recorded_by.clone()),
            vetting_decided_at: Some(entry.created_at),
            version: before.version + 1,
            updated_at: entry.created_at,
            ..before.clone()
        };
        if !after.update(conn, before.version)? {
            return Err(ApiError::raced());
        }
        let (old, new) = (Partners::represent(before)?, Partners::represent(after)?);
        audit::updated(conn, ctx.actor, Partners::TOPIC, &new.id, &old, &new)?;
        Ok(())
    }
}
