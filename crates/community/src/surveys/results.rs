//! What a survey's respondents said, counted: per question the number who answered, counts per
//! option and the mean of scales, overall and per audience. Admin, and staff of the survey's
//! school, read live results (see [`reads_live`]). Everyone else reads the released blocks of
//! responses ([`released`]), judged by the one suppression engine: counts below the threshold
//! read `null` with `suppressed: true`, and so do the cells that would give them away by
//! subtraction (within a question's options, across audiences, and totals of hidden cells);
//! free-text answers are for live readers only.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::model::{Audience, Question, QuestionKind, Survey};
use super::responses::{read_answers, Answered};
use super::store::StoredAnswers;
use auth::{Caller, Role};
use platform::error::ApiError;
use privacy::{hidden_cells, Cell, Counts, Partition, Suppression};

/// A count or mean, or nothing when it is suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Figure {
    /// The number; `null` when it is suppressed (or, for a mean, when no one answered).
    pub value: Option<f64>,
    /// Whether the value is withheld because it is a small cell or would reveal one.
    pub suppressed: bool,
}

/// One option's count.
#[derive(Debug, Serialize, ToSchema)]
pub struct OptionCount {
    /// The option's code (`1` to `5` for a scale).
    pub code: String,
    /// The option's label (for a scale, the number again).
    pub label: String,
    /// How many respondents chose it.
    pub count: Figure,
}

/// One question's results.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionResult {
    /// The question's code.
    pub code: String,
    /// The question as asked.
    pub prompt: String,
    /// How the question is answered.
    pub kind: QuestionKind,
    /// Respondents who answered it.
    pub n: Figure,
    /// A count per option (per value `1`–`5` for a scale); empty for text questions.
    pub options: Vec<OptionCount>,
    /// Scales: the mean answer.
    pub mean: Option<Figure>,
    /// Text questions, live readers only: the answers (`null` in released results).
    pub answers: Option<Vec<String>>,
}

/// The results of one group of respondents (everyone, or one audience).
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupResult {
    /// `all`, or an audience.
    pub audience: String,
    /// How many responses the group holds.
    pub respondents: Figure,
    /// One result per question of the survey, in the survey's order.
    pub questions: Vec<QuestionResult>,
}

/// A survey's results.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "survey_id": "0193d6e1-4a2b-7c3d-8e4f-5a6b7c8d9e0f", "min_cell_size": 10, "live": false,
    "with_code": {"value": 41.0, "suppressed": false},
    "without_code": {"value": 17.0, "suppressed": false},
    "all": {
        "audience": "all", "respondents": {"value": 58.0, "suppressed": false},
        "questions": [
            {
                "code": "needs", "prompt": "What would help your family most?",
                "kind": "multiple_choice", "n": {"value": 58.0, "suppressed": false},
                "options": [
                    {
                        "code": "internet", "label": "Internet at home",
                        "count": {"value": 25.0, "suppressed": false}
                    },
                    {
                        "code": "tutoring", "label": "Tutoring",
                        "count": {"value": 31.0, "suppressed": false}
                    },
                    {
                        "code": "childcare", "label": "Childcare",
                        "count": {"value": 15.0, "suppressed": false}
                    }
                ],
                "mean": null, "answers": null
            },
            {
                "code": "satisfaction",
                "prompt": "How well do the school and its partners keep you informed?",
                "kind": "scale", "n": {"value": 49.0, "suppressed": false},
                "options": [
                    {"code": "1", "label": "1", "count": {"value": null, "suppressed": true}},
                    {"code": "2", "label": "2", "count": {"value": null, "suppressed": true}},
                    {"code": "3", "label": "3", "count": {"value": 12.0, "suppressed": false}},
                    {"code": "4", "label": "4", "count": {"value": 18.0, "suppressed": false}},
                    {"code": "5", "label": "5", "count": {"value": 12.0, "suppressed": false}}
                ],
                "mean": {"value": null, "suppressed": true}, "answers": null
            },
            {
                "code": "ideas", "prompt": "What else should the school and its partners offer?",
                "kind": "text", "n": {"value": 26.0, "suppressed": false}, "options": [],
                "mean": null, "answers": null
            }
        ]
    },
    "by_audience": null
}))]
pub struct SurveyResults {
    /// The survey counted.
    pub survey_id: String,
    /// Counts below this are suppressed for callers who do not read live results.
    pub min_cell_size: i64,
    /// `true`: every response so far, nothing suppressed (admin, and staff of the survey's
    /// school, with `kpi:read_small_cells`). `false`: the responses released so far, counted in
    /// whole blocks of `min_cell_size` in the order they came (the latest few wait until their
    /// block fills), with small cells suppressed; two releases differ by at least a block.
    pub live: bool,
    /// Respondents who answered with an invitation code.
    pub with_code: Figure,
    /// Respondents who answered without one (signed in, or through the public link without a
    /// code).
    pub without_code: Figure,
    /// Every respondent together (`audience` is `all`).
    pub all: GroupResult,
    /// With `by=audience`: the same per audience the survey asks.
    pub by_audience: Option<Vec<GroupResult>>,
}

