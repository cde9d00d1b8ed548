//! Small SQL pieces shared by stores.

/// A fresh resource id: UUIDv7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Whether `id` can be one of our ids; anything else is answered 404 without a query.
pub fn is_id(id: &str) -> bool {
    uuid::Uuid::try_parse(id).is_ok()
}
