//! What a file's content is, read from its bytes and never taken from the sender, and which
//! kinds are kept: images (no SVG), audio, video, PDF, office documents, ZIP archives and UTF-8
//! text. Also how a file's name is kept and which types a browser may show in the page.

use tandem_domain::message::AttachmentKind;
use tandem_domain::text::{clean_text, fit_text_to};

/// The longest file name kept.
pub const MAX_FILE_NAME_CHARS: usize = 200;

/// Why a file's content is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FileRefused {
    #[error("the file is empty")]
    Empty,
    #[error("files may have at most {max_bytes} bytes")]
    TooLarge { max_bytes: u64 },
    #[error(
        "{found} files are not accepted; send images, audio, video, PDF, office documents, archives or plain text"
    )]
    TypeNotAllowed { found: String },
}

/// What a file's content is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inspected {
    pub kind: AttachmentKind,
    pub mime_type: &'static str,
}

/// Reads what `content` is from its bytes and refuses what is not kept: more than `max_bytes`,
/// nothing, or a type outside images, audio, video, PDF, office documents, ZIP archives and
/// UTF-8 text (so no executable, script or SVG is ever stored).
pub fn inspect(content: &[u8], max_bytes: u64) -> Result<Inspected, FileRefused> {
    if content.is_empty() {
        return Err(FileRefused::Empty);
    }
    if content.len() as u64 > max_bytes {
        return Err(FileRefused::TooLarge { max_bytes });
    }
    let Some(found) = infer::get(content) else {
        return if is_text(content) {
            Ok(Inspected {
                kind: AttachmentKind::Document,
                mime_type: "text/plain",
            })
        } else {
            Err(FileRefused::TypeNotAllowed {
                found: "unrecognised".to_owned(),
            })
        };
    };
    let mime_type = found.mime_type();
    let kind = match found.matcher_type() {
        infer::MatcherType::Image if mime_type != "image/vnd.adobe.photoshop" => {
            AttachmentKind::Image
        }
        infer::MatcherType::Audio => AttachmentKind::Audio,
        infer::MatcherType::Video => AttachmentKind::Video,
        infer::MatcherType::Doc | infer::MatcherType::Archive
            if mime_type == "application/pdf"
                || mime_type == "application/zip"
                || mime_type.starts_with("application/vnd.openxmlformats-officedocument.")
                || mime_type.starts_with("application/vnd.oasis.opendocument.")
                || mime_type == "application/msword"
                || mime_type == "application/vnd.ms-excel"
                || mime_type == "application/rtf" =>
        {
            AttachmentKind::Document
        }
        _ => {
            return Err(FileRefused::TypeNotAllowed {
                found: mime_type.to_owned(),
            });
        }
    };
    Ok(Inspected { kind, mime_type })
}

/// Text a person may open: UTF-8 without NUL bytes.
fn is_text(content: &[u8]) -> bool {
    !content.contains(&0) && std::str::from_utf8(content).is_ok()
}

/// Whether a browser may show content of `mime_type` in the page (pictures, sound, video);
/// everything else is only ever downloaded.
pub fn shown_inline(mime_type: &str) -> bool {
    matches!(
        mime_type,
        "image/jpeg" | "image/png" | "image/gif" | "image/webp"
    ) || mime_type.starts_with("audio/")
        || mime_type.starts_with("video/")
}

/// A file name as kept: no path, no control characters, at most [`MAX_FILE_NAME_CHARS`].
pub fn clean_file_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned = clean_text(base);
    let name = fit_text_to(cleaned.trim(), MAX_FILE_NAME_CHARS).text;
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, b'I', b'H', b'D', b'R',
    ];

    #[test]
    fn the_type_is_read_from_the_content() {
        assert_eq!(
            inspect(PNG, 1000),
            Ok(Inspected {
                kind: AttachmentKind::Image,
                mime_type: "image/png"
            })
        );
        assert_eq!(
            inspect(b"%PDF-1.7\n...", 1000).map(|found| found.mime_type),
            Ok("application/pdf")
        );
        assert_eq!(
            inspect("segunda via, por favor".as_bytes(), 1000).map(|found| found.mime_type),
            Ok("text/plain")
        );
    }

    #[test]
    fn executables_scripts_and_oversized_files_are_refused() {
        assert!(matches!(
            inspect(b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff", 1000),
            Err(FileRefused::TypeNotAllowed { .. })
        ));
        assert!(matches!(
            inspect(b"\x7fELF\x02\x01\x01\0", 1000),
            Err(FileRefused::TypeNotAllowed { .. })
        ));
        assert_eq!(inspect(PNG, 8), Err(FileRefused::TooLarge { max_bytes: 8 }));
        assert_eq!(inspect(b"", 8), Err(FileRefused::Empty));
    }

    #[test]
    fn only_pictures_sound_and_video_show_in_the_page() {
        assert!(shown_inline("image/png"));
        assert!(shown_inline("audio/ogg"));
        assert!(!shown_inline("text/plain"));
        assert!(!shown_inline("application/pdf"));
    }

    #[test]
    fn file_names_lose_their_paths_and_control_characters() {
        assert_eq!(
            clean_file_name("../../etc/pass\u{0}wd"),
            Some("passwd".to_owned())
        );
        assert_eq!(
            clean_file_name("C:\\Users\\ana\\boleto.pdf"),
            Some("boleto.pdf".to_owned())
        );
        assert_eq!(clean_file_name("  "), None);
    }
}
