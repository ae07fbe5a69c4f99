//! WAV (Twilio call recordings): integer or float PCM at any rate and channel count, averaged
//! to mono and resampled to 16 kHz.

use std::io::Cursor;
use std::time::Duration;

use super::{AudioError, SAMPLE_RATE, max_samples, resample};

/// Sample rates outside this range are refused: no voice recorder writes them, and the
/// resampler's filter would grow without bound.
const SUPPORTED_RATES: std::ops::RangeInclusive<u32> = 4_000..=192_000;

/// Decodes a WAV file to 16 kHz mono, refusing audio longer than `max_duration` from its header,
/// before reading the data.
pub(super) fn decode(bytes: &[u8], max_duration: Duration) -> Result<Vec<f32>, AudioError> {
    let malformed = |error: hound::Error| AudioError::Malformed(format!("WAV: {error}"));
    let mut reader = hound::WavReader::new(Cursor::new(bytes)).map_err(malformed)?;
    let spec = reader.spec();
    if !SUPPORTED_RATES.contains(&spec.sample_rate) {
        return Err(AudioError::Malformed(format!(
            "WAV sample rate {} Hz is outside {}..={} Hz",
            spec.sample_rate,
            SUPPORTED_RATES.start(),
            SUPPORTED_RATES.end()
        )));
    }
    if spec.channels == 0 {
        return Err(AudioError::Malformed("WAV with no channels".into()));
    }
    let output_frames =
        u64::from(reader.duration()) * u64::from(SAMPLE_RATE) / u64::from(spec.sample_rate);
    if output_frames > max_samples(max_duration) as u64 {
        return Err(AudioError::TooLong { max_duration });
    }
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader
            .samples::<f32>()
            .collect::<Result<_, _>>()
            .map_err(malformed)?,
        hound::SampleFormat::Int => {
            let full_scale = 2f32.powi(i32::from(spec.bits_per_sample) - 1);
            reader
                .samples::<i32>()
                .map(|sample| sample.map(|value| value as f32 / full_scale))
                .collect::<Result<_, _>>()
                .map_err(malformed)?
        }
    };
    let channels = usize::from(spec.channels);
    let mono: Vec<f32> = interleaved
        .chunks_exact(channels)
        .map(|frame| frame.iter().sum::<f32>() / channels as f32)
        .collect();
    Ok(resample::resample(&mono, spec.sample_rate, SAMPLE_RATE))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav_bytes(rate: u32, channels: u16, frames: usize) -> Vec<u8> {
        let spec = hound::WavSpec {
            channels,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut bytes = Cursor::new(Vec::new());
        let mut writer = hound::WavWriter::new(&mut bytes, spec).unwrap();
        for i in 0..frames * usize::from(channels) {
            writer.write_sample(((i % 200) as i16 - 100) * 100).unwrap();
        }
        writer.finalize().unwrap();
        bytes.into_inner()
    }

    #[test]
    fn an_8_khz_stereo_recording_becomes_twice_as_many_mono_samples() {
        let samples = decode(&wav_bytes(8_000, 2, 8_000), Duration::MAX).unwrap();
        assert_eq!(samples.len(), 16_000);
    }

    #[test]
    fn a_48_khz_recording_becomes_a_third_as_many_samples() {
        let samples = decode(&wav_bytes(48_000, 1, 48_000), Duration::MAX).unwrap();
        assert_eq!(samples.len(), 16_000);
    }

    #[test]
    fn a_recording_over_the_limit_is_refused() {
        let bytes = wav_bytes(8_000, 1, 8_001);
        assert!(
            decode(&bytes, Duration::from_secs(1))
                .is_err_and(|e| matches!(e, AudioError::TooLong { .. }))
        );
        assert!(decode(&bytes, Duration::from_millis(1001)).is_ok());
    }

    #[test]
    fn a_truncated_recording_is_malformed() {
        let bytes = wav_bytes(16_000, 1, 1_000);
        let truncated = &bytes[..bytes.len() - 501];
        assert!(matches!(
            decode(truncated, Duration::MAX),
            Err(AudioError::Malformed(_))
        ));
    }
}
