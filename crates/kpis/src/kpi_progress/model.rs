//! The arithmetic of KPI progress, apart from the database so it can be tested exactly.

use chrono::NaiveDate;

use crate::kpi_definitions::model::{KpiAggregation, KpiDirection, KpiUnit};

/// Sums over the records of one cell (KPI, group, period) across schools.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CellSums {
    pub records: i64,
    /// Σn: the students behind the cell.
    pub n: i64,
    /// Σ(value × n).
    pub weighted: f64,
    /// Σvalue.
    pub value_sum: f64,
    /// Records carrying both numerator and denominator.
    pub with_ratio: i64,
    pub numerator: f64,
    pub denominator: f64,
}

/// One value from a cell's records, as the KPI's aggregation says:
/// - `weighted_mean`: Σ(value·n) / Σn (plain mean when every n is 0);
/// - `sum`: Σvalue;
/// - `rate`: Σnumerator / Σdenominator (× 100 for percent KPIs) when every record has both,
///   else the weighted mean of the values.
pub fn combine(aggregation: KpiAggregation, unit: KpiUnit, sums: &CellSums) -> Option<f64> {
    if sums.records == 0 {
        return None;
    }
    let weighted_mean = || {
        if sums.n > 0 {
            sums.weighted / sums.n as f64
        } else {
            sums.value_sum / sums.records as f64
        }
    };
    let value = match aggregation {
        KpiAggregation::Sum => sums.value_sum,
        KpiAggregation::WeightedMean => weighted_mean(),
        KpiAggregation::Rate => {
            if sums.with_ratio == sums.records && sums.denominator > 0.0 {
                let scale = if unit == KpiUnit::Percent { 100.0 } else { 1.0 };
                sums.numerator / sums.denominator * scale
            } else {
                weighted_mean()
            }
        }
    };
    value.is_finite().then_some(value)
}

/// How far `latest` has moved from `baseline` toward `target`: 0 at the baseline, 1 at the
/// target, negative when it moved the wrong way. The sign of (target − baseline) carries the
/// direction, so the same formula serves lower-is-better KPIs.
pub fn progress(baseline: Option<f64>, target: f64, latest: f64) -> Option<f64> {
    let baseline = baseline?;
    let span = target - baseline;
    if span == 0.0 {
        return Some(if latest == target { 1.0 } else { 0.0 });
    }
    Some((latest - baseline) / span)
}

/// Whether the target is reached, in the KPI's direction.
pub fn reached(direction: KpiDirection, target: f64, latest: f64) -> Option<bool> {
    match direction {
        KpiDirection::HigherIsBetter => Some(latest >= target),
        KpiDirection::LowerIsBetter => Some(latest <= target),
        KpiDirection::Neutral => None,
    }
}

/// The target and where it started from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Goal {
    pub baseline: Option<f64>,
    pub baseline_end: Option<NaiveDate>,
    pub target: f64,
    pub target_date: NaiveDate,
}

