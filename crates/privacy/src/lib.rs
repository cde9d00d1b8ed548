//! Small-cell suppression, the one engine for every count about people: KPI records (students)
//! and survey results (respondents). A value about fewer people than the threshold could
//! identify them, so callers without `kpi:read_small_cells` (admin and staff tokens carry it
//! unless narrowed) get `null` and `suppressed: true`. The rules, in the order they apply:
//!
//! 1. **Small cells**: `n` under the threshold (a survey's count of nobody is shown: it is about
//!    no one; a KPI record about no students is hidden).
//! 2. **Extremes**: for a rate, the people counted (`numerator`) or the others
//!    (`denominator − numerator`) under the threshold. Percent KPIs without a numerator imply
//!    one: `value × n / 100`. A group of 12 at 100 % tells that every one of them was present.
//! 3. **Complementary cells**: cells are named, and partitions say which add up to which
//!    (`all` = `ell` + `non_ell`; a question's options add up to those who answered; the
//!    audiences add up to everyone). Whenever a hidden cell, or the total of several hidden or
//!    unreported ones, could be worked out by addition or subtraction and is not 0 or at least
//!    the threshold, the smallest visible part of that partition is hidden too, until nothing
//!    hidden can be worked out.
//!
//! The KPI threshold is the KPI's `min_cell_size`, or `KPI_MIN_CELL_SIZE`; surveys use
//! `KPI_MIN_CELL_SIZE` (see `kpi_records::suppression` and `surveys::results` for the cells
//! each builds).

use std::collections::HashMap;

use auth::{Caller, Scope};

/// One partition of cells: `whole` is made up of `parts` (by cell name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    pub whole: String,
    pub parts: Vec<String>,
}

/// Whether a caller's token reads small cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suppression {
    /// `None`: this caller sees every value. Else the district default threshold.
    min_cell: Option<i64>,
}

impl Suppression {
    pub fn for_caller(caller: &Caller, min_cell: i64) -> Self {
        // The token decides, not the role: an admin who narrows a token to `kpi:read` for a
        // vendor hands out suppressed values.
        let trusted = caller.scopes.contains(&Scope::KpiReadSmallCells);
        Suppression {
            min_cell: (!trusted).then_some(min_cell),
        }
    }

    /// What anyone without a token sees (the public showcase): every rule applies.
    pub fn public(min_cell: i64) -> Self {
        Suppression {
            min_cell: Some(min_cell),
        }
    }

    /// The threshold this caller is held to; `None` when it sees every value.
    pub fn min_cell(&self) -> Option<i64> {
        self.min_cell
    }

    /// The caller sees every value.
    pub fn is_open(&self) -> bool {
        self.min_cell.is_none()
    }
}

/// The counts behind a value: students, and for rates those counted and the base.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Counts {
    pub n: f64,
    pub numerator: Option<f64>,
    /// The base of a rate (`n` when the record gives none).
    pub denominator: f64,
    /// A head count (a survey's cell): 0 of them tells nothing about anyone. A KPI record
    /// about no students is still hidden, as its value stands for students it does not have.
    pub head_count: bool,
}

impl Counts {
    /// The counts of a rate: `n` people, `numerator` of them counted out of `denominator`
    /// (`n` when not given).
    pub fn rate(n: i64, numerator: Option<f64>, denominator: Option<f64>) -> Counts {
        Counts {
            n: n as f64,
            numerator,
            denominator: denominator.map_or(n as f64, |d| d),
            head_count: false,
        }
    }

    fn plus(self, other: Counts, sign: f64) -> Counts {
        Counts {
            n: self.n + sign * other.n,
            numerator: self
                .numerator
                .zip(other.numerator)
                .map(|(a, b)| a + sign * b),
            denominator: self.denominator + sign * other.denominator,
            head_count: self.head_count && other.head_count,
        }
    }

    /// The counts of a plain count of people (`n` of them), such as a survey's cell.
    pub fn people(n: i64) -> Counts {
        Counts {
            n: n as f64,
            numerator: None,
            denominator: n as f64,
            head_count: true,
        }
    }

    /// Rules 1 and 2: the cell itself is too small or too extreme to show. A head count of
    /// nobody gives no one away.
    pub fn too_small(&self, min_cell: i64) -> bool {
        let k = min_cell as f64;
        if self.head_count && self.n == 0.0 {
            return false;
        }
        self.n < k
            || self
                .numerator
                .is_some_and(|x| x < k || self.denominator - x < k)
    }
}

/// One cell of a family: a student group and its counts (`None`: counts unknown, as for a
/// target baseline without `baseline_n`, which is then always hidden).
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub group: String,
    pub counts: Option<Counts>,
}

