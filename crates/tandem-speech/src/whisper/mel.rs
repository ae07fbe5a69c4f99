//! Whisper's log-mel front end: 16 kHz audio to an 80 × 3000 log-mel spectrogram of a 30 s
//! window, with the same maths as openai/whisper's `log_mel_spectrogram` (centred STFT with
//! reflect padding, periodic Hann window, n_fft 400, hop 160, power spectrum, Slaney mel
//! filterbank as librosa builds it, log10, clamp to max − 8, then (x + 4) / 4).

use std::f64::consts::PI;

use crate::audio::SAMPLE_RATE;

/// Samples in one FFT frame (25 ms).
const FFT_SIZE: usize = 400;
/// Samples between frames (10 ms).
pub(crate) const HOP: usize = 160;
/// Samples in one 30 s window.
pub(crate) const WINDOW_SAMPLES: usize = 30 * SAMPLE_RATE as usize;
/// Frames in one 30 s window.
pub(crate) const WINDOW_FRAMES: usize = WINDOW_SAMPLES / HOP;

const FREQUENCY_BINS: usize = FFT_SIZE / 2 + 1;

/// The precomputed filterbank, DFT table and window for one number of mel bands.
pub(crate) struct MelFrontEnd {
    bands: usize,
    filters: Vec<f32>,
    cosines: Vec<f32>,
    sines: Vec<f32>,
    hann: Vec<f32>,
}

impl MelFrontEnd {
    /// Prepares the front end for `bands` mel bands (80 for Whisper base).
    pub(crate) fn new(bands: usize) -> Self {
        let mut cosines = vec![0f32; FREQUENCY_BINS * FFT_SIZE];
        let mut sines = vec![0f32; FREQUENCY_BINS * FFT_SIZE];
        for bin in 0..FREQUENCY_BINS {
            for n in 0..FFT_SIZE {
                let angle = 2.0 * PI * ((bin * n) % FFT_SIZE) as f64 / FFT_SIZE as f64;
                cosines[bin * FFT_SIZE + n] = angle.cos() as f32;
                sines[bin * FFT_SIZE + n] = angle.sin() as f32;
            }
        }
        let hann = (0..FFT_SIZE)
            .map(|n| (0.5 - 0.5 * (2.0 * PI * n as f64 / FFT_SIZE as f64).cos()) as f32)
            .collect();
        MelFrontEnd {
            bands,
            filters: mel_filters(bands),
            cosines,
            sines,
            hann,
        }
    }

    /// The log-mel spectrogram (`bands` × 3000, row-major) of up to 30 s of audio, padded
    /// with silence.
    pub(crate) fn spectrogram(&self, pcm: &[f32]) -> Vec<f32> {
        let pcm = &pcm[..pcm.len().min(WINDOW_SAMPLES)];
        let padded = reflect_padded(pcm);
        // Frames past the audio (and the window overlapping it) see only zeros: power 0.
        let frames_with_audio = ((pcm.len() + FFT_SIZE) / HOP + 1).min(WINDOW_FRAMES);
        let mut spectrogram = vec![0f32; self.bands * WINDOW_FRAMES];
        let mut frame = [0f32; FFT_SIZE];
        let mut power = [0f32; FREQUENCY_BINS];
        for t in 0..WINDOW_FRAMES {
            if t < frames_with_audio {
                for (n, sample) in frame.iter_mut().enumerate() {
                    *sample = padded[t * HOP + n] * self.hann[n];
                }
                for (bin, bin_power) in power.iter_mut().enumerate() {
                    let row = bin * FFT_SIZE..(bin + 1) * FFT_SIZE;
                    let (cosines, sines) = (&self.cosines[row.clone()], &self.sines[row]);
                    let (mut real, mut imaginary) = (0f32, 0f32);
                    for ((sample, cosine), sine) in frame.iter().zip(cosines).zip(sines) {
                        real += sample * cosine;
                        imaginary += sample * sine;
                    }
                    *bin_power = real * real + imaginary * imaginary;
                }
            } else {
                power.fill(0.0);
            }
            for band in 0..self.bands {
                let filter = &self.filters[band * FREQUENCY_BINS..(band + 1) * FREQUENCY_BINS];
                let energy: f32 = filter.iter().zip(&power).map(|(w, p)| w * p).sum();
                spectrogram[band * WINDOW_FRAMES + t] = energy.max(1e-10).log10();
            }
        }
        let max = spectrogram
            .iter()
            .copied()
            .fold(f32::NEG_INFINITY, f32::max);
        for value in &mut spectrogram {
            *value = (value.max(max - 8.0) + 4.0) / 4.0;
        }
        spectrogram
    }
}

/// The audio padded with silence to 30 s, then reflect-padded by half a frame on both sides
/// (torch.stft with `center=True`).
fn reflect_padded(pcm: &[f32]) -> Vec<f32> {
    let half = FFT_SIZE / 2;
    let mut window = pcm.to_vec();
    window.resize(WINDOW_SAMPLES, 0.0);
    let mut padded = Vec::with_capacity(WINDOW_SAMPLES + FFT_SIZE);
    padded.extend(window[1..=half].iter().rev());
    padded.extend_from_slice(&window);
    padded.extend(
        window[WINDOW_SAMPLES - 1 - half..WINDOW_SAMPLES - 1]
            .iter()
            .rev(),
    );
    padded
}

