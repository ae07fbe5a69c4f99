//! Evaluation of the intent classifier on the public CLINC150 and Banking77 datasets: the
//! only module that reads files. It trains on each dataset's train split, picks CLINC150's
//! out-of-scope threshold on the validation split, and measures the test split.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::classifier::{ClassifierOptions, IntentClassifier, TrainingExample};
use crate::error::EvalError;
use crate::language::Language;

/// The label CLINC150 gives to out-of-scope queries.
const CLINC_OUT_OF_SCOPE: &str = "oos";

/// Measurements of the classifier on one dataset's test split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetReport {
    /// `clinc150` or `banking77`.
    pub dataset: String,
    /// In-scope accuracy in 0–1: an in-scope query counts as correct only when its intent is
    /// right *and* it was not rejected as out of scope.
    pub accuracy: f64,
    /// Macro-averaged F1 over the test labels (CLINC150: the 150 intents plus `oos`).
    pub macro_f1: f64,
    /// Share of out-of-scope test queries flagged out of scope; `None` without such queries.
    pub oos_recall: Option<f64>,
    /// Share of flagged queries that really are out of scope; `None` without such queries.
    pub oos_precision: Option<f64>,
    /// Wall-clock training time in milliseconds (features and model).
    pub train_ms: f64,
    /// Median classification latency per message, in microseconds (each message's fastest
    /// of three timed runs, on one thread).
    pub p50_us: f64,
    /// 99th-percentile classification latency per message, in microseconds.
    pub p99_us: f64,
    /// The out-of-scope threshold used on the test split (picked on validation data).
    pub out_of_scope_threshold: Option<f32>,
    /// Expected calibration error of the best intent's confidence on in-scope test queries
    /// (0 is perfectly calibrated).
    pub expected_calibration_error: f64,
    /// The number of test queries.
    pub test_examples: usize,
}

/// The JSON-lines shape of a report: exactly the keys tools track.
#[derive(Serialize)]
struct ReportLine<'a> {
    dataset: &'a str,
    accuracy: f64,
    macro_f1: f64,
    oos_recall: Option<f64>,
    oos_precision: Option<f64>,
    train_ms: f64,
    p50_us: f64,
    p99_us: f64,
}

/// How to train for the evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationOptions {
    /// Classifier settings (the threshold is replaced by the one picked on validation data).
    pub classifier: ClassifierOptions,
    /// Train CLINC150's `oos_train` queries as a reserved out-of-scope class.
    pub train_out_of_scope_class: bool,
}

impl Default for EvaluationOptions {
    fn default() -> Self {
        EvaluationOptions {
            classifier: ClassifierOptions::default(),
            train_out_of_scope_class: true,
        }
    }
}

/// Runs the evaluation with the engine's default settings on the datasets in `data_dir`
/// (the folder holding `clinc150/` and `banking77/`).
///
/// # Errors
/// When a dataset file is missing or malformed, or training fails.
pub fn run_evaluation(data_dir: &Path) -> Result<Vec<DatasetReport>, EvalError> {
    run_evaluation_with(data_dir, &EvaluationOptions::default())
}

/// Runs the evaluation with explicit settings (used to compare models).
///
/// # Errors
/// As [`run_evaluation`].
pub fn run_evaluation_with(
    data_dir: &Path,
    options: &EvaluationOptions,
) -> Result<Vec<DatasetReport>, EvalError> {
    Ok(vec![
        evaluate_clinc150(data_dir, options)?,
        evaluate_banking77(data_dir, options)?,
    ])
}

