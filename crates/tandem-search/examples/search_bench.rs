//! How fast one account's index builds and answers, on real customer questions: Banking77's
//! training questions (`../shared/data/banking77/train.csv`, 10,003 texts) repeated as the
//! messages of many conversations, plus contacts. Prints the build time and the latency of
//! queries as agents type them (two words, the last one cut short).
//!
//! ```text
//! cargo run --release -p tandem-search --example search_bench
//! cargo run --release -p tandem-search --example search_bench -- --messages 500000
//! ```

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tandem_domain::id::{ContactId, ConversationId, MessageId};
use tandem_search::{AccountIndex, ContactDocument, MessageDocument, QueryWords, snippet};

/// Messages indexed per commit, as the index builder pages the database.
const PAGE: usize = 1000;
const QUERIES: usize = 1000;

fn questions() -> Vec<String> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/banking77/train.csv");
    let mut reader =
        csv::Reader::from_path(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    reader
        .records()
        .filter_map(Result::ok)
        .filter_map(|record| record.get(0).map(str::to_owned))
        .collect()
}

fn percentile(sorted: &[Duration], share: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * share).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn main() {
    let mut messages = 100_000usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--messages" {
            messages = args
                .next()
                .and_then(|n| n.parse().ok())
                .expect("--messages N");
        }
    }
    let texts = questions();
    let index = AccountIndex::new().expect("index");
    let started = Instant::now();
    let contacts: Vec<ContactId> = (0..messages / 5).map(|_| ContactId::generate()).collect();
    let mut batch = Vec::with_capacity(PAGE);
    let mut text_of: HashMap<MessageId, usize> = HashMap::with_capacity(messages);
    for n in 0..messages {
        let contact = contacts[n % contacts.len()];
        let message_id = MessageId::generate();
        text_of.insert(message_id, n % texts.len());
        batch.push(MessageDocument {
            message_id,
            conversation_id: ConversationId::generate(),
            contact_id: contact,
            text: texts[n % texts.len()].clone(),
        });
        if batch.len() == PAGE {
            index.put_messages(&batch).expect("put");
            batch.clear();
        }
    }
    index.put_messages(&batch).expect("put");
    let people: Vec<ContactDocument> = contacts
        .iter()
        .enumerate()
        .map(|(n, id)| ContactDocument {
            contact_id: *id,
            text: format!("Cliente {n} +55 11 9{n:08} cliente{n}@example.com"),
        })
        .collect();
    index.put_contacts(&people).expect("put");
    index.commit().expect("commit");
    let built = started.elapsed();

    let mut latencies = Vec::with_capacity(QUERIES);
    let mut found = 0usize;
    let mut marked = 0usize;
    for n in 0..QUERIES {
        let words: Vec<&str> = texts[(n * 7919) % texts.len()]
            .split_whitespace()
            .filter(|word| word.len() > 3)
            .take(2)
            .collect();
        let Some((last, first)) = words.split_last() else {
            continue;
        };
        let cut: String = last.chars().take(4).collect();
        let typed = format!("{} {cut}", first.join(" "));
        let query = QueryWords::new(&typed);
        let start = Instant::now();
        let hits = index.search(&query, 200).expect("search");
        let snippets: usize = hits
            .messages
            .iter()
            .take(25)
            .filter_map(|(message_id, _)| text_of.get(message_id))
            .map(|text| snippet(&texts[*text], &query).highlights.len())
            .sum();
        latencies.push(start.elapsed());
        marked += snippets;
        found += usize::from(!hits.messages.is_empty());
    }
    latencies.sort();
    println!(
        "{messages} messages and {} contacts indexed in {:.2} s ({:.0} messages/s)",
        people.len(),
        built.as_secs_f64(),
        messages as f64 / built.as_secs_f64()
    );
    println!(
        "{} queries as typed (two words, the last cut to 4 letters; 200 hits, 25 snippets): \
         p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms; {found} found something, {marked} words marked",
        latencies.len(),
        percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.95).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
    );
}
