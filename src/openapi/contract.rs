//! The rules the server enforces on single fields, stated in the document: a second pass over
//! the generated document, so no resource has to repeat them.
//!
//! - Every PATCH body gets its own merge-patch schema (`XPatch`): every field optional, and
//!   nullable where `null` clears it (fields the full body may leave out).
//! - Request schemas carry no `default` (a generated client must not make such fields
//!   required); the defaults are in the descriptions.
//! - Text in a request body is at least one non-blank character without control characters
//!   (tab and line breaks excepted); text in a query parameter has no control characters.
//! - `If-Match` / `If-None-Match` headers hold `*` or entity tags.
//! - An operation with query parameters documents 422 (control characters in one).

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

/// Non-blank text without control characters (tab, line feed and carriage return allowed).
pub const TEXT_PATTERN: &str = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$";
/// An `Idempotency-Key`: 1 to 255 visible ASCII characters.
pub const IDEMPOTENCY_KEY_PATTERN: &str = r"^[\x21-\x7e]{1,255}$";
/// Query text: no control characters.
pub const QUERY_PATTERN: &str = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$";
/// `*` or a list of (possibly weak) entity tags.
pub const CONDITION_PATTERN: &str =
    r#"^(\*|(W/)?"[\x21\x23-\x2b\x2d-\x7e]*"( ?, ?(W/)?"[\x21\x23-\x2b\x2d-\x7e]*")*)$"#;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Applies every rule of the module to the document (as JSON).
pub fn state_rules(doc: &mut Value) {
    let request = request_schemas(doc);
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for name in &request {
            if let Some(schema) = schemas.get_mut(name) {
                state_text(schema);
            }
        }
    }
    // Made from the request schemas as stated above.
    merge_patch_schemas(doc);
    parameters(doc);
    idempotency_keys(doc);
}

/// Every POST that takes a token takes an `Idempotency-Key` (see `crate::idempotency`).
fn idempotency_keys(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(op) = item.get_mut("post").and_then(Value::as_object_mut) else {
            continue;
        };
        let protected = op
            .get("security")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|r| r.get("bearer").is_some()));
        if !protected {
            continue;
        }
        let parameters = op.entry("parameters").or_insert_with(|| json!([]));
        if let Some(parameters) = parameters.as_array_mut() {
            parameters.push(json!({
                "name": "Idempotency-Key",
                "in": "header",
                "required": false,
                "description": "Makes a retry safe: the same key with the same request within IDEMPOTENCY_TTL_SECONDS (default one day) answers the first answer again, with `Idempotent-Replayed: true`, and does nothing twice. The same key with another request is 422; while the first request with the key runs, another is 409. Keys belong to the caller; server faults are not kept, so a retry after a 5xx runs again.",
                "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN}
            }));
        }
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            continue;
        };
        for (status, response) in responses.iter_mut() {
            if status.starts_with('2') {
                if let Some(response) = response.as_object_mut() {
                    let headers = response.entry("headers").or_insert_with(|| json!({}));
                    if let Some(headers) = headers.as_object_mut() {
                        headers.insert(
                            "Idempotent-Replayed".into(),
                            json!({"description": "`true` when this is the stored answer to an earlier request with the same Idempotency-Key", "schema": {"type": "string", "enum": ["true"]}}),
                        );
                    }
                }
            }
        }
        for (status, description) in [
            (
                "409",
                "A request with the same Idempotency-Key is still running",
            ),
            (
                "422",
                "Validation failed, or the Idempotency-Key was used for another request",
            ),
        ] {
            responses.entry(status).or_insert_with(|| {
                json!({"description": description, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
            });
        }
    }
}

fn operations(doc: &mut Value) -> Vec<&mut Map<String, Value>> {
    let mut ops = Vec::new();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            if let Some(item) = item.as_object_mut() {
                for (method, op) in item.iter_mut() {
                    if METHODS.contains(&method.as_str()) {
                        if let Some(op) = op.as_object_mut() {
                            ops.push(op);
                        }
                    }
                }
            }
        }
    }
    ops
}

fn ref_name(schema: &Value) -> Option<String> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .map(str::to_owned)
}

/// `XPatch` for each PATCH body `X`.
fn merge_patch_schemas(doc: &mut Value) {
    let mut wanted = BTreeSet::new();
    for op in operations(doc) {
        let Some(content) = op
            .get_mut("requestBody")
            .and_then(|b| b.get_mut("content"))
            .and_then(|c| c.get_mut("application/merge-patch+json"))
        else {
            continue;
        };
        if let Some(name) = content.get("schema").and_then(ref_name) {
            content["schema"] = json!({"$ref": format!("#/components/schemas/{name}Patch")});
            wanted.insert(name);
        }
    }
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for name in wanted {
        let Some(mut patch) = schemas.get(&name).cloned() else {
            continue;
        };
        let required: Vec<String> = patch
            .get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(object) = patch.as_object_mut() {
            object.remove("required");
            object.remove("example");
            object.insert(
                "description".into(),
                Value::String(format!(
                    "A JSON Merge Patch (RFC 7396) of `{name}`: every field is optional; `null` \
                     clears a field that may be left out of a full body."
                )),
            );
        }
        if let Some(properties) = patch.get_mut("properties").and_then(Value::as_object_mut) {
            for (field, schema) in properties.iter_mut() {
                if !required.contains(field) {
                    nullable(schema);
                }
            }
        }
        schemas.insert(format!("{name}Patch"), patch);
    }
}

