//! OpenAI Whisper on the CPU with candle, loaded once from a CTranslate2 (faster-whisper)
//! model directory: `model.bin` (float16 or float32), `config.json` and `vocabulary.txt` or
//! `vocabulary.json`. Greedy decoding, no timestamps; audio longer than 30 s is cut into equal
//! consecutive windows of at most 30 s.
//!
//! Each window is encoded only as far as it holds audio (plus one second), rather than over
//! the full 30 s Whisper was trained on, as whisper.cpp's `audio_ctx` does: on a short voice note
//! the encoder gets 5–10 times cheaper with the same words.
//!
//! Threads: candle runs on rayon. [`Whisper::load`] uses rayon's global pool (every core, or
//! `RAYON_NUM_THREADS`); [`Whisper::load_with_threads`] gives the model its own pool.

mod ct2;
mod greedy;
mod mel;
mod network;
mod vocabulary;

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};

use crate::audio::{Pcm, SAMPLE_RATE};
use ct2::Ct2Model;
use greedy::DecodingRules;
use mel::MelFrontEnd;
use network::Network;
use vocabulary::Vocabulary;

/// Frames of padding encoded after the audio (1 s), so the last word is not cut.
const PADDING_FRAMES: usize = 100;

/// Why a model directory could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A file of the model directory could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// `model.bin` ends before its header says it should.
    #[error("model.bin is truncated (at byte {offset})")]
    Truncated {
        /// Where reading stopped.
        offset: usize,
    },
    /// A file holds something other than what a Whisper model has there.
    #[error("invalid model: {0}")]
    Invalid(String),
    /// A valid model this crate cannot run (another architecture, format version or a
    /// quantized model).
    #[error("unsupported model: {0}")]
    Unsupported(String),
    /// `model.bin` lacks a tensor Whisper needs.
    #[error("model.bin has no tensor {0}")]
    MissingTensor(String),
    /// candle could not build a tensor.
    #[error("tensor error: {0}")]
    Tensor(#[from] candle_core::Error),
    /// The thread pool could not start.
    #[error("cannot start the model's threads: {0}")]
    Threads(String),
}

/// Why a transcription failed.
#[derive(Debug, thiserror::Error)]
pub enum TranscribeError {
    /// The language code is not one of Whisper's.
    #[error("Whisper has no language {0:?}")]
    UnknownLanguage(String),
    /// There is no audio to transcribe.
    #[error("the audio is empty")]
    EmptyAudio,
    /// candle failed during inference.
    #[error("inference failed: {0}")]
    Inference(#[from] candle_core::Error),
}

/// What was said in a clip.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    /// The words, trimmed; windows are joined with a space.
    pub text: String,
    /// The language code Whisper transcribed in (`"pt"`, `"es"`, `"en"`…): the one asked
    /// for, or the one detected on the first window.
    pub language: String,
    /// The geometric mean of the chosen tokens' probabilities, end of text included: exp of
    /// the mean log-probability, in (0, 1]. Low values (under ~0.4) suggest noise or mumbling.
    pub confidence: f32,
    /// How long the audio lasts, in seconds.
    pub audio_seconds: f32,
}

/// A Whisper model loaded in this process: immutable, `Send + Sync`, so one `Arc<Whisper>`
/// serves concurrent calls (each call keeps its own decoding state).
pub struct Whisper {
    network: Network,
    vocabulary: Vocabulary,
    mel: MelFrontEnd,
    rules: DecodingRules,
    /// Language token ids in Whisper's order (config.json `lang_ids`).
    languages: Vec<u32>,
    start_of_transcript: u32,
    transcribe_task: u32,
    no_timestamps: u32,
    threads: Option<rayon::ThreadPool>,
}

impl std::fmt::Debug for Whisper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Whisper")
            .field("dimensions", &self.network.dimensions)
            .field("languages", &self.languages.len())
            .field(
                "threads",
                &self
                    .threads
                    .as_ref()
                    .map(rayon::ThreadPool::current_num_threads),
            )
            .finish_non_exhaustive()
    }
}

impl Whisper {
    /// Loads the model in `dir` (blocking, about a second for Whisper base: call it once at
    /// start-up). Inference runs on rayon's global thread pool.
    pub fn load(dir: &Path) -> Result<Self, ModelError> {
        let bytes = read(&dir.join("model.bin"))?;
        let network = Network::from_ct2(&Ct2Model::parse(&bytes)?)?;
        drop(bytes);
        let vocabulary = read_vocabulary(dir)?;
        let config = read_config(&dir.join("config.json"))?;
        let id = |token: &str| {
            vocabulary
                .id(token)
                .ok_or_else(|| ModelError::Invalid(format!("the vocabulary has no {token}")))
        };
        let rules = DecodingRules {
            end_of_text: id("<|endoftext|>")?,
            suppressed: config.ids("suppress_ids")?,
            suppressed_at_start: config.ids("suppress_ids_begin")?,
        };
        let languages = config.ids("lang_ids")?;
        if languages.is_empty() {
            return Err(ModelError::Invalid("config.json lists no lang_ids".into()));
        }
        Ok(Whisper {
            mel: MelFrontEnd::new(network.dimensions.mel_bands),
            start_of_transcript: id("<|startoftranscript|>")?,
            transcribe_task: id("<|transcribe|>")?,
            no_timestamps: id("<|notimestamps|>")?,
            network,
            vocabulary,
            rules,
            languages,
            threads: None,
        })
    }

