//! The delivery ledger of a fault run: which WhatsApp messages the server acknowledged (a 2xx
//! to at least one delivery), which it never did, how many deliveries were duplicates or
//! re-deliveries, and every reply the fake Graph API received, attributed to a customer
//! message.
//!
//! Attribution: each simulated customer has one message in flight at a time (it sends, then
//! waits for what it expects). A Graph API send to a customer's number belongs to that
//! customer's latest message (set when its first delivery starts). A reply "sent twice" is a
//! second send with the same text attributed to the same customer message: re-processing a
//! duplicate or re-delivered webhook would do exactly that.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::Serialize;

/// What happened to one customer message.
#[derive(Debug, Default)]
struct MessageRecord {
    /// 2xx answers to its deliveries (the first plus any duplicate).
    acknowledgments: u32,
    /// The target that first acknowledged it.
    acknowledged_by: Option<usize>,
    /// Graph API sends attributed to it, by text.
    replies: HashMap<String, u32>,
}

#[derive(Debug, Default)]
struct Book {
    /// Message id → record, in the order messages were first sent.
    messages: BTreeMap<u64, (String, MessageRecord)>,
    by_id: HashMap<String, u64>,
    /// Customer → its latest message's order.
    latest: HashMap<usize, u64>,
    next_order: u64,
    duplicates_sent: u64,
    redeliveries: u64,
    unattributed_replies: u64,
}

/// Thread-safe delivery ledger.
#[derive(Debug, Default)]
pub struct Ledger {
    book: Mutex<Book>,
}

/// The ledger summed up, for the run report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeliverySummary {
    /// Customer messages whose delivery started.
    pub messages: u64,
    /// Messages with at least one 2xx.
    pub acknowledged: u64,
    /// Messages never acknowledged (the generator gave up or the run ended first).
    pub never_acknowledged: u64,
    /// Acknowledged messages by the target (index in `settings.targets`) that acknowledged first.
    pub acknowledged_by_target: BTreeMap<usize, u64>,
    /// Second deliveries of the same signed body made on purpose.
    pub duplicates_sent: u64,
    /// Deliveries made again because the previous one was not acknowledged.
    pub redeliveries: u64,
    /// Graph API sends attributed to a customer message.
    pub replies: u64,
    /// Graph API sends to no known customer or before any of its messages.
    pub unattributed_replies: u64,
    /// Sends that repeat an earlier send's text for the same customer message.
    pub replies_sent_twice: u64,
    /// Customer messages with at least one such repeat.
    pub messages_answered_twice: u64,
}

/// The ledger's file (`--ledger`): the summary and the message ids to look up in the database.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerFile {
    pub summary: DeliverySummary,
    /// WhatsApp message ids (`wamid....`) the server acknowledged.
    pub acknowledged_ids: Vec<String>,
    pub never_acknowledged_ids: Vec<String>,
    /// Message ids that got the same reply text more than once, with that text.
    pub answered_twice: Vec<(String, String)>,
}

impl Ledger {
    /// `customer` starts delivering its message `message_id`, which replies now belong to.
    pub fn sending(&self, customer: usize, message_id: &str) {
        let mut book = self.lock();
        let order = match book.by_id.get(message_id) {
            Some(&order) => order,
            None => {
                let order = book.next_order;
                book.next_order += 1;
                book.by_id.insert(message_id.to_owned(), order);
                book.messages
                    .insert(order, (message_id.to_owned(), MessageRecord::default()));
                order
            }
        };
        book.latest.insert(customer, order);
    }

    /// `target` answered a delivery of `message_id` with a 2xx.
    pub fn acknowledged(&self, message_id: &str, target: usize) {
        let mut book = self.lock();
        let Some(&order) = book.by_id.get(message_id) else {
            return;
        };
        if let Some((_, record)) = book.messages.get_mut(&order) {
            record.acknowledgments += 1;
            record.acknowledged_by.get_or_insert(target);
        }
    }

    /// A duplicate delivery is on its way.
    pub fn duplicate_sent(&self) {
        self.lock().duplicates_sent += 1;
    }

    /// A delivery is being made again.
    pub fn redelivered(&self) {
        self.lock().redeliveries += 1;
    }

    /// The fake Graph API received a send with `text` to `customer`.
    pub fn reply(&self, customer: usize, text: &str) {
        let mut book = self.lock();
        let Some(&order) = book.latest.get(&customer) else {
            book.unattributed_replies += 1;
            return;
        };
        if let Some((_, record)) = book.messages.get_mut(&order) {
            *record.replies.entry(text.to_owned()).or_default() += 1;
        }
    }

    /// A reply to nobody the generator knows.
    pub fn unattributed_reply(&self) {
        self.lock().unattributed_replies += 1;
    }

