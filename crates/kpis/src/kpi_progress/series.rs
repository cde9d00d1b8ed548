//! An agreement's KPIs: per KPI and student group, the baseline and target, the series by
//! period, the latest value, progress toward the target and whether it is on track. The
//! dashboard assesses its targets with the same pieces.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{self, combine, Goal};
use super::store::{self, CellFilter, CellRow};
use crate::kpi_definitions::model::KpiDefinition;
use crate::kpi_definitions::model::{KpiAggregation, KpiDirection, KpiUnit};
use crate::kpi_definitions::store as definitions;
use crate::kpi_records::store::MemberRow;
use crate::kpi_records::suppression::CellJudge;
use crate::kpi_targets::model::{hidden_baselines, without_baseline};
use crate::kpi_targets::store::{self as targets, TargetRow};
use platform::db::DbConnection;
use platform::error::ApiError;
use privacy::Suppression;

/// A KPI's definition as progress needs it.
#[derive(Debug, Clone)]
pub struct Kpi {
    pub code: String,
    pub name: String,
    pub unit: KpiUnit,
    pub direction: KpiDirection,
    pub aggregation: KpiAggregation,
}

/// The catalogue by id.
pub fn catalogue(conn: &mut DbConnection) -> Result<BTreeMap<String, Kpi>, ApiError> {
    definitions::list(conn)?
        .into_iter()
        .map(|row| {
            let d = KpiDefinition::try_from(row)?;
            let kpi = Kpi {
                code: d.code,
                name: d.name,
                unit: d.unit,
                direction: d.direction,
                aggregation: d.aggregation,
            };
            Ok((d.id, kpi))
        })
        .collect()
}

/// One period of a KPI for one group, combined across schools.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KpiPoint {
    /// First day of the period.
    pub period_start: NaiveDate,
    /// Last day of the period.
    pub period_end: NaiveDate,
    /// `null` when suppressed.
    pub value: Option<f64>,
    /// Students behind the value; `null` when suppressed.
    pub n: Option<i64>,
    /// Records combined (one per school, usually).
    pub records: i64,
    /// Hidden from this caller because a record combined in it is suppressed.
    pub suppressed: bool,
}

impl KpiPoint {
    /// `hidden`: the cell is hidden from this caller (see [`judged_cells`]).
    pub fn of(kpi: &Kpi, cell: &CellRow, hidden: bool) -> Self {
        KpiPoint {
            period_start: cell.period_start,
            period_end: cell.period_end,
            value: combine(kpi.aggregation, kpi.unit, &cell.sums()).filter(|_| !hidden),
            n: (!hidden).then_some(cell.n),
            records: cell.records,
            suppressed: hidden,
        }
    }
}

/// Records combined into cells (agreement, KPI, group, period), each with whether it is hidden
/// from the caller: a cell is hidden when any record in it is, so a combined value never gives
/// a hidden record away by subtraction from the visible ones beside it. `wanted` picks the
/// cells to answer; every record is judged, wanted or not.
pub fn cells_of(
    judge: &CellJudge,
    records: &[MemberRow],
    wanted: impl Fn(&MemberRow) -> bool,
) -> Vec<(String, CellRow, bool)> {
    let hidden = judge.hidden_records(records);
    type Key<'a> = (&'a str, &'a str, &'a str, NaiveDate, NaiveDate);
    let mut cells: BTreeMap<Key, (Vec<&MemberRow>, bool)> = BTreeMap::new();
    for (r, h) in records.iter().zip(hidden) {
        if wanted(r) {
            let key = (
                r.agreement_key.as_str(),
                r.kpi_id.as_str(),
                r.student_group.as_str(),
                r.period_end,
                r.period_start,
            );
            let cell = cells.entry(key).or_default();
            cell.0.push(r);
            cell.1 |= h;
        }
    }
    cells
        .into_iter()
        .filter_map(|((agreement, ..), (records, h))| {
            CellRow::of_records(&records).map(|c| (agreement.to_owned(), c, h))
        })
        .collect()
}