/// Writes reports as an aligned human-readable table, or as one JSON object per line with
/// the keys `dataset`, `accuracy`, `macro_f1`, `oos_recall`, `oos_precision`, `train_ms`,
/// `p50_us` and `p99_us`.
///
/// # Errors
/// When writing to `out` fails.
pub fn write_reports(
    reports: &[DatasetReport],
    json: bool,
    out: &mut impl Write,
) -> std::io::Result<()> {
    if json {
        for report in reports {
            let line = ReportLine {
                dataset: &report.dataset,
                accuracy: report.accuracy,
                macro_f1: report.macro_f1,
                oos_recall: report.oos_recall,
                oos_precision: report.oos_precision,
                train_ms: report.train_ms,
                p50_us: report.p50_us,
                p99_us: report.p99_us,
            };
            serde_json::to_writer(&mut *out, &line)?;
            writeln!(out)?;
        }
        return Ok(());
    }
    let percent =
        |value: Option<f64>| value.map_or_else(|| "-".to_owned(), |v| format!("{:.2}%", v * 100.0));
    writeln!(
        out,
        "{:<10} {:>9} {:>9} {:>10} {:>13} {:>10} {:>8} {:>8} {:>10} {:>6}",
        "dataset",
        "accuracy",
        "macro_f1",
        "oos_recall",
        "oos_precision",
        "train_ms",
        "p50_us",
        "p99_us",
        "threshold",
        "ece"
    )?;
    for report in reports {
        writeln!(
            out,
            "{:<10} {:>9} {:>9} {:>10} {:>13} {:>10.0} {:>8.1} {:>8.1} {:>10} {:>6.3}",
            report.dataset,
            percent(Some(report.accuracy)),
            percent(Some(report.macro_f1)),
            percent(report.oos_recall),
            percent(report.oos_precision),
            report.train_ms,
            report.p50_us,
            report.p99_us,
            report
                .out_of_scope_threshold
                .map_or_else(|| "-".to_owned(), |t| format!("{t:.3}")),
            report.expected_calibration_error,
        )?;
    }
    Ok(())
}

#[derive(Deserialize)]
struct ClincSplits {
    train: Vec<(String, String)>,
    val: Vec<(String, String)>,
    test: Vec<(String, String)>,
    oos_train: Vec<(String, String)>,
    oos_val: Vec<(String, String)>,
    oos_test: Vec<(String, String)>,
}

fn evaluate_clinc150(
    data_dir: &Path,
    options: &EvaluationOptions,
) -> Result<DatasetReport, EvalError> {
    const DATASET: &str = "clinc150";
    let path = data_dir.join("clinc150").join("data_full.json");
    let content = read(&path)?;
    let splits: ClincSplits = serde_json::from_str(&content).map_err(|source| EvalError::Json {
        path: path.clone(),
        source,
    })?;
    for (split, rows) in [
        ("train", &splits.train),
        ("val", &splits.val),
        ("test", &splits.test),
    ] {
        if rows.is_empty() {
            return Err(EvalError::EmptySplit {
                dataset: DATASET,
                split,
            });
        }
    }
    let mut training: Vec<TrainingExample> = splits
        .train
        .iter()
        .map(|(t, i)| english(t, Some(i)))
        .collect();
    if options.train_out_of_scope_class {
        training.extend(splits.oos_train.iter().map(|(t, _)| english(t, None)));
    }
    let started = Instant::now();
    let mut classifier =
        IntentClassifier::train(&training, &options.classifier).map_err(|source| {
            EvalError::Training {
                dataset: DATASET,
                source,
            }
        })?;
    let train_ms = started.elapsed().as_secs_f64() * 1000.0;

    let validation: Vec<&(String, String)> = splits.val.iter().chain(&splits.oos_val).collect();
    let threshold = pick_out_of_scope_threshold(&classifier, &validation);
    classifier.set_out_of_scope_threshold(threshold);

    let test: Vec<&(String, String)> = splits.test.iter().chain(&splits.oos_test).collect();
    let mut report = measure(DATASET, &classifier, &test, train_ms);
    report.out_of_scope_threshold = Some(threshold);
    Ok(report)
}

fn evaluate_banking77(
    data_dir: &Path,
    options: &EvaluationOptions,
) -> Result<DatasetReport, EvalError> {
    const DATASET: &str = "banking77";
    let folder = data_dir.join("banking77");
    let train = read_banking77(&folder.join("train.csv"))?;
    let test = read_banking77(&folder.join("test.csv"))?;
    for (split, rows) in [("train", &train), ("test", &test)] {
        if rows.is_empty() {
            return Err(EvalError::EmptySplit {
                dataset: DATASET,
                split,
            });
        }
    }
    let training: Vec<TrainingExample> = train.iter().map(|(t, i)| english(t, Some(i))).collect();
    // Banking77 has no out-of-scope queries, so nothing is ever rejected.
    let classifier_options = ClassifierOptions {
        out_of_scope_threshold: 0.0,
        ..options.classifier.clone()
    };
    let started = Instant::now();
    let classifier = IntentClassifier::train(&training, &classifier_options).map_err(|source| {
        EvalError::Training {
            dataset: DATASET,
            source,
        }
    })?;
    let train_ms = started.elapsed().as_secs_f64() * 1000.0;
    let test: Vec<&(String, String)> = test.iter().collect();
    Ok(measure(DATASET, &classifier, &test, train_ms))
}

