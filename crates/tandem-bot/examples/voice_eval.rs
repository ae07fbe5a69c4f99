//! Voice notes against the demo bot: each line of `eval/voice.jsonl` (`{"lang", "intent",
//! "text"}`) is spoken by espeak-ng, encoded like a WhatsApp voice note (Ogg/Opus mono 16 kHz),
//! decoded and transcribed by the embedded Whisper in its language, and both the typed text and
//! the transcript go through the demo profile's NLU. Prints every transcript, then per language
//! the word error rate (lowercase, punctuation removed, accents kept), the real-time factor
//! (decoding and transcription, wall clock) and the share of phrases whose best intent is the
//! labelled one, typed and spoken.
//!
//! ```text
//! cargo run --release -p tandem-bot --example voice_eval -- MODEL_DIR [SET.jsonl]
//! ```
//! (`MODEL_DIR` as `crates/tandem-speech/fetch-model.sh` installs it; `TANDEM_WHISPER_MODEL` when
//! not given.)

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tandem_bot::{BotState, demo_profile};
use tandem_nlu::Engine;
use tandem_speech::synthetic::{espeak_wav, whatsapp_voice_note};
use tandem_speech::{Whisper, audio};

/// The longest voice note decoded.
const MAX_NOTE: Duration = Duration::from_secs(300);

/// espeak-ng's voice for a language of the set.
fn espeak_voice(language: &str) -> &str {
    match language {
        "pt" => "pt-br",
        "en" => "en-us",
        other => other,
    }
}

/// Lowercase words without punctuation; accents are kept (they change meaning in pt and es).
fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Levenshtein distance between word sequences: substitutions + deletions + insertions.
fn word_errors(reference: &[String], hypothesis: &[String]) -> usize {
    let mut previous: Vec<usize> = (0..=hypothesis.len()).collect();
    for (i, reference_word) in reference.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, hypothesis_word) in hypothesis.iter().enumerate() {
            let substitution = previous[j] + usize::from(reference_word != hypothesis_word);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[hypothesis.len()]
}

#[derive(Default)]
struct LanguageScore {
    phrases: usize,
    reference_words: usize,
    errors: usize,
    audio: Duration,
    wall: Duration,
    typed_right: usize,
    spoken_right: usize,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let model_dir: PathBuf = match args.next() {
        Some(dir) => dir.into(),
        None => std::env::var_os("TANDEM_WHISPER_MODEL")
            .ok_or("give the model directory as an argument or in TANDEM_WHISPER_MODEL")?
            .into(),
    };
    let set = args.next().map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("eval/voice.jsonl"),
        PathBuf::from,
    );
    let started = Instant::now();
    let whisper = Whisper::load(&model_dir)?;
    println!("model loaded in {:.2}s", started.elapsed().as_secs_f64());
    let profile = demo_profile();
    let engine = Engine::new(&profile.engine_config())?;
    let context = BotState::new().analysis_context(jiff::civil::date(2026, 12, 1));
    let best_intent = |text: &str| -> Result<Option<String>, Box<dyn std::error::Error>> {
        let analysis = engine.analyze(text, &context)?;
        Ok((!analysis.out_of_scope)
            .then(|| analysis.intents.first().map(|best| best.intent.clone()))
            .flatten())
    };

    let mut scores: BTreeMap<String, LanguageScore> = BTreeMap::new();
    for line in std::fs::read_to_string(&set)?
        .lines()
        .filter(|line| !line.trim().is_empty())
    {
        let case: serde_json::Value = serde_json::from_str(line)?;
        let (Some(language), Some(intent), Some(text)) = (
            case["lang"].as_str(),
            case["intent"].as_str(),
            case["text"].as_str(),
        ) else {
            return Err(format!("a line without lang, intent and text: {line}").into());
        };
        let spoken = audio::decode(
            &espeak_wav(text, espeak_voice(language)),
            "audio/wav",
            MAX_NOTE,
        )?;
        let note = whatsapp_voice_note(spoken.samples());
        let started = Instant::now();
        let pcm = audio::decode(&note, "audio/ogg; codecs=opus", MAX_NOTE)?;
        let transcript = whisper.transcribe(&pcm, Some(language))?;
        let wall = started.elapsed();
        let (reference, hypothesis) = (words(text), words(&transcript.text));
        let errors = word_errors(&reference, &hypothesis);
        let typed = best_intent(text)?;
        let heard = best_intent(&transcript.text)?;
        println!(
            "[{language}] {intent}: typed → {}, spoken → {}; {errors}/{} word errors, confidence {:.2}\n  said:  {text}\n  heard: {}",
            typed.as_deref().unwrap_or("(none)"),
            heard.as_deref().unwrap_or("(none)"),
            reference.len(),
            transcript.confidence,
            transcript.text
        );
        let score = scores.entry(language.to_owned()).or_default();
        score.phrases += 1;
        score.reference_words += reference.len();
        score.errors += errors;
        score.audio += pcm.duration();
        score.wall += wall;
        score.typed_right += usize::from(typed.as_deref() == Some(intent));
        score.spoken_right += usize::from(heard.as_deref() == Some(intent));
    }
    println!("\nlanguage  phrases  WER     RTF    intent typed  intent spoken");
    for (language, score) in &scores {
        let share = |right: usize| 100.0 * right as f64 / score.phrases.max(1) as f64;
        println!(
            "{language:<9} {:>7}  {:>5.1}%  {:.3}  {:>11.0}%  {:>12.0}%",
            score.phrases,
            100.0 * score.errors as f64 / score.reference_words.max(1) as f64,
            score.wall.as_secs_f64() / score.audio.as_secs_f64().max(f64::EPSILON),
            share(score.typed_right),
            share(score.spoken_right)
        );
    }
    Ok(())
}
