//! Routes for `/agreements/{agreement_id}/kpi-targets`.

use super::model::{KpiTarget, KpiTargets, TargetInput, TargetQuery, TargetSort};

pipeline::resource_api! {
    resource: KpiTargets, tag: "kpis",
    collection: "/agreements/{agreement_id}/kpi-targets",
    item: "/agreements/{agreement_id}/kpi-targets/{id}",
    parent: [("agreement_id" = String, Path, description = "The agreement's id")],
    filter: TargetQuery, sort: TargetSort, input: TargetInput, output: KpiTarget,
    /// An agreement's KPI targets, by KPI code.
    ///
    /// Needs `agreements:read` and `kpi:read`; an agreement a partner account's partner is not
    /// part of is 404. Without `kpi:read_small_cells` a baseline about too few students (or
    /// without `baseline_n`) reads `null`, with `baseline_suppressed: true`.
    list: list_kpi_targets,
    /// Set a KPI target on an agreement (one per KPI and student group).
    ///
    /// Needs `agreements:write` (admin, staff, integrations by scope); staff only on agreements
    /// all of whose schools are theirs. 422 for an unknown `kpi_code` (`unknown_kpi`) or
    /// `student_group` (`unknown_student_group`), a value outside the KPI's range
    /// (`out_of_range`) or a half-given or reversed baseline period (`required_together`,
    /// `date_order`); a second target for the same KPI and group is 409.
    create: create_kpi_target,
    /// One KPI target.
    ///
    /// Needs `agreements:read` and `kpi:read`; the baseline follows small-cell suppression as in
    /// the list.
    get: get_kpi_target,
    /// Replace a KPI target.
    ///
    /// Roles and rules of creating. Every writable field comes from the body: absent optional
    /// fields are cleared and `student_group` is `all` again.
    replace: replace_kpi_target,
    /// Change a KPI target (JSON Merge Patch).
    ///
    /// Roles and rules of a replace, applied to the merged target; moving it onto a KPI and
    /// group the agreement already has a target for is 409.
    patch: patch_kpi_target,
    /// Remove a KPI target.
    ///
    /// Needs `agreements:write`; staff only on agreements all of whose schools are theirs. The
    /// KPI's records stay.
    delete: delete_kpi_target,
}
