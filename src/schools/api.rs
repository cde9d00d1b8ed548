//! Routes for `/schools`.

use super::model::{School, SchoolInput, SchoolQuery, Schools};

crate::resource_api! {
    resource: Schools, tag: "schools",
    collection: "/schools", item: "/schools/{id}",
    parent: [],
    filter: SchoolQuery, sort: crate::db::keyset::ListSort, input: SchoolInput, output: School,
    /// List schools.
    list: list_schools,
    /// Create a school.
    create: create_school,
    /// Get one school.
    get: get_school,
    /// Replace a school.
    ///
    /// Every writable field is set from the body; absent optional fields are cleared.
    replace: replace_school,
    /// Change some fields of a school (JSON Merge Patch, RFC 7396).
    ///
    /// Fields present in the body are set, `null` clears a field, absent fields are kept.
    patch: patch_school,
    /// Delete a school.
    ///
    /// Refused with 409 while other records refer to the school; set `active` to false instead.
    delete: delete_school,
}