fn english(text: &str, intent: Option<&String>) -> TrainingExample {
    TrainingExample {
        text: text.to_owned(),
        language: Language::English,
        intent: intent.cloned(),
    }
}

fn read(path: &Path) -> Result<String, EvalError> {
    std::fs::read_to_string(path).map_err(|source| EvalError::Read {
        path: path.to_owned(),
        source,
    })
}

fn read_banking77(path: &Path) -> Result<Vec<(String, String)>, EvalError> {
    let content = read(path)?;
    let mut reader = csv::Reader::from_reader(content.as_bytes());
    reader
        .deserialize::<(String, String)>()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| EvalError::Csv {
            path: path.to_owned(),
            source,
        })
}

/// How many times each test message is timed (after one untimed warm-up run).
const TIMED_RUNS: usize = 3;

/// In-scope accuracy (on validation) the evaluation gives up, at most, to catch
/// out-of-scope queries: half a point.
const ALLOWED_ACCURACY_LOSS: f64 = 0.005;

/// Picks the out-of-scope threshold on the validation queries: the one that catches the most
/// out-of-scope queries while in-scope accuracy stays within [`ALLOWED_ACCURACY_LOSS`] of the
/// best accuracy any threshold reaches. Weighing both errors equally instead would reject a
/// tenth of the in-scope queries, since validation holds thirty in-scope queries for each
/// out-of-scope one. Without out-of-scope validation queries the threshold is zero.
fn pick_out_of_scope_threshold(
    classifier: &IntentClassifier,
    validation: &[&(String, String)],
) -> f32 {
    let predictions: Vec<(bool, f32, bool, bool)> = validation
        .iter()
        .map(|(text, intent)| {
            let (class, confidence, out_of_scope_wins) =
                classifier.best_in_scope(text, Language::English);
            let is_out_of_scope = intent == CLINC_OUT_OF_SCOPE;
            (
                is_out_of_scope,
                confidence,
                out_of_scope_wins,
                classifier.label(class) == intent,
            )
        })
        .collect();
    let out_of_scope_count = predictions.iter().filter(|p| p.0).count();
    let in_scope_count = predictions.len() - out_of_scope_count;
    if out_of_scope_count == 0 || in_scope_count == 0 {
        return 0.0;
    }
    let candidates: Vec<(f32, f64, f64)> = (0..=200)
        .map(|step| {
            let threshold = step as f32 * 0.005;
            let mut correct_in_scope = 0usize;
            let mut caught_out_of_scope = 0usize;
            for &(is_out_of_scope, confidence, out_of_scope_wins, is_right) in &predictions {
                let rejected = out_of_scope_wins || confidence < threshold;
                if is_out_of_scope && rejected {
                    caught_out_of_scope += 1;
                } else if !is_out_of_scope && !rejected && is_right {
                    correct_in_scope += 1;
                }
            }
            (
                threshold,
                correct_in_scope as f64 / in_scope_count as f64,
                caught_out_of_scope as f64 / out_of_scope_count as f64,
            )
        })
        .collect();
    let best_accuracy = candidates.iter().map(|c| c.1).fold(0.0, f64::max);
    candidates
        .iter()
        .filter(|c| c.1 >= best_accuracy - ALLOWED_ACCURACY_LOSS)
        .max_by(|a, b| a.2.total_cmp(&b.2).then(b.0.total_cmp(&a.0)))
        .map_or(0.0, |c| c.0)
}

