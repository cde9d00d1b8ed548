//! JSON Merge Patch (RFC 7396): the patch is merged into the resource's writable form, and the
//! result goes through the same deserialisation and validation as a PUT body.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::error::ApiError;

pub fn apply<I>(current: &I, patch: &Value) -> Result<I, ApiError>
where
    I: Serialize + DeserializeOwned,
{
    if !patch.is_object() {
        return Err(ApiError::BadRequest(
            "a merge patch must be a JSON object".to_owned(),
        ));
    }
    let mut document = serde_json::to_value(current)
        .map_err(|e| ApiError::Internal(format!("cannot serialise the current state: {e}")))?;
    json_patch::merge(&mut document, patch);
    super::body::from_value(document)
}

/// A requested change to a resource: a full replacement (PUT) or a merge patch (PATCH).
pub enum Change<I> {
    Replace(I),
    Merge(Value),
}

impl<I: Serialize + DeserializeOwned> Change<I> {
    /// The complete new writable state, given the current one.
    pub fn resolve(self, current: &I) -> Result<I, ApiError> {
        match self {
            Change::Replace(input) => Ok(input),
            Change::Merge(patch) => apply(current, &patch),
        }
    }
}
