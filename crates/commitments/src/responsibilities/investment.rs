//! The investment balance of an agreement: who commits and delivers what, by kind and unit, so
//! "equal investment" can be seen, not assumed.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::model::{from_centi, InvestmentKind};
use super::store::ResponsibilityRow;
use crate::agreements::model::Party;

/// Committed and delivered amounts of one party and kind.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvestmentLine {
    /// The party investing.
    pub party: Party,
    /// What is invested.
    pub kind: InvestmentKind,
    /// Amounts of different units are never added together.
    pub unit: Option<String>,
    /// What this party committed, summed, in `unit`.
    pub committed: f64,
    /// What this party delivered so far, summed, in `unit`.
    pub delivered: f64,
    /// How many responsibilities the sums come from.
    pub responsibilities: usize,
}

/// A party's share of one kind of investment (0 to 1).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartyShare {
    /// The party.
    pub party: Party,
    /// Its part of everything committed of this kind and unit, 0 to 1 (0 when nothing was).
    pub committed_share: f64,
    /// Its part of everything delivered of this kind and unit, 0 to 1 (0 when nothing was).
    pub delivered_share: f64,
}

/// How one kind (and unit) of investment is shared between the parties.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KindBalance {
    /// What is invested.
    pub kind: InvestmentKind,
    /// The unit; hours without one count as `hours`, other kinds without one stay `null`.
    pub unit: Option<String>,
    /// Everything committed of this kind and unit, by all parties.
    pub committed: f64,
    /// Everything delivered of this kind and unit so far, by all parties.
    pub delivered: f64,
    /// Each investing party's share.
    pub shares: Vec<PartyShare>,
}

/// Who invests what in an agreement, so "equal investment" can be seen, not assumed.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "lines": [
        {"party": "school", "kind": "hours", "unit": "hours", "committed": 60.0, "delivered": 24.0,
            "responsibilities": 1},
        {"party": "partner", "kind": "hours", "unit": "hours", "committed": 40.0, "delivered": 12.5,
            "responsibilities": 1},
        {"party": "district", "kind": "money", "unit": "USD", "committed": 850.0, "delivered": 0.0,
            "responsibilities": 1}
    ],
    "balance": [
        {
            "kind": "hours", "unit": "hours", "committed": 100.0, "delivered": 36.5,
            "shares": [{"party": "school", "committed_share": 0.6, "delivered_share": 0.6575},
                {"party": "partner", "committed_share": 0.4, "delivered_share": 0.3425}]
        },
        {"kind": "money", "unit": "USD", "committed": 850.0, "delivered": 0.0,
            "shares": [{"party": "district", "committed_share": 1.0, "delivered_share": 0.0}]}
    ]
}))]
pub struct InvestmentSummary {
    /// Sums per party, kind and unit.
    pub lines: Vec<InvestmentLine>,
    /// Per kind and unit: the totals and each party's share.
    pub balance: Vec<KindBalance>,
}

/// Sums per party and kind (exactly, in hundredths) and each party's share per kind.
pub fn investment_of(rows: &[ResponsibilityRow]) -> InvestmentSummary {
    // Amounts add up only within one kind and unit (dollars never with laptops); hours
    // without a unit are hours.
    type Key = (InvestmentKind, Option<String>);
    let mut sums: BTreeMap<(Key, Party), (i64, i64, usize)> = BTreeMap::new();
    for row in rows {
        let (Some(kind), Some(party)) = (
            row.investment_kind
                .as_deref()
                .and_then(InvestmentKind::parse),
            Party::parse(&row.party),
        ) else {
            continue;
        };
        let unit = row
            .unit
            .clone()
            .or_else(|| (kind == InvestmentKind::Hours).then(|| "hours".to_owned()));
        let entry = sums.entry(((kind, unit), party)).or_default();
        entry.0 += row.committed_centi;
        entry.1 += row.delivered_centi;
        entry.2 += 1;
    }
    let lines: Vec<InvestmentLine> = sums
        .iter()
        .map(|(((kind, unit), party), (c, d, n))| InvestmentLine {
            party: *party,
            kind: *kind,
            unit: unit.clone(),
            committed: from_centi(*c),
            delivered: from_centi(*d),
            responsibilities: *n,
        })
        .collect();
    let share = |part: i64, whole: i64| {
        if whole == 0 {
            0.0
        } else {
            ((part as f64 / whole as f64) * 10000.0).round() / 10000.0
        }
    };
    let mut groups: BTreeMap<&Key, Vec<(Party, i64, i64)>> = BTreeMap::new();
    for ((key, party), (c, d, _)) in &sums {
        groups.entry(key).or_default().push((*party, *c, *d));
    }
    let balance = groups
        .into_iter()
        .map(|((kind, unit), parties)| {
            let committed: i64 = parties.iter().map(|p| p.1).sum();
            let delivered: i64 = parties.iter().map(|p| p.2).sum();
            KindBalance {
                kind: *kind,
                unit: unit.clone(),
                committed: from_centi(committed),
                delivered: from_centi(delivered),
                shares: parties
                    .iter()
                    .map(|(party, c, d)| PartyShare {
                        party: *party,
                        committed_share: share(*c, committed),
                        delivered_share: share(*d, delivered),
                    })
                    .collect(),
            }
        })
        .collect();
    InvestmentSummary { lines, balance }
}
