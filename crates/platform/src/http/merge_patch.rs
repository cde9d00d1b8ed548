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
    refuse_unknown_nulls::<I>(patch)?;
    json_patch::merge(&mut document, patch);
    super::body::from_value(document)
}

/// A member set to `null` clears a field, and merging drops it silently when the field does not
/// exist; so the `null` members alone are read as a body, and one that is not a field is
/// refused as a full body's unknown fields are. (The other members meet `deny_unknown_fields`
/// when the merged body is read.)
fn refuse_unknown_nulls<I: DeserializeOwned>(patch: &Value) -> Result<(), ApiError> {
    fn nulls(value: &Value) -> Option<Value> {
        let members: serde_json::Map<String, Value> = value
            .as_object()?
            .iter()
            .filter_map(|(key, member)| match member {
                Value::Null => Some((key.clone(), Value::Null)),
                Value::Object(_) => nulls(member).map(|inner| (key.clone(), inner)),
                _ => None,
            })
            .collect();
        (!members.is_empty()).then_some(Value::Object(members))
    }
    let Some(skeleton) = nulls(patch) else {
        return Ok(());
    };
    match super::body::from_value::<I>(skeleton) {
        Err(ApiError::Malformed(errors)) if errors.iter().any(|e| e.code == "unknown_field") => {
            Err(ApiError::Malformed(errors))
        }
        // Anything else is judged on the merged body.
        _ => Ok(()),
    }
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
