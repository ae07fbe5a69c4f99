//! Speech to text on an OpenAI-compatible server (`POST {base_url}/audio/transcriptions`:
//! OpenAI, whisper.cpp's server, faster-whisper servers, LocalAI…), through the outbound guard.
//! The recording goes as `multipart/form-data` with the model's name and, when known, the
//! customer's language; `verbose_json` brings the language heard and, where the server gives
//! segments, their mean log-probabilities (the confidence).

use std::time::Duration;

use serde::Deserialize;

use tandem_app::ports::{BoxFuture, HeardSpeech, Transcriber, TranscriptionError};
use tandem_nlu::Language;

use super::guard::{GuardedClient, OutboundGuard, refusal};

/// The longest one transcription may take.
const TIMEOUT: Duration = Duration::from_secs(120);

/// A client of one OpenAI-compatible transcription server.
#[derive(Debug)]
pub struct OpenAiTranscriber {
    client: GuardedClient,
    url: String,
    model: String,
    api_key: Option<String>,
}

impl OpenAiTranscriber {
    /// A client of the server at `base_url` (up to and including `/v1`), through `guard`.
    pub fn new(
        guard: &OutboundGuard,
        base_url: &str,
        model: &str,
        api_key: Option<String>,
    ) -> reqwest::Result<Self> {
        Ok(Self {
            client: guard.client("Tandem-Speech/1", Some(TIMEOUT))?,
            url: format!("{}/audio/transcriptions", base_url.trim_end_matches('/')),
            model: model.to_owned(),
            api_key,
        })
    }

    async fn send(
        &self,
        audio: &[u8],
        mime_type: &str,
        language: Option<Language>,
    ) -> Result<HeardSpeech, TranscriptionError> {
        let unavailable = |reason: String| TranscriptionError::Unavailable(reason);
        let mut form = Multipart::new();
        form.field("model", &self.model);
        form.field("response_format", "verbose_json");
        if let Some(language) = language {
            form.field("language", language.code());
        }
        form.file("file", &file_name(mime_type), mime_type, audio);
        let request = self
            .client
            .post(&self.url)
            .map_err(|refused| unavailable(format!("refused by the outbound policy: {refused}")))?;
        let request = match &self.api_key {
            Some(key) => request.bearer_auth(key),
            None => request,
        };
        let response = request
            .header(reqwest::header::CONTENT_TYPE, form.content_type())
            .body(form.finish())
            .send()
            .await
            .map_err(|error| match refusal(&error) {
                Some(refused) => unavailable(format!("refused by the outbound policy: {refused}")),
                None if error.is_timeout() => unavailable(format!(
                    "the transcription server did not answer within {} s",
                    TIMEOUT.as_secs()
                )),
                None => unavailable(format!("the transcription server is unreachable: {error}")),
            })?;
        let status = response.status().as_u16();
        let body = response
            .text()
            .await
            .map_err(|error| unavailable(format!("reading the answer: {error}")))?;
        let excerpt = || body.chars().take(200).collect::<String>();
        match status {
            200..=299 => parse_transcription(&body),
            // The recording itself was refused: its format, size or content.
            400 | 413 | 415 | 422 => Err(TranscriptionError::Unusable(format!(
                "the transcription server refused the audio (HTTP {status}): {}",
                excerpt()
            ))),
            _ => Err(unavailable(format!(
                "the transcription server answered HTTP {status}: {}",
                excerpt()
            ))),
        }
    }
}

impl Transcriber for OpenAiTranscriber {
    fn transcribe<'a>(
        &'a self,
        audio: &'a [u8],
        mime_type: &'a str,
        language: Option<Language>,
    ) -> BoxFuture<'a, Result<HeardSpeech, TranscriptionError>> {
        Box::pin(self.send(audio, mime_type, language))
    }
}

#[derive(Deserialize)]
struct VerboseTranscription {
    text: String,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    segments: Vec<Segment>,
}

#[derive(Deserialize)]
struct Segment {
    #[serde(default)]
    avg_logprob: Option<f64>,
}

