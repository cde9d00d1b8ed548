//! Routes for `/need-categories`.

use super::model::{NeedCategories, NeedCategory, NeedInput, NeedQuery, NeedSort};

pipeline::resource_api! {
    resource: NeedCategories, tag: "community",
    collection: "/need-categories", item: "/need-categories/{id}",
    parent: [],
    filter: NeedQuery, sort: NeedSort, input: NeedInput, output: NeedCategory,
    /// The need-category catalogue, by code.
    ///
    /// Anyone with `partners:read` may list it: admin, staff, partner and viewer accounts, and
    /// integration clients granted that scope. `offering` keeps the needs it addresses.
    list: list_need_categories,
    /// Add a need category (admin).
    ///
    /// Only the admin role, with a token holding the `admin` scope, writes the catalogue.
    /// `code` must be unused by any other category (409 `conflict`).
    create: create_need_category,
    /// One need category, by id or code.
    ///
    /// Readable with `partners:read` (admin, staff, partner, viewer, or an integration granted
    /// it). The path takes the UUID or the category's `code`; anything else is 404.
    get: get_need_category,
    /// Replace a need category (admin); its code cannot change.
    ///
    /// Admin role and `admin` scope only. A different `code` is a 422 on `code` with the error
    /// code `immutable`; `If-Match` guards against overwriting a newer version.
    replace: replace_need_category,
    /// Change a need category (admin; JSON Merge Patch): its name, description, or the
    /// offerings that address it. Its code cannot change.
    ///
    /// Admin role and `admin` scope only. Changing `code` is a 422 with the error code
    /// `immutable`; `offerings`, when given, replaces the whole set.
    patch: patch_need_category,
    /// Remove a need category (admin).
    ///
    /// Admin role and `admin` scope only; the path takes the id or the code. Nothing checks
    /// survey options that name the code: they keep it, and the next write of such a survey
    /// fails with 422 `unknown_need` until the option changes.
    delete: delete_need_category,
}
