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

use platform::http::text::{
    CONDITION_PATTERN, IDEMPOTENCY_KEY_PATTERN, QUERY_PATTERN, TEXT_PATTERN,
};

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
    named_pages(doc);
    named_sorts(doc);
    operation_ids(doc);
    shared_parameters_and_headers(doc);
    free_form_objects(doc);
    nullable_descriptions(doc);
    derived_examples(doc);
}

/// Calls `visit` on every object of the document, outside examples (which show values, not
/// schemas).
fn each_object(value: &mut Value, visit: &mut impl FnMut(&mut Map<String, Value>)) {
    match value {
        Value::Object(map) => {
            visit(map);
            for (key, inner) in map.iter_mut() {
                match (key.as_str(), inner) {
                    // Property names are not keywords: a field may be called `examples`.
                    ("properties", Value::Object(properties)) => {
                        for property in properties.values_mut() {
                            each_object(property, visit);
                        }
                    }
                    ("example" | "examples", _) => {}
                    (_, inner) => each_object(inner, visit),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| each_object(item, visit)),
        _ => {}
    }
}

/// utoipa writes a nullable reference's description beside the `$ref` inside its `oneOf`,
/// where generators and readers do not look (and a `$ref`'s siblings are ignored by some): it
/// belongs to the property.
fn nullable_descriptions(doc: &mut Value) {
    each_object(doc, &mut |map| {
        if map.contains_key("description") {
            return;
        }
        let inner = map
            .get_mut("oneOf")
            .and_then(Value::as_array_mut)
            .and_then(|choices| {
                choices
                    .iter_mut()
                    .filter_map(Value::as_object_mut)
                    .find(|c| c.contains_key("$ref") && c.contains_key("description"))
                    .and_then(|c| c.remove("description"))
            });
        if let Some(description) = inner {
            map.insert("description".into(), description);
        }
    });
}

/// An object without declared properties takes any members: saying so keeps generators from
/// typing it as an object that can hold nothing (`Record<string, never>`).
fn free_form_objects(doc: &mut Value) {
    const DECLARING: [&str; 6] = [
        "properties",
        "additionalProperties",
        "$ref",
        "oneOf",
        "allOf",
        "anyOf",
    ];
    each_object(doc, &mut |map| {
        let object = match map.get("type") {
            Some(Value::String(t)) => t == "object",
            Some(Value::Array(types)) => types.contains(&json!("object")),
            _ => false,
        };
        if object && !DECLARING.iter().any(|k| map.contains_key(*k)) {
            map.insert("additionalProperties".into(), Value::Bool(true));
        }
    });
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
        for status in ["409", "422"] {
            if let Some(shared) = shared_problem(status) {
                responses.entry(status).or_insert(shared);
            }
        }
    }
}

/// The shared problem answer of `status`, as JSON.
fn shared_problem(status: &str) -> Option<Value> {
    super::shared_problem(status).and_then(|response| serde_json::to_value(response).ok())
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

/// `Page_X` (utoipa's name for `Page<X>`, with `X` written out inside it) becomes `XPage`,
/// whose items refer to `X`; `Listed_X` becomes `XList` the same way. Generated clients then
/// hand out pages of `Partner`, not of a `PagePartnerDataItem` of their own.
fn named_pages(doc: &mut Value) {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let mut renames = Vec::new();
    for (prefix, suffix, field) in [("Page_", "Page", "data"), ("Listed_", "List", "items")] {
        let generic: Vec<String> = schemas
            .keys()
            .filter(|name| name.starts_with(prefix))
            .cloned()
            .collect();
        for name in generic {
            let item = &name[prefix.len()..];
            let Some(mut page) = schemas.remove(&name) else {
                continue;
            };
            if let Some(items) = page.pointer_mut(&format!("/properties/{field}/items")) {
                let item_ref = json!({"$ref": format!("#/components/schemas/{item}")});
                match schemas.get(item) {
                    Some(known) if known == items => *items = item_ref,
                    Some(_) => {}
                    // An item type no body names on its own gets a schema of its own.
                    None if items.get("$ref").is_none() => {
                        schemas.insert(item.to_owned(), std::mem::replace(items, item_ref));
                    }
                    None => {}
                }
            }
            let named = format!("{item}{suffix}");
            // A Rust type of that name already published keeps it; the generic keeps its own
            // (and the contract test that forbids generic names says so).
            if schemas.contains_key(&named) {
                schemas.insert(name, page);
                continue;
            }
            schemas.insert(named.clone(), page);
            renames.push((name, named));
        }
    }
    for (old, new) in renames {
        rename_refs(
            doc,
            &format!("#/components/schemas/{old}"),
            &format!("#/components/schemas/{new}"),
        );
    }
}

/// Examples made from the examples the types give, so each is written once: a page shows its
/// item as the last page, a list body its item, a merge patch one field of the full body.
fn derived_examples(doc: &mut Value) {
    let Some(schemas) = doc.pointer("/components/schemas").cloned() else {
        return;
    };
    let example_of = |schema: &Value| -> Option<Value> {
        let named = ref_name(schema).and_then(|name| schemas.get(&name));
        named.unwrap_or(schema).get("example").cloned()
    };
    if let Some(Value::Object(components)) = doc.pointer_mut("/components/schemas") {
        for page in components.values_mut() {
            if page.get("example").is_none() {
                if let Some(example) = page_example(page, &example_of) {
                    page["example"] = example;
                }
            }
        }
    }
    for op in operations(doc) {
        if let Some(content) = op.get_mut("requestBody").and_then(|b| b.get_mut("content")) {
            media_examples(content, &schemas, &example_of);
        }
        let answers = op.get_mut("responses").and_then(Value::as_object_mut);
        for answer in answers.into_iter().flat_map(|a| a.values_mut()) {
            if let Some(content) = answer.get_mut("content") {
                media_examples(content, &schemas, &example_of);
            }
        }
    }
}

/// The examples of one body's media types that the types' examples make: a list body shows
/// its item, a merge patch one field of the full body.
fn media_examples(
    content: &mut Value,
    schemas: &Value,
    example_of: &impl Fn(&Value) -> Option<Value>,
) {
    for (media_type, media) in content.as_object_mut().into_iter().flatten() {
        if media.get("example").is_some() || media.get("examples").is_some() {
            continue;
        }
        let Some(schema) = media.get("schema") else {
            continue;
        };
        let example = match (media_type.as_str(), schema.get("items")) {
            ("application/merge-patch+json", _) => ref_name(schema)
                .and_then(|patch| patch.strip_suffix("Patch").map(str::to_owned))
                .and_then(|full| schemas.get(&full))
                .and_then(|full| full.get("example"))
                .and_then(one_field),
            (_, Some(items)) if schema.get("type") == Some(&json!("array")) => {
                example_of(items).map(|item| json!([item]))
            }
            _ => None,
        };
        if let Some(example) = example {
            media["example"] = example;
        }
    }
}

/// A page's or list's example: its items as one item, the other fields as on the last page
/// (`null`), when every field can be shown that way.
fn page_example(page: &Value, example_of: &impl Fn(&Value) -> Option<Value>) -> Option<Value> {
    let properties = page.get("properties")?.as_object()?;
    let mut example = Map::new();
    let mut has_items = false;
    for (field, schema) in properties {
        let value = if schema.get("type") == Some(&json!("array")) {
            has_items = true;
            json!([example_of(schema.get("items")?)?])
        } else if schema
            .get("type")
            .and_then(Value::as_array)
            .is_some_and(|t| t.contains(&json!("null")))
        {
            Value::Null
        } else {
            return None;
        };
        example.insert(field.clone(), value);
    }
    has_items.then_some(Value::Object(example))
}

/// One field of a full body's example, as a merge patch changing just that: its name or title
/// when it has one, else its first text field.
fn one_field(full: &Value) -> Option<Value> {
    let full = full.as_object()?;
    let field = ["name", "title"]
        .into_iter()
        .find(|f| full.get(*f).is_some_and(Value::is_string))
        .map(str::to_owned)
        .or_else(|| {
            full.iter()
                .find(|(_, v)| v.is_string())
                .map(|(f, _)| f.clone())
        })?;
    Some(json!({ field.clone(): full[&field].clone() }))
}

/// Points every `$ref` to `old` at `new`.
fn rename_refs(value: &mut Value, old: &str, new: &str) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    Value::String(r) if key == "$ref" && r == old => *r = new.to_owned(),
                    _ => rename_refs(v, old, new),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rename_refs(v, old, new)),
        _ => {}
    }
}

