//! What a client or user is allowed: its role, and what the role is bound to.

use std::collections::BTreeSet;

use diesel::prelude::*;

use super::permissions::{expand, format_scopes, parse_scopes, Role, Scope};
use platform::db::schema::{partners, schools};
use platform::db::DbConnection;
use platform::error::{ApiError, FieldError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    /// Granted scopes; only integrations have their own, other roles get them from the role.
    pub scopes: BTreeSet<Scope>,
    /// Schools a staff member may write for.
    pub school_ids: Vec<String>,
    /// The partner a `partner` principal is bound to.
    pub partner_id: Option<String>,
}

impl Grant {
    /// Rules between the fields, reported together with the caller's other field errors.
    pub fn rule_errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        match (self.role, &self.partner_id) {
            (Role::Partner, None) => errors.push(FieldError::new(
                "partner_id",
                "required",
                "the partner role needs partner_id",
            )),
            (role, Some(_)) if role != Role::Partner => errors.push(FieldError::new(
                "partner_id",
                "not_allowed",
                "only the partner role is bound to a partner",
            )),
            _ => {}
        }
        if !self.school_ids.is_empty() && self.role != Role::Staff {
            errors.push(FieldError::new(
                "school_ids",
                "not_allowed",
                "only the staff role is bound to schools",
            ));
        }
        if self.scopes.contains(&Scope::Admin) {
            errors.push(FieldError::new(
                "scopes",
                "not_allowed",
                "the admin scope comes only with the admin role",
            ));
        } else if !self.scopes.is_empty() && self.role != Role::Integration {
            errors.push(FieldError::new(
                "scopes",
                "not_allowed",
                "only integrations have their own scopes; other roles get theirs from the role",
            ));
        }
        for id in self.school_ids.iter().chain(self.partner_id.iter()) {
            if !platform::db::sql::is_id(id) {
                errors.push(FieldError::new(
                    if Some(id) == self.partner_id.as_ref() {
                        "partner_id"
                    } else {
                        "school_ids"
                    },
                    "invalid",
                    format!("{id:?} is not an id"),
                ));
            }
        }
        errors
    }

    /// The schools and partner named must exist.
    pub fn check_references(&self, conn: &mut DbConnection) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        if !self.school_ids.is_empty() {
            let found: i64 = schools::table
                .filter(schools::id.eq_any(&self.school_ids))
                .count()
                .get_result(conn)?;
            if usize::try_from(found).unwrap_or(0) != self.school_ids.len() {
                errors.push(FieldError::new(
                    "school_ids",
                    "not_found",
                    "every school id must be an existing school",
                ));
            }
        }
        if let Some(partner) = &self.partner_id {
            let exists: bool = diesel::select(diesel::dsl::exists(partners::table.find(partner)))
                .get_result(conn)?;
            if !exists {
                errors.push(FieldError::new(
                    "partner_id",
                    "not_found",
                    "partner_id must be an existing partner",
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }

    /// The scopes tokens of this principal can carry.
    pub fn effective_scopes(&self) -> BTreeSet<Scope> {
        match self.role {
            Role::Integration => expand(self.scopes.iter().copied()),
            other => other.implied_scopes(),
        }
    }

    /// Reads the stored columns back.
    pub fn from_columns(
        role: &str,
        scopes: &str,
        school_ids: &str,
        partner_id: Option<&str>,
    ) -> Result<Grant, ApiError> {
        Ok(Grant {
            role: Role::parse(role)
                .ok_or_else(|| ApiError::Internal(format!("stored role {role:?} is unknown")))?,
            scopes: parse_scopes(scopes)
                .map_err(|s| ApiError::Internal(format!("stored scope {s:?} is unknown")))?,
            school_ids: split_ids(school_ids),
            partner_id: partner_id.map(str::to_owned),
        })
    }

    pub fn scopes_column(&self) -> String {
        format_scopes(&self.scopes)
    }

    pub fn school_ids_column(&self) -> String {
        let mut ids = self.school_ids.clone();
        ids.sort();
        ids.dedup();
        ids.join(" ")
    }
}

pub fn split_ids(column: &str) -> Vec<String> {
    column.split_whitespace().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(role: Role) -> Grant {
        Grant {
            role,
            scopes: BTreeSet::new(),
            school_ids: Vec::new(),
            partner_id: None,
        }
    }

    #[test]
    fn bindings_must_fit_the_role() {
        assert!(grant(Role::Viewer).rule_errors().is_empty());
        assert_eq!(grant(Role::Partner).rule_errors()[0].field, "partner_id");
        let mut staff = grant(Role::Staff);
        staff.scopes.insert(Scope::KpiWrite);
        assert_eq!(staff.rule_errors()[0].field, "scopes");
        let mut viewer = grant(Role::Viewer);
        viewer
            .school_ids
            .push("0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b".into());
        assert_eq!(viewer.rule_errors()[0].field, "school_ids");
    }
}
