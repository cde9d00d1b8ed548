//! Keyset (seek) paging: rows are ordered by the sort key and then by id, and a cursor holds the
//! last row's key and id. Unlike offsets, no row is skipped or repeated when rows are inserted
//! between two page reads.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Id,
    Name,
    CreatedAt,
    UpdatedAt,
    /// An integer column (the continuum's `rank`).
    Rank,
    /// A date column, perhaps empty (empty dates sort last): due dates, scheduled dates.
    Date,
}

impl SortKey {
    fn as_str(self) -> &'static str {
        match self {
            SortKey::Id => "id",
            SortKey::Name => "name",
            SortKey::CreatedAt => "created_at",
            SortKey::UpdatedAt => "updated_at",
            SortKey::Rank => "rank",
            SortKey::Date => "date",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

crate::sort_enum! {
    /// Sort order of a list: a field, descending when prefixed with `-`. Ties break on `id`.
    pub enum ListSort default Id {
        Id => "id": Id;
        IdDesc => "-id": Id desc;
        Name => "name": Name;
        NameDesc => "-name": Name desc;
        CreatedAt => "created_at": CreatedAt;
        CreatedAtDesc => "-created_at": CreatedAt desc;
        UpdatedAt => "updated_at": UpdatedAt;
        UpdatedAtDesc => "-updated_at": UpdatedAt desc;
    }
}

/// The sort key value of the last row of a page.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyValue {
    Id,
    Text(String),
    Time(NaiveDateTime),
    Int(i64),
    Date(Option<NaiveDate>),
}

/// A row that can be paged by the standard sort keys.
pub trait Keyed {
    fn id(&self) -> &str;
    fn key(&self, key: SortKey) -> KeyValue;
}

/// Where the next page starts: strictly after this key and id.
#[derive(Debug, Clone, PartialEq)]
pub struct After {
    pub value: KeyValue,
    pub id: String,
}

impl After {
    pub fn text(&self) -> Option<(String, String)> {
        match &self.value {
            KeyValue::Text(v) => Some((v.clone(), self.id.clone())),
            _ => None,
        }
    }

    pub fn time(&self) -> Option<(NaiveDateTime, String)> {
        match &self.value {
            KeyValue::Time(v) => Some((*v, self.id.clone())),
            _ => None,
        }
    }

    /// The date of the last row (`Some(None)`: it had none) and its id.
    pub fn date(&self) -> Option<(Option<NaiveDate>, String)> {
        match &self.value {
            KeyValue::Date(v) => Some((*v, self.id.clone())),
            _ => None,
        }
    }