/// The cells of an agreement's records as `filter` narrows them, in no particular order, each
/// with whether it is hidden from the caller. A caller who sees every value gets the sums
/// straight from the database; anyone else has every record of the window judged.
fn judged_cells(
    conn: &mut DbConnection,
    agreement_id: &str,
    filter: &CellFilter,
    judge: &CellJudge,
) -> Result<Vec<(CellRow, bool)>, ApiError> {
    if judge.is_open() {
        let cells = store::cells(conn, agreement_id, filter)?;
        return Ok(cells.into_iter().map(|c| (c, false)).collect());
    }
    let kpi_ids = match &filter.kpi_id {
        Some(id) => vec![id.clone()],
        None => judge.kpi_ids(),
    };
    let records = crate::kpi_records::store::members_of_agreement(
        conn,
        agreement_id,
        &kpi_ids,
        judge.groups(),
        filter.from,
        filter.to,
    )?;
    let group = filter.student_group.as_deref();
    let cells = cells_of(judge, &records, |r| {
        group.is_none_or(|g| g == r.student_group)
    });
    Ok(cells.into_iter().map(|(_, c, h)| (c, h)).collect())
}

/// Baseline and target of a KPI for a group.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetSummary {
    /// The target's id.
    pub target_id: String,
    /// `null` when suppressed.
    pub baseline_value: Option<f64>,
    /// `null` when suppressed.
    pub baseline_n: Option<i64>,
    /// First day of the baseline period; `null` if none was given or the baseline is hidden.
    pub baseline_period_start: Option<NaiveDate>,
    /// Last day of the baseline period; `null` if none was given or the baseline is hidden.
    pub baseline_period_end: Option<NaiveDate>,
    /// The baseline is hidden from this caller (as a record would be; always without
    /// `baseline_n`). Progress is then measured without it.
    pub baseline_suppressed: bool,
    /// The value to reach, in the KPI's unit.
    pub target_value: f64,
    /// When the target should be reached.
    pub target_date: NaiveDate,
}

impl TargetSummary {
    fn of(t: &TargetRow, hidden: bool) -> Self {
        TargetSummary {
            target_id: t.id.clone(),
            baseline_value: t.baseline_value.filter(|_| !hidden),
            baseline_n: t.baseline_n.filter(|_| !hidden),
            baseline_period_start: t.baseline_period_start,
            baseline_period_end: t.baseline_period_end,
            baseline_suppressed: hidden,
            target_value: t.target_value,
            target_date: t.target_date,
        }
    }
}

/// The targets of some agreements as this caller may use them: those whose baseline is hidden
/// lose it (and progress is measured without it), with whether it was hidden.
pub fn seen_targets(judge: &CellJudge, targets: Vec<TargetRow>) -> Vec<(TargetRow, bool)> {
    let hidden = hidden_baselines(judge, &targets);
    targets
        .into_iter()
        .map(|t| {
            if hidden.contains(&t.id) {
                (without_baseline(&t), true)
            } else {
                (t, false)
            }
        })
        .collect()
}

/// One KPI for one student group of an agreement.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KpiProgress {
    /// The KPI's code.
    pub kpi_code: String,
    /// The KPI's name.
    pub name: String,
    /// The unit values are measured in.
    pub unit: KpiUnit,
    /// Which way is better; `progress` and `on_track` follow it.
    pub direction: KpiDirection,
    /// How the schools' records were combined into each point.
    pub aggregation: KpiAggregation,
    /// The student group's code.
    pub student_group: String,
    /// `null` when the agreement set no target for this KPI and group.
    pub target: Option<TargetSummary>,
    /// Oldest period first.
    pub series: Vec<KpiPoint>,
    /// The last point of `series` (it may be suppressed); `null` when the window has none.
    pub latest: Option<KpiPoint>,
    /// 0 at the baseline, 1 at the target (negative: moved the wrong way); `null` without a
    /// baseline, a target or a visible latest value.
    pub progress: Option<f64>,
    /// The target is reached in the KPI's direction, or progress keeps pace with the time gone
    /// from the baseline period's end to the target date. `null` for neutral KPIs or without
    /// a target or a visible latest value.
    pub on_track: Option<bool>,
}

