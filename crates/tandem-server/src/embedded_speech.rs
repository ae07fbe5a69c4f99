//! Speech to text inside the server: Whisper (tandem-speech) loaded once per process from the
//! model directory the operator gives; each recording is decoded and heard on the blocking
//! pool, so the async workers never wait on the CPU.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;

use tandem_app::ports::{BoxFuture, HeardSpeech, Transcriber, TranscriptionError};
use tandem_nlu::Language;
use tandem_speech::{TranscribeError, Whisper};

use crate::{LoadedModels, loaded_once};

/// The embedded Whisper, refusing recordings longer than its limit.
#[derive(Debug)]
pub struct EmbeddedWhisper {
    whisper: Arc<Whisper>,
    max_duration: Duration,
}

impl EmbeddedWhisper {
    /// The model in `dir` (loaded once per process: tests start many servers), hearing at most
    /// `max_duration` of audio.
    pub async fn load(dir: &Path, max_duration: Duration) -> anyhow::Result<Self> {
        static LOADED: LoadedModels<Whisper> = Mutex::new(None);
        let whisper = loaded_once(&LOADED, dir.to_owned(), |dir| {
            Whisper::load(dir).with_context(|| {
                format!(
                    "loading the speech model (speech_model_dir {})",
                    dir.display()
                )
            })
        })
        .await?;
        Ok(Self {
            whisper,
            max_duration,
        })
    }
}

impl Transcriber for EmbeddedWhisper {
    fn transcribe<'a>(
        &'a self,
        audio: &'a [u8],
        mime_type: &'a str,
        language: Option<Language>,
    ) -> BoxFuture<'a, Result<HeardSpeech, TranscriptionError>> {
        let whisper = Arc::clone(&self.whisper);
        let audio = audio.to_vec();
        let mime_type = mime_type.to_owned();
        let max_duration = self.max_duration;
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let pcm = tandem_speech::audio::decode(&audio, &mime_type, max_duration)
                    .map_err(|error| TranscriptionError::Unusable(error.to_string()))?;
                let heard = whisper
                    .transcribe(&pcm, language.map(Language::code))
                    .map_err(|error| match error {
                        TranscribeError::EmptyAudio | TranscribeError::UnknownLanguage(_) => {
                            TranscriptionError::Unusable(error.to_string())
                        }
                        TranscribeError::Inference(_) => {
                            TranscriptionError::Unavailable(error.to_string())
                        }
                    })?;
                tracing::debug!(
                    seconds = heard.audio_seconds,
                    language = %heard.language,
                    confidence = heard.confidence,
                    "voice note transcribed"
                );
                Ok(HeardSpeech {
                    text: heard.text,
                    language: Some(heard.language),
                    confidence: Some(heard.confidence),
                })
            })
            .await
            .map_err(|error| {
                TranscriptionError::Unavailable(format!("transcription task: {error}"))
            })?
        })
    }
}
