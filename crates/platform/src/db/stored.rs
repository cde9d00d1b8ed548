//! What the pipeline needs of a table: its rows found, locked, inserted, updated and deleted by
//! id and version.

use diesel::QueryResult;

use crate::db::keyset::Keyed;
use crate::db::{DbConnection, Stamp};

/// A stored row with the identity and bookkeeping every resource carries.
pub trait Stored: Keyed + Clone + PartialEq + Send + 'static {
    fn stamp(&self) -> Stamp;
    fn version(&self) -> i64;
    /// The parent's id, for rows of a sub-collection.
    fn parent_id(&self) -> Option<&str> {
        None
    }
    fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Self>>;
    /// Whether a path or a body may name a row by its code as well as by its id: the
    /// catalogues (KPIs, student groups, needs), whose codes are what people write.
    const CODED: bool = false;
    /// The row a path or a body names: text that is not one of our ids names none, without a
    /// query (for a catalogue, the row with that id or code).
    fn find_key(conn: &mut DbConnection, key: &str) -> QueryResult<Option<Self>> {
        match crate::db::sql::is_id(key) {
            true => Self::find(conn, key),
            false => Ok(None),
        }
    }
    /// Takes the row's write lock for the rest of the transaction; false when there is no row.
    fn lock(conn: &mut DbConnection, id: &str) -> QueryResult<bool>;
    fn insert(&self, conn: &mut DbConnection) -> QueryResult<()>;
    /// Writes the row if the stored version is still `expected_version`.
    fn update(&self, conn: &mut DbConnection, expected_version: i64) -> QueryResult<bool>;
    /// Deletes the row if the stored version is still `expected_version`.
    fn delete(conn: &mut DbConnection, id: &str, expected_version: i64) -> QueryResult<bool>;
}