    pub fn int(&self) -> Option<(i64, String)> {
        match &self.value {
            KeyValue::Int(v) => Some((*v, self.id.clone())),
            _ => None,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct CursorData {
    s: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    v: Option<String>,
    id: String,
}

const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.f";

fn sort_tag(sort: Sort) -> String {
    format!(
        "{}{}",
        if sort.descending { "-" } else { "" },
        sort.key.as_str()
    )
}

pub fn encode_cursor<R: Keyed>(sort: Sort, row: &R) -> String {
    let v = match row.key(sort.key) {
        KeyValue::Id => None,
        KeyValue::Text(t) => Some(t),
        KeyValue::Time(t) => Some(t.format(TIME_FORMAT).to_string()),
        KeyValue::Int(n) => Some(n.to_string()),
        KeyValue::Date(d) => Some(d.map(|d| d.to_string()).unwrap_or_default()),
    };
    let data = CursorData {
        s: sort_tag(sort),
        v,
        id: row.id().to_owned(),
    };
    // Serialising a struct of strings cannot fail.
    let json = serde_json::to_vec(&data).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

pub fn decode_cursor(cursor: &str, sort: Sort) -> Result<After, ApiError> {
    let bad = || {
        ApiError::BadRequest(
            "cursor is not valid; pass the next_cursor of a previous page unchanged".to_owned(),
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let data: CursorData = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if data.s != sort_tag(sort) {
        return Err(ApiError::BadRequest(
            "cursor was issued for another sort order; keep sort unchanged while paging".to_owned(),
        ));
    }
    let value = match (sort.key, data.v) {
        (SortKey::Id, _) => KeyValue::Id,
        (SortKey::Name, Some(v)) => KeyValue::Text(v),
        (SortKey::CreatedAt | SortKey::UpdatedAt, Some(v)) => {
            KeyValue::Time(NaiveDateTime::parse_from_str(&v, TIME_FORMAT).map_err(|_| bad())?)
        }
        (SortKey::Rank, Some(v)) => KeyValue::Int(v.parse().map_err(|_| bad())?),
        (SortKey::Date, Some(v)) if v.is_empty() => KeyValue::Date(None),
        (SortKey::Date, Some(v)) => KeyValue::Date(Some(v.parse().map_err(|_| bad())?)),
        (_, None) => return Err(bad()),
    };
    Ok(After { value, id: data.id })
}

/// Orders a boxed diesel query by `$col` then `$id` and, given `Some((value, id))`, keeps only
/// rows after that position.
#[macro_export]
macro_rules! keyset_by {
    ($query:expr, $col:expr, $id:expr, $descending:expr, $after:expr) => {{
        let mut query = $query;
        if let Some((value, after_id)) = $after {
            query = if $descending {
                query.filter(
                    $col.lt(value.clone())
                        .or($col.eq(value).and($id.lt(after_id))),
                )
            } else {
                query.filter(
                    $col.gt(value.clone())
                        .or($col.eq(value).and($id.gt(after_id))),
                )
            };
        }
        if $descending {
            query.order(($col.desc(), $id.desc()))
        } else {
            query.order(($col.asc(), $id.asc()))
        }
    }};
}

/// Applies a [`Sort`] and an optional [`After`] to a boxed query on a table with the columns
/// `id`, `created_at`, `updated_at` and a text column sorted as `name` (by default `name`).
#[macro_export]
macro_rules! keyset_page {
    ($query:expr, $table:ident, $sort:expr, $after:expr) => {
        $crate::keyset_page!($query, $table, name, $sort, $after)
    };
    ($query:expr, $table:ident, $name:ident, $sort:expr, $after:expr) => {{
        let sort: $crate::db::keyset::Sort = $sort;
        let after: Option<&$crate::db::keyset::After> = $after;
        let query = $query;
        match sort.key {
            // Tables without an integer key are never asked for one; id order is the fallback.
            $crate::db::keyset::SortKey::Id
            | $crate::db::keyset::SortKey::Rank
            | $crate::db::keyset::SortKey::Date => {
                let mut query = query;
                if let Some(a) = after {
                    query = if sort.descending {
                        query.filter($table::id.lt(a.id.clone()))
                    } else {
                        query.filter($table::id.gt(a.id.clone()))
                    };
                }
                if sort.descending {
                    query.order($table::id.desc())
                } else {
                    query.order($table::id.asc())
                }
            }
            $crate::db::keyset::SortKey::Name => $crate::keyset_by!(
                query,
                $table::$name,
                $table::id,
                sort.descending,
                after.and_then(|a| a.text())
            ),
            $crate::db::keyset::SortKey::CreatedAt => $crate::keyset_by!(
                query,
                $table::created_at,
                $table::id,
                sort.descending,
                after.and_then(|a| a.time())
            ),
            $crate::db::keyset::SortKey::UpdatedAt => $crate::keyset_by!(
                query,
                $table::updated_at,
                $table::id,
                sort.descending,
                after.and_then(|a| a.time())
            ),
        }
    }};
}

/// A list's `sort=` choices, each a [`SortKey`] ascending or (`desc`) descending, with the
/// default order first named: `sort_enum! { pub enum LevelSort default Rank { Rank => "rank":
/// Rank; RankDesc => "-rank": Rank desc; … } }`.
#[macro_export]
macro_rules! sort_enum {
    ($(#[$meta:meta])* pub enum $name:ident default $default:ident {
        $($variant:ident => $text:tt : $key:ident $($desc:ident)?;)+
    }) => {
        $crate::text_enum! {
            $(#[$meta])*
            pub enum $name { $($variant => $text),+ }
        }

        #[allow(clippy::derivable_impls)]
        impl Default for $name {
            fn default() -> Self {
                $name::$default
            }
        }

        impl From<$name> for $crate::db::keyset::Sort {
            fn from(s: $name) -> Self {
                match s {
                    $($name::$variant => $crate::db::keyset::Sort {
                        key: $crate::db::keyset::SortKey::$key,
                        descending: $crate::sort_enum!(@descending $($desc)?),
                    },)+
                }
            }
        }
    };
    (@descending desc) => {
        true
    };
    (@descending) => {
        false
    };
}