fn measure(
    dataset: &str,
    classifier: &IntentClassifier,
    test: &[&(String, String)],
    train_ms: f64,
) -> DatasetReport {
    let mut latencies_ns: Vec<u128> = Vec::with_capacity(test.len());
    let mut predicted: Vec<String> = Vec::with_capacity(test.len());
    let mut confidence_and_correctness: Vec<(f32, bool)> = Vec::with_capacity(test.len());
    for (text, intent) in test {
        // Each message is timed over a few runs and its fastest run counts: the slower runs
        // measure pauses caused by other processes on the machine, not the classifier.
        let mut fastest = u128::MAX;
        let mut classification = classifier.classify(text, Language::English, 3);
        for _ in 0..TIMED_RUNS {
            let started = Instant::now();
            classification = classifier.classify(text, Language::English, 3);
            fastest = fastest.min(started.elapsed().as_nanos());
        }
        latencies_ns.push(fastest);
        if let Some(best) = classification.intents.first()
            && intent != CLINC_OUT_OF_SCOPE
        {
            confidence_and_correctness.push((best.confidence, best.intent == *intent));
        }
        let label = match classification.intents.first() {
            Some(best) if !classification.out_of_scope => best.intent.clone(),
            _ => CLINC_OUT_OF_SCOPE.to_owned(),
        };
        predicted.push(label);
    }
    let truth: Vec<&str> = test.iter().map(|(_, intent)| intent.as_str()).collect();
    let in_scope: Vec<usize> = (0..test.len())
        .filter(|&i| truth[i] != CLINC_OUT_OF_SCOPE)
        .collect();
    let accuracy = in_scope
        .iter()
        .filter(|&&i| predicted[i] == truth[i])
        .count() as f64
        / in_scope.len().max(1) as f64;
    let has_out_of_scope = truth.contains(&CLINC_OUT_OF_SCOPE);
    let (oos_recall, oos_precision) = if has_out_of_scope {
        let actual = truth.iter().filter(|t| **t == CLINC_OUT_OF_SCOPE).count();
        let flagged = predicted
            .iter()
            .filter(|p| *p == CLINC_OUT_OF_SCOPE)
            .count();
        let caught = (0..test.len())
            .filter(|&i| truth[i] == CLINC_OUT_OF_SCOPE && predicted[i] == CLINC_OUT_OF_SCOPE)
            .count();
        (
            Some(caught as f64 / actual as f64),
            Some(if flagged == 0 {
                0.0
            } else {
                caught as f64 / flagged as f64
            }),
        )
    } else {
        (None, None)
    };
    latencies_ns.sort_unstable();
    DatasetReport {
        dataset: dataset.to_owned(),
        accuracy,
        macro_f1: macro_f1(&truth, &predicted),
        oos_recall,
        oos_precision,
        train_ms,
        p50_us: percentile(&latencies_ns, 0.50) as f64 / 1000.0,
        p99_us: percentile(&latencies_ns, 0.99) as f64 / 1000.0,
        out_of_scope_threshold: None,
        expected_calibration_error: expected_calibration_error(&confidence_and_correctness),
        test_examples: test.len(),
    }
}

/// Expected calibration error over ten equal-width confidence bins: the average gap between
/// the confidence of the best intent and how often it is right, weighted by bin size.
fn expected_calibration_error(predictions: &[(f32, bool)]) -> f64 {
    const BINS: usize = 10;
    let mut bins = [(0usize, 0.0f64, 0usize); BINS];
    for &(confidence, is_correct) in predictions {
        let bin = ((confidence * BINS as f32) as usize).min(BINS - 1);
        bins[bin].0 += 1;
        bins[bin].1 += f64::from(confidence);
        bins[bin].2 += usize::from(is_correct);
    }
    let total = predictions.len().max(1) as f64;
    bins.iter()
        .filter(|(count, _, _)| *count > 0)
        .map(|&(count, confidence_sum, correct)| {
            let gap = (confidence_sum - correct as f64).abs() / count as f64;
            gap * count as f64 / total
        })
        .sum()
}