/// Implements [`Stored`] and [`Keyed`] for a diesel row struct of a table with the columns `id`,
/// `version`, `created_at` and `updated_at`: `stored_rows!(PartnerRow, partners, name = name)`,
/// where `name` is the text column `sort=name` orders by; `code = code` for a catalogue whose
/// rows are also found by code; `parent = partner_id` for the rows of
/// a sub-collection; `date = …` (a date) or `time = …` (a timestamp) is the column `SortKey::Date`
/// orders by.
#[macro_export]
macro_rules! stored_rows {
    ($row:ident, $table:ident, name = $name:ident, code = $code:ident) => {
        $crate::stored_rows!(@keyed $row, $name);
        $crate::stored_rows!(@stored $row, $table; code = $code);
    };
    ($row:ident, $table:ident, name = $name:ident, rank = $rank:ident) => {
        $crate::stored_rows!(@keyed $row, $name, rank = $rank);
        $crate::stored_rows!(@stored $row, $table);
    };
    ($row:ident, $table:ident, name = $name:ident, date = $date:ident, parent = $parent:ident) => {
        $crate::stored_rows!(@keyed $row, $name, date = $date);
        $crate::stored_rows!(@stored $row, $table, $parent);
    };
    ($row:ident, $table:ident, name = $name:ident, time = $time:ident) => {
        $crate::stored_rows!(@keyed $row, $name, time = $time);
        $crate::stored_rows!(@stored $row, $table);
    };
    ($row:ident, $table:ident, name = $name:ident $(, parent = $parent:ident)?) => {
        $crate::stored_rows!(@keyed $row, $name);
        $crate::stored_rows!(@stored $row, $table $(, $parent)?);
    };
    (@keyed $row:ident, $name:ident $(, $extra:ident = $field:ident)?) => {
        impl $crate::db::keyset::Keyed for $row {
            fn id(&self) -> &str {
                &self.id
            }

            fn key(&self, key: $crate::db::keyset::SortKey) -> $crate::db::keyset::KeyValue {
                use $crate::db::keyset::{KeyValue, SortKey};
                match key {
                    SortKey::Id => KeyValue::Id,
                    SortKey::Name => KeyValue::Text(self.$name.clone()),
                    SortKey::CreatedAt => KeyValue::Time(self.created_at),
                    SortKey::UpdatedAt => KeyValue::Time(self.updated_at),
                    SortKey::Rank | SortKey::Date => {
                        $crate::stored_rows!(@extra self, key $(, $extra = $field)?)
                    }
                }
            }
        }
    };
    (@extra $self:ident, $key:ident, rank = $rank:ident) => {
        match $key {
            SortKey::Rank => KeyValue::Int(i64::from($self.$rank)),
            _ => KeyValue::Id,
        }
    };
    (@extra $self:ident, $key:ident, date = $date:ident) => {
        match $key {
            SortKey::Date => KeyValue::Date(Option::from($self.$date)),
            _ => KeyValue::Id,
        }
    };
    (@extra $self:ident, $key:ident, time = $time:ident) => {
        match $key {
            SortKey::Date => KeyValue::Time($self.$time),
            _ => KeyValue::Id,
        }
    };
    (@extra $self:ident, $key:ident) => {
        KeyValue::Id
    };
    (@stored $row:ident, $table:ident $(, $parent:ident)? $(; code = $code:ident)?) => {

        impl $crate::db::Stored for $row {
            fn stamp(&self) -> $crate::db::Stamp {
                $crate::db::Stamp {
                    id: self.id.clone(),
                    version: self.version,
                    created_at: self.created_at,
                    updated_at: self.updated_at,
                }
            }

            fn version(&self) -> i64 {
                self.version
            }

            $(
                fn parent_id(&self) -> Option<&str> {
                    Some(&self.$parent)
                }
            )?

            $(
                const CODED: bool = true;

                fn find_key(
                    conn: &mut $crate::db::DbConnection,
                    key: &str,
                ) -> diesel::QueryResult<Option<Self>> {
                    use diesel::prelude::*;
                    use $crate::db::schema::$table;
                    $table::table
                        .filter($table::id.eq(key).or($table::$code.eq(key)))
                        .select(<$row>::as_select())
                        .first(conn)
                        .optional()
                }
            )?

            fn find(
                conn: &mut $crate::db::DbConnection,
                id: &str,
            ) -> diesel::QueryResult<Option<Self>> {
                use diesel::prelude::*;
                use $crate::db::schema::$table;
                $table::table
                    .filter($table::id.eq(id))
                    .select(<$row>::as_select())
                    .first(conn)
                    .optional()
            }

            fn lock(conn: &mut $crate::db::DbConnection, id: &str) -> diesel::QueryResult<bool> {
                use diesel::prelude::*;
                use $crate::db::schema::$table;
                // A no-op update takes the row's write lock on both databases (SQLite's
                // `BEGIN IMMEDIATE` already holds the database's).
                diesel::update($table::table.filter($table::id.eq(id)))
                    .set($table::version.eq($table::version))
                    .execute(conn)
                    .map(|n| n == 1)
            }

            fn insert(&self, conn: &mut $crate::db::DbConnection) -> diesel::QueryResult<()> {
                use diesel::prelude::*;
                use $crate::db::schema::$table;
                diesel::insert_into($table::table)
                    .values(self)
                    .execute(conn)
                    .map(|_| ())
            }

            fn update(
                &self,
                conn: &mut $crate::db::DbConnection,
                expected_version: i64,
            ) -> diesel::QueryResult<bool> {
                use diesel::prelude::*;
                use $crate::db::schema::$table;
                diesel::update(
                    $table::table
                        .filter($table::id.eq(&self.id))
                        .filter($table::version.eq(expected_version)),
                )
                .set(self)
                .execute(conn)
                .map(|n| n == 1)
            }

            fn delete(
                conn: &mut $crate::db::DbConnection,
                id: &str,
                expected_version: i64,
            ) -> diesel::QueryResult<bool> {
                use diesel::prelude::*;
                use $crate::db::schema::$table;
                diesel::delete(
                    $table::table
                        .filter($table::id.eq(id))
                        .filter($table::version.eq(expected_version)),
                )
                .execute(conn)
                .map(|n| n == 1)
            }
        }
    };
}
