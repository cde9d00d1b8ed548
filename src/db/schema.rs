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

diesel::joinable!(contacts -> partners (partner_id));
diesel::allow_tables_to_appear_in_same_query!(
    schools,
    partners,
    contacts,
    api_clients,
    users,
    audit_events
);
