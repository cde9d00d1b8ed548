//! Routes for `/continuum-levels`.

use super::model::{ContinuumLevel, ContinuumLevels, LevelInput, LevelQuery, LevelSort};

crate::resource_api! {
    resource: ContinuumLevels, tag: "continuum",
    collection: "/continuum-levels", item: "/continuum-levels/{id}",
    parent: [],
    filter: LevelQuery, sort: LevelSort, input: LevelInput, output: ContinuumLevel,
    /// List the continuum, lowest rank first.
    list: list_levels,
    /// Add a level (admin).
    create: create_level,
    /// Get a level.
    get: get_level,
    /// Replace a level (admin).
    replace: replace_level,
    /// Change some fields of a level (admin; JSON Merge Patch).
    patch: patch_level,
    /// Remove a level (admin); refused with 409 while partners are at it.
    delete: delete_level,
}
