//! Small SQL pieces shared by stores.

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// A case-insensitive `LIKE` pattern (compare with `lower(column)`) matching `text` anywhere,
/// with `\` escaping the wildcards; use with `.escape('\\')`.
pub fn contains_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// A fresh resource id: UUIDv7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Whether `id` can be one of our ids; anything else is answered 404 without a query.
pub fn is_id(id: &str) -> bool {
    uuid::Uuid::try_parse(id).is_ok()
}
