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
                let problem = &reference(&doc, &responses[status])["content"]
                    ["application/problem+json"]["schema"]["$ref"];
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
            // Public, or (`/metrics`) behind the operator's own token.
            let public = op["security"].as_array().is_some_and(|s| {
                s.iter().all(|r| {
                    r.as_object()
                        .is_some_and(|o| o.is_empty() || o.contains_key("metrics_token"))
                })
            });
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

/// What a `$ref` (to any component) points at.
fn reference<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap_or(value),
        None => value,
    }
}

fn operations(doc: &Value) -> Vec<(String, &Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push((format!("{method} {path}"), op));
        }
    }
    ops
}

/// utoipa keeps the last schema published under a name, so two Rust types with one name
/// leave the document describing the wrong body.
#[test]
fn no_two_types_publish_one_schema_name() {
    let names = partnerships::published_schema_names();
    // Every handler's schemas were noted.
    assert!(names.noted > 200, "only {} schema names noted", names.noted);
    assert_eq!(names.clashes, Vec::<String>::new());
}

/// Every component is reached from an operation; nothing is published that no body uses.
#[test]
fn every_component_is_used() {
    let doc = generated();
    let mut reached = std::collections::BTreeSet::new();
    let mut stack = Vec::new();
    collect_refs(&doc["paths"], &mut stack);
    collect_refs(&doc["webhooks"], &mut stack);
    while let Some(r) = stack.pop() {
        if reached.insert(r.clone()) {
            let pointer = r.strip_prefix('#').unwrap_or_default();
            if let Some(target) = doc.pointer(pointer) {
                collect_refs(target, &mut stack);
            }
        }
    }
    for kind in ["schemas", "responses", "parameters", "headers"] {
        for name in doc["components"][kind].as_object().unwrap().keys() {
            let r = format!("#/components/{kind}/{name}");
            assert!(reached.contains(&r), "{r} is not used by any operation");
        }
    }
}

/// Headers and query parameters are text or left out, never JSON `null`; an entity tag is
/// documented with its pattern.
#[test]
fn parameters_are_never_null_and_conditions_are_entity_tags() {
    let doc = generated();
    let mut conditions = 0;
    for (name, op) in operations(&doc) {
        for param in op["parameters"].as_array().into_iter().flatten() {
            let param = reference(&doc, param);
            let schema = resolve(&doc, &param["schema"]);
            let text = schema.to_string();
            assert!(
                !text.contains("\"null\""),
                "{name}: parameter {} may be null: {text}",
                param["name"]
            );
            if ["If-Match", "If-None-Match"].contains(&param["name"].as_str().unwrap_or("")) {
                assert_eq!(schema["type"], "string", "{name}");
                assert_eq!(schema["pattern"], partnerships::openapi::CONDITION_PATTERN);
                conditions += 1;
            }
        }
    }
    assert!(conditions > 100, "only {conditions} conditional headers");
}

/// Generated clients name what they hand out: a page refers to its item's schema, a sort is
/// a named enum, every operation id is unique camelCase, and every body is typed.
#[test]
fn generated_clients_get_named_types() {
    let doc = generated();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut pages = 0;
    for (name, schema) in schemas {
        assert!(!name.contains('_'), "{name}: a generic's name");
        if let Some(item) = name.strip_suffix("Page") {
            assert_eq!(
                schema["properties"]["data"]["items"]["$ref"],
                format!("#/components/schemas/{item}"),
                "{name}"
            );
            pages += 1;
        }
    }
    assert!(pages >= 30, "only {pages} pages");
    let mut ids = std::collections::BTreeSet::new();
    for (name, op) in operations(&doc) {
        let id = op["operationId"].as_str().unwrap_or_default();
        assert!(
            id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && id.chars().all(|c| c.is_ascii_alphanumeric()),
            "{name}: operationId {id:?}"
        );
        assert!(ids.insert(id.to_owned()), "{name}: operationId {id} twice");
        for param in op["parameters"].as_array().into_iter().flatten() {
            let param = reference(&doc, param);
            if param["name"] == "sort" {
                assert!(param["schema"]["$ref"].is_string(), "{name}: inline sort");
            }
        }
        for (media, body) in op["requestBody"]["content"]
            .as_object()
            .into_iter()
            .flatten()
        {
            let schema = resolve(&doc, &body["schema"]);
            if schema["type"] == "array" {
                assert!(schema["items"].is_object(), "{name} {media}: untyped items");
            }
        }
    }
    let batch = &doc["paths"]["/api/v1/kpi-records/batch"]["post"]["requestBody"]["content"];
    assert_eq!(
        batch["application/json"]["schema"]["items"]["$ref"],
        "#/components/schemas/KpiRecordInput"
    );
    let survey = &doc["paths"]["/api/v1/public/surveys/{token}/responses"]["post"];
    let body = resolve(
        &doc,
        &survey["requestBody"]["content"]["application/json"]["schema"],
    );
    // The change feed's `resource` filter names the feed's own types.
    let feed = doc["paths"]["/api/v1/changes"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| reference(&doc, p))
        .find(|p| p["name"] == "resource")
        .unwrap();
    let resources = feed["schema"]["pattern"].as_str().unwrap_or_default();
    assert!(resources.contains("|partner|"), "{resources}");
    let answers = &body["properties"]["answers"];
    assert!(
        answers["additionalProperties"]["anyOf"].is_array(),
        "{answers}"
    );
    assert!(answers["propertyNames"]["pattern"].is_string(), "{answers}");
}

