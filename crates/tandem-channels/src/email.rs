//! E-mail as a channel: parses a customer's raw RFC 5322 message into an [`InboundMessage`]
//! with what threading needs, strips quoted history and signatures from replies, and describes
//! the e-mail Tandem sends back. Sending and fetching live in the `tandem-mail` crate.

use mail_parser::decoders::html::add_html_token;
use mail_parser::{Addr, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use sha2::{Digest, Sha256};
use tandem_domain::Timestamp;
use tandem_domain::contact::{Identity, IdentityKind};

use crate::{Attachment, AttachmentKind, InboundMessage, WebhookError};

/// An e-mail a customer sent, with what threading needs.
#[derive(Clone, Debug, PartialEq)]
pub struct InboundEmail {
    pub message: InboundMessage,
    /// The subject, trimmed; empty when there was none.
    pub subject: String,
    /// The Message-ID without `<>`, when the message carried one.
    pub message_id: Option<String>,
    /// The first id of In-Reply-To, without `<>`.
    pub in_reply_to: Option<String>,
    /// The ids of References, oldest first, without `<>`.
    pub references: Vec<String>,
    /// Sent by a machine (an out-of-office, a bounce, a list): never answer it automatically
    /// (RFC 3834), or two autoresponders will talk forever.
    pub automated: bool,
    /// The content of each of `message.attachments`, in order.
    pub contents: Vec<Vec<u8>>,
}

impl InboundEmail {
    /// The References of an answer to this e-mail: its own References (or In-Reply-To when it
    /// has none) followed by its Message-ID (RFC 5322 §3.6.4).
    pub fn reply_references(&self) -> Vec<String> {
        let mut references = if self.references.is_empty() {
            self.in_reply_to.iter().cloned().collect()
        } else {
            self.references.clone()
        };
        references.extend(self.message_id.iter().cloned());
        references
    }
}

/// An e-mail to send, with threading headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboundEmail {
    pub from_address: String,
    pub from_name: Option<String>,
    pub to: String,
    pub subject: String,
    pub text: String,
    /// The Message-ID to give the e-mail, without `<>` (`<unique>@<domain>`).
    pub message_id: String,
    /// The Message-ID being answered, without `<>`.
    pub in_reply_to: Option<String>,
    /// The thread's ids, oldest first, without `<>`.
    pub references: Vec<String>,
    /// Files sent with it.
    pub attachments: Vec<EmailFile>,
}

/// A file attached to an e-mail.
#[derive(Clone, PartialEq, Eq)]
pub struct EmailFile {
    pub file_name: String,
    pub mime_type: String,
    pub content: Vec<u8>,
}

impl std::fmt::Debug for EmailFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailFile")
            .field("file_name", &self.file_name)
            .field("mime_type", &self.mime_type)
            .field("bytes", &self.content.len())
            .finish()
    }
}

/// Parses a raw RFC 5322 message. The external id is the Message-ID (`sha256:<hex>` of the raw
/// bytes when it has none), the sender is From, answers go to Reply-To when present, the text is
/// the plain-text body (or the HTML one turned into text) cut by [`strip_reply`], and attachments
/// are described, their contents kept beside them (`contents`). A message without a usable From address is malformed.
pub fn parse_email(raw: &[u8]) -> Result<InboundEmail, WebhookError> {
    let malformed = |reason: &str| WebhookError::Malformed(reason.to_owned());
    let message = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| malformed("not an e-mail message"))?;
    let from = message
        .from()
        .and_then(|from| from.first())
        .ok_or_else(|| malformed("the e-mail has no From address"))?;
    let sender = from
        .address()
        .and_then(|address| Identity::parse(IdentityKind::Email, address, "from").ok())
        .ok_or_else(|| malformed("the From address is not an e-mail address"))?;
    let reply_address = message
        .reply_to()
        .and_then(|reply_to| reply_to.first())
        .and_then(Addr::address)
        .and_then(|address| Identity::parse(IdentityKind::Email, address, "reply_to").ok())
        .map_or_else(|| sender.value.clone(), |identity| identity.value);
    let sender_name = from
        .name()
        .map(str::trim)
        .filter(|name| !name.is_empty() && !name.eq_ignore_ascii_case(&sender.value))
        .map(str::to_owned);
    let message_id = message
        .message_id()
        .map(|id| id.trim().trim_matches(['<', '>']).to_owned())
        .filter(|id| !crate::is_blank_id(id));
    let external_id = message_id
        .clone()
        .unwrap_or_else(|| format!("sha256:{}", hex::encode(Sha256::digest(raw))));
    let sent_at = message
        .date()
        .filter(|date| date.is_valid())
        .and_then(|date| Timestamp::from_second(date.to_timestamp()).ok());
    let (attachments, contents) = message
        .attachments()
        .filter_map(|part| attachment(part).map(|found| (found, part.contents().to_vec())))
        .unzip();
    let subject = message.subject().unwrap_or_default().trim().to_owned();
    let body = body_text(&message);
    // A forwarded e-mail's quoted part is what the customer wants us to read.
    let text = if is_forward(&subject) {
        body.trim().to_owned()
    } else {
        strip_reply(&body)
    };
    Ok(InboundEmail {
        message: InboundMessage {
            external_id,
            sender,
            sender_name,
            reply_address,
            text,
            attachments,
            reply_payload: None,
            sent_at,
        },
        subject,
        in_reply_to: ids(message.in_reply_to()).into_iter().next(),
        references: ids(message.references()),
        automated: is_automated(&message),
        contents,
        message_id,
    })
}

