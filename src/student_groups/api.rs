//! Routes for `/student-groups`.

use super::model::{GroupInput, GroupQuery, GroupSort, StudentGroup, StudentGroups};

crate::resource_api! {
    resource: StudentGroups, tag: "kpis",
    collection: "/student-groups", item: "/student-groups/{id}",
    parent: [],
    filter: GroupQuery, sort: GroupSort, input: GroupInput, output: StudentGroup,
    /// The student-group catalogue, by code.
    list: list_groups,
    /// Add a student group (admin).
    create: create_group,
    /// One student group, by id or code.
    get: get_group,
    /// Replace a student group (admin); its code cannot change.
    replace: replace_group,
    /// Change a student group (admin; JSON Merge Patch); its code cannot change.
    patch: patch_group,
    /// Remove a student group (admin); refused with 409 while records, targets or other groups
    /// use it.
    delete: delete_group,
}
