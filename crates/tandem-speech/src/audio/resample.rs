//! Band-limited resampling of mono audio (windowed-sinc, polyphase).
//!
//! Written here rather than taken from a crate: it is ~60 lines with no dependencies, while
//! `rubato` brings an FFT stack. Speech needs a correct low-pass when going down to 16 kHz
//! (linear interpolation would fold 8–24 kHz of a 48 kHz recording back into the speech band),
//! and both directions are covered by unit tests on length, gain and aliasing.

/// Zero crossings of the sinc kept on each side of the centre: enough for ~-70 dB stopband
/// with a Blackman window.
const ZERO_CROSSINGS: f64 = 16.0;

/// The pass band, as a fraction of the lower Nyquist frequency (the rest is the transition).
const ROLLOFF: f64 = 0.94;

/// Resamples `input` from `from_rate` to `to_rate` (both in 1..=192 kHz).
pub(super) fn resample(input: &[f32], from_rate: u32, to_rate: u32) -> Vec<f32> {
    if from_rate == to_rate || input.is_empty() {
        return input.to_vec();
    }
    let divisor = gcd(from_rate, to_rate);
    let (step, phases) = ((from_rate / divisor) as usize, (to_rate / divisor) as usize);
    let ratio = f64::from(to_rate) / f64::from(from_rate);
    // The cut-off, in cycles per input sample relative to the input's Nyquist frequency.
    let cutoff = ratio.min(1.0) * ROLLOFF;
    let half_width = (ZERO_CROSSINGS / cutoff).ceil() as usize;
    let filters: Vec<Vec<f32>> = (0..phases)
        .map(|phase| phase_filter(phase as f64 / phases as f64, half_width, cutoff))
        .collect();
    let output_len = (input.len() as u64 * u64::from(to_rate)).div_ceil(u64::from(from_rate));
    (0..output_len as usize)
        .map(|index| {
            let position = index * step;
            let (centre, phase) = (position / phases, position % phases);
            let filter = &filters[phase];
            // Taps cover input samples centre - half_width + 1 ..= centre + half_width.
            let first = centre as isize - half_width as isize + 1;
            filter
                .iter()
                .enumerate()
                .filter_map(|(tap, weight)| {
                    let sample = usize::try_from(first + tap as isize).ok()?;
                    input.get(sample).map(|value| value * weight)
                })
                .sum()
        })
        .collect()
}

/// The filter taps for an output sample `fraction` of an input sample after its centre,
/// normalised to unit gain at 0 Hz.
fn phase_filter(fraction: f64, half_width: usize, cutoff: f64) -> Vec<f32> {
    let taps: Vec<f64> = (0..2 * half_width)
        .map(|tap| {
            let distance = fraction + half_width as f64 - 1.0 - tap as f64;
            windowed_sinc(distance, half_width as f64, cutoff)
        })
        .collect();
    let gain: f64 = taps.iter().sum();
    taps.iter().map(|tap| (tap / gain) as f32).collect()
}

fn windowed_sinc(distance: f64, half_width: f64, cutoff: f64) -> f64 {
    let relative = distance / half_width;
    if relative.abs() >= 1.0 {
        return 0.0;
    }
    let x = std::f64::consts::PI * cutoff * distance;
    let sinc = if x == 0.0 { 1.0 } else { x.sin() / x };
    let angle = std::f64::consts::PI * relative;
    let blackman = 0.42 + 0.5 * angle.cos() + 0.08 * (2.0 * angle).cos();
    cutoff * sinc * blackman
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(frequency: f64, rate: u32, seconds: f64) -> Vec<f32> {
        let len = (f64::from(rate) * seconds) as usize;
        (0..len)
            .map(|i| {
                (2.0 * std::f64::consts::PI * frequency * i as f64 / f64::from(rate)).sin() as f32
            })
            .collect()
    }

    /// RMS of the middle half, away from the edges where the filter sees zeros.
    fn middle_rms(samples: &[f32]) -> f32 {
        let middle = &samples[samples.len() / 4..samples.len() * 3 / 4];
        (middle.iter().map(|s| s * s).sum::<f32>() / middle.len() as f32).sqrt()
    }

    #[test]
    fn output_length_follows_the_rate_ratio() {
        for (from, len, expected) in [
            (48_000, 48_000, 16_000),
            (44_100, 44_100, 16_000),
            (22_050, 11_025, 8_000),
            (8_000, 8_000, 16_000),
            (8_000, 1, 2),
            (11_025, 3, 5),
        ] {
            let output = resample(&vec![0.0; len], from, 16_000);
            assert_eq!(output.len(), expected, "{from} Hz, {len} samples");
        }
    }

    #[test]
    fn a_speech_band_tone_keeps_its_level() {
        for from in [8_000, 22_050, 44_100, 48_000] {
            let output = resample(&sine(1_000.0, from, 1.0), from, 16_000);
            let rms = middle_rms(&output);
            assert!(
                (rms - std::f32::consts::FRAC_1_SQRT_2).abs() < 0.01,
                "{from} Hz: rms {rms}"
            );
        }
    }

    #[test]
    fn a_tone_above_the_new_nyquist_frequency_is_removed_not_folded() {
        // 12 kHz at 48 kHz would alias to 4 kHz at 16 kHz without a low-pass filter.
        let output = resample(&sine(12_000.0, 48_000, 1.0), 48_000, 16_000);
        assert!(middle_rms(&output) < 0.001, "rms {}", middle_rms(&output));
    }

    #[test]
    fn the_same_rate_is_a_copy() {
        let input = sine(440.0, 16_000, 0.1);
        assert_eq!(resample(&input, 16_000, 16_000), input);
    }
}