/// Which cells of one family are hidden, by rules 1 to 3.
pub fn hidden_cells(cells: &[Cell], min_cell: i64, partitions: &[Partition]) -> Vec<bool> {
    let mut hidden: Vec<bool> = cells
        .iter()
        .map(|c| c.counts.is_none_or(|counts| counts.too_small(min_cell)))
        .collect();
    // Read once: which cells bear each name, and which are in any partition. A survey is
    // one family of thousands of cells, so nothing per round scans them all for a name.
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, cell) in cells.iter().enumerate() {
        by_name.entry(cell.group.as_str()).or_default().push(i);
    }
    let named = |names: &mut dyn Iterator<Item = &String>| -> Vec<usize> {
        let mut found: Vec<usize> = names
            .filter_map(|name| by_name.get(name.as_str()))
            .flatten()
            .copied()
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    };
    let in_partitions = named(
        &mut partitions
            .iter()
            .flat_map(|p| std::iter::once(&p.whole).chain(&p.parts)),
    );
    // Each round hides one more visible cell, so this ends within `cells.len()` rounds.
    while let Some(partition) = leak(cells, &hidden, min_cell, partitions) {
        let visible = |i: &usize| !hidden[*i];
        // Hiding a cell about nobody changes no sum: those go last.
        let smallest = |candidates: Vec<usize>| {
            candidates.into_iter().filter(visible).min_by(|a, b| {
                let n = |i: usize| cells[i].counts.map_or(0.0, |c| c.n);
                (n(*a) == 0.0)
                    .cmp(&(n(*b) == 0.0))
                    .then(n(*a).total_cmp(&n(*b)))
            })
        };
        let parts = named(&mut partition.parts.iter());
        let whole = named(&mut std::iter::once(&partition.whole));
        match smallest(parts)
            .or_else(|| smallest(whole))
            .or_else(|| smallest(in_partitions.clone()))
        {
            Some(i) => hidden[i] = true,
            None => break,
        }
    }
    hidden
}