/// Macro-averaged F1 over the labels that occur in `truth`.
fn macro_f1(truth: &[&str], predicted: &[String]) -> f64 {
    let labels: BTreeSet<&str> = truth.iter().copied().collect();
    let mut counts: BTreeMap<&str, (usize, usize, usize)> =
        labels.iter().map(|l| (*l, (0, 0, 0))).collect();
    for (actual, guess) in truth.iter().zip(predicted) {
        if *actual == guess.as_str() {
            if let Some(entry) = counts.get_mut(actual) {
                entry.0 += 1;
            }
        } else {
            if let Some(entry) = counts.get_mut(guess.as_str()) {
                entry.1 += 1;
            }
            if let Some(entry) = counts.get_mut(actual) {
                entry.2 += 1;
            }
        }
    }
    let total: f64 = counts
        .values()
        .map(|&(true_positives, false_positives, false_negatives)| {
            let denominator = 2 * true_positives + false_positives + false_negatives;
            if denominator == 0 {
                0.0
            } else {
                2.0 * true_positives as f64 / denominator as f64
            }
        })
        .sum();
    total / labels.len().max(1) as f64
}

fn percentile(sorted: &[u128], quantile: f64) -> u128 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((sorted.len() as f64 * quantile).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macro_f1_averages_per_label_scores() {
        let truth = ["a", "a", "b", "b"];
        let predicted = ["a", "b", "b", "b"].map(str::to_owned);
        // a: tp 1, fn 1 → 2/3; b: tp 2, fp 1 → 4/5.
        let expected = (2.0 / 3.0 + 0.8) / 2.0;
        assert!((macro_f1(&truth, &predicted) - expected).abs() < 1e-9);
    }

    #[test]
    fn calibration_error_is_the_weighted_confidence_gap() {
        // Bin 0.9: confidence 0.95, right half the time → gap 0.45 on half the predictions.
        // Bin 0.5: confidence 0.5, right half the time → no gap.
        let predictions = [(0.95, true), (0.95, false), (0.5, true), (0.5, false)];
        assert!((expected_calibration_error(&predictions) - 0.225).abs() < 1e-6);
        assert_eq!(expected_calibration_error(&[(1.0, true)]), 0.0);
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let sorted: Vec<u128> = (1..=100).collect();
        assert_eq!(percentile(&sorted, 0.5), 50);
        assert_eq!(percentile(&sorted, 0.99), 99);
        assert_eq!(percentile(&[], 0.5), 0);
    }

    #[test]
    fn json_lines_have_exactly_the_tracked_keys() {
        let report = DatasetReport {
            dataset: "banking77".to_owned(),
            accuracy: 0.9,
            macro_f1: 0.89,
            oos_recall: None,
            oos_precision: None,
            train_ms: 120.0,
            p50_us: 20.0,
            p99_us: 60.0,
            out_of_scope_threshold: None,
            expected_calibration_error: 0.02,
            test_examples: 3080,
        };
        let mut out = Vec::new();
        write_reports(&[report.clone(), report], true, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        let value: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected = vec![
            "dataset",
            "accuracy",
            "macro_f1",
            "oos_recall",
            "oos_precision",
            "train_ms",
            "p50_us",
            "p99_us",
        ];
        expected.sort_unstable();
        let mut sorted_keys = keys.clone();
        sorted_keys.sort_unstable();
        assert_eq!(sorted_keys, expected);
        assert!(value["oos_recall"].is_null());
    }

    #[test]
    fn human_table_has_a_header_and_a_row_per_dataset() {
        let report = DatasetReport {
            dataset: "clinc150".to_owned(),
            accuracy: 0.93,
            macro_f1: 0.9,
            oos_recall: Some(0.6),
            oos_precision: Some(0.8),
            train_ms: 1500.0,
            p50_us: 30.0,
            p99_us: 80.0,
            out_of_scope_threshold: Some(0.25),
            expected_calibration_error: 0.05,
            test_examples: 5500,
        };
        let mut out = Vec::new();
        write_reports(&[report], false, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.lines().next().unwrap().starts_with("dataset"));
        assert!(text.contains("clinc150") && text.contains("93.00%") && text.contains("60.00%"));
    }

    #[test]
    fn a_missing_data_dir_is_a_read_error() {
        let error = run_evaluation(Path::new("/nonexistent/tandem-data")).unwrap_err();
        assert!(matches!(error, EvalError::Read { .. }));
    }
}
