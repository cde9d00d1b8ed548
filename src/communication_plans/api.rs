//! Routes for `/communication-plans`.

use super::model::{CommunicationPlans, Plan, PlanInput, PlanQuery};

crate::resource_api! {
    resource: CommunicationPlans, tag: "community",
    collection: "/communication-plans", item: "/communication-plans/{id}",
    parent: [],
    filter: PlanQuery, sort: crate::db::keyset::ListSort, input: PlanInput, output: Plan,
    /// Communication plans. A partner sees the plans of its agreements and of the committees
    /// it sits on.
    list: list_plans,
    /// Write a plan for the district, a school or an agreement, owned by a committee.
    create: create_plan,
    /// One plan, with its overdue tasks marked.
    get: get_plan,
    /// Replace a plan.
    replace: replace_plan,
    /// Change a plan (JSON Merge Patch; a list given replaces the whole list).
    patch: patch_plan,
    /// Delete a plan.
    delete: delete_plan,
}
