//! JSON request bodies, so every problem in one names its field.
//!
//! A body is parsed as JSON (400 when it is not), then inspected as a whole: every string with
//! a control character and every blank string is a 422 naming the field by JSON pointer (null,
//! not `""`, leaves an optional field empty). Integral numbers written with a fraction (`92.0`)
//! count as integers, as JSON Schema counts them. Only then is it deserialised; a field of the
//! wrong type, an unknown enum value or an unknown field is a 400 that names the field too.

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use serde_json::{Number, Value};

use crate::error::{ApiError, FieldError};

/// A JSON request body of type `T`, with what [`inspect`] found in it; those problems are
/// reported with the body's other rule breaks, all at once (422).
pub struct Body<T> {
    value: T,
    problems: Vec<FieldError>,
}

impl<T> Body<T> {
    /// The body, unless it broke a rule.
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.checked(|_| Ok(()))
    }

    /// The body, unless it or `check` broke a rule; every problem at once.
    pub fn checked(self, check: impl FnOnce(&T) -> Result<(), ApiError>) -> Result<T, ApiError> {
        merge_problems(self.problems, check(&self.value))?;
        Ok(self.value)
    }

    /// The body and what [`inspect`] found, for a check that runs later (a merge patch is
    /// checked once merged).
    pub fn into_parts(self) -> (T, Vec<FieldError>) {
        (self.value, self.problems)
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = web::Json::<Value>::from_request(req, payload);
        Box::pin(async move {
            let mut value = json.await?.into_inner();
            // serde's derive also builds a struct from an array of its fields in order, which
            // no client means: every body this extractor takes is an object.
            if !value.is_object() {
                return Err(ApiError::BadRequest("the body must be a JSON object".into()).into());
            }
            let mut problems = Vec::new();
            inspect(&mut value, &mut Vec::new(), &mut problems);
            Ok(Body {
                value: from_value(value)?,
                problems,
            })
        })
    }
}

/// `problems` found in a body together with the outcome of its rules: one 422 listing each
/// field once (a blank `name` is blank, not also required), sorted by field.
pub fn merge_problems(
    mut problems: Vec<FieldError>,
    checked: Result<(), ApiError>,
) -> Result<(), ApiError> {
    match checked {
        Ok(()) => {}
        Err(ApiError::Validation(errors)) => {
            let named = |error: &FieldError| problems.iter().any(|p| p.field == error.field);
            let extra: Vec<FieldError> = errors.into_iter().filter(|e| !named(e)).collect();
            // A rule on a whole list (every outcome 1 to 500 characters) names the list; the
            // blank item it found is named by the list too.
            problems.retain(|p| {
                !extra.iter().any(|e| {
                    p.field.starts_with(&format!("{}.", e.field))
                        || p.field.starts_with(&format!("{}[", e.field))
                })
            });
            problems.extend(extra);
        }
        Err(other) => return Err(other),
    }
    if problems.is_empty() {
        return Ok(());
    }
    problems.sort_by(|a, b| a.field.cmp(&b.field).then(a.code.cmp(&b.code)));
    Err(ApiError::Validation(problems))
}

/// Whether `c` may not appear in text: C0 and C1 controls and DEL, but for tab and line breaks.
pub fn is_forbidden_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Walks a JSON value: control characters and blank strings are collected as field errors,
/// integral floats become integers.
pub fn inspect(value: &mut Value, path: &mut Vec<String>, errors: &mut Vec<FieldError>) {
    match value {
        Value::String(text) => {
            if text.chars().any(is_forbidden_control) {
                errors.push(FieldError::at(
                    path,
                    "control_character",
                    "must not contain control characters (tab and line breaks excepted)",
                ));
            } else if text.trim().is_empty() {
                errors.push(FieldError::at(
                    path,
                    "blank",
                    "must not be blank; send null (or leave the field out) for no value",
                ));
            }
        }
        Value::Number(number) => {
            if let Some(f) = number.as_f64().filter(|_| number.is_f64()) {
                // Exactly representable integers only (|f| < 2^53).
                if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
                    *number = Number::from(f as i64);
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                path.push(index.to_string());
                inspect(item, path, errors);
                path.pop();
            }
        }
        Value::Object(members) => {
            for (key, member) in members.iter_mut() {
                path.push(key.clone());
                if key.chars().any(is_forbidden_control) {
                    errors.push(FieldError::at(
                        path,
                        "control_character",
                        "field names must not contain control characters",
                    ));
                } else {
                    inspect(member, path, errors);
                }
                path.pop();
            }
        }
        Value::Null | Value::Bool(_) => {}
    }
}

