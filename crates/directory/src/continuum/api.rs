//! Routes for `/continuum-levels`.

use super::model::{ContinuumLevel, ContinuumLevels, LevelInput, LevelQuery, LevelSort};

pipeline::resource_api! {
    resource: ContinuumLevels, tag: "continuum",
    collection: "/continuum-levels", item: "/continuum-levels/{id}",
    parent: [],
    filter: LevelQuery, sort: LevelSort, input: LevelInput, output: ContinuumLevel,
    /// List the continuum, lowest rank first.
    ///
    /// Anyone with `partners:read` (every role; integrations so scoped) reads the whole scale;
    /// `sort` also takes `name`, `id` and the timestamps.
    list: list_continuum_levels,
    /// Add a level (admin).
    ///
    /// Only the admin role with the `admin` scope (403 otherwise). `rank` (1–100) and `name` are
    /// required; `rank` and `external_id` are unique (409 when taken).
    create: create_continuum_level,
    /// Get a level.
    ///
    /// Anyone with `partners:read`.
    get: get_continuum_level,
    /// Replace a level (admin).
    ///
    /// Every writable field is set from the body; absent optional fields are cleared. Admin
    /// only; `rank` and `external_id` stay unique (409).
    replace: replace_continuum_level,
    /// Change some fields of a level (admin; JSON Merge Patch).
    ///
    /// Fields present are set, `null` clears, absent fields are kept. Admin only; rules as on
    /// replace. To swap two ranks, move one to a free rank first.
    patch: patch_continuum_level,
    /// Remove a level (admin); refused with 409 while partners are at it.
    ///
    /// Admin only. Move the partners to another level (or clear their `continuum_level_id`)
    /// first.
    delete: delete_continuum_level,
}