/// The message ids of an In-Reply-To or References header, without `<>`.
fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    let ids: Vec<&str> = match value {
        HeaderValue::Text(id) => vec![id.as_ref()],
        HeaderValue::TextList(ids) => ids.iter().map(AsRef::as_ref).collect(),
        _ => Vec::new(),
    };
    ids.into_iter()
        .map(|id| id.trim().trim_matches(['<', '>']))
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether a subject marks a forwarded e-mail (Fw:, Fwd:, Enc:, RV:).
fn is_forward(subject: &str) -> bool {
    let subject = subject.to_lowercase();
    ["fw:", "fwd:", "enc:", "rv:"]
        .iter()
        .any(|prefix| subject.starts_with(prefix))
}

/// Whether headers mark the message as sent by a machine (RFC 3834 and common practice).
fn is_automated(message: &Message<'_>) -> bool {
    let header = |name: &str| {
        message
            .header_raw(name)
            .map(|value| value.trim().to_ascii_lowercase())
    };
    header("Auto-Submitted").is_some_and(|value| value != "no")
        || header("Precedence")
            .is_some_and(|value| matches!(value.as_str(), "bulk" | "junk" | "list" | "auto_reply"))
        || header("X-Autoreply").is_some()
        || header("X-Autorespond").is_some()
        // A delivery or read report (a bounce).
        || message.root_part().content_type().is_some_and(|content_type| {
            content_type
                .subtype()
                .is_some_and(|subtype| subtype.eq_ignore_ascii_case("report"))
        })
}

/// The plain-text bodies, or the HTML ones turned into text when the plain ones are blank.
fn body_text(message: &Message<'_>) -> String {
    let plain: Vec<&str> = message
        .text_bodies()
        .filter_map(|part| match &part.body {
            PartType::Text(text) => Some(text.as_ref()),
            _ => None,
        })
        .collect();
    let plain = plain.join("\n\n");
    if !plain.trim().is_empty() {
        return plain;
    }
    let html: Vec<String> = message
        .html_bodies()
        .filter_map(|part| match &part.body {
            PartType::Html(html) => Some(html_to_text(html)),
            _ => None,
        })
        .collect();
    html.join("\n\n")
}

/// Describes an attached part; images embedded in the HTML body (inline, with a Content-ID)
/// are left out.
fn attachment(part: &MessagePart<'_>) -> Option<Attachment> {
    let inline = part
        .content_disposition()
        .is_some_and(|disposition| disposition.is_inline());
    if inline && part.content_id().is_some() {
        return None;
    }
    let mime_type = part.content_type().map(|content_type| {
        let main = content_type.ctype().to_ascii_lowercase();
        match content_type.subtype() {
            Some(subtype) => format!("{main}/{}", subtype.to_ascii_lowercase()),
            None => main,
        }
    });
    let kind = match mime_type.as_deref().and_then(|mime| mime.split('/').next()) {
        Some("image") => AttachmentKind::Image,
        Some("audio") => AttachmentKind::Audio,
        Some("video") => AttachmentKind::Video,
        Some("application" | "text" | "message") => AttachmentKind::Document,
        _ => AttachmentKind::Other,
    };
    Some(Attachment {
        mime_type,
        sha256: Some(hex::encode(Sha256::digest(part.contents()))),
        file_name: part.attachment_name().map(str::to_owned),
        ..Attachment::of_kind(kind)
    })
}

