//! Routes for `/student-groups`.

use super::model::{GroupInput, GroupQuery, GroupSort, StudentGroup, StudentGroups};

pipeline::resource_api! {
    resource: StudentGroups, tag: "kpis",
    collection: "/student-groups", item: "/student-groups/{id}",
    parent: [],
    filter: GroupQuery, sort: GroupSort, input: GroupInput, output: StudentGroup,
    /// The student-group catalogue, by code.
    ///
    /// Needs `kpi:read` (admin, staff, partner, viewer; integrations by scope). `part_of` lists
    /// the parts of one group, such as the grades that make up `all`.
    list: list_student_groups,
    /// Add a student group (admin).
    ///
    /// Needs the admin role, with the `admin` scope in the token (403 otherwise). `code` must be
    /// a slug no other group has (409 when taken). `part_of` and `dimension` go together (422
    /// `part_of_and_dimension`); `part_of` names an existing group (`unknown_student_group`),
    /// never the group itself or one of its parts (`part_of_itself`, `part_of_cycle`).
    create: create_student_group,
    /// One student group, by id or code.
    ///
    /// Needs `kpi:read`.
    get: get_student_group,
    /// Replace a student group (admin); its code cannot change.
    ///
    /// Roles and rules of creating; `{id}` may be the id or the code. A different `code` is 422
    /// `immutable`.
    replace: replace_student_group,
    /// Change a student group (admin; JSON Merge Patch); its code cannot change.
    ///
    /// Roles and rules of a replace, applied to the merged group; `{id}` may be the id or the
    /// code.
    patch: patch_student_group,
    /// Remove a student group (admin); refused with 409 while records, targets or other groups
    /// use it.
    ///
    /// Needs the admin role, with the `admin` scope in the token; `{id}` may be the id or the
    /// code.
    delete: delete_student_group,
}
