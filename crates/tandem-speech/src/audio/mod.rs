//! Voice notes in, 16 kHz mono samples out: Ogg/Opus (WhatsApp and Telegram voice notes) and
//! WAV (Twilio recordings), chosen by the attachment's MIME type.

mod ogg_opus;
mod resample;
mod wav;

use std::time::Duration;

/// The sample rate of every [`Pcm`]: the rate Whisper listens at.
pub const SAMPLE_RATE: u32 = 16_000;

/// Mono audio at [`SAMPLE_RATE`], samples nominally in -1.0..=1.0.
#[derive(Clone, PartialEq)]
pub struct Pcm {
    samples: Vec<f32>,
}

impl Pcm {
    pub(crate) fn new(samples: Vec<f32>) -> Self {
        Pcm { samples }
    }

    /// The samples, at [`SAMPLE_RATE`].
    pub fn samples(&self) -> &[f32] {
        &self.samples
    }

    /// How long the audio lasts.
    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.samples.len() as f64 / f64::from(SAMPLE_RATE))
    }
}

impl std::fmt::Debug for Pcm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pcm")
            .field("samples", &self.samples.len())
            .field("duration", &self.duration())
            .finish()
    }
}

/// Why an attachment could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// The MIME type is neither Ogg/Opus nor WAV.
    #[error("unsupported audio type {0:?}: expected Ogg/Opus or WAV")]
    UnsupportedType(String),
    /// The bytes are not valid audio of the announced type.
    #[error("malformed audio: {0}")]
    Malformed(String),
    /// The audio lasts longer than the caller allows.
    #[error("the audio is longer than {max_duration:?}")]
    TooLong {
        /// The limit the caller set.
        max_duration: Duration,
    },
}

/// The containers this module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    OggOpus,
    Wav,
}

/// Which container a MIME type names, e.g. `audio/ogg; codecs=opus` or `audio/x-wav`.
fn container_of(mime_type: &str) -> Result<Container, AudioError> {
    let mut parts = mime_type.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let codecs = parts
        .filter_map(|parameter| parameter.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("codecs"))
        .map(|(_, value)| value.trim().trim_matches('"').to_ascii_lowercase());
    match essence.as_str() {
        "audio/ogg" | "audio/opus" if codecs.as_deref().is_none_or(|codec| codec == "opus") => {
            Ok(Container::OggOpus)
        }
        "audio/wav" | "audio/x-wav" | "audio/wave" | "audio/vnd.wave" => Ok(Container::Wav),
        _ => Err(AudioError::UnsupportedType(mime_type.to_owned())),
    }
}

/// Decodes a voice note to 16 kHz mono, whatever its rate and channels, refusing audio that
/// lasts longer than `max_duration` (checked before or while decoding, so a long file costs
/// little). Stereo is averaged to mono.
pub fn decode(bytes: &[u8], mime_type: &str, max_duration: Duration) -> Result<Pcm, AudioError> {
    let samples = match container_of(mime_type)? {
        Container::OggOpus => ogg_opus::decode(bytes, max_duration)?,
        Container::Wav => wav::decode(bytes, max_duration)?,
    };
    if samples.len() > max_samples(max_duration) {
        return Err(AudioError::TooLong { max_duration });
    }
    Ok(Pcm::new(samples))
}

/// The most samples at [`SAMPLE_RATE`] that fit in `max_duration` (saturating).
fn max_samples(max_duration: Duration) -> usize {
    (max_duration.as_secs_f64() * f64::from(SAMPLE_RATE)).ceil() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIVE_MINUTES: Duration = Duration::from_secs(300);

    #[test]
    fn voice_note_mime_types_name_their_container() {
        let cases = [
            ("audio/ogg", Container::OggOpus),
            ("audio/opus", Container::OggOpus),
            ("audio/ogg; codecs=opus", Container::OggOpus),
            ("Audio/OGG; codecs=\"opus\"", Container::OggOpus),
            ("audio/wav", Container::Wav),
            ("audio/x-wav", Container::Wav),
        ];
        for (mime_type, expected) in cases {
            assert_eq!(container_of(mime_type).unwrap(), expected, "{mime_type}");
        }
    }

    #[test]
    fn other_mime_types_are_refused_by_name() {
        for mime_type in ["audio/mpeg", "audio/ogg; codecs=vorbis", "video/mp4", ""] {
            let error = decode(b"OggS", mime_type, FIVE_MINUTES).unwrap_err();
            match error {
                AudioError::UnsupportedType(named) => assert_eq!(named, mime_type),
                other => panic!("{mime_type}: {other}"),
            }
        }
    }

    #[test]
    fn malformed_bytes_are_a_typed_error() {
        let garbage: Vec<u8> = (0..2000u32).map(|i| (i * 7919 % 251) as u8).collect();
        for mime_type in ["audio/ogg", "audio/wav"] {
            for bytes in [&[][..], b"OggS\0\0", b"RIFF\x10\0\0\0WAVE", &garbage[..]] {
                assert!(
                    matches!(
                        decode(bytes, mime_type, FIVE_MINUTES),
                        Err(AudioError::Malformed(_))
                    ),
                    "{mime_type} {:?}",
                    &bytes[..bytes.len().min(8)]
                );
            }
        }
    }

    #[test]
    fn pcm_duration_counts_samples_at_16_khz() {
        let pcm = Pcm::new(vec![0.0; 24_000]);
        assert_eq!(pcm.duration(), Duration::from_millis(1500));
        assert_eq!(pcm.samples().len(), 24_000);
    }
}
