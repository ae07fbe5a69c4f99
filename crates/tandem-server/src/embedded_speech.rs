//! Speech to text inside the server: Whisper (tandem-speech) loaded once per process from the
//! model directory the operator gives; each recording is decoded and heard on the blocking
//! pool, so the async workers never wait on the CPU.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context;

use tandem_app::ports::{BoxFuture, HeardSpeech, Transcriber, TranscriptionError};
use tandem_nlu::Language;
use tandem_speech::{TranscribeError, Whisper};

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
        type Loaded = std::collections::HashMap<PathBuf, Arc<Whisper>>;
        static LOADED: Mutex<Option<Loaded>> = Mutex::new(None);
        let dir = dir.to_owned();
        let whisper = tokio::task::spawn_blocking(move || {
            let mut loaded = LOADED.lock().unwrap_or_else(PoisonError::into_inner);
            let loaded = loaded.get_or_insert_with(Default::default);
            if let Some(whisper) = loaded.get(&dir) {
                return Ok(Arc::clone(whisper));
            }
            let whisper = Arc::new(Whisper::load(&dir).with_context(|| {
                format!(
                    "loading the speech model (speech_model_dir {})",
                    dir.display()
                )
            })?);
            loaded.insert(dir, Arc::clone(&whisper));
            Ok::<_, anyhow::Error>(whisper)
        })
        .await??;
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