platform::text_enum! {
    /// How results are broken down.
    pub enum Breakdown {
        Audience => "audience",
    }
}

platform::text_enum! {
    /// The shape of the answer.
    pub enum ResultsFormat {
        Json => "json",
        Csv => "csv",
    }
}

/// The parameters of `GET /surveys/{id}/results`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// `audience`: also per audience (cross-tabulation).
    #[param(inline)]
    pub by: Option<Breakdown>,
    /// `csv` for a spreadsheet: one row per audience, question and option (also chosen by
    /// `Accept: text/csv`).
    #[param(inline)]
    pub format: Option<ResultsFormat>,
}

/// Whether `caller` reads a survey of `school` (`None`: district-wide) live: admin, and staff
/// of that school (any staff for a district-wide survey), holding `kpi:read_small_cells` like
/// anyone who reads small cells. Everyone else reads the released blocks, suppressed.
pub fn reads_live(caller: &Caller, school: Option<&str>, min: i64) -> bool {
    let runs_it = match caller.role {
        Role::Admin => true,
        Role::Staff => school.is_none_or(|s| caller.school_ids.iter().any(|own| own == s)),
        _ => false,
    };
    runs_it && Suppression::for_caller(caller, min).is_open()
}

/// The responses released to a caller: all of them when it reads live, else the first ones in
/// whole blocks of `min` (the responses are in the order they came), so two releases differ by
/// `min` respondents or more and no one answer can be told from the difference.
pub fn released<T>(responses: &[T], live: bool, min: i64) -> &[T] {
    if live {
        return responses;
    }
    let block = usize::try_from(min.max(1)).unwrap_or(usize::MAX);
    &responses[..responses.len() / block * block]
}

/// The released responses read back (audience, answers), and how many of them came with an
/// invitation code: what both the results and /community-needs count.
pub fn released_answers(
    stored: &[StoredAnswers],
    live: bool,
    min: i64,
) -> Result<(Vec<Answered>, usize), ApiError> {
    let stored = released(stored, live, min);
    let invited = stored.iter().filter(|s| s.invited).count();
    Ok((read_answers(stored)?, invited))
}

/// Raw counts of one group.
struct GroupCounts {
    respondents: i64,
    /// Per question: answered, counts per option, sum of scale answers, texts.
    questions: Vec<(i64, Vec<i64>, i64, Vec<String>)>,
}

/// The option codes of a question: its options, or `1`…`5` for a scale.
fn option_codes(q: &Question) -> Vec<(String, String)> {
    match q.kind {
        QuestionKind::Scale => (1..=5).map(|v| (v.to_string(), v.to_string())).collect(),
        _ => q
            .options
            .iter()
            .map(|o| (o.code.clone(), o.label.clone()))
            .collect(),
    }
}

fn tally<'a>(
    questions: &[Question],
    answers: impl Iterator<Item = &'a Map<String, Value>>,
) -> GroupCounts {
    let mut t = GroupCounts {
        respondents: 0,
        questions: questions
            .iter()
            .map(|q| (0, vec![0; option_codes(q).len()], 0, Vec::new()))
            .collect(),
    };
    for response in answers {
        t.respondents += 1;
        for (q, (n, counts, sum, texts)) in questions.iter().zip(t.questions.iter_mut()) {
            let Some(answer) = response.get(&q.code).filter(|a| !a.is_null()) else {
                continue;
            };
            *n += 1;
            let codes = option_codes(q);
            let mut count = |code: &str| {
                if let Some(i) = codes.iter().position(|(c, _)| c == code) {
                    counts[i] += 1;
                }
            };
            match q.kind {
                QuestionKind::SingleChoice => count(answer.as_str().unwrap_or_default()),
                QuestionKind::MultipleChoice => {
                    for chosen in answer.as_array().into_iter().flatten() {
                        count(chosen.as_str().unwrap_or_default());
                    }
                }
                QuestionKind::Scale => {
                    let v = answer.as_i64().unwrap_or_default();
                    count(&v.to_string());
                    *sum += v;
                }
                QuestionKind::Text => texts.push(answer.as_str().unwrap_or_default().to_owned()),
            }
        }
    }
    t
}

