//! Routes for `/need-categories`.

use super::model::{NeedCategories, NeedCategory, NeedInput, NeedQuery, NeedSort};

crate::resource_api! {
    resource: NeedCategories, tag: "community",
    collection: "/need-categories", item: "/need-categories/{id}",
    parent: [],
    filter: NeedQuery, sort: NeedSort, input: NeedInput, output: NeedCategory,
    /// The need-category catalogue, by code.
    list: list_need_categories,
    /// Add a need category (admin).
    create: create_need_category,
    /// One need category, by id or code.
    get: get_need_category,
    /// Replace a need category (admin); its code cannot change.
    replace: replace_need_category,
    /// Change a need category (admin; JSON Merge Patch): its name, description, or the
    /// offerings that address it. Its code cannot change.
    patch: patch_need_category,
    /// Remove a need category (admin).
    delete: delete_need_category,
}