/// Lets `schema` also be `null`.
fn nullable(schema: &mut Value) {
    if schema.get("$ref").is_some() {
        let inner = schema.take();
        *schema = json!({"oneOf": [inner, {"type": "null"}]});
        return;
    }
    if let Some(one_of) = schema.get_mut("oneOf").and_then(Value::as_array_mut) {
        if !one_of.iter().any(|s| s.get("type") == Some(&json!("null"))) {
            one_of.push(json!({"type": "null"}));
        }
        return;
    }
    match schema.get_mut("type") {
        Some(Value::String(t)) => {
            let t = t.clone();
            schema["type"] = json!([t, "null"]);
        }
        Some(Value::Array(types)) if !types.contains(&json!("null")) => {
            types.push(json!("null"));
        }
        _ => {}
    }
    if let Some(values) = schema.get_mut("enum").and_then(Value::as_array_mut) {
        if !values.contains(&Value::Null) {
            values.push(Value::Null);
        }
    }
}

/// The names of every schema a request body reaches.
fn request_schemas(doc: &mut Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut stack = Vec::new();
    for op in operations(doc) {
        if let Some(content) = op
            .get("requestBody")
            .and_then(|b| b.get("content"))
            .and_then(Value::as_object)
        {
            for media in content.values() {
                if let Some(schema) = media.get("schema") {
                    collect_refs(schema, &mut stack);
                }
            }
        }
    }
    let schemas = doc
        .pointer("/components/schemas")
        .cloned()
        .unwrap_or(Value::Null);
    while let Some(name) = stack.pop() {
        if names.insert(name.clone()) {
            if let Some(schema) = schemas.get(&name) {
                collect_refs(schema, &mut stack);
            }
        }
    }
    names
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = ref_name(value) {
                out.push(name);
            }
            for v in map.values() {
                collect_refs(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

fn is_plain_text(schema: &Map<String, Value>) -> bool {
    let string = match schema.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
        _ => false,
    };
    string
        && !schema.contains_key("enum")
        && !schema.contains_key("format")
        && !schema.contains_key("pattern")
}

/// Text rules and no defaults, through a request schema and everything inline in it.
fn state_text(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            map.remove("default");
            if is_plain_text(map) {
                map.insert("pattern".into(), Value::String(TEXT_PATTERN.into()));
                map.entry("minLength").or_insert(json!(1));
            }
            for (key, value) in map.iter_mut() {
                // Examples show values, not schemas.
                if key != "example" && key != "examples" {
                    state_text(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(state_text),
        _ => {}
    }
}

/// Query text has no control characters; conditional headers hold entity tags; 422 where a
/// query parameter can cause one.
fn parameters(doc: &mut Value) {
    for op in operations(doc) {
        let mut has_query = false;
        let mut has_if_match = false;
        if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
            for param in params.iter_mut() {
                let place = param
                    .get("in")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let name = param
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let conditional = place == "header"
                    && (name.eq_ignore_ascii_case("if-match")
                        || name.eq_ignore_ascii_case("if-none-match"));
                has_query |= place == "query";
                has_if_match |= place == "header" && name.eq_ignore_ascii_case("if-match");
                let Some(schema) = param.get_mut("schema").and_then(Value::as_object_mut) else {
                    continue;
                };
                if conditional {
                    schema.insert("pattern".into(), Value::String(CONDITION_PATTERN.into()));
                } else if place == "query" && is_plain_text(schema) {
                    schema.insert("pattern".into(), Value::String(QUERY_PATTERN.into()));
                }
            }
        }
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            continue;
        };
        let problem = |description: &str| {
            json!({
                "description": description,
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
            })
        };
        if has_query {
            responses.entry("422").or_insert_with(|| {
                problem("A query parameter holds control characters, or a value breaks a rule; every one is listed in `errors`")
            });
        }
        if has_if_match {
            responses
                .entry("412")
                .or_insert_with(|| problem("`If-Match` does not match the current version"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_schemas_make_fields_optional_and_clearable() {
        let mut doc = json!({
            "paths": {"/x/{id}": {"patch": {"requestBody": {"content": {
                "application/merge-patch+json": {"schema": {"$ref": "#/components/schemas/XInput"}}
            }}, "responses": {}}}},
            "components": {"schemas": {"XInput": {
                "type": "object", "required": ["name"],
                "properties": {
                    "name": {"type": "string", "maxLength": 5},
                    "note": {"type": ["string", "null"], "default": "n"},
                    "kind": {"$ref": "#/components/schemas/Kind"}
                }
            }, "Kind": {"type": "string", "enum": ["a"]}}}
        });
        state_rules(&mut doc);
        let patch = &doc["components"]["schemas"]["XInputPatch"];
        assert!(patch.get("required").is_none());
        assert_eq!(patch["properties"]["name"]["type"], "string");
        assert_eq!(
            patch["properties"]["note"]["type"],
            json!(["string", "null"])
        );
        assert!(patch["properties"]["kind"]["oneOf"].is_array());
        let input = &doc["components"]["schemas"]["XInput"];
        assert!(input["properties"]["note"].get("default").is_none());
        assert_eq!(input["properties"]["name"]["minLength"], 1);
        assert_eq!(input["properties"]["name"]["pattern"], TEXT_PATTERN);
        assert!(doc["components"]["schemas"]["Kind"]
            .get("pattern")
            .is_none());
    }
}
