//! Greedy decoding of one window, with the guards greedy Whisper needs: a token budget that
//! follows the audio's length, and a stop when the tail repeats itself (greedy Whisper can loop
//! on one phrase until the context is full).

use super::network::DecoderSession;

/// Tokens allowed per second of audio: fast speech is about 4 tokens a second.
const TOKENS_PER_SECOND: f64 = 6.0;
/// Tokens allowed on top, for very short clips.
const EXTRA_TOKENS: usize = 16;
/// The longest repeated phrase the guard looks for, in tokens.
const LONGEST_REPEATED_PHRASE: usize = 64;
/// Phrases shorter than this must repeat `SHORT_PHRASE_REPEATS` times to count as a loop;
/// longer ones, twice (a whole sentence said again is already a loop).
const SHORT_PHRASE: usize = 8;
const SHORT_PHRASE_REPEATS: usize = 4;

/// The special tokens and suppression lists the decoder needs.
#[derive(Debug)]
pub(crate) struct DecodingRules {
    pub(crate) end_of_text: u32,
    /// Tokens never emitted (punctuation-like symbols listed in config.json `suppress_ids`).
    pub(crate) suppressed: Vec<u32>,
    /// Tokens never emitted first (config.json `suppress_ids_begin`: blank and end of text).
    pub(crate) suppressed_at_start: Vec<u32>,
}

/// What greedy decoding of one window produced.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct WindowTokens {
    /// Text tokens, without the prompt and end of text.
    pub(crate) tokens: Vec<u32>,
    /// The sum of the chosen tokens' log-probabilities, end of text included.
    pub(crate) log_probability: f64,
    /// How many tokens that sum covers.
    pub(crate) scored: usize,
}

/// The most text tokens one window of `seconds` may produce, within half the decoder's
/// context (the other half is room for the prompt).
pub(crate) fn token_budget(seconds: f64, text_positions: usize) -> usize {
    ((seconds * TOKENS_PER_SECOND) as usize + EXTRA_TOKENS).min(text_positions / 2)
}

/// Decodes one window greedily after `prompt`.
pub(crate) fn decode_window(
    session: &mut DecoderSession<'_>,
    prompt: &[u32],
    rules: &DecodingRules,
    budget: usize,
) -> candle_core::Result<WindowTokens> {
    let mut result = WindowTokens::default();
    let mut logits = session.step(prompt)?;
    loop {
        // Timestamps and other special tokens come after end of text; they are never wanted.
        let first_special = rules.end_of_text as usize + 1;
        logits
            .iter_mut()
            .skip(first_special)
            .for_each(|logit| *logit = f32::NEG_INFINITY);
        suppress(&mut logits, &rules.suppressed);
        if result.tokens.is_empty() {
            suppress(&mut logits, &rules.suppressed_at_start);
        }
        let Some((next, log_probability)) = best_token(&logits) else {
            break;
        };
        result.log_probability += log_probability;
        result.scored += 1;
        if next == rules.end_of_text {
            break;
        }
        result.tokens.push(next);
        if let Some(keep) = loop_free_length(&result.tokens) {
            result.tokens.truncate(keep);
            break;
        }
        if result.tokens.len() >= budget {
            break;
        }
        logits = session.step(&[next])?;
    }
    Ok(result)
}

fn suppress(logits: &mut [f32], tokens: &[u32]) {
    for &token in tokens {
        if let Some(logit) = logits.get_mut(token as usize) {
            *logit = f32::NEG_INFINITY;
        }
    }
}

/// The most likely token and its log-probability (log-softmax over the allowed tokens).
fn best_token(logits: &[f32]) -> Option<(u32, f64)> {
    let (best, &max) = logits
        .iter()
        .enumerate()
        .filter(|(_, logit)| logit.is_finite())
        .max_by(|a, b| a.1.total_cmp(b.1))?;
    let sum: f64 = logits
        .iter()
        .filter(|logit| logit.is_finite())
        .map(|&logit| f64::from(logit - max).exp())
        .sum();
    Some((u32::try_from(best).ok()?, -sum.ln()))
}

/// When the tail of `tokens` is one phrase repeated (4 times for phrases under 8 tokens, twice
/// for longer ones), the length that keeps a single copy of it.
pub(crate) fn loop_free_length(tokens: &[u32]) -> Option<usize> {
    (1..=LONGEST_REPEATED_PHRASE).find_map(|phrase| {
        let repeats = if phrase < SHORT_PHRASE {
            SHORT_PHRASE_REPEATS
        } else {
            2
        };
        let span = repeats * phrase;
        if tokens.len() < span {
            return None;
        }
        let tail = &tokens[tokens.len() - span..];
        let last = &tail[span - phrase..];
        let is_loop = tail.chunks_exact(phrase).all(|copy| copy == last);
        is_loop.then(|| tokens.len() - span + phrase)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_phrase_said_four_times_is_cut_to_one() {
        // "o que é" looping: [7, 8, 9] four times after [1, 2].
        let tokens = [1, 2, 7, 8, 9, 7, 8, 9, 7, 8, 9, 7, 8, 9];
        assert_eq!(loop_free_length(&tokens), Some(5));
    }

    #[test]
    fn a_short_phrase_said_three_times_is_allowed() {
        assert_eq!(loop_free_length(&[1, 2, 7, 8, 9, 7, 8, 9, 7, 8, 9]), None);
        assert_eq!(loop_free_length(&[5, 5, 5]), None);
    }

    #[test]
    fn a_long_phrase_said_twice_is_cut_to_one() {
        let sentence: Vec<u32> = (100..110).collect();
        let mut tokens = vec![1, 2, 3];
        tokens.extend(&sentence);
        tokens.extend(&sentence);
        assert_eq!(loop_free_length(&tokens), Some(13));
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        let tokens: Vec<u32> = (0..200).map(|i| i * 7 % 101).collect();
        assert_eq!(loop_free_length(&tokens[..100]), None);
    }

    #[test]
    fn the_budget_follows_the_audio_and_stops_at_half_the_context() {
        assert_eq!(token_budget(0.0, 448), 16);
        assert_eq!(token_budget(10.0, 448), 76);
        assert_eq!(token_budget(30.0, 448), 196);
        assert_eq!(token_budget(60.0, 448), 224);
    }

    #[test]
    fn the_best_token_has_its_softmax_log_probability() {
        let (token, log_probability) =
            best_token(&[0.0, 2.0_f32.ln(), f32::NEG_INFINITY, 0.0]).unwrap();
        assert_eq!(token, 1);
        assert!((log_probability - 0.5f64.ln()).abs() < 1e-6);
        assert_eq!(best_token(&[f32::NEG_INFINITY]), None);
    }
}
