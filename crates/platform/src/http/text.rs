//! Deserializers that normalise text as it arrives, so every write path trims the same way.

use serde::{Deserialize, Deserializer};

// The text rules as the schema writes them, for the document and for generated clients.
/// Non-blank text without control characters (tab, line feed and carriage return allowed).
pub const TEXT_PATTERN: &str = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$";
/// One line of non-blank text: no control characters at all (tab and line breaks are ones).
/// Written out in the `pattern` of each one-line field's attribute.
pub const LINE_PATTERN: &str =
    r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$";
/// An `Idempotency-Key`: 1 to 255 visible ASCII characters.
pub const IDEMPOTENCY_KEY_PATTERN: &str = r"^[\x21-\x7e]{1,255}$";
/// Query text: no control characters.
pub const QUERY_PATTERN: &str = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$";
/// `*` or a list of (possibly weak) entity tags.
pub const CONDITION_PATTERN: &str =
    r#"^(\*|(W/)?"[\x21\x23-\x2b\x2d-\x7e]*"( ?, ?(W/)?"[\x21\x23-\x2b\x2d-\x7e]*")*)$"#;

/// An optional nested object that must be written as a JSON object (or `null`): serde's derive
/// also takes a struct from an array of its fields in order, which no client means to send.
/// The object's own fields go on through the caller's deserializer, so errors inside it still
/// name their field.
pub fn optional_object<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    use serde::de::{MapAccess, Visitor};
    use std::marker::PhantomData;

    struct ObjectOrNull<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectOrNull<T> {
        type Value = Option<T>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object or null")
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D2: Deserializer<'de>>(self, inner: D2) -> Result<Self::Value, D2::Error> {
            inner.deserialize_map(self)
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Some)
        }
    }

    deserializer.deserialize_option(ObjectOrNull(PhantomData))
}

/// Trims an optional string; an empty or all-blank string counts as absent.
pub fn trimmed<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(Option::<String>::deserialize(deserializer)?
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty()))
}

/// A `validator` check for short text (names, codes, ids of other systems, titles): one line.
/// Tabs and line breaks belong to long text (descriptions, notes) only.
pub fn one_line(value: &str) -> Result<(), validator::ValidationError> {
    if value.contains(['\t', '\n', '\r']) {
        let mut error = validator::ValidationError::new("one_line");
        error.message = Some("must be one line: no tabs or line breaks".into());
        return Err(error);
    }
    Ok(())
}

/// A `validator` check that a URL is absolute http or https (the built-in check also accepts
/// `mailto:` and the like, which a website field should not).
pub fn http_url(value: &str) -> Result<(), validator::ValidationError> {
    let lower = value.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.starts_with('/') => Ok(()),
        _ => Err(validator::ValidationError::new("url")),
    }
}

/// A `validator` check for phone numbers: digits with the usual separators, 7 to 20 digits.
pub fn phone(value: &str) -> Result<(), validator::ValidationError> {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let allowed = value
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().x".contains(c));
    if allowed && (7..=20).contains(&digits) {
        Ok(())
    } else {
        let mut error = validator::ValidationError::new("phone");
        error.message = Some("must be a phone number (digits, spaces, + - ( ) . x)".into());
        Err(error)
    }
}

/// A text cell a spreadsheet will not run as a formula: one starting with `=`, `+`, `-`, `@`,
/// a tab or a carriage return gets a leading `'`.
pub fn inert(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// A `validator` check for a list of text items: each 1 to `max` characters once trimmed,
/// and one line when `one_line`.
pub fn each_within(
    items: &[String],
    max: usize,
    single_line: bool,
) -> Result<(), validator::ValidationError> {
    for item in items {
        if !(1..=max).contains(&item.trim().chars().count()) {
            let mut e = validator::ValidationError::new("length");
            e.message = Some(format!("every item must be 1 to {max} characters").into());
            return Err(e);
        }
        if single_line {
            one_line(item)?;
        }
    }
    Ok(())
}

/// `schema` with `description`: a `schema_with` schema does not take the field's doc comment.
pub fn described(
    mut schema: utoipa::openapi::schema::Array,
    description: &str,
) -> utoipa::openapi::schema::Array {
    schema.description = Some(description.to_owned());
    schema
}

/// A nullable list of at most `max_items` strings, each at most `max` characters matching
/// `pattern`, described.
pub fn pattern_list_schema(
    max_items: usize,
    max: usize,
    pattern: &str,
    description: &str,
) -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    let list = ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(max))
                .pattern(Some(pattern)),
        )
        .max_items(Some(max_items))
        .build();
    described(list, description)
}

/// The schema of what [`each_within`] accepts, for `#[schema(schema_with = …)]`: a nullable
/// array of at most `max_items` texts of 1 to `max` characters.
pub fn text_list_schema(
    max_items: usize,
    max: usize,
    single_line: bool,
) -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    let mut item = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(max));
    if single_line {
        // Non-blank, and no control character at all (tabs and line breaks are ones).
        item = item.pattern(Some(
            r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$",
        ));
    }
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(item)
        .max_items(Some(max_items))
        .build()
}

/// A `validator` check for a slug of lower-case words joined by hyphens (a story's address, a
/// procedure's tag), at most 100 characters.
pub fn hyphen_slug(value: &str) -> Result<(), validator::ValidationError> {
    let ok = !value.is_empty()
        && value.len() <= 100
        && value.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    match ok {
        true => Ok(()),
        false => {
            let mut e = validator::ValidationError::new("slug");
            e.message =
                Some("lower-case letters and digits, words joined by single hyphens".into());
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_url_accepts_only_absolute_web_urls() {
        assert!(http_url("https://museum.example.org/visit").is_ok());
        assert!(http_url("HTTP://Example.org").is_ok());
        assert!(http_url("mailto:a@b.org").is_err());
        assert!(http_url("https://").is_err());
        assert!(http_url("example.org").is_err());
    }

    #[test]
    fn short_text_is_one_line() {
        assert!(one_line("Kennebec River Museum").is_ok());
        assert!(one_line("Kennebec\tMuseum").is_err());
        assert!(one_line("Kennebec\nMuseum").is_err());
        assert!(one_line("Kennebec\rMuseum").is_err());
    }

    #[test]
    fn phone_numbers() {
        assert!(phone("+1 (207) 555-0100").is_ok());
        assert!(phone("555-0100 x12").is_ok());
        assert!(phone("12345").is_err());
        assert!(phone("call me").is_err());
    }

    #[test]
    fn slugs_are_lower_case_words_with_hyphens() {
        for ok in ["museum-night", "2027-spring", "a"] {
            assert!(hyphen_slug(ok).is_ok(), "{ok}");
        }
        for bad in ["", "Museum", "a--b", "-a", "a-", "a b", "é"] {
            assert!(hyphen_slug(bad).is_err(), "{bad}");
        }
    }
}