/// Problem answers are shared components, and the document stays small enough to read.
#[test]
fn the_document_is_compact() {
    let doc = generated();
    // As served (compact); the committed copy is indented for review.
    let text = serde_json::to_string(&doc).unwrap();
    assert!(text.len() <= 800_000, "{} bytes", text.len());
    let responses = doc["components"]["responses"].as_object().unwrap();
    assert!(responses.contains_key("Unavailable"));
    for (name, op) in operations(&doc) {
        for (status, answer) in op["responses"].as_object().unwrap() {
            // An answer the shared one already says is a reference to it.
            let shared = responses
                .values()
                .any(|r| r["description"] == answer["description"]);
            assert!(!shared, "{name} {status}: written out inline");
        }
    }
    assert!(doc["servers"][0]["url"].is_string());
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

/// Every `example` in the document, with the schema it must satisfy and where it is.
fn examples_in<'a>(
    value: &'a Value,
    at: String,
    in_properties: bool,
    out: &mut Vec<(String, &'a Value, &'a Value)>,
) {
    match value {
        Value::Object(map) => {
            if let (false, Some(example)) = (in_properties, map.get("example")) {
                // A media type or parameter holds its schema; a schema is its own.
                let schema = map.get("schema").unwrap_or(value);
                out.push((at.clone(), example, schema));
            }
            for (key, inner) in map {
                if in_properties || (key != "example" && key != "examples") {
                    examples_in(
                        inner,
                        format!("{at}/{key}"),
                        key == "properties" && !in_properties,
                        out,
                    );
                }
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                examples_in(inner, format!("{at}/{i}"), false, out);
            }
        }
        _ => {}
    }
}

/// Every example is valid against its own schema (formats included), so a client generated
/// from the document, or a reader copying an example, sends what the server takes.
#[test]
fn every_example_satisfies_its_schema() {
    let doc = generated();
    let mut examples = Vec::new();
    examples_in(&doc, String::new(), false, &mut examples);
    assert!(examples.len() > 50, "only {} examples", examples.len());
    let mut wrong = Vec::new();
    for (at, example, schema) in &examples {
        let mut root = (*schema).clone();
        if let Some(root) = root.as_object_mut() {
            root.insert("components".into(), doc["components"].clone());
        }
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("{at}: schema does not compile: {e}"));
        for error in validator.iter_errors(example) {
            wrong.push(format!("{at}: {} at {}", error, error.instance_path()));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} invalid examples:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// A reader sees what to send and what comes back: every JSON body, asked for or answered with
/// success, has an example (its own, or its schema's), which the test above holds to the schema.
#[test]
fn every_json_body_has_an_example() {
    let doc = generated();
    let mut missing = Vec::new();
    let mut shown = 0;
    for (name, op) in operations(&doc) {
        let request = op["requestBody"]["content"]
            .as_object()
            .map(|c| ("request", c));
        let answers = op["responses"].as_object().into_iter().flatten();
        let successes = answers
            .filter(|(status, _)| status.starts_with('2'))
            .filter_map(|(status, answer)| {
                let content = reference(&doc, answer)["content"].as_object()?;
                Some((status.as_str(), content))
            });
        for (what, content) in request.into_iter().chain(successes) {
            for (media_type, media) in content {
                if !(media_type == "application/json" || media_type.ends_with("+json")) {
                    continue;
                }
                let schema = reference(&doc, &media["schema"]);
                if media.get("example").is_some() || schema.get("example").is_some() {
                    shown += 1;
                } else {
                    missing.push(format!("{name} {what} {media_type}"));
                }
            }
        }
    }
    assert!(shown > 200, "only {shown} bodies shown");
    assert!(
        missing.is_empty(),
        "{} bodies without an example:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

/// A reader of the document alone learns what each operation does and who may call it, and what
/// every parameter and property means.
#[test]
fn everything_is_described() {
    let doc = generated();
    let mut missing = Vec::new();
    for (name, op) in operations(&doc) {
        if op["description"]
            .as_str()
            .is_none_or(|d| d.trim().is_empty())
        {
            missing.push(format!("{name}: no description"));
        }
        for param in op["parameters"].as_array().into_iter().flatten() {
            let param = reference(&doc, param);
            if param["description"].as_str().is_none() {
                missing.push(format!("{name}: parameter {} undescribed", param["name"]));
            }
        }
    }
    for (schema, body) in doc["components"]["schemas"].as_object().unwrap() {
        for (field, property) in body["properties"].as_object().into_iter().flatten() {
            if property["description"].as_str().is_none() {
                missing.push(format!("{schema}.{field} undescribed"));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// Each rule across fields, rows or time that may refuse a schema-valid request (the list the
/// fuzzer holds the server to, in `.ci/cross_field_rules`) is written in the description of an
/// operation that applies it.
#[test]
fn every_rule_beyond_the_schema_is_documented() {
    let doc = generated();
    let rules = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/.ci/cross_field_rules"
    ))
    .unwrap();
    let descriptions: String = operations(&doc)
        .iter()
        .filter_map(|(_, op)| op["description"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let mut listed = 0;
    for line in rules
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let (code, reason) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        assert!(!reason.trim().is_empty(), "{code}: no reason given");
        assert!(
            descriptions.contains(&format!("`{code}`")),
            "{code} is in .ci/cross_field_rules but no operation's description names it"
        );
        listed += 1;
    }
    assert!(listed >= 10, "only {listed} rules");
}
