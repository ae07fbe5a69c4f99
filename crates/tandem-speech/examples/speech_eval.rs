//! Word error rate and speed of the embedded Whisper on bank customer-service phrases: each
//! line of a JSONL file (`{"lang": "pt", "text": "..."}`) is spoken by espeak-ng, encoded like a
//! WhatsApp voice note (Ogg/Opus mono 16 kHz), decoded with `audio::decode` and transcribed in
//! its language. Prints every transcript against its reference, then per language the word
//! error rate (lowercase, punctuation removed, accents kept) and the real-time factor (wall).
//!
//! cargo run --release --example speech_eval -- [MODEL_DIR] [PHRASES.jsonl]
//! (MODEL_DIR defaults to `TANDEM_WHISPER_MODEL`, the phrases to eval/voice_phrases.jsonl.)

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tandem_speech::{Whisper, audio};

/// espeak-ng voices for the languages of the phrase file.
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
    errors: usize,
    reference_words: usize,
    audio: Duration,
    wall: Duration,
    phrases: usize,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let model_dir: PathBuf = match args.next() {
        Some(dir) => dir.into(),
        None => std::env::var_os("TANDEM_WHISPER_MODEL")
            .ok_or("give the model directory as an argument or in TANDEM_WHISPER_MODEL")?
            .into(),
    };
    let phrases_path = args.next().map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("eval/voice_phrases.jsonl"),
        PathBuf::from,
    );
    let started = Instant::now();
    let whisper = Whisper::load(&model_dir)?;
    println!("model loaded in {:.2}s", started.elapsed().as_secs_f64());

    let mut scores: BTreeMap<String, LanguageScore> = BTreeMap::new();
    for line in std::fs::read_to_string(&phrases_path)?
        .lines()
        .filter(|line| !line.trim().is_empty())
    {
        let phrase: serde_json::Value = serde_json::from_str(line)?;
        let (Some(language), Some(text)) = (phrase["lang"].as_str(), phrase["text"].as_str())
        else {
            return Err(format!("a line without lang and text: {line}").into());
        };
        let wav = tandem_speech::synthetic::espeak_wav(text, espeak_voice(language));
        let wav = audio::decode(&wav, "audio/wav", Duration::from_secs(300))?;
        let note = tandem_speech::synthetic::whatsapp_voice_note(wav.samples());
        let started = Instant::now();
        let pcm = audio::decode(&note, "audio/ogg; codecs=opus", Duration::from_secs(300))?;
        let transcript = whisper.transcribe(&pcm, Some(language))?;
        let wall = started.elapsed();
        let (reference, hypothesis) = (words(text), words(&transcript.text));
        let errors = word_errors(&reference, &hypothesis);
        println!(
            "[{language}] {errors}/{} errors, {:.2}s audio, {:.2}s wall, confidence {:.2}\n  ref: {text}\n  hyp: {}",
            reference.len(),
            pcm.duration().as_secs_f64(),
            wall.as_secs_f64(),
            transcript.confidence,
            transcript.text
        );
        let score = scores.entry(language.to_owned()).or_default();
        score.errors += errors;
        score.reference_words += reference.len();
        score.audio += pcm.duration();
        score.wall += wall;
        score.phrases += 1;
    }
    println!("\nlanguage  phrases  words  WER     RTF (wall)");
    for (language, score) in &scores {
        println!(
            "{language:<9} {:>7}  {:>5}  {:>5.1}%  {:.3}",
            score.phrases,
            score.reference_words,
            100.0 * score.errors as f64 / score.reference_words.max(1) as f64,
            score.wall.as_secs_f64() / score.audio.as_secs_f64().max(f64::EPSILON)
        );
    }
    Ok(())
}