/// The first partition through which a hidden cell, or the students of the groups nobody
/// reported, can be worked out from the visible cells; `None` when nothing leaks.
///
/// A reader may know that the groups a school does not report are empty (a high school has
/// no grade 3). So with the whole known, its visible parts give a remainder: when it matches
/// the one hidden part, that part is given away; and it must not be a small or extreme cell
/// in any case (the total of several hidden parts, or of the groups not reported). With the
/// whole unknown and no part hidden, the parts give the whole.
fn leak<'p>(
    cells: &[Cell],
    hidden: &[bool],
    min_cell: i64,
    partitions: &'p [Partition],
) -> Option<&'p Partition> {
    let mut present: HashMap<&str, usize> = HashMap::new();
    let mut known: HashMap<&str, Counts> = HashMap::new();
    for (i, cell) in cells.iter().enumerate() {
        present.insert(&cell.group, i);
        if let (false, Some(counts)) = (hidden[i], cell.counts) {
            known.insert(&cell.group, counts);
        }
    }
    let small = |c: &Counts| c.n > 0.0 && c.too_small(min_cell);
    loop {
        let mut learned = false;
        for partition in partitions {
            let hidden: Vec<usize> = partition
                .parts
                .iter()
                .filter(|p| !known.contains_key(p.as_str()))
                .filter_map(|p| present.get(p.as_str()).copied())
                .collect();
            let hidden_parts = hidden.len();
            let shown = partition
                .parts
                .iter()
                .filter_map(|p| known.get(p.as_str()).copied())
                .fold(Counts::default(), |acc, c| acc.plus(c, 1.0));
            match known.get(partition.whole.as_str()).copied() {
                Some(whole) => {
                    let rest = whole.plus(shown, -1.0);
                    // One hidden part is given away when the remainder is all its own, that
                    // is when the groups not reported are indeed empty.
                    let given_away = match hidden.as_slice() {
                        [one] => cells[*one]
                            .counts
                            .is_none_or(|c| (c.n - rest.n).abs() < 0.5),
                        _ => false,
                    };
                    if given_away || small(&rest) {
                        return Some(partition);
                    }
                }
                // The whole follows from its parts, when the school reports any of them.
                None if hidden_parts == 0
                    && partition
                        .parts
                        .iter()
                        .any(|p| known.contains_key(p.as_str())) =>
                {
                    if present.contains_key(partition.whole.as_str()) || small(&shown) {
                        return Some(partition);
                    }
                    known.insert(partition.whole.as_str(), shown);
                    learned = true;
                }
                None => {}
            }
        }
        if !learned {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partitions() -> Vec<Partition> {
        vec![
            Partition {
                whole: "all".into(),
                parts: vec!["ell".into(), "non_ell".into()],
            },
            Partition {
                whole: "all".into(),
                parts: vec!["grade_09".into(), "grade_10".into(), "grade_11".into()],
            },
        ]
    }

    fn cell(group: &str, n: i64, numerator: f64) -> Cell {
        Cell {
            group: group.into(),
            counts: Some(Counts::rate(n, Some(numerator), None)),
        }
    }

    fn plain(group: &str, n: i64) -> Cell {
        Cell {
            group: group.into(),
            counts: Some(Counts::people(n)),
        }
    }

    #[test]
    fn small_and_extreme_cells_are_hidden() {
        let k = 10;
        assert!(!plain("all", 10).counts.unwrap().too_small(k));
        assert!(plain("all", 9).counts.unwrap().too_small(k));
        // 12 students, all of them counted: nobody is on the other side.
        assert!(cell("all", 12, 12.0).counts.unwrap().too_small(k));
        // A numerator of 1 among many.
        assert!(cell("all", 400, 1.0).counts.unwrap().too_small(k));
        assert!(!cell("all", 400, 61.0).counts.unwrap().too_small(k));
        // A head count of nobody gives no one away; a record about no students stays hidden.
        assert!(!plain("all", 0).counts.unwrap().too_small(k));
        assert!(Counts::rate(0, Some(3.0), Some(4.0)).too_small(k));
        assert!(Counts::rate(0, None, None).too_small(k));
    }

    #[test]
    fn subtraction_cannot_recover_a_hidden_group() {
        // The attack of the issue: all (420, 61) − non_ell (413, 55) = ell (7, 6).
        let family = [
            cell("all", 420, 61.0),
            cell("ell", 7, 6.0),
            cell("non_ell", 413, 55.0),
        ];
        let hidden = hidden_cells(&family, 10, &partitions());
        assert_eq!(hidden, [false, true, true]);
    }

    #[test]
    fn an_unreported_small_group_is_protected_too() {
        // ell never pushed, but all − non_ell would give it.
        let family = [cell("all", 420, 61.0), cell("non_ell", 413, 55.0)];
        assert_eq!(hidden_cells(&family, 10, &partitions()), [false, true]);
        // An empty group gives nothing away.
        let family = [cell("all", 420, 61.0), cell("non_ell", 420, 61.0)];
        assert_eq!(hidden_cells(&family, 10, &partitions()), [false, false]);
    }

    #[test]
    fn the_next_smallest_part_is_hidden_and_the_rest_stays() {
        let family = [
            plain("all", 300),
            plain("grade_09", 4),
            plain("grade_10", 96),
            plain("grade_11", 200),
        ];
        assert_eq!(
            hidden_cells(&family, 10, &partitions()),
            [false, true, true, false]
        );
    }

    #[test]
    fn a_whole_worked_out_from_another_partition_still_protects() {
        // `all` is not reported, but ell + non_ell give it; then grade_10 = all − 09 − 11.
        let family = [
            plain("ell", 50),
            plain("non_ell", 250),
            plain("grade_09", 100),
            plain("grade_10", 5),
            plain("grade_11", 195),
        ];
        let hidden = hidden_cells(&family, 10, &partitions());
        assert!(hidden[3]);
        assert!(hidden.iter().filter(|h| **h).count() >= 2);
        // Whatever stays visible, grade_10 can no more be worked out.
        let shown: Vec<Cell> = family
            .iter()
            .zip(&hidden)
            .map(|(c, h)| Cell {
                group: c.group.clone(),
                counts: if *h { None } else { c.counts },
            })
            .collect();
        assert!(leak(&shown, &hidden, 10, &partitions()).is_none());
    }

    #[test]
    fn groups_not_reported_count_as_empty() {
        // A high school reports three of its four grades' partition members: grade_12 is not
        // a group it has. all − grade_10 − grade_11 still gives grade_09.
        let partitions = vec![Partition {
            whole: "all".into(),
            parts: vec![
                "grade_09".into(),
                "grade_10".into(),
                "grade_11".into(),
                "grade_12".into(),
            ],
        }];
        let family = [
            plain("all", 300),
            plain("grade_09", 4),
            plain("grade_10", 96),
            plain("grade_11", 200),
        ];
        assert_eq!(
            hidden_cells(&family, 10, &partitions),
            [false, true, true, false]
        );
        // Two hidden groups whose total is itself small: a third goes too.
        let family = [
            plain("all", 300),
            plain("grade_09", 3),
            plain("grade_10", 4),
            plain("grade_11", 93),
            plain("grade_12", 200),
        ];
        let hidden = hidden_cells(&family, 10, &partitions);
        assert_eq!(hidden, [false, true, true, true, false]);
    }

    #[test]
    fn a_partition_nobody_reported_proves_nothing() {
        // The ELL partition is not reported at all; the disability one gives `all`, and then
        // the grades give grade_09 away.
        let partitions = vec![
            Partition {
                whole: "all".into(),
                parts: vec!["ell".into(), "non_ell".into()],
            },
            Partition {
                whole: "all".into(),
                parts: vec!["swd".into(), "non_swd".into()],
            },
            Partition {
                whole: "all".into(),
                parts: vec!["grade_09".into(), "grade_10".into()],
            },
        ];
        let family = [
            plain("swd", 40),
            plain("non_swd", 260),
            plain("grade_09", 4),
            plain("grade_10", 296),
        ];
        let hidden = hidden_cells(&family, 10, &partitions);
        assert!(hidden[2] && hidden[3], "{hidden:?}");
    }

    #[test]
    fn unknown_counts_are_hidden() {
        let family = [Cell {
            group: "all".into(),
            counts: None,
        }];
        assert_eq!(hidden_cells(&family, 10, &partitions()), [true]);
    }
}
