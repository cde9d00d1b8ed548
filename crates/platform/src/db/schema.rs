// Written by hand to match migrations/{sqlite,postgres}; both backends share these types.

diesel::table! {
    schools (id) {
        id -> Text,
        external_id -> Nullable<Text>,
        nces_id -> Nullable<Text>,
        state_id -> Nullable<Text>,
        name -> Text,
        address_line1 -> Nullable<Text>,
        address_line2 -> Nullable<Text>,
        city -> Nullable<Text>,
        region -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        country -> Nullable<Text>,
        lowest_grade -> Nullable<Text>,
        highest_grade -> Nullable<Text>,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        search_key -> Text,
    }
}

diesel::table! {
    partners (id) {
        id -> Text,
        external_id -> Nullable<Text>,
        name -> Text,
        kind -> Text,
        description -> Nullable<Text>,
        website -> Nullable<Text>,
        address_line1 -> Nullable<Text>,
        address_line2 -> Nullable<Text>,
        city -> Nullable<Text>,
        region -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        country -> Nullable<Text>,
        offerings -> Text,
        status -> Text,
        referred_by -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        continuum_level_id -> Nullable<Text>,
        vetting_status -> Text,
        background_check_on -> Nullable<Date>,
        background_check_expires_on -> Nullable<Date>,
        insurance_expires_on -> Nullable<Date>,
        vetting_notes -> Nullable<Text>,
        vetting_decided_by -> Nullable<Text>,
        vetting_decided_at -> Nullable<Timestamp>,
        search_key -> Text,
        relationship_count -> Integer,
    }
}