/// A list's `sort` values become a named enum, `XSort` for a page of `X`, so generators name
/// the values (`-created_at`) instead of numbering them.
fn named_sorts(doc: &mut Value) {
    let mut named: Vec<(String, Value)> = Vec::new();
    for op in operations(doc) {
        let Some(item) = listed_item(op) else {
            continue;
        };
        let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
            continue;
        };
        for param in params.iter_mut() {
            if param.get("in") != Some(&json!("query")) || param.get("name") != Some(&json!("sort"))
            {
                continue;
            }
            let Some(values) = param.pointer("/schema/enum").cloned() else {
                continue;
            };
            let name = format!("{item}Sort");
            let schema = json!({
                "type": "string",
                "enum": values,
                "description": format!("An order of the {item} list: a field, descending with a `-` before it."),
            });
            match named.iter().find(|(n, _)| *n == name) {
                Some((_, known)) if *known != schema => continue,
                Some(_) => {}
                None => named.push((name.clone(), schema)),
            }
            param["schema"] = json!({"$ref": format!("#/components/schemas/{name}")});
        }
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        schemas.extend(named);
    }
}

/// `X` for an operation answering a page of `X`.
fn listed_item(op: &Map<String, Value>) -> Option<String> {
    let schema = op
        .get("responses")?
        .pointer("/200/content/application~1json/schema")?;
    let name = ref_name(schema)?;
    name.strip_suffix("Page").map(str::to_owned)
}