/// Which cells stay hidden, judged by the one suppression engine: every count is a cell about
/// that many respondents, and each sum (`whole = parts`) a partition of them.
pub fn hidden(values: &[i64], sums: &[(usize, Vec<usize>)], min: i64) -> Vec<bool> {
    let name = |i: usize| i.to_string();
    let cells: Vec<Cell> = values
        .iter()
        .enumerate()
        .map(|(i, v)| Cell {
            group: name(i),
            counts: Some(Counts::people(*v)),
        })
        .collect();
    let partitions: Vec<Partition> = sums
        .iter()
        .map(|(whole, parts)| Partition {
            whole: name(*whole),
            parts: parts.iter().map(|p| name(*p)).collect(),
        })
        .collect();
    hidden_cells(&cells, min, &partitions)
}

/// The results of `survey` from `responses` (audience, answers), `invited` of which came with
/// an invitation code; `open` shows every count.
pub fn results(
    survey: &Survey,
    responses: &[(String, Map<String, Value>)],
    invited: usize,
    by_audience: bool,
    open: bool,
    min: i64,
) -> SurveyResults {
    let questions = &survey.questions;
    let audiences: Vec<Audience> = survey.audiences.clone();
    let all = tally(questions, responses.iter().map(|(_, a)| a));
    let groups: Vec<GroupCounts> = audiences
        .iter()
        .map(|a| {
            tally(
                questions,
                responses
                    .iter()
                    .filter(|(r, _)| r == a.as_str())
                    .map(|(_, answers)| answers),
            )
        })
        .collect();

    // Every count as one cell: [respondents, per question n, per question options…] for all,
    // then the same per audience.
    let mut values = Vec::new();
    let mut layout = Vec::new();
    for t in std::iter::once(&all).chain(groups.iter()) {
        let respondents = values.len();
        values.push(t.respondents);
        let mut per_question = Vec::new();
        for (n, counts, _, _) in &t.questions {
            let n_cell = values.len();
            values.push(*n);
            let first = values.len();
            values.extend(counts);
            per_question.push((n_cell, (first..values.len()).collect::<Vec<usize>>()));
        }
        layout.push((respondents, per_question));
    }
    let mut sums: Vec<(usize, Vec<usize>)> = Vec::new();
    // Within a question: one answer each, so the options add up to those who answered.
    for (_, per_question) in &layout {
        for (q, (n_cell, options)) in questions.iter().zip(per_question) {
            if matches!(q.kind, QuestionKind::SingleChoice | QuestionKind::Scale) {
                sums.push((*n_cell, options.clone()));
            }
        }
    }
    // Everyone answers a required question: its n is the number of respondents.
    for (respondents, per_question) in &layout {
        for (q, (n_cell, _)) in questions.iter().zip(per_question) {
            if q.required {
                sums.push((*n_cell, vec![*respondents]));
            }
        }
    }
    // Across audiences: every audience's cell adds up to everyone's (one audience each).
    let (all_respondents, all_questions) = &layout[0];
    sums.push((
        *all_respondents,
        layout[1..].iter().map(|(r, _)| *r).collect(),
    ));
    for (qi, (n_cell, options)) in all_questions.iter().enumerate() {
        sums.push((
            *n_cell,
            layout[1..].iter().map(|(_, pq)| pq[qi].0).collect(),
        ));
        for (oi, option) in options.iter().enumerate() {
            sums.push((
                *option,
                layout[1..].iter().map(|(_, pq)| pq[qi].1[oi]).collect(),
            ));
        }
    }
    // Everyone answered with a code or without one.
    let with_code = values.len();
    let invited = i64::try_from(invited).unwrap_or(i64::MAX);
    values.extend([invited, all.respondents - invited]);
    sums.push((*all_respondents, vec![with_code, with_code + 1]));
    let hide = match open {
        true => vec![false; values.len()],
        false => hidden(&values, &sums, min),
    };
    let figure = |cell: usize| Figure {
        value: (!hide[cell]).then_some(values[cell] as f64),
        suppressed: hide[cell],
    };
    let group = |name: &str,
                 t: &GroupCounts,
                 (respondents, per_question): &(usize, Vec<(usize, Vec<usize>)>)| {
        GroupResult {
            audience: name.to_owned(),
            respondents: figure(*respondents),
            questions: questions
                .iter()
                .zip(per_question)
                .zip(&t.questions)
                .map(|((q, (n_cell, options)), (n, _, sum, texts))| {
                    let codes = option_codes(q);
                    // A mean with all but a few counts known gives those away too: it is shown
                    // only when every count of its scale is.
                    let mean_hidden = hide[*n_cell] || options.iter().any(|o| hide[*o]);
                    QuestionResult {
                        code: q.code.clone(),
                        prompt: q.prompt.clone(),
                        kind: q.kind,
                        n: figure(*n_cell),
                        options: codes
                            .into_iter()
                            .zip(options)
                            .map(|((code, label), cell)| OptionCount {
                                code,
                                label,
                                count: figure(*cell),
                            })
                            .collect(),
                        mean: (q.kind == QuestionKind::Scale).then(|| Figure {
                            value: (!mean_hidden && *n > 0).then(|| *sum as f64 / *n as f64),
                            suppressed: mean_hidden,
                        }),
                        answers: (q.kind == QuestionKind::Text && open).then(|| texts.clone()),
                    }
                })
                .collect(),
        }
    };
    SurveyResults {
        survey_id: survey.id.clone(),
        min_cell_size: min,
        live: open,
        with_code: figure(with_code),
        without_code: figure(with_code + 1),
        all: group("all", &all, &layout[0]),
        by_audience: by_audience.then(|| {
            audiences
                .iter()
                .zip(&groups)
                .zip(&layout[1..])
                .map(|((a, t), l)| group(a.as_str(), t, l))
                .collect()
        }),
    }
}

