//! Routes for `/agreements/{agreement_id}/kpi-targets`.

use super::model::{KpiTarget, KpiTargets, TargetInput, TargetQuery, TargetSort};

crate::resource_api! {
    resource: KpiTargets, tag: "kpis",
    collection: "/agreements/{agreement_id}/kpi-targets",
    item: "/agreements/{agreement_id}/kpi-targets/{id}",
    parent: [("agreement_id" = String, Path, description = "The agreement's id")],
    filter: TargetQuery, sort: TargetSort, input: TargetInput, output: KpiTarget,
    /// An agreement's KPI targets, by KPI code.
    list: list_targets,
    /// Set a KPI target on an agreement (one per KPI and student group).
    create: create_target,
    /// One KPI target.
    get: get_target,
    /// Replace a KPI target.
    replace: replace_target,
    /// Change a KPI target (JSON Merge Patch).
    patch: patch_target,
    /// Remove a KPI target.
    delete: delete_target,
}