    /// Loads the model in `dir` with its own pool of `threads` CPU threads, so speech does
    /// not compete with the rest of the process for rayon's global pool.
    pub fn load_with_threads(dir: &Path, threads: NonZeroUsize) -> Result<Self, ModelError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.get())
            .thread_name(|index| format!("tandem-speech-{index}"))
            .build()
            .map_err(|error| ModelError::Threads(error.to_string()))?;
        Ok(Whisper {
            threads: Some(pool),
            ..Whisper::load(dir)?
        })
    }

    /// Transcribes `pcm` in `language` (a Whisper code such as `"pt"`, `"es"` or `"en"`), or in
    /// the language detected on its first 30 s when `None`. Blocking and CPU-bound: about a
    /// fifth of the audio's duration for Whisper base on two cores. Detection is unreliable on
    /// short clips; pass the customer's language when it is known.
    pub fn transcribe(
        &self,
        pcm: &Pcm,
        language: Option<&str>,
    ) -> Result<Transcript, TranscribeError> {
        match &self.threads {
            Some(pool) => pool.install(|| self.transcribe_windows(pcm, language)),
            None => self.transcribe_windows(pcm, language),
        }
    }

    fn transcribe_windows(
        &self,
        pcm: &Pcm,
        language: Option<&str>,
    ) -> Result<Transcript, TranscribeError> {
        let samples = pcm.samples();
        if samples.is_empty() {
            return Err(TranscribeError::EmptyAudio);
        }
        let mut language_token = language.map(|code| self.language_token(code)).transpose()?;
        let mut texts = Vec::new();
        let (mut log_probability, mut scored) = (0.0, 0);
        for window in samples.chunks(window_length(samples.len())) {
            let features = self.network.encode(&self.spectrogram(window)?)?;
            let mut session = self.network.start_decoding(&features)?;
            let language = match language_token {
                Some(token) => token,
                None => {
                    let logits = session.step(&[self.start_of_transcript])?;
                    session.restart();
                    *language_token.insert(self.most_likely_language(&logits))
                }
            };
            let prompt = [
                self.start_of_transcript,
                language,
                self.transcribe_task,
                self.no_timestamps,
            ];
            let seconds = window.len() as f64 / f64::from(SAMPLE_RATE);
            let budget = greedy::token_budget(seconds, self.network.dimensions.text_positions);
            let decoded = greedy::decode_window(&mut session, &prompt, &self.rules, budget)?;
            log_probability += decoded.log_probability;
            scored += decoded.scored;
            let text = self.vocabulary.decode(&decoded.tokens);
            if !text.trim().is_empty() {
                texts.push(text.trim().to_owned());
            }
        }
        let language = language_token
            .and_then(|token| self.vocabulary.token(token))
            .map(|token| {
                token
                    .trim_start_matches("<|")
                    .trim_end_matches("|>")
                    .to_owned()
            })
            .unwrap_or_default();
        Ok(Transcript {
            text: texts.join(" "),
            language,
            confidence: mean_probability(log_probability, scored),
            audio_seconds: pcm.duration().as_secs_f32(),
        })
    }

    /// The log-mel spectrogram of a window, cut to the frames that hold audio plus padding.
    fn spectrogram(&self, window: &[f32]) -> candle_core::Result<Tensor> {
        let bands = self.network.dimensions.mel_bands;
        let frames = encoded_frames(window.len()).min(2 * self.network.dimensions.audio_positions);
        let spectrogram = self.mel.spectrogram(window);
        let full = Tensor::from_vec(spectrogram, (1, bands, mel::WINDOW_FRAMES), &Device::Cpu)?;
        full.narrow(2, 0, frames)
    }

    fn language_token(&self, code: &str) -> Result<u32, TranscribeError> {
        self.vocabulary
            .id(&format!("<|{code}|>"))
            .filter(|token| self.languages.contains(token))
            .ok_or_else(|| TranscribeError::UnknownLanguage(code.to_owned()))
    }

    /// The language token with the highest logit after the start of transcript.
    fn most_likely_language(&self, logits: &[f32]) -> u32 {
        let logit = |token: &u32| {
            logits
                .get(*token as usize)
                .copied()
                .unwrap_or(f32::NEG_INFINITY)
        };
        self.languages
            .iter()
            .copied()
            .max_by(|a, b| logit(a).total_cmp(&logit(b)))
            .unwrap_or(self.languages[0])
    }
}