/// The results as CSV: one row per group, question and option, plus each question's `n` and
/// scale `mean`; suppressed cells are empty with `suppressed` true.
pub fn csv(results: &SurveyResults) -> Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["audience", "question", "option", "value", "suppressed"])?;
    let groups = std::iter::once(&results.all).chain(results.by_audience.iter().flatten());
    for g in groups {
        let mut row = |question: &str, option: &str, f: &Figure| {
            let value = f.value.map(|v| v.to_string()).unwrap_or_default();
            out.write_record([
                g.audience.as_str(),
                &platform::http::text::inert(question),
                &platform::http::text::inert(option),
                &value,
                if f.suppressed { "true" } else { "false" },
            ])
        };
        row("", "(respondents)", &g.respondents)?;
        if std::ptr::eq(g, &results.all) {
            row("", "(with code)", &results.with_code)?;
            row("", "(without code)", &results.without_code)?;
        }
        for q in &g.questions {
            row(&q.code, "(n)", &q.n)?;
            for o in &q.options {
                row(&q.code, &o.code, &o.count)?;
            }
            if let Some(mean) = &q.mean {
                row(&q.code, "(mean)", mean)?;
            }
        }
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The distinct need codes a response names, through the options it chose.
pub fn needs_named(questions: &[Question], answers: &Map<String, Value>) -> BTreeSet<String> {
    let mut needs = BTreeSet::new();
    for q in questions {
        let chosen: Vec<&str> = match answers.get(&q.code) {
            Some(Value::String(code)) => vec![code.as_str()],
            Some(Value::Array(codes)) => codes.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for o in &q.options {
            if let (true, Some(need)) = (chosen.contains(&o.code.as_str()), &o.need_code) {
                needs.insert(need.clone());
            }
        }
    }
    needs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_small_cell_takes_a_partner_with_it() {
        // 40 = 37 + 3: the 3 alone would be 40 - 37, so 37 goes too.
        let hide = hidden(&[40, 37, 3], &[(0, vec![1, 2])], 10);
        assert_eq!(hide, [false, true, true]);
        // Across a second sum: 40 = 37 + 3 = 30 + 10, and 37 = 30 + 7. Hiding 37 (for the 3)
        // leaves 37 - 30 unknown, so the 7 stays hidden and nothing more is needed.
        let sums = [(0, vec![1, 2]), (0, vec![3, 4]), (1, vec![3, 5])];
        let hide = hidden(&[40, 37, 3, 30, 10, 7], &sums, 10);
        assert_eq!(hide, [false, true, true, false, false, true]);
    }

    #[test]
    fn hidden_cells_never_add_up_to_a_small_total() {
        // The welcome scale: n = 35 with [3, 2, 2, 17, 11]. Hiding the three small
        // counts leaves 35 - 17 - 11 = 7 who rated 1 to 3: 11 goes too, so the hidden total
        // is 18.
        let values = [35, 3, 2, 2, 17, 11];
        let hide = hidden(&values, &[(0, vec![1, 2, 3, 4, 5])], 10);
        assert_eq!(hide, [false, true, true, true, false, true]);
        // 40 answered: 35 + 3 + 2. Hiding 3 and 2 leaves 40 - 35 = 5: 35 goes too.
        let hide = hidden(&[40, 35, 3, 2], &[(0, vec![1, 2, 3])], 10);
        assert_eq!(hide, [false, true, true, true]);
        // A remainder of nobody gives no one away, and neither does a zero count.
        let hide = hidden(&[40, 28, 12, 0], &[(0, vec![1, 2, 3])], 10);
        assert_eq!(hide, [false; 4]);
    }
}
