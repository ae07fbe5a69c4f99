//! Prints the evaluation figures, like `tandem nlu-eval`:
//! `cargo run --release -p tandem-nlu --example nlu_eval -- ../shared/data [--json]`.

use std::path::PathBuf;

use tandem_nlu::eval::{run_evaluation, write_reports};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let json = arguments.iter().any(|a| a == "--json");
    let data_dir = arguments
        .iter()
        .find(|a| !a.starts_with("--"))
        .map_or_else(|| PathBuf::from("../shared/data"), PathBuf::from);
    let reports = run_evaluation(&data_dir)?;
    write_reports(&reports, json, &mut std::io::stdout().lock())?;
    Ok(())
}
