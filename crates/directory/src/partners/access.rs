//! The way into what hangs off a partner (contacts, the vetting history).

use super::store::PartnerRow;
use pipeline::{Access, CallerContext, Collection, Stored};
use platform::db::DbConnection;
use platform::error::ApiError;

/// The partner must be there and visible to the caller; writers lock it, so it cannot go (or
/// change under a vetting decision) mid-write.
pub fn authorize(
    conn: &mut DbConnection,
    ctx: &CallerContext,
    place: &Collection,
    access: Access,
) -> Result<(), ApiError> {
    let partner_id = place.parent()?;
    let gone = || ApiError::not_found("partner");
    if access == Access::Write && !PartnerRow::lock(conn, partner_id)? {
        return Err(gone());
    }
    if !ctx.caller.sees_partner(partner_id) || PartnerRow::find(conn, partner_id)?.is_none() {
        return Err(gone());
    }
    Ok(())
}
