//! Ogg/Opus (WhatsApp and Telegram voice notes): the Ogg pages are read by the `ogg` crate and
//! the Opus packets decoded by the system libopus, which decodes straight to 16 kHz mono
//! whatever the stream's own rate and channels (so no resampling is needed).

use std::io::Cursor;
use std::time::Duration;

use super::{AudioError, SAMPLE_RATE, max_samples};

/// Opus timestamps (granule positions and pre-skip) count samples at 48 kHz.
const GRANULE_RATE: u64 = 48_000;

/// The longest Opus packet lasts 120 ms.
const MAX_PACKET_SAMPLES: usize = SAMPLE_RATE as usize * 120 / 1000;

/// The fields of the `OpusHead` packet this decoder needs (RFC 7845, section 5.1).
#[derive(Debug, PartialEq)]
struct OpusHead {
    channels: u8,
    pre_skip: u16,
    output_gain_q8_db: i16,
    mapping_family: u8,
}

impl OpusHead {
    fn parse(packet: &[u8]) -> Result<Self, AudioError> {
        let malformed = |reason: &str| AudioError::Malformed(format!("Opus header: {reason}"));
        let Some(fields) = packet.strip_prefix(b"OpusHead") else {
            return Err(malformed("the Ogg stream is not Opus"));
        };
        let &[
            version,
            channels,
            pre_skip_low,
            pre_skip_high,
            _,
            _,
            _,
            _,
            gain_low,
            gain_high,
            mapping_family,
            ..,
        ] = fields
        else {
            return Err(malformed("too short"));
        };
        if version >> 4 != 0 {
            return Err(malformed("unknown major version"));
        }
        if channels == 0 {
            return Err(malformed("no channels"));
        }
        Ok(OpusHead {
            channels,
            pre_skip: u16::from_le_bytes([pre_skip_low, pre_skip_high]),
            output_gain_q8_db: i16::from_le_bytes([gain_low, gain_high]),
            mapping_family,
        })
    }
}

/// Decodes an Ogg/Opus file to 16 kHz mono, refusing it once it passes `max_duration`.
pub(super) fn decode(bytes: &[u8], max_duration: Duration) -> Result<Vec<f32>, AudioError> {
    let ogg_error = |error: ogg::OggReadError| AudioError::Malformed(format!("Ogg: {error}"));
    let opus_error = |error: opus::Error| AudioError::Malformed(format!("Opus: {error}"));
    let mut packets = ogg::PacketReader::new(Cursor::new(bytes));
    let first = packets
        .read_packet()
        .map_err(ogg_error)?
        .ok_or_else(|| AudioError::Malformed("no Ogg packets".into()))?;
    let head = OpusHead::parse(&first.data)?;
    if head.mapping_family != 0 && head.channels > 2 {
        return Err(AudioError::Malformed(format!(
            "multichannel Opus ({} channels) is not supported",
            head.channels
        )));
    }
    let serial = first.stream_serial();
    let mut decoder = opus::Decoder::new(SAMPLE_RATE, opus::Channels::Mono).map_err(opus_error)?;
    let pre_skip = to_output_samples(u64::from(head.pre_skip));
    let limit = max_samples(max_duration).saturating_add(pre_skip);
    let mut samples = Vec::new();
    let mut packet_samples = vec![0f32; MAX_PACKET_SAMPLES];
    let mut is_tags_packet = true;
    let mut end_granule = None;
    while let Some(packet) = packets.read_packet().map_err(ogg_error)? {
        if packet.stream_serial() != serial {
            continue;
        }
        if is_tags_packet {
            is_tags_packet = false;
            continue;
        }
        let decoded = decoder
            .decode_float(&packet.data, &mut packet_samples, false)
            .map_err(opus_error)?;
        samples.extend_from_slice(&packet_samples[..decoded]);
        if samples.len() > limit {
            return Err(AudioError::TooLong { max_duration });
        }
        // A page's granule position is the end of its last complete packet; all ones means none.
        if packet.last_in_page() && packet.absgp_page() != u64::MAX {
            end_granule = Some(packet.absgp_page());
        }
    }
    // The last granule position trims the padding of the final packet; pre-skip trims the
    // encoder's start-up delay.
    if let Some(end) = end_granule.map(to_output_samples)
        && end > pre_skip
    {
        samples.truncate(end);
    }
    samples.drain(..pre_skip.min(samples.len()));
    apply_output_gain(&mut samples, head.output_gain_q8_db);
    Ok(samples)
}

/// A 48 kHz count as samples at [`SAMPLE_RATE`], saturating (a hostile file may say anything).
fn to_output_samples(granule: u64) -> usize {
    let samples = u128::from(granule) * u128::from(SAMPLE_RATE) / u128::from(GRANULE_RATE);
    usize::try_from(samples).unwrap_or(usize::MAX)
}

/// Applies the header's output gain (Q7.8 dB), which players must honour; it is usually 0.
fn apply_output_gain(samples: &mut [f32], gain_q8_db: i16) {
    if gain_q8_db != 0 {
        let factor = 10f32.powf(f32::from(gain_q8_db) / (20.0 * 256.0));
        samples.iter_mut().for_each(|sample| *sample *= factor);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(channels: u8, pre_skip: u16, gain: i16, family: u8) -> Vec<u8> {
        let mut packet = b"OpusHead".to_vec();
        packet.extend([1, channels]);
        packet.extend(pre_skip.to_le_bytes());
        packet.extend(48_000u32.to_le_bytes());
        packet.extend(gain.to_le_bytes());
        packet.push(family);
        packet
    }

    #[test]
    fn an_opus_head_is_read() {
        assert_eq!(
            OpusHead::parse(&head(2, 312, -256, 0)).unwrap(),
            OpusHead {
                channels: 2,
                pre_skip: 312,
                output_gain_q8_db: -256,
                mapping_family: 0
            }
        );
    }

    #[test]
    fn a_short_or_foreign_header_is_malformed() {
        let full = head(1, 312, 0, 0);
        for packet in [
            &full[..18],
            b"OpusTags\x01\x01\x38\x01\0\0\0\0\0\0\0",
            b"\x01vorbis",
        ] {
            assert!(matches!(
                OpusHead::parse(packet),
                Err(AudioError::Malformed(_))
            ));
        }
    }

    #[test]
    fn output_gain_scales_by_decibels() {
        let mut samples = vec![0.5, -0.5];
        apply_output_gain(&mut samples, -6 * 256);
        assert!((samples[0] - 0.5 * 10f32.powf(-0.3)).abs() < 1e-6);
    }

    #[test]
    fn timestamps_convert_to_16_khz_without_overflow() {
        assert_eq!(to_output_samples(48_000), 16_000);
        assert_eq!(to_output_samples(312), 104);
        assert!(to_output_samples(u64::MAX - 1) > 0);
    }
}
