//! Prints the handover-detection figures of the demo bot on the labelled set
//! (`eval/handover.jsonl`, and `eval/handover_test.jsonl` kept out of tuning): the share of requests for a person and of upset customers handed
//! over, and of routine questions not handed over, per half and language, then every miss.
//!
//! ```text
//! cargo run --release -p tandem-bot --example handover_eval
//! cargo run --release -p tandem-bot --example handover_eval -- --set my-cases.jsonl
//! cargo run --release -p tandem-bot --example handover_eval -- --explain "tem alguém aí?"
//! cargo run --release -p tandem-bot --example handover_eval -- --validate
//! ```

use std::process::ExitCode;

use std::sync::Arc;
use tandem_bot::handover_eval::{Outcome, overall, run, score};
use tandem_bot::handover_set::{Case, HANDOVER_FINAL_SET, HANDOVER_SET, Label, Split, parse_set};

use tandem_bot::handover_model::HandoverModel;
use tandem_bot::policy::{self, PolicyInput};
use tandem_bot::{Bot, BotState, CustomerTurn, TeamAvailability, demo_profile};
use tandem_domain::contact::Attributes;
use tandem_nlu::{Engine, Language};

/// Prints the analysis of one message and every handover rule it fires.
fn explain(text: &str) -> ExitCode {
    let profile = demo_profile();
    let Ok(engine) = Engine::new(&profile.engine_config()) else {
        eprintln!("the demo profile does not train");
        return ExitCode::FAILURE;
    };
    let state = BotState::new();
    let Ok(analysis) = engine.analyze(
        text,
        &state.analysis_context(jiff::civil::date(2026, 12, 1)),
    ) else {
        eprintln!("the message cannot be analyzed");
        return ExitCode::FAILURE;
    };
    println!(
        "language {:?}, out of scope {}",
        analysis.language.language, analysis.out_of_scope
    );
    println!("sentiment {:?}", analysis.sentiment);
    for intent in analysis.intents.iter().take(3) {
        println!("intent {} {:.2}", intent.intent, intent.confidence);
    }
    let attributes = Attributes::new();
    let language = analysis.language.language;
    let likelihoods = HandoverModel::for_profile(&profile)
        .map(|model| model.likelihoods(text, language))
        .unwrap_or_default();
    println!("likelihoods {likelihoods:?}");
    let input = PolicyInput {
        text,
        likelihoods,
        analysis: &analysis,
        language: analysis.language.language,
        attributes: &attributes,
        memory: &state.memory,
        expects_answer: false,
        requested_person: false,
        action_failure: None,
    };
    for decision in policy::fired_rules(&profile, &input) {
        println!(
            "rule {} {}",
            decision.reason.as_str(),
            decision.evidence_json()
        );
    }
    let turn = Bot::new(&profile).turn(
        &state,
        &CustomerTurn {
            text,
            analysis: &analysis,
            attributes: &attributes,
            requested_person: false,
            availability: TeamAvailability::default(),
        },
    );
    println!("turn {:?}", turn.outcome);
    if let Some(decision) = turn.handover {
        println!(
            "handover {} {}",
            decision.reason.as_str(),
            decision.evidence_json()
        );
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let text = match (args.next().as_deref(), args.next()) {
        (None, _) => format!("{HANDOVER_SET}\n{HANDOVER_FINAL_SET}"),
        (Some("--explain"), Some(text)) => return explain(&text),
        (Some("--validate"), _) => return validate(),
        (Some("--set"), Some(path)) => match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) => {
                eprintln!("{path}: {error}");
                return ExitCode::FAILURE;
            }
        },
        _ => {
            eprintln!("usage: handover_eval [--set FILE.jsonl | --explain TEXT | --validate]");
            return ExitCode::FAILURE;
        }
    };
    let cases = match parse_set(&text) {
        Ok(cases) => cases,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let profile = demo_profile();
    let engine = match Engine::new(&profile.engine_config()) {
        Ok(engine) => engine,
        Err(error) => {
            eprintln!("the demo profile does not train: {error}");
            return ExitCode::FAILURE;
        }
    };
    let outcomes = run(
        &profile,
        &engine,
        HandoverModel::for_profile(&profile),
        &cases,
    );
    print_figures(
        &outcomes,
        &[Split::Dev, Split::HeldOut, Split::Test, Split::Final],
    );
    ExitCode::SUCCESS
}

/// The figures of `outcomes` per split, then every miss.
fn print_figures(outcomes: &[Outcome<'_>], splits: &[Split]) {
    let scores = score(outcomes);
    println!("| half | label | pt | es | en | all |");
    println!("|---|---|---:|---:|---:|---:|");
    for split in splits {
        for label in [Label::Person, Label::Upset, Label::Benign] {
            let cells: Vec<String> = Language::ALL
                .iter()
                .map(|language| {
                    let score = scores
                        .get(&(*split, label, *language))
                        .copied()
                        .unwrap_or_default();
                    format!("{}/{}", score.right, score.total)
                })
                .collect();
            let all = overall(&scores, *split, label);
            let meaning = match label {
                Label::Person => "asks for a person: handed over",
                Label::Upset => "upset: handed over",
                Label::Benign => "routine: not handed over",
            };
            println!(
                "| {split:?} | {meaning} | {} | {:.1}% ({}/{}) |",
                cells.join(" | "),
                all.rate() * 100.0,
                all.right,
                all.total
            );
        }
    }
    println!();
    for outcome in outcomes.iter().filter(|outcome| !outcome.is_right()) {
        let case = outcome.case;
        println!(
            "miss {:?} {:?} {} -> {}: {}",
            case.split,
            case.label,
            case.language.code(),
            outcome.reason.as_deref().unwrap_or("no handover"),
            case.text
        );
    }
}

/// Trains the model on the `dev` and `held_out` parts and measures the rules on the `test`
/// part, alone and with that model: how the thresholds were chosen.
fn validate() -> ExitCode {
    let Ok(cases) = parse_set(HANDOVER_SET) else {
        eprintln!("the shipped set does not parse");
        return ExitCode::FAILURE;
    };
    let (train, test): (Vec<Case>, Vec<Case>) = cases
        .into_iter()
        .partition(|case| case.split != Split::Test);
    let profile = demo_profile();
    let (Ok(engine), Ok(model)) = (
        Engine::new(&profile.engine_config()),
        HandoverModel::train(&train, Some(&profile)),
    ) else {
        eprintln!("training failed");
        return ExitCode::FAILURE;
    };
    println!("## word rules alone");
    print_figures(&run(&profile, &engine, None, &test), &[Split::Test]);
    println!("## word rules and the model trained without the test part");
    print_figures(
        &run(&profile, &engine, Some(Arc::new(model)), &test),
        &[Split::Test],
    );
    ExitCode::SUCCESS
}
