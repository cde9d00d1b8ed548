//! The way into what hangs off a committee (its members and meetings).

use super::model::Committees;
use super::store::CommitteeRow;
use pipeline::{Access, CallerContext, Collection, Resource, Stored};
use platform::db::DbConnection;
use platform::error::ApiError;

/// The committee must be there and visible to the caller; writers must be able to change it
/// (staff: a committee of their schools), and lock it, so it cannot go mid-write.
pub fn authorize(
    conn: &mut DbConnection,
    ctx: &CallerContext,
    place: &Collection,
    access: Access,
) -> Result<(), ApiError> {
    let id = place.parent()?;
    if access == Access::Write && !CommitteeRow::lock(conn, id)? {
        return Err(Committees::not_found());
    }
    let Some(committee) = CommitteeRow::find_key(conn, id)? else {
        return Err(Committees::not_found());
    };
    if !Committees::visible_in(conn, ctx.caller, &committee)? {
        return Err(Committees::not_found());
    }
    if access == Access::Write {
        ctx.caller
            .check_school_or_district(committee.school_id.as_deref())?;
    }
    Ok(())
}
