//! The committed `openapi/openapi.json` is the contract; it must be what the code generates.

use serde_json::Value;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");

fn generated() -> Value {
    serde_json::to_value(partnerships::openapi_document()).unwrap()
}

#[test]
fn committed_document_matches_the_code() {
    let committed: Value = std::fs::read_to_string(COMMITTED)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null);
    assert!(
        committed == generated(),
        "openapi/openapi.json differs from the code; regenerate it with \
         `cargo run -- openapi > openapi/openapi.json` and review the diff"
    );
}

#[test]
fn every_operation_documents_success_errors_and_tag() {
    let doc = generated();
    assert_eq!(doc["openapi"].as_str().map(|v| &v[..3]), Some("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 8);
    for (path, item) in paths {
        if path == partnerships::TOKEN_PATH {
            // OAuth2's own error format, checked in the auth tests.
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            let name = format!("{method} {path}");
            assert!(
                responses.keys().any(|k| k.starts_with('2')),
                "{name}: no success response"
            );
            for status in ["400", "500", "503"] {
                let problem =
                    &responses[status]["content"]["application/problem+json"]["schema"]["$ref"];
                assert_eq!(problem, "#/components/schemas/Problem", "{name}: {status}");
            }
            if path.contains('{') {
                assert!(responses.contains_key("404"), "{name}: no 404");
            }
            if ["put", "patch"].contains(&method.as_str()) {
                assert!(op["requestBody"].is_object(), "{name}: no request body");
            }
            if op["requestBody"].is_object() {
                for status in ["413", "415", "422"] {
                    assert!(responses.contains_key(status), "{name}: no {status}");
                }
            }
            let public = op["security"].as_array().is_some_and(|s| {
                s.iter()
                    .all(|r| r.as_object().is_some_and(|o| o.is_empty()))
            }) || path.starts_with("/healthz")
                || path.starts_with("/readyz");
            if !public {
                assert!(
                    responses.contains_key("401") && responses.contains_key("403"),
                    "{name}: no 401/403"
                );
                assert!(
                    op["security"][0]["bearer"].is_array(),
                    "{name}: no bearer security"
                );
            }
            if ["put", "patch", "delete"].contains(&method.as_str()) {
                assert!(responses.contains_key("412"), "{name}: no 412");
            }
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{name}: no tag"
            );
        }
    }
    // Validation bounds are in the schema.
    let name = &doc["components"]["schemas"]["SchoolInput"]["properties"]["name"];
    assert_eq!(name["maxLength"], 200);
    assert_eq!(name["minLength"], 1);
    let required = doc["components"]["schemas"]["PartnerInput"]["required"]
        .as_array()
        .unwrap();
    assert!(required.contains(&Value::from("name")) && required.contains(&Value::from("kind")));
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

#[test]
fn every_reference_resolves() {
    let doc = generated();
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        let pointer = r.strip_prefix('#').expect("local reference");
        assert!(doc.pointer(pointer).is_some(), "dangling reference {r}");
    }
}

fn collect_enums(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(values)) = map.get("enum") {
                out.extend(values.iter().filter_map(|v| v.as_str().map(String::from)));
            }
            map.values().for_each(|v| collect_enums(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_enums(v, out)),
        _ => {}
    }
}

/// The document must spell enum values as the wire does (`higher_education`, `-name`, `01`),
/// not as the Rust variants are named.
#[test]
fn enum_values_are_the_wire_spelling() {
    let doc = generated();
    let kinds = &doc["components"]["schemas"]["PartnerKind"]["enum"];
    assert!(
        kinds
            .as_array()
            .unwrap()
            .contains(&"higher_education".into()),
        "{kinds}"
    );
    let mut values = Vec::new();
    collect_enums(&doc, &mut values);
    assert!(values.len() > 50);
    for value in values {
        assert!(
            !(value.starts_with(|c: char| c.is_ascii_uppercase())
                && value.chars().any(|c| c.is_ascii_lowercase())),
            "enum value {value:?} is not a wire spelling"
        );
    }
    let text = doc.to_string();
    assert!(
        text.contains("\"-name\""),
        "descending sort keys documented"
    );
}

/// Resolves `{"$ref": "#/components/schemas/X"}` in `doc`.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        None => schema,
    }
}

fn defaults_in(value: &Value, at: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if key == "default" {
                    found.push(at.to_owned());
                } else if key != "example" && key != "examples" {
                    defaults_in(inner, &format!("{at}/{key}"), found);
                }
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                defaults_in(inner, &format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

/// What a client generator (openapi-typescript 7 and openapi-fetch) needs to send a partial
/// PATCH without casts: a merge-patch schema of its own with nothing required, and request
/// schemas without `default` (which makes a field required in generated types).
#[test]
fn patch_bodies_are_partial_and_request_schemas_have_no_defaults() {
    let doc = generated();
    let mut patches = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(content) = op["requestBody"]["content"].as_object() else {
                continue;
            };
            for (media, body) in content {
                let schema = resolve(&doc, &body["schema"]);
                let mut found = Vec::new();
                defaults_in(schema, &format!("{method} {path} {media}"), &mut found);
                assert!(found.is_empty(), "defaults in a request schema: {found:?}");
                if method == "patch" {
                    assert_eq!(media, "application/merge-patch+json", "{path}");
                    let name = body["schema"]["$ref"].as_str().unwrap_or_default();
                    assert!(name.ends_with("Patch"), "{path}: PATCH body is {name}");
                    assert!(schema.get("required").is_none(), "{path}: {name} requires");
                    patches += 1;
                }
            }
        }
    }
    assert!(patches >= 12, "only {patches} PATCH operations");
    // A field the full body may leave out can be cleared with null; a required one cannot.
    let partner = &doc["components"]["schemas"]["PartnerInputPatch"]["properties"];
    assert_eq!(partner["name"]["type"], "string");
    assert_eq!(
        partner["description"]["type"],
        serde_json::json!(["string", "null"])
    );
}

/// Every text field of a request body states its rules: a format, an enum or a pattern (the
/// pattern refuses control characters and blank text).
#[test]
fn request_text_states_its_rules() {
    let doc = generated();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut checked = 0;
    for name in [
        "PartnerInput",
        "SchoolInput",
        "ContactInput",
        "AgreementInput",
        "Address",
    ] {
        for (field, schema) in schemas[name]["properties"].as_object().unwrap() {
            let is_text = schema["type"] == "string"
                || schema["type"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|t| t == "string"));
            if !is_text {
                continue;
            }
            checked += 1;
            assert!(
                schema.get("pattern").is_some()
                    || schema.get("format").is_some()
                    || schema.get("enum").is_some(),
                "{name}.{field} states no rule: {schema}"
            );
            if schema["pattern"] == partnerships::openapi::TEXT_PATTERN {
                assert!(schema["minLength"].as_u64() >= Some(1), "{name}.{field}");
            }
        }
    }
    assert!(checked >= 20, "only {checked} text fields");
}
