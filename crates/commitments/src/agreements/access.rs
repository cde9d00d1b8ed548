//! Reading an agreement as a caller may: what the agreement's sub-resources, history, reports
//! and KPI views share.

use serde::Deserialize;
use utoipa::IntoParams;

use super::model::Agreements;
use super::store::AgreementWithParties;
use auth::Caller;
use pipeline::{Access, Resource, Stored};
use platform::db::sql::is_id;
use platform::db::DbConnection;
use platform::error::ApiError;

/// The `{id}` of `/agreements/{id}/…`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AgreementPath {
    /// The agreement's id.
    pub id: String,
}

/// One agreement as the caller may see it (partner role: only its own), or 404.
pub fn load_visible(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
) -> Result<AgreementWithParties, ApiError> {
    if !is_id(id) {
        return Err(Agreements::not_found());
    }
    AgreementWithParties::find(conn, id)?
        .filter(|loaded| Agreements::visible(caller, loaded))
        .ok_or_else(Agreements::not_found)
}

/// The agreement of a sub-resource the caller wants to write: visible to it, and (staff) of
/// its schools.
pub fn writable(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
) -> Result<AgreementWithParties, ApiError> {
    let loaded = load_visible(conn, caller, id)?;
    caller.check_schools(&loaded.schools)?;
    Ok(loaded)
}

/// The `{agreement_id}` of `/agreements/{agreement_id}/…` collections.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AgreementItemsPath {
    /// The agreement's id.
    pub agreement_id: String,
}

/// The `authorize` of an agreement's sub-resources: readers see the agreement, writers may write it.
pub fn authorize(
    conn: &mut DbConnection,
    caller: &Caller,
    agreement_id: &str,
    access: Access,
) -> Result<(), ApiError> {
    match access {
        Access::Read => load_visible(conn, caller, agreement_id).map(|_| ()),
        Access::Write => writable(conn, caller, agreement_id).map(|_| ()),
    }
}
