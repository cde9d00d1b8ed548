//! Routes for `/kpi-definitions`.

use super::model::{
    DefinitionInput, DefinitionQuery, DefinitionSort, KpiDefinition, KpiDefinitions,
};

crate::resource_api! {
    resource: KpiDefinitions, tag: "kpis",
    collection: "/kpi-definitions", item: "/kpi-definitions/{id}",
    parent: [],
    filter: DefinitionQuery, sort: DefinitionSort, input: DefinitionInput, output: KpiDefinition,
    /// The KPI catalogue, by code.
    list: list_definitions,
    /// Add a KPI to the catalogue (admin).
    create: create_definition,
    /// One KPI definition, by id or code.
    get: get_definition,
    /// Replace a KPI definition (admin).
    replace: replace_definition,
    /// Change a KPI definition (admin; JSON Merge Patch).
    patch: patch_definition,
    /// Remove a KPI definition (admin); refused with 409 while records or targets use it.
    delete: delete_definition,
}
