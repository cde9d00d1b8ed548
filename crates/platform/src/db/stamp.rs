use chrono::NaiveDateTime;

use super::now;
use super::sql::new_id;

/// The identity and bookkeeping every resource row carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub id: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Stamp {
    /// A new resource: new id, version 1.
    pub fn fresh() -> Self {
        let now = now();
        Stamp {
            id: new_id(),
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    /// The next version of an existing resource.
    pub fn bumped(&self) -> Self {
        Stamp {
            version: self.version + 1,
            updated_at: now(),
            ..self.clone()
        }
    }
}