diesel::table! {
    vetting_entries (id) {
        id -> Text,
        partner_id -> Text,
        kind -> Text,
        status -> Nullable<Text>,
        background_check_on -> Nullable<Date>,
        background_check_expires_on -> Nullable<Date>,
        insurance_expires_on -> Nullable<Date>,
        evidence -> Nullable<Text>,
        notes -> Nullable<Text>,
        recorded_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    contacts (id) {
        id -> Text,
        partner_id -> Text,
        external_id -> Nullable<Text>,
        name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        role -> Nullable<Text>,
        is_primary -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        search_key -> Text,
    }
}

diesel::table! {
    api_clients (id) {
        id -> Text,
        name -> Text,
        role -> Text,
        scopes -> Text,
        school_ids -> Text,
        partner_id -> Nullable<Text>,
        secret_hash -> Text,
        revoked_at -> Nullable<Timestamp>,
        tokens_valid_after -> Timestamp,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        role -> Text,
        school_ids -> Text,
        partner_id -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        external_subject -> Nullable<Text>,
        disabled_at -> Nullable<Timestamp>,
        tokens_valid_after -> Timestamp,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        search_key -> Text,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        occurred_at -> Timestamp,
        actor_kind -> Text,
        actor_id -> Text,
        actor_role -> Text,
        request_id -> Nullable<Text>,
        resource_type -> Text,
        resource_id -> Text,
        action -> Text,
        changes -> Nullable<Text>,
    }
}

diesel::table! {
    continuum_levels (id) {
        id -> Text,
        external_id -> Nullable<Text>,
        rank -> Integer,
        name -> Text,
        description -> Nullable<Text>,
        examples -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    agreements (id) {
        id -> Text,
        external_id -> Nullable<Text>,
        title -> Text,
        lead_partner_id -> Text,
        liaison_user_id -> Nullable<Text>,
        purpose -> Nullable<Text>,
        shared_vision -> Nullable<Text>,
        desired_outcomes -> Text,
        contributions -> Text,
        processes -> Nullable<Text>,
        communication_channels -> Text,
        start_date -> Date,
        end_date -> Date,
        review_cadence -> Text,
        involves_students -> Bool,
        status -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        search_key -> Text,
    }
}

diesel::table! {
    agreement_partners (agreement_id, partner_id) {
        agreement_id -> Text,
        partner_id -> Text,
        is_lead -> Bool,
    }
}

diesel::table! {
    agreement_schools (agreement_id, school_id) {
        agreement_id -> Text,
        school_id -> Text,
    }
}

diesel::table! {
    agreement_versions (agreement_id, version) {
        agreement_id -> Text,
        version -> BigInt,
        snapshot -> Text,
        action -> Text,
        actor_id -> Text,
        actor_role -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    agreement_transitions (id) {
        id -> Text,
        agreement_id -> Text,
        from_status -> Text,
        to_status -> Text,
        note -> Nullable<Text>,
        actor_id -> Text,
        actor_role -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    responsibilities (id) {
        id -> Text,
        agreement_id -> Text,
        external_id -> Nullable<Text>,
        party -> Text,
        assignee_contact_id -> Nullable<Text>,
        assignee_user_id -> Nullable<Text>,
        description -> Text,
        due_on -> Nullable<Date>,
        status -> Text,
        investment_kind -> Nullable<Text>,
        committed_centi -> BigInt,
        delivered_centi -> BigInt,
        unit -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    timeline_items (id) {
        id -> Text,
        agreement_id -> Text,
        kind -> Text,
        title -> Text,
        scheduled_on -> Date,
        status -> Text,
        generated -> Bool,
        notes -> Nullable<Text>,
        check_in -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        host_partner_id -> Nullable<Text>,
        venue -> Nullable<Text>,
    }
}

diesel::table! {
    activities (id) {
        id -> Text,
        external_id -> Nullable<Text>,
        partner_id -> Text,
        agreement_id -> Nullable<Text>,
        school_id -> Nullable<Text>,
        kind -> Text,
        occurred_on -> Date,
        hours_centi -> BigInt,
        students_reached -> Integer,
        families_reached -> Integer,
        notes -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        host_partner_id -> Nullable<Text>,
        venue -> Nullable<Text>,
    }
}

diesel::table! {
    kpi_definitions (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        description -> Nullable<Text>,
        unit -> Text,
        direction -> Text,
        aggregation -> Text,
        min_value -> Nullable<Double>,
        max_value -> Nullable<Double>,
        min_cell_size -> Nullable<BigInt>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    kpi_targets (id) {
        id -> Text,
        agreement_id -> Text,
        kpi_id -> Text,
        student_group -> Text,
        baseline_value -> Nullable<Double>,
        baseline_period_start -> Nullable<Date>,
        baseline_period_end -> Nullable<Date>,
        target_value -> Double,
        target_date -> Date,
        notes -> Nullable<Text>,
        baseline_n -> Nullable<BigInt>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    student_groups (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        part_of -> Nullable<Text>,
        dimension -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    changes (seq) {
        seq -> BigInt,
        resource -> Text,
        resource_id -> Text,
        external_id -> Nullable<Text>,
        action -> Text,
        version -> Nullable<BigInt>,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    change_partners (partner_id, seq) {
        seq -> BigInt,
        partner_id -> Text,
    }
}

diesel::table! {
    changes_purged (id) {
        id -> BigInt,
        upto -> BigInt,
    }
}

diesel::table! {
    idempotency_keys (principal, key) {
        principal -> Text,
        key -> Text,
        method_path -> Text,
        request_hash -> Text,
        status -> Nullable<Integer>,
        content_type -> Nullable<Text>,
        location -> Nullable<Text>,
        etag -> Nullable<Text>,
        body -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    calendar_feeds (id) {
        id -> Text,
        scope -> Text,
        target_id -> Nullable<Text>,
        token_digest -> Text,
        principal_kind -> Text,
        principal_id -> Text,
        scopes -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    kpi_rollups (agreement_id, period_end, period_start, kpi_id, student_group) {
        agreement_id -> Text,
        kpi_id -> Text,
        student_group -> Text,
        period_start -> Date,
        period_end -> Date,
        records -> BigInt,
        n -> BigInt,
        min_n -> BigInt,
        weighted -> Double,
        value_sum -> Double,
        with_ratio -> BigInt,
        numerator -> Double,
        denominator -> Double,
    }
}

diesel::table! {
    kpi_records (id) {
        id -> Text,
        kpi_id -> Text,
        school_id -> Text,
        agreement_id -> Nullable<Text>,
        agreement_key -> Text,
        student_group -> Text,
        period_start -> Date,
        period_end -> Date,
        value -> Double,
        n -> BigInt,
        numerator -> Nullable<Double>,
        denominator -> Nullable<Double>,
        source -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(contacts -> partners (partner_id));
diesel::joinable!(kpi_targets -> kpi_definitions (kpi_id));
diesel::joinable!(kpi_records -> kpi_definitions (kpi_id));
diesel::joinable!(agreement_partners -> agreements (agreement_id));
diesel::joinable!(agreement_schools -> agreements (agreement_id));
diesel::joinable!(responsibilities -> agreements (agreement_id));
diesel::joinable!(timeline_items -> agreements (agreement_id));
diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        url -> Text,
        events -> Text,
        description -> Nullable<Text>,
        enabled -> Bool,
        secret -> Text,
        failing_since -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        last_error_at -> Nullable<Timestamp>,
        claimed_until -> Nullable<Timestamp>,
        claimed_by -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (seq) {
        seq -> BigInt,
        id -> Text,
        endpoint_id -> Text,
        event_type -> Text,
        payload -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        retry_from -> Timestamp,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));

diesel::table! {
    need_categories (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        description -> Nullable<Text>,
        offerings -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    surveys (id) {
        id -> Text,
        title -> Text,
        purpose -> Text,
        audiences -> Text,
        school_id -> Nullable<Text>,
        agreement_id -> Nullable<Text>,
        programme -> Nullable<Text>,
        opens_on -> Date,
        closes_on -> Date,
        status -> Text,
        questions -> Text,
        public_token -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        requires_invitation -> Bool,
    }
}

diesel::table! {
    survey_answer_sources (id) {
        id -> Text,
        survey_id -> Text,
        source_digest -> Text,
        answered_at -> Timestamp,
    }
}

diesel::table! {
    survey_invitations (digest) {
        digest -> Text,
        survey_id -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    survey_responses (id) {
        id -> Text,
        survey_id -> Text,
        audience -> Text,
        respondent_digest -> Nullable<Text>,
        answers -> Text,
        created_at -> Timestamp,
        invited -> Bool,
    }
}

diesel::joinable!(survey_responses -> surveys (survey_id));
diesel::joinable!(survey_invitations -> surveys (survey_id));
diesel::joinable!(survey_answer_sources -> surveys (survey_id));

diesel::table! {
    committees (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        school_id -> Nullable<Text>,
        purpose -> Nullable<Text>,
        status -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    committee_members (id) {
        id -> Text,
        committee_id -> Text,
        user_id -> Nullable<Text>,
        contact_id -> Nullable<Text>,
        partner_id -> Nullable<Text>,
        name -> Nullable<Text>,
        role -> Text,
        represents -> Text,
        term_start -> Date,
        term_end -> Nullable<Date>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    committee_meetings (id) {
        id -> Text,
        committee_id -> Text,
        held_on -> Date,
        venue -> Nullable<Text>,
        host_partner_id -> Nullable<Text>,
        agenda -> Nullable<Text>,
        minutes -> Nullable<Text>,
        decisions -> Text,
        attendees -> Text,
        guests -> Integer,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(committee_members -> committees (committee_id));
diesel::joinable!(committee_meetings -> committees (committee_id));

diesel::table! {
    communication_plans (id) {
        id -> Text,
        title -> Text,
        school_id -> Nullable<Text>,
        agreement_id -> Nullable<Text>,
        committee_id -> Text,
        starts_on -> Nullable<Date>,
        ends_on -> Nullable<Date>,
        goals -> Text,
        audiences -> Text,
        channels -> Text,
        tasks -> Text,
        targets -> Text,
        evaluation -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(communication_plans -> committees (committee_id));

diesel::table! {
    facilities (id) {
        id -> Text,
        school_id -> Text,
        name -> Text,
        kind -> Text,
        capacity -> Nullable<Integer>,
        accessibility -> Nullable<Text>,
        rules -> Nullable<Text>,
        community_requestable -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    facility_bookings (id) {
        id -> Text,
        facility_id -> Text,
        partner_id -> Nullable<Text>,
        group_name -> Nullable<Text>,
        contact -> Nullable<Text>,
        purpose -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        expected_attendance -> Nullable<Integer>,
        status -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(facility_bookings -> facilities (facility_id));

diesel::table! {
    opportunities (id) {
        id -> Text,
        title -> Text,
        description -> Text,
        school_id -> Text,
        grade_band -> Nullable<Text>,
        offerings -> Text,
        starts_on -> Date,
        ends_on -> Date,
        helpers_needed -> Integer,
        involves_students -> Bool,
        status -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    opportunity_responses (id) {
        id -> Text,
        opportunity_id -> Text,
        partner_id -> Text,
        contact_id -> Nullable<Text>,
        message -> Text,
        status -> Text,
        activity_id -> Nullable<Text>,
        agreement_id -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(opportunity_responses -> opportunities (opportunity_id));

diesel::table! {
    procedures (id) {
        id -> Text,
        title -> Text,
        audience -> Text,
        body -> Text,
        tags -> Text,
        continuum_level_ids -> Text,
        agreement_ids -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    procedure_versions (procedure_id, version) {
        procedure_id -> Text,
        version -> BigInt,
        snapshot -> Text,
        action -> Text,
        actor_id -> Text,
        actor_role -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    relationships (id) {
        id -> Text,
        user_id -> Nullable<Text>,
        teacher_name -> Nullable<Text>,
        school_id -> Nullable<Text>,
        partner_id -> Text,
        contact_id -> Nullable<Text>,
        kinds -> Text,
        since -> Nullable<Date>,
        last_contact_on -> Nullable<Date>,
        notes -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    stories (id) {
        id -> Text,
        title -> Text,
        slug -> Text,
        summary -> Nullable<Text>,
        body -> Text,
        agreement_id -> Nullable<Text>,
        partner_ids -> Text,
        school_ids -> Text,
        highlight -> Nullable<Text>,
        media_urls -> Text,
        consent_confirmed -> Bool,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    schools,
    partners,
    contacts,
    api_clients,
    users,
    audit_events,
    continuum_levels,
    agreements,
    agreement_partners,
    agreement_schools,
    agreement_versions,
    agreement_transitions,
    responsibilities,
    timeline_items,
    activities,
    kpi_definitions,
    kpi_targets,
    kpi_records,
    student_groups,
    changes,
    change_partners,
    changes_purged,
    idempotency_keys,
    calendar_feeds,
    webhook_endpoints,
    webhook_deliveries,
    need_categories,
    surveys,
    survey_responses,
    survey_invitations,
    survey_answer_sources,
    committees,
    committee_members,
    committee_meetings,
    communication_plans,
    facilities,
    facility_bookings,
    stories,
    relationships,
    procedures,
    procedure_versions,
    opportunities,
    opportunity_responses
);
