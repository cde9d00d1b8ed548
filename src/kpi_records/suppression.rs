//! Small-cell suppression: a value computed from fewer than `KPI_MIN_CELL_SIZE` students could
//! identify them, so callers without `kpi:read_small_cells` (admin and staff tokens carry it
//! unless narrowed) get `null` and `suppressed: true`.

use crate::auth::{Caller, Scope};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suppression {
    /// `None`: this caller sees every value.
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

    /// Whether a value computed from `n` students is hidden.
    pub fn hides(&self, n: i64) -> bool {
        self.min_cell.is_some_and(|k| n < k)
    }

    /// `value`, or `None` when it is hidden.
    pub fn show<T>(&self, n: i64, value: T) -> Option<T> {
        (!self.hides(n)).then_some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_below_the_minimum_only() {
        let s = Suppression { min_cell: Some(10) };
        assert!(s.hides(9));
        assert!(!s.hides(10));
        assert_eq!(s.show(3, 1.5), None);
        let open = Suppression { min_cell: None };
        assert!(!open.hides(0));
    }
}