/// Slaney-style mel scale (librosa's default): linear below 1 kHz, logarithmic above.
fn hz_to_mel(hz: f64) -> f64 {
    let log_step = 6.4f64.ln() / 27.0;
    if hz >= 1000.0 {
        15.0 + (hz / 1000.0).ln() / log_step
    } else {
        hz * 3.0 / 200.0
    }
}

fn mel_to_hz(mel: f64) -> f64 {
    let log_step = 6.4f64.ln() / 27.0;
    if mel >= 15.0 {
        1000.0 * (log_step * (mel - 15.0)).exp()
    } else {
        mel * 200.0 / 3.0
    }
}

/// The edges of the triangular mel filters: `bands + 2` frequencies in Hz.
fn band_edges(bands: usize) -> Vec<f64> {
    let top = hz_to_mel(f64::from(SAMPLE_RATE) / 2.0);
    (0..bands + 2)
        .map(|i| mel_to_hz(top * i as f64 / (bands + 1) as f64))
        .collect()
}

/// The filterbank, `bands` × 201, row-major, area-normalised (librosa `norm="slaney"`).
fn mel_filters(bands: usize) -> Vec<f32> {
    let edges = band_edges(bands);
    let mut filters = vec![0f32; bands * FREQUENCY_BINS];
    for band in 0..bands {
        let (low, centre, high) = (edges[band], edges[band + 1], edges[band + 2]);
        let normalisation = 2.0 / (high - low);
        for bin in 0..FREQUENCY_BINS {
            let hz = bin as f64 * f64::from(SAMPLE_RATE) / FFT_SIZE as f64;
            let rising = (hz - low) / (centre - low);
            let falling = (high - hz) / (high - centre);
            filters[band * FREQUENCY_BINS + bin] =
                (rising.min(falling).max(0.0) * normalisation) as f32;
        }
    }
    filters
}

#[cfg(test)]
mod tests {
    use super::*;

    const BANDS: usize = 80;

    fn tone(hz: f64, seconds: f64) -> Vec<f32> {
        (0..(seconds * f64::from(SAMPLE_RATE)) as usize)
            .map(|i| (0.5 * (2.0 * PI * hz * i as f64 / f64::from(SAMPLE_RATE)).sin()) as f32)
            .collect()
    }

    /// The band with the most energy in frame `t`.
    fn loudest_band(spectrogram: &[f32], t: usize) -> usize {
        (0..BANDS)
            .max_by(|a, b| {
                spectrogram[a * WINDOW_FRAMES + t].total_cmp(&spectrogram[b * WINDOW_FRAMES + t])
            })
            .unwrap()
    }

    #[test]
    fn silence_is_flat_at_the_floor() {
        let spectrogram = MelFrontEnd::new(BANDS).spectrogram(&vec![0.0; 16_000]);
        assert_eq!(spectrogram.len(), BANDS * WINDOW_FRAMES);
        // log10(1e-10) = -10, then (x + 4) / 4.
        assert!(spectrogram.iter().all(|&v| v == -1.5));
    }

    #[test]
    fn a_tone_is_loudest_in_the_band_centred_on_its_frequency() {
        let front_end = MelFrontEnd::new(BANDS);
        let edges = band_edges(BANDS);
        for hz in [300.0, 1000.0, 4000.0] {
            let spectrogram = front_end.spectrogram(&tone(hz, 1.0));
            let band = loudest_band(&spectrogram, 50);
            let (low, high) = (edges[band], edges[band + 2]);
            assert!(
                low < hz && hz < high,
                "{hz} Hz peaked in {low:.0}..{high:.0} Hz"
            );
        }
    }

    #[test]
    fn frames_after_the_audio_fall_to_the_floor() {
        let spectrogram = MelFrontEnd::new(BANDS).spectrogram(&tone(1000.0, 1.0));
        let max = spectrogram
            .iter()
            .copied()
            .fold(f32::NEG_INFINITY, f32::max);
        // The clamp at max - 8 (in log10 units) is max - 2 after the (x + 4) / 4 scaling.
        let floor = max - 2.0;
        assert!(spectrogram[..].iter().all(|&v| v >= floor - 1e-6));
        let band = loudest_band(&spectrogram, 50);
        assert!(spectrogram[band * WINDOW_FRAMES + 50] > floor + 1.0);
        assert_eq!(spectrogram[band * WINDOW_FRAMES + 200], floor);
    }

    #[test]
    fn the_filterbank_covers_0_to_8_khz_without_gaps() {
        let filters = mel_filters(BANDS);
        for bin in 1..FREQUENCY_BINS - 1 {
            let total: f32 = (0..BANDS).map(|b| filters[b * FREQUENCY_BINS + bin]).sum();
            assert!(total > 0.0, "bin {bin} is in no filter");
        }
    }
}
