//! The change feed's resource types, each with the scopes that read it: what `GET /changes`
//! lists and what webhook endpoints may subscribe to.

/// The resource types the change feed lists, with the scopes that read each (a partner
/// account also sees only changes that concern it).
pub fn resources() -> Vec<(&'static str, Vec<auth::Scope>)> {
    use auth::Scope;
    use pipeline::Resource;
    fn read<R: Resource>() -> (&'static str, Vec<Scope>) {
        // The feed lists only what webhooks may send: an unpublished topic here is a build error.
        const {
            assert!(
                R::TOPIC.published,
                "the change feed lists published topics only"
            )
        };
        (R::NAME, vec![R::READ])
    }
    vec![
        read::<directory::schools::model::Schools>(),
        read::<directory::partners::model::Partners>(),
        read::<directory::contacts::model::Contacts>(),
        read::<directory::vetting::model::VettingEntries>(),
        read::<directory::continuum::model::ContinuumLevels>(),
        read::<commitments::agreements::model::Agreements>(),
        read::<commitments::responsibilities::model::Responsibilities>(),
        read::<commitments::timeline::model::TimelineItems>(),
        read::<commitments::activities::model::Activities>(),
        read::<kpis::kpi_definitions::model::KpiDefinitions>(),
        read::<kpis::student_groups::model::StudentGroups>(),
        read::<community::need_categories::model::NeedCategories>(),
        read::<community::surveys::model::Surveys>(),
        read::<community::committees::model::Committees>(),
        read::<community::committee_members::model::Members>(),
        read::<community::committee_meetings::model::Meetings>(),
        read::<community::communication_plans::model::CommunicationPlans>(),
        read::<outreach::facilities::model::Facilities>(),
        read::<outreach::facility_bookings::model::Bookings>(),
        read::<outreach::stories::model::Stories>(),
        read::<directory::relationships::model::Relationships>(),
        read::<commitments::procedures::model::Procedures>(),
        read::<outreach::opportunities::model::Opportunities>(),
        read::<outreach::opportunity_responses::model::Responses>(),
        // Targets are read with KPIs as well as agreements.
        (
            kpis::kpi_targets::model::KpiTargets::NAME,
            vec![Scope::AgreementsRead, Scope::KpiRead],
        ),
        // A batch of KPI records is one change: a million rows would drown the feed.
        (
            kpis::kpi_records::model::BATCH_RESOURCE,
            vec![Scope::KpiRead],
        ),
    ]
}