/// A parameter or response header written out the same way in more than one place becomes one
/// `components.parameters` / `components.headers` entry, named after it (`If-Match` →
/// `IfMatch`); where a name is written several ways, its most common way is the shared one.
fn shared_parameters_and_headers(doc: &mut Value) {
    let mut parameters = SpellingCounts::default();
    let mut headers = SpellingCounts::default();
    for op in operations(doc) {
        for param in op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = param.get("name").and_then(Value::as_str) {
                parameters.count(name, param);
            }
        }
        for answer in op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let answer_headers = answer.1.get("headers").and_then(Value::as_object);
            for (name, header) in answer_headers.into_iter().flatten() {
                headers.count(name, header);
            }
        }
    }
    let parameters = parameters.shared();
    let headers = headers.shared();
    for op in operations(doc) {
        for param in op
            .get_mut("parameters")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if let Some(name) = parameters.iter().find(|(_, p)| p == param).map(|(n, _)| n) {
                *param = json!({"$ref": format!("#/components/parameters/{name}")});
            }
        }
        let answers = op.get_mut("responses").and_then(Value::as_object_mut);
        for answer in answers.into_iter().flatten().map(|(_, a)| a) {
            let answer_headers = answer.get_mut("headers").and_then(Value::as_object_mut);
            for header in answer_headers.into_iter().flatten().map(|(_, h)| h) {
                if let Some(name) = headers.iter().find(|(_, h)| h == header).map(|(n, _)| n) {
                    *header = json!({"$ref": format!("#/components/headers/{name}")});
                }
            }
        }
    }
    let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) else {
        return;
    };
    for (kind, shared) in [("parameters", parameters), ("headers", headers)] {
        let entry = components.entry(kind).or_insert_with(|| json!({}));
        if let Some(entry) = entry.as_object_mut() {
            entry.extend(shared);
        }
    }
}

