//! Voice notes made at test time (feature `testing`, for tests and the evaluation): speech
//! synthesised by espeak-ng (Debian `espeak-ng`) and encoded the way WhatsApp sends it, Opus
//! mono at 16 kHz in Ogg, with the system libopus.

use std::io::Cursor;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use ogg::writing::{PacketWriteEndInfo, PacketWriter};

/// espeak-ng's speed, in words per minute: its default (175) is hard to follow in Portuguese.
const WORDS_PER_MINUTE: &str = "125";

/// One Opus frame: 20 ms at 16 kHz.
const FRAME: usize = 320;

/// `text` spoken by espeak-ng's `voice` (e.g. `pt-br`, `es`, `en-us`), as a WAV file.
pub fn espeak_wav(text: &str, voice: &str) -> Vec<u8> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "tandem-speech-{}-{}.wav",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let status = Command::new("espeak-ng")
        .args(["-v", voice, "-s", WORDS_PER_MINUTE, "-w"])
        .arg(&path)
        .arg(text)
        .status()
        .expect("espeak-ng runs (Debian package espeak-ng)");
    assert!(status.success(), "espeak-ng failed for {voice}: {text}");
    let bytes = std::fs::read(&path).expect("espeak-ng wrote its WAV file");
    std::fs::remove_file(&path).expect("the temporary WAV file is removed");
    bytes
}

/// 16 kHz mono samples as a WhatsApp-style voice note: Ogg/Opus, mono, 16 kHz, 24 kbit/s.
pub fn whatsapp_voice_note(samples: &[f32]) -> Vec<u8> {
    let mut encoder = opus::Encoder::new(16_000, opus::Channels::Mono, opus::Application::Voip)
        .expect("an Opus encoder");
    encoder
        .set_bitrate(opus::Bitrate::Bits(24_000))
        .expect("the bitrate is set");
    let lookahead = usize::try_from(encoder.get_lookahead().expect("the encoder's delay"))
        .expect("a positive delay");
    let pre_skip_48k = lookahead * 3;
    let mut padded = samples.to_vec();
    padded.resize((samples.len() + lookahead).div_ceil(FRAME) * FRAME, 0.0);

    let serial = 0x7a3d_5eed;
    let mut bytes = Vec::new();
    let mut writer = PacketWriter::new(Cursor::new(&mut bytes));
    let mut head = b"OpusHead".to_vec();
    head.extend([1, 1]);
    head.extend(
        u16::try_from(pre_skip_48k)
            .expect("a short delay")
            .to_le_bytes(),
    );
    head.extend(16_000u32.to_le_bytes());
    head.extend([0, 0, 0]);
    writer
        .write_packet(head, serial, PacketWriteEndInfo::EndPage, 0)
        .expect("OpusHead");
    let mut tags = b"OpusTags".to_vec();
    tags.extend(13u32.to_le_bytes());
    tags.extend(b"tandem-speech");
    tags.extend(0u32.to_le_bytes());
    writer
        .write_packet(tags, serial, PacketWriteEndInfo::EndPage, 0)
        .expect("OpusTags");

    let frames = padded.len() / FRAME;
    for (index, frame) in padded.chunks_exact(FRAME).enumerate() {
        let packet = encoder
            .encode_vec_float(frame, 1500)
            .expect("an Opus packet");
        let (end, granule) = if index + 1 == frames {
            (
                PacketWriteEndInfo::EndStream,
                pre_skip_48k + samples.len() * 3,
            )
        } else if (index + 1) % 50 == 0 {
            (PacketWriteEndInfo::EndPage, (index + 1) * FRAME * 3)
        } else {
            (PacketWriteEndInfo::NormalPacket, (index + 1) * FRAME * 3)
        };
        writer
            .write_packet(packet, serial, end, granule as u64)
            .expect("an Ogg page");
    }
    drop(writer);
    bytes
}