/// Progress of a target (or of a KPI without one) from its latest point.
pub fn assess(
    kpi: &Kpi,
    target: Option<&TargetRow>,
    latest: Option<&KpiPoint>,
) -> (Option<f64>, Option<bool>) {
    let (Some(t), Some(point)) = (target, latest) else {
        return (None, None);
    };
    let Some(value) = point.value else {
        return (None, None);
    };
    let goal = Goal {
        baseline: t.baseline_value,
        baseline_end: t.baseline_period_end,
        target: t.target_value,
        target_date: t.target_date,
    };
    (
        model::progress(goal.baseline, goal.target, value),
        model::on_track(kpi.direction, &goal, value, point.period_end),
    )
}

/// Every KPI and group an agreement has a target or records for.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "agreement_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a3a",
    "from": "2026-01-18",
    "to": "2027-01-18",
    "min_cell_size": 10,
    "kpis": [
        {
            "kpi_code": "attendance_rate", "name": "Attendance rate", "unit": "percent",
            "direction": "higher_is_better", "aggregation": "rate", "student_group": "all",
            "target": {"target_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0e01", "baseline_value": 91.5,
                "baseline_n": 410, "baseline_period_start": "2025-09-01",
                "baseline_period_end": "2026-06-15", "baseline_suppressed": false,
                "target_value": 94.0, "target_date": "2027-06-15"},
            "series": [
                {"period_start": "2026-09-01", "period_end": "2026-09-30", "value": 92.1, "n": 412,
                    "records": 1, "suppressed": false},
                {"period_start": "2026-10-01", "period_end": "2026-10-31", "value": 92.6, "n": 412,
                    "records": 1, "suppressed": false},
                {"period_start": "2026-11-01", "period_end": "2026-11-30", "value": 92.4, "n": 412,
                    "records": 1, "suppressed": false},
                {"period_start": "2026-12-01", "period_end": "2026-12-31", "value": 93.0, "n": 412,
                    "records": 1, "suppressed": false}
            ],
            "latest": {"period_start": "2026-12-01", "period_end": "2026-12-31", "value": 93.0,
                "n": 412, "records": 1, "suppressed": false},
            "progress": 0.6, "on_track": true
        },
        {
            "kpi_code": "attendance_rate", "name": "Attendance rate", "unit": "percent",
            "direction": "higher_is_better", "aggregation": "rate",
            "student_group": "program_participants",
            "target": {"target_id": "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0e02", "baseline_value": 89.0,
                "baseline_n": 96, "baseline_period_start": "2025-09-01",
                "baseline_period_end": "2026-06-15", "baseline_suppressed": false,
                "target_value": 93.5, "target_date": "2027-06-15"},
            "series": [
                {"period_start": "2026-09-01", "period_end": "2026-09-30", "value": null, "n": null,
                    "records": 1, "suppressed": true},
                {"period_start": "2026-10-01", "period_end": "2026-10-31", "value": 89.2, "n": 96,
                    "records": 1, "suppressed": false},
                {"period_start": "2026-11-01", "period_end": "2026-11-30", "value": 88.7, "n": 96,
                    "records": 1, "suppressed": false},
                {"period_start": "2026-12-01", "period_end": "2026-12-31", "value": 90.0, "n": 96,
                    "records": 1, "suppressed": false}
            ],
            "latest": {"period_start": "2026-12-01", "period_end": "2026-12-31", "value": 90.0,
                "n": 96, "records": 1, "suppressed": false},
            "progress": 0.2222222222222222, "on_track": false
        }
    ]
}))]
pub struct AgreementKpis {
    /// The agreement's id.
    pub agreement_id: String,
    /// The window the series covers (the query's, or the default: the year up to today).
    pub from: NaiveDate,
    /// The window's last day.
    pub to: NaiveDate,
    /// The district's default suppression threshold (`KPI_MIN_CELL_SIZE`); a KPI may set its
    /// own `min_cell_size`. Suppression applies to tokens without `kpi:read_small_cells`.
    pub min_cell_size: i64,
    /// One entry per KPI and group with a target or records in the window, by code then group.
    pub kpis: Vec<KpiProgress>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct KpisQuery {
    /// Only this KPI (code).
    pub kpi: Option<String>,
    /// Only this student group (code).
    pub student_group: Option<String>,
    /// Periods ending on or after this date; by default 365 days before `to`.
    pub from: Option<NaiveDate>,
    /// Periods starting on or before this date; by default today. At most 1,096 days (three
    /// years) after `from`: page through a longer history window by window.
    pub to: Option<NaiveDate>,
}

/// The default window: a year, what an agreement page shows.
pub const DEFAULT_WINDOW_DAYS: u64 = 365;
/// The longest window one request may ask for.
pub const MAX_WINDOW_DAYS: i64 = 1096;

/// The window `from`..=`to` a query asks for, with the defaults filled in; 422 when it runs
/// backwards or is longer than [`MAX_WINDOW_DAYS`].
pub fn window(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let to = to.unwrap_or(today);
    let from = match from {
        Some(from) => from,
        None => to
            .checked_sub_days(chrono::Days::new(DEFAULT_WINDOW_DAYS))
            .unwrap_or(NaiveDate::MIN),
    };
    if from > to {
        return Err(ApiError::field(
            "from",
            "date_order",
            "from must be on or before to",
        ));
    }
    if (to - from).num_days() > MAX_WINDOW_DAYS {
        return Err(ApiError::field(
            "from",
            "window_too_long",
            format!(
                "ask for at most {MAX_WINDOW_DAYS} days at a time (from..to); page through a longer history window by window"
            ),
        ));
    }
    Ok((from, to))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AgreementKpisPath {
    /// The agreement's id.
    pub id: String,
}

/// The series of one KPI and group, oldest period first, from its cells in whatever order the
/// database gave them.
fn series_of(kpi: &Kpi, mut cells: Vec<(CellRow, bool)>) -> Vec<KpiPoint> {
    cells.sort_unstable_by_key(|(c, _)| (c.period_end, c.period_start));
    cells
        .iter()
        .map(|(c, hidden)| KpiPoint::of(kpi, c, *hidden))
        .collect()
}

/// The KPI progress of the agreement `agreement_id`, as `query` narrows it.
pub fn build(
    conn: &mut DbConnection,
    agreement_id: &str,
    query: &KpisQuery,
    suppression: Suppression,
) -> Result<Vec<KpiProgress>, ApiError> {
    let catalogue = catalogue(conn)?;
    let kpi_id = match &query.kpi {
        None => None,
        Some(code) => match catalogue.iter().find(|(_, k)| &k.code == code) {
            Some((id, _)) => Some(id.clone()),
            None => return Ok(Vec::new()),
        },
    };
    let filter = CellFilter {
        kpi_id: kpi_id.clone(),
        student_group: query.student_group.clone(),
        from: query.from,
        to: query.to,
    };
    let judge = CellJudge::load(conn, suppression)?;
    type Cells = Vec<(CellRow, bool)>;
    type Entry = (Option<(TargetRow, bool)>, Cells);
    let mut groups: BTreeMap<(String, String), Entry> = BTreeMap::new();
    let agreement_targets = targets::list(conn, &[agreement_id.to_owned()])?;
    let agreement_targets = agreement_targets.into_iter().map(|(t, _)| t).collect();
    for (target, hidden) in seen_targets(&judge, agreement_targets) {
        let wanted = kpi_id.as_ref().is_none_or(|k| *k == target.kpi_id)
            && query
                .student_group
                .as_ref()
                .is_none_or(|g| *g == target.student_group);
        if wanted {
            let key = (target.kpi_id.clone(), target.student_group.clone());
            groups.entry(key).or_default().0 = Some((target, hidden));
        }
    }
    for cell in judged_cells(conn, agreement_id, &filter, &judge)? {
        let key = (cell.0.kpi_id.clone(), cell.0.student_group.clone());
        groups.entry(key).or_default().1.push(cell);
    }
    let mut out = Vec::new();
    for ((kpi_id, group), (target, cells)) in groups {
        let Some(kpi) = catalogue.get(&kpi_id) else {
            continue;
        };
        let series = series_of(kpi, cells);
        let latest = series.last().cloned();
        let (progress, on_track) = assess(kpi, target.as_ref().map(|t| &t.0), latest.as_ref());
        out.push(KpiProgress {
            kpi_code: kpi.code.clone(),
            name: kpi.name.clone(),
            unit: kpi.unit,
            direction: kpi.direction,
            aggregation: kpi.aggregation,
            student_group: group,
            target: target
                .as_ref()
                .map(|(t, hidden)| TargetSummary::of(t, *hidden)),
            series,
            latest,
            progress,
            on_track,
        });
    }
    out.sort_by(|a, b| {
        (a.kpi_code.as_str(), a.student_group.as_str())
            .cmp(&(b.kpi_code.as_str(), b.student_group.as_str()))
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn cell(start: &str, end: &str, n: i64) -> (CellRow, bool) {
        let cell = CellRow {
            kpi_id: "k".into(),
            student_group: "all".into(),
            period_start: day(start),
            period_end: day(end),
            records: 1,
            n,
            min_n: n,
            weighted: 50.0 * n as f64,
            value_sum: 50.0,
            with_ratio: 0,
            numerator: 0.0,
            denominator: 0.0,
        };
        (cell, n < 10)
    }

    #[test]
    fn a_series_runs_oldest_first_whatever_order_the_cells_came_in() {
        let kpi = Kpi {
            code: "engagement_index".into(),
            name: "Engagement".into(),
            unit: KpiUnit::Score,
            direction: KpiDirection::HigherIsBetter,
            aggregation: KpiAggregation::WeightedMean,
        };
        let cells = vec![
            cell("2026-03-01", "2026-03-31", 30),
            cell("2026-01-01", "2026-01-31", 10),
            cell("2026-02-01", "2026-02-14", 5),
            cell("2026-02-01", "2026-02-28", 20),
        ];
        let series = series_of(&kpi, cells);
        let periods: Vec<(String, Option<i64>, bool)> = series
            .iter()
            .map(|p| (p.period_end.to_string(), p.n, p.suppressed))
            .collect();
        assert_eq!(
            periods,
            [
                ("2026-01-31".to_owned(), Some(10), false),
                ("2026-02-14".to_owned(), None, true),
                ("2026-02-28".to_owned(), Some(20), false),
                ("2026-03-31".to_owned(), Some(30), false),
            ]
        );
    }

    #[test]
    fn a_year_by_default_and_three_at_most() {
        let today = day("2026-12-01");
        assert_eq!(
            window(None, None, today).unwrap(),
            (day("2025-12-01"), today)
        );
        assert_eq!(
            window(None, Some(day("2024-06-30")), today).unwrap(),
            (day("2023-07-01"), day("2024-06-30"))
        );
        assert!(window(Some(day("2020-01-01")), Some(day("2022-12-31")), today).is_ok());
        assert!(window(Some(day("2020-01-01")), Some(day("2023-06-30")), today).is_err());
        assert!(window(Some(day("2026-12-02")), None, today).is_err());
    }
}
