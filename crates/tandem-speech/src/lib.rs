//! Speech to text embedded in the `tandem` binary, for customers' voice notes. [`audio`] turns an
//! Ogg/Opus or WAV attachment into 16 kHz mono samples; [`whisper`] transcribes them on the CPU
//! with OpenAI Whisper, read straight from a CTranslate2 (faster-whisper) model directory the
//! operator names. No server, no Python and no download at run time.
//!
//! Load the model once, share it in an `Arc`, and call [`Whisper::transcribe`] from a blocking
//! task: it is `Send + Sync` and keeps no state between calls.

pub mod audio;
#[cfg(feature = "testing")]
pub mod synthetic;
pub mod whisper;

pub use audio::{AudioError, Pcm};
pub use whisper::{ModelError, TranscribeError, Transcript, Whisper};
