//! Measures the `fasttext` crate (supervised, word bigrams + character 2–5-grams) on the same
//! splits and protocol as `tandem_nlu::eval`, for the model comparison in the README:
//! `cargo run --release -p tandem-nlu --features fasttext-comparison --example compare_fasttext -- ../shared/data [epochs learning-rate dimension]`.

use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use fasttext::FastText;
use fasttext::args::{Args, LossName, ModelName};
use tandem_nlu::fold;

const OUT_OF_SCOPE: &str = "oos";
const LABEL_PREFIX: &str = "__label__";
/// In-scope validation accuracy given up, at most, for out-of-scope recall (as in `eval`).
const ALLOWED_ACCURACY_LOSS: f64 = 0.005;

type Rows = Vec<(String, String)>;

#[derive(serde::Deserialize)]
struct ClincSplits {
    train: Rows,
    val: Rows,
    test: Rows,
    oos_train: Rows,
    oos_val: Rows,
    oos_test: Rows,
}

/// Training settings given on the command line after the data folder: epochs, learning rate
/// and embedding dimension.
#[derive(Clone, Copy)]
struct Settings {
    epochs: i32,
    learning_rate: f64,
    dimension: i32,
}

fn main() -> Result<(), Box<dyn Error>> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let data_dir = arguments
        .first()
        .map_or_else(|| PathBuf::from("../shared/data"), PathBuf::from);
    let settings = Settings {
        epochs: arguments.get(1).map_or(Ok(25), |a| a.parse())?,
        learning_rate: arguments.get(2).map_or(Ok(0.5), |a| a.parse())?,
        dimension: arguments.get(3).map_or(Ok(100), |a| a.parse())?,
    };
    let clinc: ClincSplits = serde_json::from_str(&std::fs::read_to_string(
        data_dir.join("clinc150").join("data_full.json"),
    )?)?;
    let banking_train = read_banking77(&data_dir.join("banking77").join("train.csv"))?;
    let banking_test = read_banking77(&data_dir.join("banking77").join("test.csv"))?;

    println!("dataset     accuracy oos_recall   train_ms   p50_us   p99_us threshold");
    let mut clinc_train = clinc.train.clone();
    clinc_train.extend(clinc.oos_train.iter().cloned());
    let (model, train_ms) = train(&clinc_train, "clinc150", settings)?;
    let validation: Rows = clinc.val.iter().chain(&clinc.oos_val).cloned().collect();
    let threshold = pick_threshold(&model, &validation);
    let test: Rows = clinc.test.iter().chain(&clinc.oos_test).cloned().collect();
    report("clinc150", &model, &test, threshold, train_ms);

    let (model, train_ms) = train(&banking_train, "banking77", settings)?;
    report("banking77", &model, &banking_test, 0.0, train_ms);
    Ok(())
}

fn read_banking77(path: &Path) -> Result<Rows, Box<dyn Error>> {
    let mut reader = csv::Reader::from_path(path)?;
    Ok(reader
        .deserialize::<(String, String)>()
        .collect::<Result<_, _>>()?)
}

/// fastText reads its training data from a file of `__label__<intent> <text>` lines.
fn train(rows: &Rows, name: &str, settings: Settings) -> Result<(FastText, f64), Box<dyn Error>> {
    let input = std::env::temp_dir().join(format!("tandem-nlu-fasttext-{name}.txt"));
    let mut file = std::io::BufWriter::new(std::fs::File::create(&input)?);
    for (text, intent) in rows {
        writeln!(file, "{LABEL_PREFIX}{intent} {}", clean(text))?;
    }
    file.flush()?;
    drop(file);
    let args = Args {
        input: input.clone(),
        model: ModelName::Supervised,
        loss: LossName::Softmax,
        epoch: settings.epochs,
        lr: settings.learning_rate,
        dim: settings.dimension,
        word_ngrams: 2,
        minn: 2,
        maxn: 5,
        // The default of two million buckets makes a 256 MB model.
        bucket: 200_000,
        min_count: 1,
        thread: 1,
        seed: 7,
        verbose: 0,
        ..Args::default()
    };
    let started = Instant::now();
    let model = FastText::train(args)?;
    let train_ms = started.elapsed().as_secs_f64() * 1000.0;
    std::fs::remove_file(&input)?;
    Ok((model, train_ms))
}