/// The words, language and confidence of a `verbose_json` (or plain `json`) answer.
fn parse_transcription(body: &str) -> Result<HeardSpeech, TranscriptionError> {
    let answer: VerboseTranscription = serde_json::from_str(body).map_err(|error| {
        TranscriptionError::Unavailable(format!(
            "the transcription server's answer is not a transcription: {error}"
        ))
    })?;
    let log_probabilities: Vec<f64> = answer
        .segments
        .iter()
        .filter_map(|segment| segment.avg_logprob)
        .filter(|value| value.is_finite())
        .collect();
    let confidence = (!log_probabilities.is_empty()).then(|| {
        let mean = log_probabilities.iter().sum::<f64>() / log_probabilities.len() as f64;
        mean.exp().clamp(0.0, 1.0) as f32
    });
    Ok(HeardSpeech {
        text: answer.text.trim().to_owned(),
        language: answer.language.as_deref().map(language_code),
        confidence,
    })
}

/// A language as a code: OpenAI's `verbose_json` names it in English ("portuguese"), other
/// servers give the code.
fn language_code(language: &str) -> String {
    let lower = language.trim().to_lowercase();
    match lower.as_str() {
        "portuguese" => "pt".to_owned(),
        "spanish" => "es".to_owned(),
        "english" => "en".to_owned(),
        _ => lower,
    }
}

/// A file name whose extension tells the server the container (some servers go by it).
fn file_name(mime_type: &str) -> String {
    let essence = mime_type.split(';').next().unwrap_or_default().trim();
    let extension = match essence {
        "audio/ogg" | "audio/opus" => "ogg",
        "audio/wav" | "audio/x-wav" | "audio/wave" | "audio/vnd.wave" => "wav",
        "audio/mpeg" | "audio/mp3" => "mp3",
        "audio/mp4" | "audio/m4a" | "audio/x-m4a" | "audio/aac" => "m4a",
        "audio/webm" => "webm",
        "audio/flac" | "audio/x-flac" => "flac",
        _ => "bin",
    };
    format!("audio.{extension}")
}

/// A `multipart/form-data` body (RFC 7578) with text fields and one file.
struct Multipart {
    boundary: String,
    body: Vec<u8>,
}

impl Multipart {
    fn new() -> Self {
        Self {
            boundary: format!("tandem-{}", uuid::Uuid::now_v7().simple()),
            body: Vec::new(),
        }
    }

    fn field(&mut self, name: &str, value: &str) {
        self.part(
            &format!("Content-Disposition: form-data; name=\"{name}\"\r\n"),
            value.as_bytes(),
        );
    }

    fn file(&mut self, name: &str, file_name: &str, mime_type: &str, content: &[u8]) {
        self.part(
            &format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {mime_type}\r\n"
            ),
            content,
        );
    }

    fn part(&mut self, headers: &str, content: &[u8]) {
        self.body
            .extend_from_slice(format!("--{}\r\n{headers}\r\n", self.boundary).as_bytes());
        self.body.extend_from_slice(content);
        self.body.extend_from_slice(b"\r\n");
    }

    fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    fn finish(mut self) -> Vec<u8> {
        self.body
            .extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        self.body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbose_answers_give_words_language_and_confidence() {
        let heard = parse_transcription(
            r#"{"text":" Quero a segunda via do boleto. ","language":"portuguese",
                "segments":[{"avg_logprob":-0.2},{"avg_logprob":-0.4}]}"#,
        )
        .unwrap();
        assert_eq!(heard.text, "Quero a segunda via do boleto.");
        assert_eq!(heard.language.as_deref(), Some("pt"));
        let confidence = heard.confidence.unwrap();
        assert!((confidence - (-0.3f32).exp()).abs() < 1e-4, "{confidence}");
    }

    #[test]
    fn plain_json_answers_have_no_confidence() {
        let heard = parse_transcription(r#"{"text":"hola"}"#).unwrap();
        assert_eq!(heard.text, "hola");
        assert_eq!(heard.language, None);
        assert_eq!(heard.confidence, None);
    }

    #[test]
    fn other_answers_are_the_servers_failure() {
        assert!(matches!(
            parse_transcription("<html>busy</html>"),
            Err(TranscriptionError::Unavailable(_))
        ));
    }

    #[test]
    fn the_form_carries_fields_and_the_file() {
        let mut form = Multipart::new();
        form.field("model", "whisper-1");
        form.file("file", "audio.ogg", "audio/ogg", b"OggS");
        let boundary = form.boundary.clone();
        let body = String::from_utf8(form.finish()).unwrap();
        assert_eq!(
            body,
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n\
                 --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"audio.ogg\"\r\n\
                 Content-Type: audio/ogg\r\n\r\nOggS\r\n--{boundary}--\r\n"
            )
        );
        assert_eq!(file_name("audio/x-wav"), "audio.wav");
    }
}
