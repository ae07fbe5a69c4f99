//! Voice notes through the whole crate: speech synthesised at test time with espeak-ng,
//! encoded like a WhatsApp voice note, decoded by `audio::decode` and transcribed by the real
//! Whisper model in `TANDEM_TEST_WHISPER_MODEL` (`fetch-model.sh` installs it). Without the
//! variable the model tests are skipped, except under `CI=true`, where that is a failure.

#![allow(clippy::unwrap_used)]

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tandem_speech::audio::{self, AudioError};
use tandem_speech::{TranscribeError, Whisper};

const FIVE_MINUTES: Duration = Duration::from_secs(300);

fn test_model() -> Option<PathBuf> {
    match std::env::var_os("TANDEM_TEST_WHISPER_MODEL") {
        Some(path) => Some(path.into()),
        None if std::env::var_os("CI").is_some_and(|ci| ci == "true") => {
            panic!("CI=true but TANDEM_TEST_WHISPER_MODEL names no Whisper model directory")
        }
        None => None,
    }
}

/// A phrase spoken by espeak-ng, as a WhatsApp voice note.
fn voice_note(text: &str, voice: &str) -> Vec<u8> {
    let wav = audio::decode(
        &tandem_speech::synthetic::espeak_wav(text, voice),
        "audio/wav",
        FIVE_MINUTES,
    )
    .unwrap();
    tandem_speech::synthetic::whatsapp_voice_note(wav.samples())
}

#[test]
fn an_opus_voice_note_decodes_to_its_length_and_level() {
    let tone: Vec<f32> = (0..40_000)
        .map(|i| 0.5 * (2.0 * std::f32::consts::PI * 440.0 * i as f32 / 16_000.0).sin())
        .collect();
    let pcm = audio::decode(
        &tandem_speech::synthetic::whatsapp_voice_note(&tone),
        "audio/ogg",
        FIVE_MINUTES,
    )
    .unwrap();
    assert_eq!(pcm.samples().len(), tone.len());
    assert_eq!(pcm.duration(), Duration::from_millis(2500));
    let middle = &pcm.samples()[10_000..30_000];
    let rms = (middle.iter().map(|s| s * s).sum::<f32>() / middle.len() as f32).sqrt();
    assert!((rms - 0.5 / 2f32.sqrt()).abs() < 0.05, "rms {rms}");
}

#[test]
fn a_voice_note_over_the_limit_is_refused() {
    let note = tandem_speech::synthetic::whatsapp_voice_note(&vec![0.0; 48_000]);
    let error = audio::decode(&note, "audio/opus", Duration::from_secs(2)).unwrap_err();
    assert!(matches!(error, AudioError::TooLong { max_duration } if max_duration.as_secs() == 2));
}

#[test]
fn voice_notes_in_portuguese_spanish_and_english_are_transcribed() {
    let Some(dir) = test_model() else {
        eprintln!("skipped: TANDEM_TEST_WHISPER_MODEL is not set");
        return;
    };
    let whisper = Arc::new(Whisper::load(&dir).unwrap());
    let cases = [
        (
            "pt",
            "pt-br",
            "Meu cartão foi bloqueado, o que eu faço?",
            "bloqueado",
        ),
        ("es", "es", "Quiero cancelar mi cuenta.", "cancelar"),
        (
            "en",
            "en-us",
            "My order arrived damaged and I would like a refund.",
            "refund",
        ),
    ];
    for (language, voice, text, key_words) in cases {
        let pcm = audio::decode(
            &voice_note(text, voice),
            "audio/ogg; codecs=opus",
            FIVE_MINUTES,
        )
        .unwrap();
        let whisper = Arc::clone(&whisper);
        let transcript = std::thread::spawn(move || whisper.transcribe(&pcm, Some(language)))
            .join()
            .unwrap()
            .unwrap();
        eprintln!("{language}: {transcript:?}");
        assert!(
            transcript.text.to_lowercase().contains(key_words),
            "{language}: {}",
            transcript.text
        );
        assert_eq!(transcript.language, language);
        assert!(transcript.confidence > 0.0 && transcript.confidence <= 1.0);
        assert!(
            (2.0..6.0).contains(&transcript.audio_seconds),
            "{}",
            transcript.audio_seconds
        );
    }
}

#[test]
fn english_is_detected_and_audio_over_30_s_is_read_in_windows() {
    let Some(dir) = test_model() else {
        eprintln!("skipped: TANDEM_TEST_WHISPER_MODEL is not set");
        return;
    };
    // Its own pool of two threads: the same words as on the global pool.
    let whisper = Whisper::load_with_threads(&dir, NonZeroUsize::new(2).unwrap()).unwrap();
    let sentences = [
        "I would like a refund for my order.",
        "My card has been blocked.",
        "I forgot the password for the app.",
        "Please cancel my account.",
        "What are your opening hours?",
    ];
    let mut samples = Vec::new();
    for text in sentences.iter().cycle().take(2 * sentences.len()) {
        let wav = tandem_speech::synthetic::espeak_wav(text, "en-us");
        samples.extend_from_slice(
            audio::decode(&wav, "audio/x-wav", FIVE_MINUTES)
                .unwrap()
                .samples(),
        );
        samples.extend(std::iter::repeat_n(0.0, 16_000));
    }
    let note = tandem_speech::synthetic::whatsapp_voice_note(&samples);
    let pcm = audio::decode(&note, "audio/ogg", FIVE_MINUTES).unwrap();
    assert!(pcm.duration() > Duration::from_secs(30));
    let transcript = whisper.transcribe(&pcm, None).unwrap();
    eprintln!("{transcript:?}");
    assert_eq!(transcript.language, "en");
    // Both windows are transcribed: each holds the five sentences once.
    let text = transcript.text.to_lowercase();
    for key_word in ["refund", "password", "cancel"] {
        assert_eq!(text.matches(key_word).count(), 2, "{key_word}: {text}");
    }
}

#[test]
fn an_unknown_language_is_refused_by_name() {
    let Some(dir) = test_model() else {
        eprintln!("skipped: TANDEM_TEST_WHISPER_MODEL is not set");
        return;
    };
    let whisper = Whisper::load(&dir).unwrap();
    let pcm = audio::decode(
        &tandem_speech::synthetic::whatsapp_voice_note(&[0.0; 16_000]),
        "audio/ogg",
        FIVE_MINUTES,
    )
    .unwrap();
    match whisper.transcribe(&pcm, Some("xx")) {
        Err(TranscribeError::UnknownLanguage(code)) => assert_eq!(code, "xx"),
        other => panic!("{other:?}"),
    }
}