    /// The totals.
    pub fn summary(&self) -> DeliverySummary {
        self.file().summary
    }

    /// The totals and the message ids.
    pub fn file(&self) -> LedgerFile {
        let book = self.lock();
        let mut summary = DeliverySummary {
            messages: book.messages.len() as u64,
            duplicates_sent: book.duplicates_sent,
            redeliveries: book.redeliveries,
            unattributed_replies: book.unattributed_replies,
            ..DeliverySummary::default()
        };
        let (mut acknowledged_ids, mut never_acknowledged_ids) = (Vec::new(), Vec::new());
        let mut answered_twice = Vec::new();
        for (id, record) in book.messages.values() {
            match record.acknowledged_by {
                Some(target) => {
                    summary.acknowledged += 1;
                    *summary.acknowledged_by_target.entry(target).or_default() += 1;
                    acknowledged_ids.push(id.clone());
                }
                None => {
                    summary.never_acknowledged += 1;
                    never_acknowledged_ids.push(id.clone());
                }
            }
            let mut repeated = false;
            for (text, &count) in &record.replies {
                summary.replies += u64::from(count);
                if count > 1 {
                    summary.replies_sent_twice += u64::from(count - 1);
                    answered_twice.push((id.clone(), text.clone()));
                    repeated = true;
                }
            }
            summary.messages_answered_twice += u64::from(repeated);
        }
        answered_twice.sort();
        LedgerFile {
            summary,
            acknowledged_ids,
            never_acknowledged_ids,
            answered_twice,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Book> {
        // Plain counters stay consistent even if a holder panicked: keep counting.
        self.book.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acknowledged_and_unacknowledged_messages_are_listed() {
        let ledger = Ledger::default();
        ledger.sending(1, "wamid.a");
        ledger.sending(2, "wamid.b");
        ledger.sending(3, "wamid.c");
        ledger.acknowledged("wamid.a", 0);
        ledger.acknowledged("wamid.a", 1);
        ledger.acknowledged("wamid.c", 1);
        ledger.acknowledged("wamid.unknown", 0);
        ledger.duplicate_sent();
        ledger.redelivered();
        ledger.redelivered();
        let file = ledger.file();
        assert_eq!(file.acknowledged_ids, vec!["wamid.a", "wamid.c"]);
        assert_eq!(file.never_acknowledged_ids, vec!["wamid.b"]);
        let summary = file.summary;
        assert_eq!((summary.messages, summary.acknowledged), (3, 2));
        assert_eq!(summary.never_acknowledged, 1);
        assert_eq!(
            summary.acknowledged_by_target,
            BTreeMap::from([(0, 1), (1, 1)]),
            "the first acknowledgment names the target"
        );
        assert_eq!((summary.duplicates_sent, summary.redeliveries), (1, 2));
    }

    #[test]
    fn a_re_delivery_of_the_same_message_is_one_message() {
        let ledger = Ledger::default();
        ledger.sending(1, "wamid.a");
        ledger.sending(1, "wamid.a");
        ledger.acknowledged("wamid.a", 0);
        assert_eq!(ledger.summary().messages, 1);
    }

    #[test]
    fn replies_belong_to_the_customers_latest_message() {
        let ledger = Ledger::default();
        ledger.reply(1, "too early");
        ledger.sending(1, "wamid.a");
        ledger.reply(1, "Olá! Como posso ajudar?");
        ledger.reply(1, "Escolha uma opção");
        ledger.sending(1, "wamid.b");
        ledger.reply(1, "Olá! Como posso ajudar?");
        ledger.unattributed_reply();
        let summary = ledger.summary();
        assert_eq!(summary.replies, 3);
        assert_eq!(summary.unattributed_replies, 2);
        assert_eq!(
            summary.replies_sent_twice, 0,
            "the same text to two messages is two answers"
        );
    }

    #[test]
    fn the_same_reply_twice_to_one_message_is_counted() {
        let ledger = Ledger::default();
        ledger.sending(7, "wamid.a");
        for _ in 0..3 {
            ledger.reply(7, "Seu limite do Pix é R$ 1.000");
        }
        ledger.reply(7, "Algo mais?");
        ledger.sending(8, "wamid.b");
        ledger.reply(8, "Oi");
        let file = ledger.file();
        assert_eq!(file.summary.replies, 5);
        assert_eq!(file.summary.replies_sent_twice, 2);
        assert_eq!(file.summary.messages_answered_twice, 1);
        assert_eq!(
            file.answered_twice,
            vec![(
                "wamid.a".to_owned(),
                "Seu limite do Pix é R$ 1.000".to_owned()
            )]
        );
    }
}