fn clean(text: &str) -> String {
    fold(text)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect()
}

/// The best in-scope label and its probability (the `oos` label counts as rejection).
fn best(model: &FastText, text: &str) -> (String, f32, bool) {
    let predictions = model.predict(&clean(text), 2, 0.0);
    let mut label = String::new();
    let mut probability = 0.0;
    let mut out_of_scope_wins = false;
    for prediction in &predictions {
        let name = prediction.label.trim_start_matches(LABEL_PREFIX);
        if name == OUT_OF_SCOPE {
            out_of_scope_wins = label.is_empty();
        } else if label.is_empty() {
            label = name.to_owned();
            probability = prediction.prob;
        }
    }
    (label, probability, out_of_scope_wins)
}

fn pick_threshold(model: &FastText, validation: &Rows) -> f32 {
    let predictions: Vec<(bool, f32, bool, bool)> = validation
        .iter()
        .map(|(text, intent)| {
            let (label, probability, out_of_scope_wins) = best(model, text);
            (
                intent == OUT_OF_SCOPE,
                probability,
                out_of_scope_wins,
                label == *intent,
            )
        })
        .collect();
    let in_scope = predictions.iter().filter(|p| !p.0).count() as f64;
    let out_of_scope = predictions.iter().filter(|p| p.0).count() as f64;
    let candidates: Vec<(f32, f64, f64)> = (0..=200)
        .map(|step| {
            let threshold = step as f32 * 0.005;
            let (mut correct, mut caught) = (0.0, 0.0);
            for &(is_out_of_scope, probability, out_of_scope_wins, is_right) in &predictions {
                let rejected = out_of_scope_wins || probability < threshold;
                if is_out_of_scope && rejected {
                    caught += 1.0;
                } else if !is_out_of_scope && !rejected && is_right {
                    correct += 1.0;
                }
            }
            (threshold, correct / in_scope, caught / out_of_scope)
        })
        .collect();
    let best_accuracy = candidates.iter().map(|c| c.1).fold(0.0, f64::max);
    candidates
        .iter()
        .filter(|c| c.1 >= best_accuracy - ALLOWED_ACCURACY_LOSS)
        .max_by(|a, b| a.2.total_cmp(&b.2).then(b.0.total_cmp(&a.0)))
        .map_or(0.0, |c| c.0)
}

fn report(dataset: &str, model: &FastText, test: &Rows, threshold: f32, train_ms: f64) {
    let mut latencies_ns = Vec::with_capacity(test.len());
    let (mut in_scope, mut correct, mut out_of_scope, mut caught) = (0, 0, 0, 0);
    for (text, intent) in test {
        let mut fastest = u128::MAX;
        let mut prediction = best(model, text);
        for _ in 0..3 {
            let started = Instant::now();
            prediction = best(model, text);
            fastest = fastest.min(started.elapsed().as_nanos());
        }
        latencies_ns.push(fastest);
        let (label, probability, out_of_scope_wins) = prediction;
        let rejected = out_of_scope_wins || probability < threshold;
        if intent == OUT_OF_SCOPE {
            out_of_scope += 1;
            caught += usize::from(rejected);
        } else {
            in_scope += 1;
            correct += usize::from(!rejected && label == *intent);
        }
    }
    latencies_ns.sort_unstable();
    let percentile = |q: f64| {
        let rank = ((latencies_ns.len() as f64 * q).ceil() as usize).clamp(1, latencies_ns.len());
        latencies_ns[rank - 1] as f64 / 1000.0
    };
    let recall = if out_of_scope == 0 {
        "-".to_owned()
    } else {
        format!("{:.2}%", 100.0 * caught as f64 / out_of_scope as f64)
    };
    println!(
        "{dataset:<10} {:>8.2}% {recall:>10} {train_ms:>10.0} {:>8.1} {:>8.1} {threshold:>9.3}",
        100.0 * correct as f64 / in_scope as f64,
        percentile(0.5),
        percentile(0.99),
    );
}
