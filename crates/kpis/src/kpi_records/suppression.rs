//! KPI records judged by the one suppression engine (`privacy`): each family (one
//! KPI, school, agreement and period) is a set of cells named by student group, the catalogue's
//! partitions say which add up, and the threshold is the KPI's own or the district's.

use std::collections::{BTreeMap, HashMap};

use crate::kpi_definitions::model::KpiUnit;
use crate::kpi_records::store::MemberRow;
use crate::student_groups::model::partitions;
use platform::db::DbConnection;
use platform::error::ApiError;
use privacy::{hidden_cells, Cell, Counts, Partition};

/// The counts of a record of a KPI measured in `unit`.
pub fn counts_of(
    unit: KpiUnit,
    n: i64,
    value: f64,
    numerator: Option<f64>,
    denominator: Option<f64>,
) -> Counts {
    let people = n as f64;
    let numerator = match numerator {
        Some(v) => Some(v),
        None if unit == KpiUnit::Percent => Some((value * people / 100.0).round()),
        // A ratio between 0 and 1 is a proportion of the students (a ratio above 1, such
        // as students per mentor, is not).
        None if unit == KpiUnit::Ratio && (0.0..=1.0).contains(&value) => {
            Some((value * people).round())
        }
        None => None,
    };
    Counts::rate(n, numerator, denominator)
}

/// Everything needed to judge KPI cells for one caller, read once per request: the KPIs'
/// units and thresholds, and the catalogue's partitions.
pub struct CellJudge {
    suppression: privacy::Suppression,
    kpis: HashMap<String, (KpiUnit, Option<i64>)>,
    groups: Vec<String>,
    partitions: Vec<Partition>,
}

impl CellJudge {
    /// Reads nothing for a caller who sees every value.
    pub fn load(
        conn: &mut DbConnection,
        suppression: privacy::Suppression,
    ) -> Result<CellJudge, ApiError> {
        let mut judge = CellJudge {
            suppression,
            kpis: HashMap::new(),
            groups: Vec::new(),
            partitions: Vec::new(),
        };
        if suppression.is_open() {
            return Ok(judge);
        }
        for row in crate::kpi_definitions::store::list(conn)? {
            let unit = KpiUnit::parse(&row.unit).unwrap_or(KpiUnit::Count);
            judge.kpis.insert(row.id, (unit, row.min_cell_size));
        }
        let groups = crate::student_groups::store::all(conn)?;
        judge.partitions = partitions(&groups);
        judge.groups = groups.into_iter().map(|g| g.code).collect();
        Ok(judge)
    }

    /// Every KPI's id (empty for a caller who sees every value).
    pub fn kpi_ids(&self) -> Vec<String> {
        self.kpis.keys().cloned().collect()
    }

    /// Every student group's code (empty for a caller who sees every value).
    pub fn groups(&self) -> &[String] {
        &self.groups
    }

    /// Which of these records are hidden, each judged with the rest of its family (the family
    /// must be all there).
    pub fn hidden_records(&self, records: &[MemberRow]) -> Vec<bool> {
        self.hidden(
            records,
            |m| (m.kpi_id.clone(), m.family()),
            |m, unit| Cell {
                group: m.student_group.clone(),
                counts: Some(counts_of(unit, m.n, m.value, m.numerator, m.denominator)),
            },
        )
    }

    pub fn is_open(&self) -> bool {
        self.suppression.is_open()
    }

    /// The threshold of a KPI (by id) for this caller; `None` for a caller who sees every value.
    pub fn min_cell(&self, kpi_id: &str) -> Option<i64> {
        let default = self.suppression.min_cell()?;
        Some(
            self.kpis
                .get(kpi_id)
                .and_then(|(_, own)| *own)
                .unwrap_or(default),
        )
    }

    /// The unit of a KPI (by id), for the numerator a percent implies.
    pub fn unit(&self, kpi_id: &str) -> KpiUnit {
        self.kpis
            .get(kpi_id)
            .map_or(KpiUnit::Count, |(unit, _)| *unit)
    }

    /// Which of `items` are hidden, each placed in its family by `family` (one KPI, by id, and
    /// whatever else makes a family) and described by `cell`.
    pub fn hidden<T, K: Ord>(
        &self,
        items: &[T],
        family: impl Fn(&T) -> (String, K),
        cell: impl Fn(&T, KpiUnit) -> Cell,
    ) -> Vec<bool> {
        let mut hidden = vec![false; items.len()];
        if self.is_open() {
            return hidden;
        }
        let mut families: BTreeMap<(String, K), Vec<usize>> = BTreeMap::new();
        for (i, item) in items.iter().enumerate() {
            families.entry(family(item)).or_default().push(i);
        }
        for ((kpi_id, _), members) in families {
            let Some(min_cell) = self.min_cell(&kpi_id) else {
                continue;
            };
            let unit = self.unit(&kpi_id);
            let cells: Vec<Cell> = members.iter().map(|&i| cell(&items[i], unit)).collect();
            for (i, h) in members
                .iter()
                .zip(hidden_cells(&cells, min_cell, &self.partitions))
            {
                hidden[*i] = h;
            }
        }
        hidden
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percents_and_proportions_imply_a_numerator() {
        let k = 10;
        // A percent implies its numerator: 92 % of 30 leaves 2 or 3 absent.
        let percent = counts_of(KpiUnit::Percent, 30, 92.0, None, None);
        assert_eq!(percent.numerator, Some(28.0));
        assert!(percent.too_small(k));
        assert!(!counts_of(KpiUnit::Percent, 420, 85.0, None, None).too_small(k));

        let all_present = counts_of(KpiUnit::Ratio, 12, 1.0, None, None);
        assert!(all_present.too_small(10));
        let per_mentor = counts_of(KpiUnit::Ratio, 40, 12.5, None, None);
        assert!(!per_mentor.too_small(10));
    }
}
