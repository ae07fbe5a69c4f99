//! Compares the candidate intent models on CLINC150 and Banking77 (run in release):
//! `cargo run --release -p tandem-nlu --example compare_models -- ../shared/data`.

use std::path::PathBuf;

use tandem_nlu::eval::{EvaluationOptions, run_evaluation_with, write_reports};
use tandem_nlu::{ClassifierOptions, ModelKind};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data_dir = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("../shared/data"), PathBuf::from);
    let candidates = [
        (
            "logistic regression, oos class + threshold",
            ModelKind::LogisticRegression,
            true,
        ),
        (
            "logistic regression, threshold only",
            ModelKind::LogisticRegression,
            false,
        ),
        (
            "naive Bayes, oos class + threshold",
            ModelKind::NaiveBayes,
            true,
        ),
        (
            "nearest centroid, oos class + threshold",
            ModelKind::NearestCentroid,
            true,
        ),
    ];
    let mut stdout = std::io::stdout().lock();
    for (name, model, train_out_of_scope_class) in candidates {
        let options = EvaluationOptions {
            classifier: ClassifierOptions {
                model,
                ..ClassifierOptions::default()
            },
            train_out_of_scope_class,
        };
        println!("== {name}");
        let reports = run_evaluation_with(&data_dir, &options)?;
        write_reports(&reports, false, &mut stdout)?;
    }
    Ok(())
}
