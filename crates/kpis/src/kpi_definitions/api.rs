//! Routes for `/kpi-definitions`.

use super::model::{
    DefinitionInput, DefinitionQuery, DefinitionSort, KpiDefinition, KpiDefinitions,
};

pipeline::resource_api! {
    resource: KpiDefinitions, tag: "kpis",
    collection: "/kpi-definitions", item: "/kpi-definitions/{id}",
    parent: [],
    filter: DefinitionQuery, sort: DefinitionSort, input: DefinitionInput, output: KpiDefinition,
    /// The KPI catalogue, by code.
    ///
    /// Needs `kpi:read` (admin, staff, partner, viewer; integrations by scope).
    list: list_kpi_definitions,
    /// Add a KPI to the catalogue (admin).
    ///
    /// Needs the admin role, with the `admin` scope in the token (403 otherwise). `code` must be
    /// a slug no other KPI has (409 when taken); `min_value` and `max_value` are finite
    /// (`invalid`) and `max_value` is not below `min_value` (422 `range_order`).
    create: create_kpi_definition,
    /// One KPI definition, by id or code.
    ///
    /// Needs `kpi:read`.
    get: get_kpi_definition,
    /// Replace a KPI definition (admin).
    ///
    /// Roles and rules of creating; `{id}` may be the id or the code. The code may change
    /// (records and targets follow, pushes must use the new one); a new `min_value` or
    /// `max_value` is not checked against records or targets already stored.
    replace: replace_kpi_definition,
    /// Change a KPI definition (admin; JSON Merge Patch).
    ///
    /// Roles and rules of a replace, applied to the merged definition; `{id}` may be the id or
    /// the code.
    patch: patch_kpi_definition,
    /// Remove a KPI definition (admin); refused with 409 while records or targets use it.
    ///
    /// Needs the admin role, with the `admin` scope in the token; `{id}` may be the id or the
    /// code.
    delete: delete_kpi_definition,
}
