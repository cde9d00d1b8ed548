//! A section of the dashboard that lists items: the whole count, and the first few.

use serde::Serialize;
use utoipa::ToSchema;

/// A count and the first items (oldest first).
#[derive(Debug, Serialize, ToSchema)]
pub struct Listed<T> {
    /// How many there are in all.
    pub count: usize,
    /// The first `limit` of them.
    pub items: Vec<T>,
}

/// The count of `items` and the first `limit` of them.
pub fn listed<T>(items: Vec<T>, limit: usize) -> Listed<T> {
    let count = items.len();
    Listed {
        count,
        items: items.into_iter().take(limit).collect(),
    }
}