/// Turns an HTML body into text: block elements end lines, `<blockquote>` content becomes
/// `> `-quoted lines (so [`strip_reply`] treats it as quoted history), and head, style and
/// script content is dropped.
fn html_to_text(html: &str) -> String {
    let mut text = HtmlText::default();
    let mut rest = html;
    while !rest.is_empty() {
        let Some(start) = rest.find('<') else {
            text.push_text(rest);
            break;
        };
        text.push_text(&rest[..start]);
        rest = &rest[start..];
        let starts_tag = rest[1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!');
        if !starts_tag {
            // A bare "<" ("1 < 2"), not a tag.
            text.push_text("<");
            rest = &rest[1..];
            continue;
        }
        if let Some(comment) = rest.strip_prefix("<!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let Some(end) = rest.find('>') else { break };
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match name.as_str() {
            "head" | "style" | "script" | "title" | "template" if !closing => {
                // Skip to the end of the closing tag (ASCII lowercasing keeps byte offsets).
                let end = rest
                    .to_ascii_lowercase()
                    .find(&format!("</{name}"))
                    .and_then(|close| rest[close..].find('>').map(|end| close + end + 1));
                rest = end.map_or("", |end| &rest[end..]);
            }
            "br" => text.line_break(true),
            "p" => text.paragraph_break(),
            "blockquote" => {
                text.line_break(false);
                text.quote_depth = if closing {
                    text.quote_depth.saturating_sub(1)
                } else {
                    text.quote_depth + 1
                };
            }
            "div" | "li" | "tr" | "ul" | "ol" | "table" | "hr" | "pre" | "section" | "article"
            | "header" | "footer" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                text.line_break(false);
            }
            "td" | "th" => text.pending_space = true,
            _ => {}
        }
    }
    text.finish()
}

/// The length in bytes of the character reference (`&amp;`, `&#227;`) `html` starts with.
fn entity_len(html: &str) -> Option<usize> {
    let name = html.strip_prefix('&')?;
    let end = name.find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))?;
    ((1..=10).contains(&end) && name[end..].starts_with(';')).then_some(end + 2)
}

/// The text being built from HTML, line by line.
#[derive(Default)]
struct HtmlText {
    lines: Vec<String>,
    line: String,
    /// Whether the current line holds text (beyond its quote marks).
    line_has_text: bool,
    quote_depth: usize,
    pending_space: bool,
}