/// How often each way of writing a named parameter or header occurs.
#[derive(Default)]
struct SpellingCounts(Vec<(String, Value, usize)>);

impl SpellingCounts {
    fn count(&mut self, name: &str, value: &Value) {
        match self.0.iter_mut().find(|(n, v, _)| n == name && v == value) {
            Some((_, _, seen)) => *seen += 1,
            None => self.0.push((name.to_owned(), value.clone(), 1)),
        }
    }

    /// The component name and value of each name's most common way, where it is repeated.
    /// Two names with one component name (`page_size`, `page-size`) share nothing: the first
    /// keeps the name, the other stays written out where it is used.
    fn shared(mut self) -> Vec<(String, Value)> {
        self.0.sort_by(|a, b| a.0.cmp(&b.0).then(b.2.cmp(&a.2)));
        self.0.dedup_by(|later, first| later.0 == first.0);
        let mut shared: Vec<(String, Value)> = Vec::new();
        for (name, value, seen) in self.0 {
            let component = component_name(&name);
            if seen > 1 && !shared.iter().any(|(taken, _)| *taken == component) {
                shared.push((component, value));
            }
        }
        shared
    }
}

/// `If-Match` → `IfMatch`, `agreement_id` → `AgreementId`.
fn component_name(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Operation ids in camelCase (`listTimelineItems`), as generators expect them.
fn operation_ids(doc: &mut Value) {
    for op in operations(doc) {
        if let Some(Value::String(id)) = op.get_mut("operationId") {
            let mut camel = String::with_capacity(id.len());
            let mut upper = false;
            for c in id.chars() {
                match c {
                    '_' => upper = true,
                    c if upper => {
                        camel.extend(c.to_uppercase());
                        upper = false;
                    }
                    c => camel.push(c),
                }
            }
            *id = camel;
        }
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

/// Whether a request field holds one of our ids (`partner_id`, `school_ids`): a UUID, as the
/// server checks. External ids (`school_external_id`) are the district's own text.
fn holds_ids(field: &str) -> bool {
    (field == "id" || field.ends_with("_id") || field.ends_with("_ids"))
        && !field.contains("external")
}

/// `format: uuid` on a plain text schema (or a list's items).
fn state_uuid(schema: &mut Value) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    if let Some(items) = map.get_mut("items") {
        state_uuid(items);
    } else if is_plain_text(map) {
        map.insert("format".into(), json!("uuid"));
    }
}

/// Text rules and no defaults, through a request schema and everything inline in it.
fn state_text(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            map.remove("default");
            if let Some(properties) = map.get_mut("properties").and_then(Value::as_object_mut) {
                for (field, property) in properties.iter_mut() {
                    if holds_ids(field) {
                        state_uuid(property);
                    }
                }
            }
            if is_plain_text(map) {
                map.insert("pattern".into(), Value::String(TEXT_PATTERN.into()));
                map.entry("minLength").or_insert(json!(1));
            }
            for (key, value) in map.iter_mut() {
                match (key.as_str(), value) {
                    // Property names are not keywords: a field may be called `examples`.
                    ("properties", Value::Object(properties)) => {
                        properties.values_mut().for_each(state_text)
                    }
                    // Examples show values, not schemas.
                    ("example" | "examples", _) => {}
                    (_, value) => state_text(value),
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
                // A `schema_with` parameter's description is in its schema.
                let moved = param
                    .get_mut("schema")
                    .and_then(Value::as_object_mut)
                    .and_then(|schema| schema.remove("description"));
                if let (Some(description), Some(param)) = (moved, param.as_object_mut()) {
                    param.entry("description").or_insert(description);
                }
                let Some(schema) = param.get_mut("schema").and_then(Value::as_object_mut) else {
                    continue;
                };
                not_null(schema);
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
        for (status, wanted) in [("422", has_query), ("412", has_if_match)] {
            if let (true, Some(shared)) = (wanted, shared_problem(status)) {
                responses.entry(status).or_insert(shared);
            }
        }
    }
}

/// A query or header value is text, never JSON `null`: an optional parameter is one left out.
fn not_null(schema: &mut Map<String, Value>) {
    let single = match schema.get_mut("type") {
        Some(Value::Array(types)) => {
            types.retain(|t| t != "null");
            (types.len() == 1).then(|| types[0].clone())
        }
        _ => None,
    };
    if let Some(single) = single {
        schema.insert("type".into(), single);
    }
    if let Some(values) = schema.get_mut("enum").and_then(Value::as_array_mut) {
        values.retain(|v| !v.is_null());
    }
    let one_left = match schema.get_mut("oneOf") {
        Some(Value::Array(choices)) => {
            choices.retain(|c| c.get("type") != Some(&json!("null")));
            (choices.len() == 1).then(|| choices[0].clone())
        }
        _ => None,
    };
    if let Some(Value::Object(only)) = one_left {
        schema.remove("oneOf");
        schema.extend(only);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_whose_names_meet_are_not_merged() {
        let mut tally = SpellingCounts::default();
        let dash = json!({"name": "page-size", "in": "header"});
        let underscore = json!({"name": "page_size", "in": "query"});
        for _ in 0..2 {
            tally.count("page-size", &dash);
            tally.count("page_size", &underscore);
        }
        let shared = tally.shared();
        assert_eq!(shared, vec![("PageSize".to_owned(), dash)]);
    }

    #[test]
    fn a_page_name_taken_by_a_type_stays_generic() {
        let mut doc = json!({"components": {"schemas": {
            "Page_Partner": {"properties": {"data": {"items": {"type": "object"}}}},
            "Partner": {"type": "object"},
            "PartnerPage": {"type": "string"}
        }}});
        named_pages(&mut doc);
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas["PartnerPage"], json!({"type": "string"}));
        assert!(schemas["Page_Partner"].is_object());
    }

    #[test]
    fn examples_are_made_from_the_item_and_full_body() {
        let item = json!({"name": "Kennebec", "visits": 3});
        let mut doc = json!({
            "paths": {"/x": {
                "get": {"responses": {"200": {"content": {"application/json": {
                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/X"}}
                }}}}},
                "patch": {"requestBody": {"content": {"application/merge-patch+json": {
                    "schema": {"$ref": "#/components/schemas/XInputPatch"}
                }}}, "responses": {}}
            }},
            "components": {"schemas": {
                "X": {"type": "object", "example": item},
                "XInput": {"type": "object", "example": item},
                "XInputPatch": {"type": "object"},
                "XPage": {"type": "object", "properties": {
                    "data": {"type": "array", "items": {"$ref": "#/components/schemas/X"}},
                    "next_cursor": {"type": ["string", "null"]}
                }},
                "YPage": {"type": "object", "properties": {
                    "data": {"type": "array", "items": {"$ref": "#/components/schemas/Y"}},
                    "next_cursor": {"type": "string"}
                }},
                "Y": {"type": "object", "example": item}
            }}
        });
        derived_examples(&mut doc);
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["XPage"]["example"],
            json!({"data": [item], "next_cursor": null})
        );
        // A cursor always present cannot be shown as the last page's `null`.
        assert!(schemas["YPage"].get("example").is_none());
        let x = &doc["paths"]["/x"];
        let listed = &x["get"]["responses"]["200"]["content"]["application/json"]["example"];
        assert_eq!(listed, &json!([item]));
        let patch = &x["patch"]["requestBody"]["content"]["application/merge-patch+json"];
        assert_eq!(patch["example"], json!({"name": "Kennebec"}));
    }

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
