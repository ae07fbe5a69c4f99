//! How simulated customers and their messages are named on the wire, and how a name read back
//! from the server (a webhook's contact, a WhatsApp recipient, a stored external id) leads back
//! to them. A run tag in every name keeps runs against one database apart.

/// Names for one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addresses {
    tag: u32,
}

/// Digits of the run tag in phone numbers.
const TAG_DIGITS: usize = 6;
/// Digits of the customer index in phone numbers: 15 digits in all, E.164's longest.
const INDEX_DIGITS: usize = 8;

impl Addresses {
    /// The names of the run tagged `tag` (only its last six digits are used).
    pub fn new(tag: u32) -> Self {
        Self {
            tag: tag % 1_000_000,
        }
    }

    /// The run tag, as it appears in names.
    pub fn tag(&self) -> u32 {
        self.tag
    }

    /// The API-channel identity (kind `external`) of customer `index`.
    pub fn api_identity(&self, index: usize) -> String {
        format!("loadgen-{:06}-{index}", self.tag)
    }

    /// The customer whose API-channel identity is `value`.
    pub fn customer_of_api_identity(&self, value: &str) -> Option<usize> {
        value
            .strip_prefix(&format!("loadgen-{:06}-", self.tag))?
            .parse()
            .ok()
    }

    /// The WhatsApp number (digits, no `+`) of customer `index`.
    pub fn whatsapp_number(&self, index: usize) -> String {
        format!(
            "9{:0tag$}{index:0idx$}",
            self.tag,
            tag = TAG_DIGITS,
            idx = INDEX_DIGITS
        )
    }

    /// The customer whose WhatsApp number is `digits` (with or without `+`).
    pub fn customer_of_whatsapp_number(&self, digits: &str) -> Option<usize> {
        let digits = digits.strip_prefix('+').unwrap_or(digits);
        let prefix = format!("9{:0tag$}", self.tag, tag = TAG_DIGITS);
        let index = digits.strip_prefix(&prefix)?;
        if index.len() != INDEX_DIGITS {
            return None;
        }
        index.parse().ok()
    }

    /// The id a customer message `sequence` carries: the API channel's `external_id`, the
    /// widget's `client_id`, and after `wamid.` the WhatsApp message id.
    pub fn message_key(&self, sequence: u64) -> String {
        format!("lg{:06}m{sequence}", self.tag)
    }
}

/// The message key inside an external id as the server stores it: the widget's is
/// `<visitor>:<client_id>`, WhatsApp's `wamid.<key>`, the API channel's the key itself.
pub fn message_key_of_external_id(external_id: &str) -> &str {
    let last = external_id.rsplit(':').next().unwrap_or(external_id);
    last.strip_prefix("wamid.").unwrap_or(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_identities_lead_back_to_their_customer() {
        let addresses = Addresses::new(123);
        let identity = addresses.api_identity(42);
        assert_eq!(identity, "loadgen-000123-42");
        assert_eq!(addresses.customer_of_api_identity(&identity), Some(42));
        assert_eq!(
            Addresses::new(124).customer_of_api_identity(&identity),
            None
        );
        assert_eq!(addresses.customer_of_api_identity("someone-else"), None);
    }

    #[test]
    fn whatsapp_numbers_are_e164_and_lead_back() {
        let addresses = Addresses::new(1_987_654);
        let number = addresses.whatsapp_number(7);
        assert_eq!(number, "998765400000007");
        assert_eq!(number.len(), 15);
        assert_eq!(addresses.customer_of_whatsapp_number(&number), Some(7));
        assert_eq!(
            addresses.customer_of_whatsapp_number(&format!("+{number}")),
            Some(7)
        );
        assert_eq!(addresses.customer_of_whatsapp_number("5511900000001"), None);
        assert_eq!(Addresses::new(1).customer_of_whatsapp_number(&number), None);
    }

    #[test]
    fn message_keys_survive_every_channels_external_id() {
        let addresses = Addresses::new(5);
        let key = addresses.message_key(99);
        assert_eq!(key, "lg000005m99");
        assert_eq!(message_key_of_external_id(&key), key);
        assert_eq!(message_key_of_external_id(&format!("0123abcd:{key}")), key);
        assert_eq!(message_key_of_external_id(&format!("wamid.{key}")), key);
    }
}
