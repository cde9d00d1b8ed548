//! Routes for `/communication-plans`.

use super::model::{CommunicationPlans, Plan, PlanInput, PlanQuery};

pipeline::resource_api! {
    resource: CommunicationPlans, tag: "community",
    collection: "/communication-plans", item: "/communication-plans/{id}",
    parent: [],
    filter: PlanQuery, sort: platform::db::keyset::ListSort, input: PlanInput, output: Plan,
    /// Communication plans. A partner sees the plans of its agreements and of the committees
    /// it sits on.
    ///
    /// Needs `agreements:read`: admin, staff, viewer and partner accounts, and integrations
    /// granted it. A partner's committee seat counts while its term covers today. `district=true`
    /// keeps the plans with neither school nor agreement, `false` the others.
    list: list_communication_plans,
    /// Write a plan for the district, a school or an agreement, owned by a committee.
    ///
    /// Needs `agreements:write`. Staff write for their schools, or agreements all of whose
    /// schools are theirs, on committees of their schools or the district's (403 otherwise).
    /// Not both `school_id` and `agreement_id` (422 `one_owner`); ids exist (`not_found`);
    /// `ends_on` not before `starts_on` (`before_start`); each channel once (`duplicate`), and
    /// a task's `channel` one of them (`unknown_channel`).
    create: create_communication_plan,
    /// One plan, with its overdue tasks marked.
    ///
    /// Needs `agreements:read`. A partner account gets 404 unless the plan is of an agreement
    /// it is party to, or its committee seats one of the partner's contacts today.
    get: get_communication_plan,
    /// Replace a plan.
    ///
    /// Needs `agreements:write`; staff only for plans bound to their schools, before and after
    /// the change (403); district plans are for administrators. The rules of creating apply.
    replace: replace_communication_plan,
    /// Change a plan (JSON Merge Patch; a list given replaces the whole list).
    ///
    /// Needs `agreements:write`; staff only for plans bound to their schools (403). The merged
    /// plan is judged by the rules of creating (`one_owner`, `not_found`, `unknown_channel`…).
    patch: patch_communication_plan,
    /// Delete a plan.
    ///
    /// Needs `agreements:write`; staff only for plans of their schools or of agreements whose
    /// schools are all theirs (403); district plans are for administrators.
    delete: delete_communication_plan,
}