impl HtmlText {
    /// Appends HTML text: entities decoded, white space collapsed.
    fn push_text(&mut self, html: &str) {
        let mut rest = html;
        while let Some(c) = rest.chars().next() {
            if let Some(len) = entity_len(rest) {
                let mut decoded = String::new();
                add_html_token(&mut decoded, &rest.as_bytes()[..len], false);
                for c in decoded.chars() {
                    self.push_char(c);
                }
                rest = &rest[len..];
            } else {
                self.push_char(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }

    fn push_char(&mut self, c: char) {
        if c.is_whitespace() {
            self.pending_space = self.line_has_text;
            return;
        }
        if !self.line_has_text {
            self.line = "> ".repeat(self.quote_depth);
            self.line_has_text = true;
        } else if self.pending_space {
            self.line.push(' ');
        }
        self.pending_space = false;
        self.line.push(c);
    }

    /// Ends the current line; an empty one too when `always` (a `<br>`).
    fn line_break(&mut self, always: bool) {
        if self.line_has_text || always {
            let line = if self.line_has_text {
                std::mem::take(&mut self.line)
            } else {
                "> ".repeat(self.quote_depth).trim_end().to_owned()
            };
            self.lines.push(line);
        }
        self.line.clear();
        self.line_has_text = false;
        self.pending_space = false;
    }

    fn paragraph_break(&mut self) {
        self.line_break(false);
        let after_text = self
            .lines
            .last()
            .is_some_and(|line| !line.trim_start_matches(['>', ' ']).is_empty());
        if after_text {
            self.lines
                .push("> ".repeat(self.quote_depth).trim_end().to_owned());
        }
    }

    fn finish(mut self) -> String {
        self.line_break(false);
        let mut text = String::new();
        let mut blank_run = 0;
        for line in &self.lines {
            let line = line.trim_end();
            blank_run = if line.is_empty() { blank_run + 1 } else { 0 };
            if blank_run < 2 {
                text.push_str(line);
                text.push('\n');
            }
        }
        text.trim().to_owned()
    }
}

/// Cuts quoted history and signatures from a reply: everything from the first attribution line
/// (`On <date>, <name> wrote:`, "Em ... escreveu:", "El ... escribió:", also wrapped over two
/// lines), Outlook's "-----Original Message-----" or "From: / Sent:" header block, or the `-- `
/// signature delimiter; then trailing `>`-quoted lines, separators and mobile footers ("Sent from
/// my iPhone", "Enviado do meu Android", "Get Outlook for Android"...). A reply written below the
/// quote is kept, and so is an e-mail forwarded below a "Forwarded message" marker. Never empties
/// a text that had content: if stripping would remove everything, the original comes back
/// trimmed.
pub fn strip_reply(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let kept = strip_lines(&lines);
    if kept.is_empty() {
        text.trim().to_owned()
    } else {
        kept.join("\n").trim().to_owned()
    }
}

/// The customer's own lines, or none.
fn strip_lines<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    // Below a forwarding marker everything is the forwarded e-mail, kept whole.
    let forwarded = lines
        .iter()
        .position(|line| is_forward_marker(line))
        .unwrap_or(lines.len());
    let cut = (0..forwarded).find_map(|i| cut_at(lines, i).map(|kind| (i, kind)));
    let mut head = lines[..cut.map_or(lines.len(), |(i, _)| i)].to_vec();
    // Trailing quotes, separators and footers go; so do the blank lines between them.
    while let Some(last) = head.last().map(|line| line.trim())
        && (last.is_empty()
            || last.starts_with('>')
            || is_separator(last)
            || is_mobile_footer(last))
    {
        head.pop();
    }
    if head.is_empty()
        && let Some((at, Cut::Attribution { lines: attribution })) = cut
    {
        // Written below the quote: skip the attribution and the quoted lines after it.
        let after = &lines[at + attribution..];
        let answer = after
            .iter()
            .position(|line| !line.trim().is_empty() && !line.trim_start().starts_with('>'));
        if let Some(answer) = answer
            && after[..answer]
                .iter()
                .any(|line| line.trim_start().starts_with('>'))
        {
            return strip_lines(&after[answer..]);
        }
    }
    head
}

/// What starts quoted history or a signature.
#[derive(Clone, Copy, Debug)]
enum Cut {
    /// "On ... wrote:" over this many lines.
    Attribution { lines: usize },
    /// An Outlook header block, an "Original Message" separator or the signature delimiter.
    Other,
}

/// Whether quoted history or a signature starts at line `i`.
fn cut_at(lines: &[&str], i: usize) -> Option<Cut> {
    let line = lines[i].trim();
    if is_attribution(line) {
        return Some(Cut::Attribution { lines: 1 });
    }
    if let Some(next) = lines.get(i + 1)
        && !line.is_empty()
        && !next.trim().is_empty()
        && !is_attribution(next)
        && is_attribution(&format!("{line} {}", next.trim()))
    {
        return Some(Cut::Attribution { lines: 2 });
    }
    if line == "--" || is_original_message(line) {
        return Some(Cut::Other);
    }
    let header = |line: &str, names: &[&str]| {
        let line = line.trim().trim_start_matches('*').to_lowercase();
        names.iter().any(|name| line.starts_with(name))
    };
    let starts_header_block = header(line, &["from:", "de:"])
        && lines[i + 1..].iter().take(3).any(|next| {
            header(
                next,
                &[
                    "sent:",
                    "date:",
                    "enviado:",
                    "enviada:",
                    "enviado em:",
                    "enviada em:",
                    "enviado el:",
                    "data:",
                    "fecha:",
                ],
            )
        });
    starts_header_block.then_some(Cut::Other)
}

/// "On Mon, 3 Mar 2025 at 10:00, Ana <ana@example.com> wrote:" and its Portuguese and Spanish
/// forms. A date or an address must be there, so "On Monday I wrote:" is the customer's text.
fn is_attribution(line: &str) -> bool {
    let line = line.trim().to_lowercase();
    let framed = [
        ("on ", "wrote:"),
        ("em ", "escreveu:"),
        ("el ", "escribió:"),
        ("el ", "escribio:"),
    ]
    .iter()
    .any(|(start, end)| line.starts_with(start) && line.ends_with(end));
    let has_time = line.as_bytes().windows(4).any(|w| {
        w[0].is_ascii_digit() && w[1] == b':' && w[2].is_ascii_digit() && w[3].is_ascii_digit()
    });
    let has_year = line
        .split(|c: char| !c.is_ascii_digit())
        .any(|digits| digits.len() == 4);
    framed
        && line.chars().count() <= 300
        && line.contains(',')
        && (has_time || has_year || line.contains('@'))
}

/// "---------- Forwarded message ---------", "Begin forwarded message:" and their Portuguese
/// and Spanish forms.
fn is_forward_marker(line: &str) -> bool {
    let line = line.trim().to_lowercase();
    let framed = line.starts_with("--") || line.ends_with(':');
    let named = [
        "forwarded message",
        "mensagem encaminhada",
        "mensaje reenviado",
    ]
    .iter()
    .any(|name| line.contains(name));
    framed && named && line.chars().count() <= 60
}

/// "-----Original Message-----" and its Portuguese and Spanish forms.
fn is_original_message(line: &str) -> bool {
    let inner = line.trim_matches(|c: char| c == '-' || c.is_whitespace());
    line.starts_with("--")
        && ["original message", "mensagem original", "mensaje original"]
            .contains(&inner.to_lowercase().as_str())
}

/// A line of only `_`, `-` or `=` (Outlook draws one above the quoted headers).
fn is_separator(line: &str) -> bool {
    line.len() >= 3 && line.chars().all(|c| matches!(c, '_' | '-' | '='))
}

/// "Sent from my iPhone" and the other footers mail apps add, in pt, es and en.
fn is_mobile_footer(line: &str) -> bool {
    const FOOTERS: [&str; 12] = [
        "sent from my ",
        "sent from mail for ",
        "sent from outlook",
        "sent from yahoo mail",
        "get outlook for ",
        "enviado do meu ",
        "enviado de meu ",
        "enviado do email para ",
        "enviado do yahoo mail",
        "obter o outlook para ",
        "enviado desde mi ",
        "obtener outlook para ",
    ];
    let line = line.to_lowercase();
    line.chars().count() <= 60 && FOOTERS.iter().any(|footer| line.starts_with(footer))
}

/// The subject of an answer: `Re: <subject>`, unless it already is one (Re:, RE:, Res:,
/// Resp:); "Re: your message" for an e-mail without a subject.
pub fn reply_subject(subject: &str) -> String {
    let subject = subject.trim();
    if subject.is_empty() {
        return "Re: your message".to_owned();
    }
    let lower = subject.to_lowercase();
    let is_reply = ["re:", "re :", "res:", "resp:"]
        .iter()
        .any(|prefix| lower.starts_with(prefix));
    if is_reply {
        subject.to_owned()
    } else {
        format!("Re: {subject}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_lose_quoted_history_signatures_and_footers() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "gmail en",
                "Thanks, it works now.\n\nOn Mon, Mar 3, 2025 at 10:00 AM Tandem Support <support@tandem.test> wrote:\n> Please restart the app.\n> \n> Best",
                "Thanks, it works now.",
            ),
            (
                "gmail en, attribution wrapped",
                "Still broken.\n\nOn Mon, Mar 3, 2025 at 10:00 AM Tandem Support Team <support@tandem.test>\nwrote:\n\n> Please restart the app.",
                "Still broken.",
            ),
            (
                "gmail pt",
                "Não consigo pagar o boleto.\nPode me ajudar?\n\nEm seg., 3 de mar. de 2025 às 10:00, Suporte <suporte@tandem.test> escreveu:\n> Olá, como podemos ajudar?",
                "Não consigo pagar o boleto.\nPode me ajudar?",
            ),
            (
                "gmail es",
                "Sigue sin funcionar.\r\n\r\nEl lun, 3 mar 2025 a las 10:00, Soporte (<soporte@tandem.test>) escribió:\r\n> Hola, ¿en qué podemos ayudar?\r\n",
                "Sigue sin funcionar.",
            ),
            (
                "apple mail pt with footer",
                "Obrigado!\n\nEnviado do meu iPhone\n\n> Em 3 de mar. de 2025, à(s) 10:00, Suporte <suporte@tandem.test> escreveu:\n> \n> Olá",
                "Obrigado!",
            ),
            (
                "apple mail en",
                "Done.\n\n> On Mar 3, 2025, at 10:00, Support <support@tandem.test> wrote:\n>\n> Hi",
                "Done.",
            ),
            (
                "outlook en",
                "Please cancel my order.\n\n________________________________\nFrom: Tandem Support <support@tandem.test>\nSent: Monday, March 3, 2025 10:00 AM\nTo: Ana <ana@example.com>\nSubject: Your order\n\nHello Ana",
                "Please cancel my order.",
            ),
            (
                "outlook pt, bold headers",
                "Quero cancelar.\n\n*De:* Suporte <suporte@tandem.test>\n*Enviado:* segunda-feira, 3 de março de 2025 10:00\n*Para:* Ana\n*Assunto:* Pedido",
                "Quero cancelar.",
            ),
            (
                "outlook es original message",
                "Quiero cancelar.\n\n-----Mensaje original-----\nDe: Soporte\nEnviado el: lunes, 3 de marzo de 2025 10:00\nAsunto: Pedido",
                "Quiero cancelar.",
            ),
            (
                "outlook en original message",
                "Ok.\n-----Original Message-----\nFrom: Support\nwhatever",
                "Ok.",
            ),
            (
                "outlook mobile",
                "Recebi, obrigado.\n\nObter o Outlook para Android\n________________________________\nDe: Suporte <suporte@tandem.test>\nEnviado: segunda-feira, 3 de março de 2025 10:00\nPara: Ana",
                "Recebi, obrigado.",
            ),
            (
                "signature",
                "My card was charged twice.\n\n-- \nAna Silva\nACME Ltd.\n+55 11 98765-4321",
                "My card was charged twice.",
            ),
            (
                "spanish footer",
                "Gracias\n\nEnviado desde mi iPhone",
                "Gracias",
            ),
            (
                "android pt footer",
                "Ok, aguardo.\nEnviado do meu Android",
                "Ok, aguardo.",
            ),
            (
                "trailing quote without attribution",
                "Yes, that one.\n\n> Which order do you mean?\n> #123 or #124?",
                "Yes, that one.",
            ),
            (
                "only a quote",
                "> Which order do you mean?\n> #123 or #124?",
                "> Which order do you mean?\n> #123 or #124?",
            ),
            (
                "only a footer",
                "  Sent from my iPhone  ",
                "Sent from my iPhone",
            ),
            (
                "written below the quote",
                "On Mon, Mar 3, 2025 at 10:00 AM Support <support@tandem.test> wrote:\n> Which order?\n\n#124, please.\n\nSent from my iPhone",
                "#124, please.",
            ),
            (
                "customer's line right above the attribution",
                "On Monday I called,\nOn Mon, Mar 3, 2025 at 10:00 AM Support <s@tandem.test> wrote:\n> Hi",
                "On Monday I called,",
            ),
            (
                "wrote in the customer's own words",
                "I wrote: please cancel.\nOn Monday I wrote:\nnobody answered, as my wife wrote, too.",
                "I wrote: please cancel.\nOn Monday I wrote:\nnobody answered, as my wife wrote, too.",
            ),
            (
                "inline answers keep the quotes between",
                "> Name?\nAna\n> City?\nRecife",
                "> Name?\nAna\n> City?\nRecife",
            ),
            (
                "gmail forward keeps the forwarded e-mail",
                "Vejam abaixo.\n\n---------- Mensagem encaminhada ---------\nDe: Banco <banco@example.com>\nDate: seg., 3 de mar. de 2025 às 10:00\nSubject: Boleto\n\nSeu boleto vence hoje.",
                "Vejam abaixo.\n\n---------- Mensagem encaminhada ---------\nDe: Banco <banco@example.com>\nDate: seg., 3 de mar. de 2025 às 10:00\nSubject: Boleto\n\nSeu boleto vence hoje.",
            ),
            (
                "apple mail forward",
                "FYI\n\nBegin forwarded message:\n\nFrom: Bank <bank@example.com>\nDate: March 3, 2025 at 10:00:00 AM GMT-3\n\nYour bill is due.",
                "FYI\n\nBegin forwarded message:\n\nFrom: Bank <bank@example.com>\nDate: March 3, 2025 at 10:00:00 AM GMT-3\n\nYour bill is due.",
            ),
            ("empty", "  \n ", ""),
        ];
        for (name, text, expected) in cases {
            assert_eq!(strip_reply(text), *expected, "{name}");
        }
    }

    #[test]
    fn reply_subjects_are_prefixed_once() {
        for (subject, expected) in [
            ("Boleto", "Re: Boleto"),
            ("  Boleto ", "Re: Boleto"),
            ("Re: Boleto", "Re: Boleto"),
            ("RE: Boleto", "RE: Boleto"),
            ("Res: Boleto", "Res: Boleto"),
            ("RES: Boleto", "RES: Boleto"),
            ("Resp: Boleto", "Resp: Boleto"),
            ("Reembolso", "Re: Reembolso"),
            ("", "Re: your message"),
        ] {
            assert_eq!(reply_subject(subject), expected, "{subject:?}");
        }
    }

    fn crlf(text: &str) -> Vec<u8> {
        text.replace('\n', "\r\n").into_bytes()
    }

    #[test]
    fn a_plain_reply_is_parsed_with_its_threading_headers() {
        let raw = crlf(
            "From: \"Ana Silva\" <Ana.Silva@Example.com>\n\
             Reply-To: ana+support@example.com\n\
             To: support@tandem.test\n\
             Subject: Re: Pedido 123\n\
             Date: Mon, 3 Mar 2025 10:00:00 -0300\n\
             Message-ID: <reply-1@example.com>\n\
             In-Reply-To: <out-1@tandem.test>\n\
             References: <first@example.com>\n <out-1@tandem.test>\n\
             Content-Type: text/plain; charset=utf-8\n\
             \n\
             Chegou, obrigada!\n\
             \n\
             Em seg., 3 de mar. de 2025 às 09:00, Suporte <support@tandem.test> escreveu:\n\
             > Seu pedido foi enviado.\n",
        );
        let email = parse_email(&raw).unwrap();
        let message = &email.message;
        assert_eq!(message.external_id, "reply-1@example.com");
        assert_eq!(message.sender.kind, IdentityKind::Email);
        assert_eq!(message.sender.value, "ana.silva@example.com");
        assert_eq!(message.sender_name.as_deref(), Some("Ana Silva"));
        assert_eq!(message.reply_address, "ana+support@example.com");
        assert_eq!(message.text, "Chegou, obrigada!");
        assert!(message.attachments.is_empty());
        assert_eq!(
            message.sent_at,
            Some("2025-03-03T13:00:00Z".parse().unwrap())
        );
        assert_eq!(email.subject, "Re: Pedido 123");
        assert_eq!(email.message_id.as_deref(), Some("reply-1@example.com"));
        assert_eq!(email.in_reply_to.as_deref(), Some("out-1@tandem.test"));
        assert_eq!(email.references, ["first@example.com", "out-1@tandem.test"]);
        assert_eq!(
            email.reply_references(),
            [
                "first@example.com",
                "out-1@tandem.test",
                "reply-1@example.com"
            ]
        );
        assert!(!email.automated);
    }

    #[test]
    fn without_reply_to_answers_go_to_from_and_without_message_id_the_id_is_a_hash() {
        let raw =
            crlf("From: carlos@example.com\nSubject: Hola\n\nNecesito ayuda con mi factura.\n");
        let email = parse_email(&raw).unwrap();
        assert_eq!(email.message.reply_address, "carlos@example.com");
        assert_eq!(email.message.sender_name, None);
        assert_eq!(email.message_id, None);
        assert_eq!(email.in_reply_to, None);
        assert!(email.references.is_empty());
        assert_eq!(email.message.sent_at, None);
        assert_eq!(
            email.message.external_id,
            format!("sha256:{}", hex::encode(Sha256::digest(&raw)))
        );
        assert_eq!(email.message.text, "Necesito ayuda con mi factura.");
        assert!(email.reply_references().is_empty());
    }

    #[test]
    fn quoted_printable_accents_and_encoded_names_are_decoded() {
        let raw = crlf(
            "From: =?UTF-8?Q?Jo=C3=A3o_Ara=C3=BAjo?= <joao@example.com.br>\n\
             Subject: =?UTF-8?Q?N=C3=A3o_consigo_pagar?=\n\
             Message-ID: <qp@example.com.br>\n\
             MIME-Version: 1.0\n\
             Content-Type: text/plain; charset=\"UTF-8\"\n\
             Content-Transfer-Encoding: quoted-printable\n\
             \n\
             N=C3=A3o consigo pagar o boleto, a p=C3=A1gina d=C3=A1 erro na emiss=C3=A3o=\n\
             .\n",
        );
        let email = parse_email(&raw).unwrap();
        assert_eq!(email.message.sender_name.as_deref(), Some("João Araújo"));
        assert_eq!(email.subject, "Não consigo pagar");
        assert_eq!(
            email.message.text,
            "Não consigo pagar o boleto, a página dá erro na emissão."
        );
    }

    #[test]
    fn an_html_body_is_used_when_the_plain_part_is_blank() {
        let raw = crlf(
            "From: Ana <ana@example.com>\n\
             Message-ID: <html@example.com>\n\
             MIME-Version: 1.0\n\
             Content-Type: multipart/alternative; boundary=\"b1\"\n\
             \n\
             --b1\n\
             Content-Type: text/plain; charset=utf-8\n\
             \n\
             \n\
             --b1\n\
             Content-Type: text/html; charset=utf-8\n\
             \n\
             <html><head><style>p {color: red}</style></head><body>\
             <div dir=\"ltr\">Ol&aacute;,<div>o boleto venceu &amp; n&atilde;o abre.</div>\
             <div><br></div><div>Ana</div></div><br>\
             <div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">Em seg., 3 de mar. \
             de 2025 às 10:00, Suporte &lt;<a href=\"mailto:s@t.test\">s@t.test</a>&gt; escreveu:<br></div>\
             <blockquote class=\"gmail_quote\"><div>Como podemos ajudar?</div></blockquote></div>\
             </body></html>\n\
             --b1--\n",
        );
        let email = parse_email(&raw).unwrap();
        assert_eq!(
            email.message.text,
            "Olá,\no boleto venceu & não abre.\n\nAna"
        );
    }

    #[test]
    fn forwarded_emails_keep_what_they_forward() {
        let raw = crlf(
            "From: ana@example.com\n\
             Subject: Enc: Fatura de março\n\
             \n\
             Essa cobrança está errada.\n\
             \n\
             De: Cobrança <cobranca@example.com>\n\
             Enviado: segunda-feira, 3 de março de 2025 10:00\n\
             Assunto: Fatura de março\n\
             \n\
             Valor: R$ 1.000,00\n",
        );
        let email = parse_email(&raw).unwrap();
        assert!(
            email.message.text.ends_with("Valor: R$ 1.000,00"),
            "{}",
            email.message.text
        );
        assert!(email.message.text.starts_with("Essa cobrança está errada."));
    }

    #[test]
    fn html_blockquotes_become_quoted_lines() {
        assert_eq!(
            html_to_text(
                "<!DOCTYPE html><p>1 < 2 &lt; 3</p><p>Sim</p><p>esse mesmo</p><blockquote><p>Qual?</p><blockquote>a</blockquote></blockquote><!-- x --><script>1<2</script>fim"
            ),
            "1 < 2 < 3\n\nSim\n\nesse mesmo\n\n> Qual?\n>\n> > a\nfim"
        );
    }

    #[test]
    fn attachments_are_described_and_embedded_images_left_out() {
        let raw = crlf(
            "From: ana@example.com\n\
             Message-ID: <att@example.com>\n\
             MIME-Version: 1.0\n\
             Content-Type: multipart/mixed; boundary=\"m\"\n\
             \n\
             --m\n\
             Content-Type: multipart/related; boundary=\"r\"\n\
             \n\
             --r\n\
             Content-Type: text/html; charset=utf-8\n\
             \n\
             <p>Segue o comprovante.</p><img src=\"cid:logo\">\n\
             --r\n\
             Content-Type: image/png\n\
             Content-Disposition: inline\n\
             Content-ID: <logo>\n\
             Content-Transfer-Encoding: base64\n\
             \n\
             iVBORw0KGgo=\n\
             --r--\n\
             --m\n\
             Content-Type: application/pdf; name=\"comprovante.pdf\"\n\
             Content-Disposition: attachment; filename=\"comprovante.pdf\"\n\
             Content-Transfer-Encoding: base64\n\
             \n\
             JVBERi0xLjQK\n\
             --m\n\
             Content-Type: image/JPEG\n\
             Content-Disposition: attachment; filename=\"foto.jpg\"\n\
             Content-Transfer-Encoding: base64\n\
             \n\
             /9j/4AAQ\n\
             --m--\n",
        );
        let email = parse_email(&raw).unwrap();
        assert_eq!(email.message.text, "Segue o comprovante.");
        let attachments = &email.message.attachments;
        assert_eq!(attachments.len(), 2, "{attachments:?}");
        assert_eq!(attachments[0].kind, AttachmentKind::Document);
        assert_eq!(attachments[0].file_name.as_deref(), Some("comprovante.pdf"));
        assert_eq!(attachments[0].mime_type.as_deref(), Some("application/pdf"));
        assert_eq!(
            attachments[0].sha256.as_deref(),
            Some(hex::encode(Sha256::digest(b"%PDF-1.4\n")).as_str())
        );
        assert_eq!(attachments[1].kind, AttachmentKind::Image);
        assert_eq!(attachments[1].mime_type.as_deref(), Some("image/jpeg"));
        assert_eq!(attachments[1].file_name.as_deref(), Some("foto.jpg"));
    }

    #[test]
    fn out_of_office_replies_are_marked_automated() {
        for header in [
            "Auto-Submitted: auto-replied",
            "Precedence: bulk",
            "X-Autoreply: yes",
        ] {
            let raw = crlf(&format!(
                "From: ana@example.com\n{header}\nSubject: Ausente\n\nEstou de férias.\n"
            ));
            assert!(parse_email(&raw).unwrap().automated, "{header}");
        }
        let bounce = crlf(
            "From: MAILER-DAEMON@example.com\n\
             Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\n\
             \n\
             --r\n\
             Content-Type: text/plain\n\
             \n\
             Delivery failed.\n\
             --r--\n",
        );
        assert!(parse_email(&bounce).unwrap().automated);
        let raw = crlf("From: ana@example.com\nAuto-Submitted: no\n\nOi\n");
        assert!(!parse_email(&raw).unwrap().automated);
    }

    #[test]
    fn messages_without_a_usable_from_are_malformed() {
        for raw in [
            &b""[..],
            b"\x00\x01\x02garbage\xff\xfe",
            b"this is not an e-mail at all",
            b"Subject: no sender\r\n\r\nhello\r\n",
            b"From: Ana\r\n\r\nhello\r\n",
            b"From: <not-an-address>\r\n\r\nhello\r\n",
        ] {
            assert!(
                matches!(parse_email(raw), Err(WebhookError::Malformed(_))),
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }
}