/// Deserialises `value`; a field of the wrong type, an unknown enum value or an unknown field
/// is a 400 naming the field.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        use serde_path_to_error::Segment;
        let path: Vec<String> = e
            .path()
            .iter()
            .filter_map(|segment| match segment {
                Segment::Seq { index } => Some(index.to_string()),
                Segment::Map { key } => Some(key.clone()),
                Segment::Enum { variant } => Some(variant.clone()),
                Segment::Unknown => None,
            })
            .collect();
        let message = e.into_inner().to_string();
        let code = if message.starts_with("unknown field") {
            "unknown_field"
        } else if message.starts_with("unknown variant") {
            "enum"
        } else if message.starts_with("missing field") {
            "required"
        } else if message.starts_with("invalid type") || message.starts_with("invalid value") {
            "type"
        } else {
            "invalid"
        };
        ApiError::Malformed(vec![FieldError::at(&path, code, message)])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        n: i32,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: Option<String>,
        inner: Option<Inner>,
        list: Option<Vec<Inner>>,
    }

    fn fields(error: ApiError) -> Vec<(String, String, String)> {
        match error {
            ApiError::Validation(errors) | ApiError::Malformed(errors) => errors
                .into_iter()
                .map(|e| (e.pointer.unwrap_or_default(), e.field, e.code))
                .collect(),
            other => panic!("unexpected {other:?}"),
        }
    }

    fn inspect_body(value: &mut Value) -> Result<(), ApiError> {
        let mut problems = Vec::new();
        inspect(value, &mut Vec::new(), &mut problems);
        merge_problems(problems, Ok(()))
    }

    #[test]
    fn control_characters_and_blank_strings_are_named() {
        let mut body = json!({"name": "Nul\u{0}Co", "inner": {"n": 1}, "list": [{"n": 1}],
            "notes": "  ", "ok": "line\nbreak\ttab"});
        let found = fields(inspect_body(&mut body).unwrap_err());
        assert_eq!(
            found,
            [
                ("/name".into(), "name".into(), "control_character".into()),
                ("/notes".into(), "notes".into(), "blank".into())
            ]
        );
    }

    #[test]
    fn problems_and_rule_breaks_name_each_field_once() {
        let problems = vec![
            FieldError::new("name", "blank", "blank"),
            FieldError::new("outcomes[0]", "blank", "blank"),
        ];
        let rules = Err(ApiError::Validation(vec![
            FieldError::new("name", "required", "required"),
            FieldError::new("outcomes", "length", "1 to 500"),
            FieldError::new("end_date", "date_order", "order"),
        ]));
        let found = fields(merge_problems(problems, rules).unwrap_err());
        let named: Vec<&str> = found.iter().map(|f| f.1.as_str()).collect();
        assert_eq!(named, ["end_date", "name", "outcomes"]);
    }

    #[test]
    fn integral_floats_are_integers() {
        let mut body = json!({"inner": {"n": 92.0}});
        inspect_body(&mut body).unwrap();
        let outer: Outer = from_value(body).unwrap();
        assert_eq!(outer.inner.unwrap().n, 92);
        let mut fractional = json!({"inner": {"n": 92.5}});
        inspect_body(&mut fractional).unwrap();
        assert!(from_value::<Outer>(fractional).is_err());
    }

    #[test]
    fn wrong_types_and_unknown_fields_name_their_pointer() {
        let error = from_value::<Outer>(json!({"list": [{"n": 1}, {"n": "x"}]})).unwrap_err();
        assert_eq!(
            fields(error),
            [("/list/1/n".into(), "list[1].n".into(), "type".into())]
        );
        let error = from_value::<Outer>(json!({"inner": {"n": 1, "m": 2}})).unwrap_err();
        assert_eq!(
            fields(error),
            [("/inner/m".into(), "inner.m".into(), "unknown_field".into())]
        );
    }
}
