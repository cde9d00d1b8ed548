//! Roles, scopes and what each allows.

use std::collections::BTreeSet;

platform::text_enum! {
    /// What a user or client is: `admin` (everything), `staff` (reads all, writes partners and
    /// agreements of its schools), `partner` (its own partner only), `viewer` (read-only),
    /// `integration` (what its scopes allow).
    pub enum Role {
        Admin => "admin",
        Staff => "staff",
        Partner => "partner",
        Viewer => "viewer",
        Integration => "integration",
    }
}

platform::text_enum! {
    /// `resource:read` or `resource:write`; write includes read. `partners:*` covers contacts
    /// and the continuum (whose changes need `admin`); `agreements:*` covers responsibilities,
    /// timelines and activities.
    pub enum Scope {
        SchoolsRead => "schools:read",
        SchoolsWrite => "schools:write",
        PartnersRead => "partners:read",
        PartnersWrite => "partners:write",
        AgreementsRead => "agreements:read",
        AgreementsWrite => "agreements:write",
        KpiRead => "kpi:read",
        KpiWrite => "kpi:write",
        /// KPI values of cells under the suppression threshold, unsuppressed. Admin and staff
        /// tokens carry it unless narrowed without it; an admin may grant it to an integration.
        KpiReadSmallCells => "kpi:read_small_cells",
        /// Deciding a partner's vetting (its status, check and insurance dates): admins have
        /// it, and an admin may grant it to an integration (a background-check vendor).
        VettingDecide => "vetting:decide",
        /// Clients, users, the audit trail and the continuum. Only the admin role has it, and an
        /// admin client can leave it out of a token to get a token without admin rights.
        Admin => "admin",
    }
}

impl Scope {
    /// The read scope a write scope includes.
    fn implied_read(self) -> Option<Scope> {
        match self {
            Scope::SchoolsWrite => Some(Scope::SchoolsRead),
            Scope::PartnersWrite => Some(Scope::PartnersRead),
            Scope::AgreementsWrite => Some(Scope::AgreementsRead),
            Scope::KpiWrite => Some(Scope::KpiRead),
            _ => None,
        }
    }
}

impl Role {
    /// The scopes a role grants. Integrations get only what they were given.
    pub fn implied_scopes(self) -> BTreeSet<Scope> {
        use Scope::*;
        let scopes: &[Scope] = match self {
            Role::Admin => Scope::ALL,
            Role::Staff => &[
                SchoolsRead,
                PartnersWrite,
                AgreementsWrite,
                KpiRead,
                KpiReadSmallCells,
            ],
            Role::Partner => &[SchoolsRead, PartnersRead, AgreementsRead, KpiRead],
            Role::Viewer => &[SchoolsRead, PartnersRead, AgreementsRead, KpiRead],
            Role::Integration => &[],
        };
        expand(scopes.iter().copied())
    }
}

/// Adds the read scopes that granted write scopes include.
pub fn expand(scopes: impl IntoIterator<Item = Scope>) -> BTreeSet<Scope> {
    let mut out = BTreeSet::new();
    for s in scopes {
        out.insert(s);
        if let Some(read) = s.implied_read() {
            out.insert(read);
        }
    }
    out
}

/// Space-separated scope codes, as in OAuth2's `scope`.
pub fn format_scopes(scopes: &BTreeSet<Scope>) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses space-separated scope codes; `Err` names the first unknown one.
pub fn parse_scopes(text: &str) -> Result<BTreeSet<Scope>, String> {
    text.split_whitespace()
        .map(|s| Scope::parse(s).ok_or_else(|| s.to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_includes_read() {
        let scopes = expand([Scope::PartnersWrite]);
        assert!(scopes.contains(&Scope::PartnersRead));
        assert!(!scopes.contains(&Scope::SchoolsRead));
    }

    #[test]
    fn roles_grant_what_the_design_says() {
        assert!(!Role::Viewer
            .implied_scopes()
            .iter()
            .any(|s| s.as_str().ends_with(":write")));
        assert!(Role::Staff.implied_scopes().contains(&Scope::PartnersWrite));
        assert!(!Role::Staff.implied_scopes().contains(&Scope::SchoolsWrite));
        assert!(Role::Integration.implied_scopes().is_empty());
        assert_eq!(Role::Admin.implied_scopes().len(), Scope::ALL.len());
    }

    #[test]
    fn scope_lists_round_trip_and_reject_unknown_codes() {
        let scopes = parse_scopes("partners:read  kpi:write").unwrap();
        assert_eq!(format_scopes(&scopes), "partners:read kpi:write");
        assert_eq!(
            parse_scopes("partners:read wizardry"),
            Err("wizardry".to_owned())
        );
    }
}
