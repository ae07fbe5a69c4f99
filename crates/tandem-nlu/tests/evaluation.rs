//! Runs the evaluation on the real CLINC150 and Banking77 data and fails if the figures fall
//! below floors set a little under what the engine reaches (see the crate's README).

use std::path::Path;

use tandem_nlu::eval::{DatasetReport, run_evaluation, write_reports};

const DATA_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

fn report<'a>(reports: &'a [DatasetReport], dataset: &str) -> &'a DatasetReport {
    reports
        .iter()
        .find(|r| r.dataset == dataset)
        .unwrap_or_else(|| panic!("no {dataset} report"))
}

#[test]
fn classifier_keeps_its_accuracy_on_the_public_datasets() {
    let data_dir = Path::new(DATA_DIR);
    if !data_dir.join("clinc150").exists() {
        // Under CI the data must be there: a missing folder would silently skip the check.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "evaluation data missing at {DATA_DIR}"
        );
        eprintln!("skipping: evaluation data not found at {DATA_DIR}");
        return;
    }
    let reports = run_evaluation(data_dir).expect("evaluation runs");
    let mut table = Vec::new();
    write_reports(&reports, false, &mut table).expect("table writes");
    eprintln!("{}", String::from_utf8_lossy(&table));

    let clinc = report(&reports, "clinc150");
    assert!(
        clinc.accuracy >= 0.915,
        "CLINC150 in-scope accuracy {}",
        clinc.accuracy
    );
    let oos_recall = clinc.oos_recall.expect("CLINC150 has out-of-scope queries");
    assert!(
        oos_recall >= 0.55,
        "CLINC150 out-of-scope recall {oos_recall}"
    );
    assert!(
        clinc.oos_precision.is_some_and(|p| p >= 0.80),
        "CLINC150 precision {:?}",
        clinc.oos_precision
    );
    assert!(
        clinc.macro_f1 >= 0.87,
        "CLINC150 macro-F1 {}",
        clinc.macro_f1
    );
    assert_eq!(clinc.test_examples, 5500);

    let banking = report(&reports, "banking77");
    assert!(
        banking.accuracy >= 0.91,
        "Banking77 accuracy {}",
        banking.accuracy
    );
    assert!(
        banking.macro_f1 >= 0.91,
        "Banking77 macro-F1 {}",
        banking.macro_f1
    );
    assert_eq!(banking.oos_recall, None);
    assert_eq!(banking.test_examples, 3080);
}
