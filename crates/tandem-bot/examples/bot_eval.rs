//! Evaluates the built-in bot on the scripted demo conversations
//! (`scripts/demo-conversations.yaml`) and prints the figures of issue 4: containment of
//! routine conversations, handover precision and recall per reason, overall handover
//! accuracy, the misclassified conversations, and the median and p95 bot reply latency per
//! turn (analysis + dialogue, without the simulated HTTP call).
//!
//! ```text
//! cargo run --release -p tandem-bot --example bot_eval
//! cargo run --release -p tandem-bot --example bot_eval -- --runs 50
//! cargo run --release -p tandem-bot --example bot_eval -- --trace pt-boleto-timeout
//! cargo run --release -p tandem-bot --example bot_eval -- --trace all
//! cargo run --release -p tandem-bot --example bot_eval -- --script draft.yaml
//! ```
//!
//! Latency is only meaningful in a release build; the whole set is played `--runs` times
//! (default 20) to collect enough samples. The figures themselves come from the first run:
//! the engine and the bot are deterministic.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use tandem_bot::demo_profile;
use tandem_bot::scripted::{self, ConversationRun, Figures, Player, load_script};
use tandem_nlu::{Engine, Language};

/// Command-line options.
#[derive(Debug)]
struct Options {
    runs: usize,
    trace: Option<String>,
    /// A script file to play instead of the compiled-in one (a draft, or ad-hoc probes).
    script: Option<String>,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        runs: 20,
        trace: None,
        script: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => {
                options.runs = args
                    .next()
                    .and_then(|value| value.parse().ok())
                    .filter(|runs| *runs > 0)
                    .ok_or("--runs needs a positive number")?;
            }
            "--trace" => {
                options.trace = Some(
                    args.next()
                        .ok_or("--trace needs a conversation id or `all`")?,
                );
            }
            "--script" => {
                options.script = Some(args.next().ok_or("--script needs a file")?);
            }
            "-h" | "--help" => {
                return Err(
                    "usage: bot_eval [--runs N] [--trace ID|all] [--script FILE]".to_owned(),
                );
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("bot_eval: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let options = parse_options()?;
    let profile = demo_profile();
    let started = Instant::now();
    let engine = Engine::new(&profile.engine_config()).map_err(|error| error.to_string())?;
    let training = started.elapsed();
    let yaml = match &options.script {
        Some(path) => std::fs::read_to_string(path).map_err(|error| format!("{path}: {error}"))?,
        None => scripted::SCRIPT_YAML.to_owned(),
    };
    let script = load_script(&yaml, &profile)?;
    let player = Player {
        profile: &profile,
        engine: &engine,
        script: &script,
    };

    let runs = player.play_all();
    if let Some(trace) = &options.trace {
        let mut found = false;
        for run in runs.iter().filter(|run| trace == "all" || &run.id == trace) {
            found = true;
            print_trace(run);
        }
        if !found {
            return Err(format!("no conversation `{trace}`"));
        }
        return Ok(ExitCode::SUCCESS);
    }

    let mut figures = Figures::of(&runs);
    for _ in 1..options.runs {
        figures.latencies.extend(
            player
                .play_all()
                .iter()
                .flat_map(|run| run.latencies.iter().copied()),
        );
    }
    figures.latencies.sort_unstable();

    print_report(&runs, &figures, training, options.runs);
    let violations: usize = runs.iter().map(|run| run.violations.len()).sum();
    Ok(if violations == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn percent(value: f64) -> String {
    format!("{:5.1}%", value * 100.0)
}

fn optional_percent(value: Option<f64>) -> String {
    value.map_or_else(|| "     —".to_owned(), percent)
}

fn micros(duration: Duration) -> String {
    format!("{:.0} µs", duration.as_secs_f64() * 1e6)
}

fn print_report(runs: &[ConversationRun], figures: &Figures, training: Duration, repeats: usize) {
    let count = |language: Language| runs.iter().filter(|run| run.language == language).count();
    println!(
        "Tandem bot evaluation: {} scripted conversations against the demo bank profile \
         (pt {}, es {}, en {}; {} routine, {} needing a person)",
        figures.conversations,
        count(Language::Portuguese),
        count(Language::Spanish),
        count(Language::English),
        figures.routine,
        figures.needing_person,
    );
    println!("engine trained in {:.2} s", training.as_secs_f64());
    println!();
    println!(
        "containment of routine conversations      {:>3}/{:<3} {}",
        figures.routine_contained,
        figures.routine,
        percent(figures.containment())
    );
    println!(
        "  ...with every per-turn expectation met  {:>3}/{:<3} {}",
        figures.routine_resolved,
        figures.routine,
        percent(figures.resolution())
    );
    println!(
        "conversations needing a person handed over{:>3}/{:<3} {}  (any reason)",
        figures.needing_person_handed_over,
        figures.needing_person,
        percent(figures.handover_recall())
    );
    println!();
    println!("reason               expected  handed over  correct  precision  recall");
    for reason in &figures.reasons {
        println!(
            "{:<20} {:>8}  {:>11}  {:>7}  {:>9}  {:>6}",
            reason.reason.as_str(),
            reason.expected,
            reason.predicted,
            reason.correct,
            optional_percent(reason.precision()),
            optional_percent(reason.recall()),
        );
    }
    println!();
    println!(
        "overall handover accuracy (contained or the right reason)  {:>3}/{:<3} {}",
        figures.label_matches,
        figures.conversations,
        percent(figures.label_accuracy())
    );
    println!(
        "  ...and on the right turn                                 {:>3}/{:<3} {}",
        figures.outcome_matches,
        figures.conversations,
        percent(figures.outcome_accuracy())
    );
    println!(
        "handover decision accuracy (hand over or not)              {:>3}/{:<3} {}",
        figures.decision_matches,
        figures.conversations,
        percent(figures.decision_accuracy())
    );
    println!(
        "per-turn expectations met                                  {:>3}/{:<3} {}",
        figures.checks_met,
        figures.checks,
        percent(figures.check_rate())
    );
    println!();
    let turns = figures.latencies.len() / repeats.max(1);
    println!(
        "bot reply latency per turn (analysis + dialogue, no HTTP; {turns} turns × {repeats} runs): \
         median {}, p95 {}, max {}",
        micros(figures.latency_percentile(50.0)),
        micros(figures.latency_percentile(95.0)),
        micros(figures.latencies.last().copied().unwrap_or_default()),
    );
    if cfg!(debug_assertions) {
        println!("(debug build: run with --release for meaningful latency)");
    }

    println!();
    println!("misclassified conversations:");
    let mut misclassified = 0;
    for run in runs.iter().filter(|run| !run.outcome_matches()) {
        misclassified += 1;
        println!(
            "  {:<48} expected {:<24} got {}",
            run.id,
            run.expected.to_string(),
            run.actual
        );
    }
    if misclassified == 0 {
        println!("  none");
    }

    println!();
    println!("other per-turn misses (conversation outcome right or already listed):");
    let mut others = 0;
    for run in runs {
        let outcome_problem = run.outcome_problem();
        for miss in &run.misses {
            if Some(&miss.message) == outcome_problem.as_ref() {
                continue;
            }
            others += 1;
            println!("  {:<48} {miss}", run.id);
        }
    }
    if others == 0 {
        println!("  none");
    }

    println!();
    println!("structural violations (bugs whatever the classifier says):");
    let mut violations = 0;
    for run in runs {
        for violation in &run.violations {
            violations += 1;
            println!("  {:<48} {violation}", run.id);
        }
    }
    if violations == 0 {
        println!("  none");
    }
}

fn print_trace(run: &ConversationRun) {
    println!(
        "── {} (expected {}, got {})",
        run.id, run.expected, run.actual
    );
    for line in &run.transcript {
        println!("{line}");
    }
    for miss in &run.misses {
        println!("  MISS {miss}");
    }
    for violation in &run.violations {
        println!("  VIOLATION {violation}");
    }
    println!();
}