/// On track: the target is reached (in the KPI's direction), or the progress from the
/// baseline is at least the share of time gone from the end of the baseline period to the
/// target date (measured at the end of the latest period). Without a baseline only reaching
/// the target counts. Neutral KPIs have no on-track flag.
pub fn on_track(
    direction: KpiDirection,
    goal: &Goal,
    latest: f64,
    latest_end: NaiveDate,
) -> Option<bool> {
    if reached(direction, goal.target, latest)? {
        return Some(true);
    }
    let (Some(start), Some(done)) = (
        goal.baseline_end,
        progress(goal.baseline, goal.target, latest),
    ) else {
        return Some(false);
    };
    let total = (goal.target_date - start).num_days();
    if total <= 0 {
        return Some(false);
    }
    let elapsed = (latest_end - start).num_days().clamp(0, total);
    Some(done >= elapsed as f64 / total as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (value, n, numerator and denominator) of one record.
    type Record = (f64, i64, Option<(f64, f64)>);

    fn sums(rows: &[Record]) -> CellSums {
        let mut s = CellSums::default();
        for &(value, n, ratio) in rows {
            s.records += 1;
            s.n += n;
            s.weighted += value * n as f64;
            s.value_sum += value;
            if let Some((num, den)) = ratio {
                s.with_ratio += 1;
                s.numerator += num;
                s.denominator += den;
            }
        }
        s
    }

    #[test]
    fn weighted_means_weigh_by_n() {
        let s = sums(&[(3.0, 100, None), (4.0, 300, None)]);
        assert_eq!(
            combine(KpiAggregation::WeightedMean, KpiUnit::Score, &s),
            Some(3.75)
        );
        let zero = sums(&[(3.0, 0, None), (4.0, 0, None)]);
        assert_eq!(
            combine(KpiAggregation::WeightedMean, KpiUnit::Score, &zero),
            Some(3.5)
        );
    }

    #[test]
    fn rates_divide_the_sums_and_fall_back_without_ratios() {
        let s = sums(&[
            (90.0, 10, Some((90.0, 100.0))),
            (50.0, 10, Some((150.0, 300.0))),
        ]);
        assert_eq!(
            combine(KpiAggregation::Rate, KpiUnit::Percent, &s),
            Some(60.0)
        );
        assert_eq!(combine(KpiAggregation::Rate, KpiUnit::Ratio, &s), Some(0.6));
        let mixed = sums(&[(90.0, 30, Some((90.0, 100.0))), (50.0, 10, None)]);
        assert_eq!(
            combine(KpiAggregation::Rate, KpiUnit::Percent, &mixed),
            Some(80.0)
        );
    }

    #[test]
    fn sums_add_and_empty_cells_have_no_value() {
        let s = sums(&[(12.0, 12, None), (30.0, 30, None)]);
        assert_eq!(combine(KpiAggregation::Sum, KpiUnit::Count, &s), Some(42.0));
        assert_eq!(
            combine(KpiAggregation::Sum, KpiUnit::Count, &CellSums::default()),
            None
        );
    }

    #[test]
    fn progress_respects_direction() {
        assert_eq!(progress(Some(80.0), 90.0, 85.0), Some(0.5));
        // Lower is better: 22% → 15%, now 18%.
        let p = progress(Some(22.0), 15.0, 18.0).unwrap();
        assert!((p - 4.0 / 7.0).abs() < 1e-12);
        assert_eq!(
            progress(Some(22.0), 15.0, 25.0).map(|p| p < 0.0),
            Some(true)
        );
        assert_eq!(progress(None, 15.0, 18.0), None);
        assert_eq!(reached(KpiDirection::LowerIsBetter, 15.0, 14.0), Some(true));
        assert_eq!(
            reached(KpiDirection::HigherIsBetter, 15.0, 14.0),
            Some(false)
        );
        assert_eq!(reached(KpiDirection::Neutral, 15.0, 14.0), None);
    }

    #[test]
    fn on_track_compares_progress_with_time_gone() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let goal = Goal {
            baseline: Some(22.0),
            baseline_end: Some(d("2026-01-01")),
            target: 15.0,
            target_date: d("2027-01-01"),
        };
        // Half the year gone (181 of 365 days), 4/7 of the way: on track.
        assert_eq!(
            on_track(KpiDirection::LowerIsBetter, &goal, 18.0, d("2026-07-01")),
            Some(true)
        );
        // Half the year gone, 1/7 of the way: off track.
        assert_eq!(
            on_track(KpiDirection::LowerIsBetter, &goal, 21.0, d("2026-07-01")),
            Some(false)
        );
        // Reached early.
        assert_eq!(
            on_track(KpiDirection::LowerIsBetter, &goal, 14.0, d("2026-02-01")),
            Some(true)
        );
        assert_eq!(
            on_track(KpiDirection::Neutral, &goal, 14.0, d("2026-02-01")),
            None
        );
        let no_baseline = Goal {
            baseline: None,
            ..goal
        };
        assert_eq!(
            on_track(
                KpiDirection::LowerIsBetter,
                &no_baseline,
                16.0,
                d("2026-02-01")
            ),
            Some(false)
        );
    }
}