/// The length of equal consecutive windows of at most 30 s covering `samples` (so a 31 s
/// clip is two windows of 15.5 s, not 30 s and a hard-to-read 1 s).
fn window_length(samples: usize) -> usize {
    let windows = samples.div_ceil(mel::WINDOW_SAMPLES).max(1);
    samples.div_ceil(windows).max(1)
}

/// Spectrogram frames to encode for a window of `samples`: the audio plus 1 s, rounded up
/// to even (the encoder's second convolution halves them), at most 30 s.
fn encoded_frames(samples: usize) -> usize {
    let frames = (samples / mel::HOP + PADDING_FRAMES).min(mel::WINDOW_FRAMES);
    frames + frames % 2
}

/// exp of the mean log-probability, 0 when nothing was scored.
fn mean_probability(log_probability: f64, scored: usize) -> f32 {
    if scored == 0 {
        0.0
    } else {
        (log_probability / scored as f64).exp() as f32
    }
}

fn read(path: &Path) -> Result<Vec<u8>, ModelError> {
    std::fs::read(path).map_err(|source| ModelError::Read {
        path: path.to_owned(),
        source,
    })
}

/// The CTranslate2 vocabulary: `vocabulary.json` (newer converters) or `vocabulary.txt`.
fn read_vocabulary(dir: &Path) -> Result<Vocabulary, ModelError> {
    let json = dir.join("vocabulary.json");
    let tokens: Vec<String> = if json.exists() {
        serde_json::from_slice(&read(&json)?)
            .map_err(|error| ModelError::Invalid(format!("vocabulary.json: {error}")))?
    } else {
        let text = read(&dir.join("vocabulary.txt"))?;
        String::from_utf8(text)
            .map_err(|_| ModelError::Invalid("vocabulary.txt is not UTF-8".into()))?
            .lines()
            .map(str::to_owned)
            .collect()
    };
    Ok(Vocabulary::new(tokens))
}

/// The parts of CTranslate2's config.json decoding needs.
struct Config(serde_json::Value);

impl Config {
    /// A list of token ids; a missing key is an empty list.
    fn ids(&self, key: &str) -> Result<Vec<u32>, ModelError> {
        let Some(value) = self.0.get(key) else {
            return Ok(Vec::new());
        };
        let invalid =
            || ModelError::Invalid(format!("config.json {key} is not a list of token ids"));
        value
            .as_array()
            .ok_or_else(invalid)?
            .iter()
            .map(|id| {
                id.as_u64()
                    .and_then(|id| u32::try_from(id).ok())
                    .ok_or_else(invalid)
            })
            .collect()
    }
}

fn read_config(path: &Path) -> Result<Config, ModelError> {
    serde_json::from_slice(&read(path)?)
        .map(Config)
        .map_err(|error| ModelError::Invalid(format!("config.json: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whisper_can_be_shared_across_threads() {
        fn is_send_and_sync<T: Send + Sync>() {}
        is_send_and_sync::<Whisper>();
    }

    #[test]
    fn long_audio_is_cut_into_equal_windows_of_at_most_30_s() {
        let second = SAMPLE_RATE as usize;
        assert_eq!(window_length(3 * second), 3 * second);
        assert_eq!(window_length(30 * second), 30 * second);
        assert_eq!(window_length(31 * second), 31 * second / 2);
        assert_eq!(window_length(61 * second).div_ceil(second), 21);
        assert_eq!(window_length(1), 1);
    }

    #[test]
    fn a_short_window_encodes_its_audio_plus_a_second() {
        assert_eq!(encoded_frames(SAMPLE_RATE as usize * 3), 400);
        assert_eq!(encoded_frames(16_161), 202);
        assert_eq!(encoded_frames(mel::WINDOW_SAMPLES), mel::WINDOW_FRAMES);
    }

    #[test]
    fn confidence_is_the_geometric_mean_probability() {
        let confidence = mean_probability(2.0 * 0.5f64.ln(), 2);
        assert!((confidence - 0.5).abs() < 1e-6);
        assert_eq!(mean_probability(0.0, 0), 0.0);
    }

    #[test]
    fn a_missing_model_directory_is_a_read_error_naming_the_file() {
        match Whisper::load(Path::new("/nonexistent/whisper")) {
            Err(ModelError::Read { path, .. }) => assert!(path.ends_with("model.bin")),
            other => panic!("{other:?}"),
        }
    }
}
