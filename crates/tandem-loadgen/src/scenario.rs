//! Who the simulated customers are and what they say, from the seed: each customer's channel
//! and language (exact shares of the population, in a seeded order) and its own stream of
//! messages and think times.

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::phrases::{Language, handover_requests, routine_questions};
use crate::rng::{MillisRange, SeededRng};

/// How many of its latest questions a customer never repeats: the demo bot remembers three and
/// hands over when a question comes back, which would turn routine load into handovers.
const RECENT_QUESTIONS_AVOIDED: usize = 4;

/// The public interface a customer writes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// `POST /api/v1/channel/messages`; replies come back as signed webhooks.
    Api,
    /// Signed WhatsApp Cloud API webhooks; replies come back to the fake Graph API.
    Whatsapp,
    /// The chat widget's REST calls; replies come back on its WebSocket.
    Widget,
}

impl Channel {
    /// Every channel, in the order of the `--mix` keys.
    pub const ALL: [Channel; 3] = [Channel::Api, Channel::Whatsapp, Channel::Widget];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Channel::Api => "api",
            Channel::Whatsapp => "whatsapp",
            Channel::Widget => "widget",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Relative weights written `key=weight,...` (e.g. `api=40,whatsapp=30,widget=30`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shares<K> {
    weights: Vec<(K, u32)>,
}

impl<K: Copy + PartialEq> Shares<K> {
    /// Parses `raw` against the known `keys` and their names; keys left out weigh zero.
    pub fn parse(raw: &str, keys: &[(K, &str)]) -> Result<Self, String> {
        let mut weights: Vec<(K, u32)> = keys.iter().map(|(key, _)| (*key, 0)).collect();
        for part in raw
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
        {
            let (name, weight) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?} is not name=weight"))?;
            let index = keys
                .iter()
                .position(|(_, known)| *known == name.trim())
                .ok_or_else(|| {
                    let known: Vec<&str> = keys.iter().map(|(_, known)| *known).collect();
                    format!("unknown name {name:?} (expected {})", known.join(", "))
                })?;
            weights[index].1 = weight
                .trim()
                .parse()
                .map_err(|_| format!("{weight:?} is not a whole number"))?;
        }
        if weights.iter().all(|(_, weight)| *weight == 0) {
            return Err("every weight is zero".to_owned());
        }
        Ok(Self { weights })
    }

    /// The weight of `key`.
    pub fn weight(&self, key: K) -> u32 {
        self.weights
            .iter()
            .find(|(known, _)| *known == key)
            .map_or(0, |(_, weight)| *weight)
    }

    /// `count` keys in these proportions (largest remainders first), in key order.
    pub fn allocate(&self, count: usize) -> Vec<K> {
        let total: u64 = self.weights.iter().map(|(_, w)| u64::from(*w)).sum();
        let exact: Vec<(K, u64, u64)> = self
            .weights
            .iter()
            .map(|(key, weight)| {
                let scaled = count as u64 * u64::from(*weight);
                (*key, scaled / total, scaled % total)
            })
            .collect();
        let mut counts: Vec<u64> = exact.iter().map(|(_, whole, _)| *whole).collect();
        let missing = count as u64 - counts.iter().sum::<u64>();
        let mut by_remainder: Vec<usize> = (0..exact.len()).collect();
        by_remainder.sort_by_key(|&i| std::cmp::Reverse(exact[i].2));
        for &i in by_remainder.iter().take(missing as usize) {
            counts[i] += 1;
        }
        exact
            .iter()
            .zip(counts)
            .flat_map(|((key, _, _), n)| std::iter::repeat_n(*key, n as usize))
            .collect()
    }
}

/// The channel mix's keys.
pub const CHANNEL_KEYS: [(Channel, &str); 3] = [
    (Channel::Api, "api"),
    (Channel::Whatsapp, "whatsapp"),
    (Channel::Widget, "widget"),
];

/// The language shares' keys.
pub const LANGUAGE_KEYS: [(Language, &str); 3] = [
    (Language::Pt, "pt"),
    (Language::Es, "es"),
    (Language::En, "en"),
];

/// One simulated customer's fixed traits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomerProfile {
    /// Its index in the population, which also names it on the wire (see `address`).
    pub index: usize,
    pub channel: Channel,
    pub language: Language,
}

/// The population of `count` customers: exact channel and language shares, shuffled by the
/// seed so neither correlates with the index.
pub fn population(
    seed: u64,
    count: usize,
    channels: &Shares<Channel>,
    languages: &Shares<Language>,
) -> Vec<CustomerProfile> {
    let mut rng = SeededRng::derive(seed, u64::MAX);
    let mut channel_of = channels.allocate(count);
    let mut language_of = languages.allocate(count);
    rng.shuffle(&mut channel_of);
    rng.shuffle(&mut language_of);
    channel_of
        .into_iter()
        .zip(language_of)
        .enumerate()
        .map(|(index, (channel, language))| CustomerProfile {
            index,
            channel,
            language,
        })
        .collect()
}

/// What a message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// A question the bot answers.
    Routine,
    /// A request for a person: the bot hands over and an agent answers.
    Handover,
}

/// One message a customer is about to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utterance {
    pub text: &'static str,
    pub intent: Intent,
}

/// A customer's own stream of choices: what it says next and how long it thinks.
#[derive(Debug, Clone)]
pub struct Script {
    rng: SeededRng,
    language: Language,
    handover_percent: u32,
    recent: VecDeque<usize>,
}

impl Script {
    /// The script of `profile` in the run of `seed`.
    pub fn new(seed: u64, profile: &CustomerProfile, handover_percent: u32) -> Self {
        Self {
            rng: SeededRng::derive(seed, profile.index as u64),
            language: profile.language,
            handover_percent,
            recent: VecDeque::with_capacity(RECENT_QUESTIONS_AVOIDED + 1),
        }
    }

    /// The next message: a request for a person `handover_percent` times in a hundred, else a
    /// routine question other than the customer's latest ones.
    pub fn next_utterance(&mut self) -> Utterance {
        if self.rng.percent_chance(self.handover_percent) {
            let requests = handover_requests(self.language);
            return Utterance {
                text: requests[self.rng.below(requests.len())],
                intent: Intent::Handover,
            };
        }
        let questions = routine_questions(self.language);
        let fresh: Vec<usize> = (0..questions.len())
            .filter(|i| !self.recent.contains(i))
            .collect();
        let chosen = fresh[self.rng.below(fresh.len())];
        self.recent.push_back(chosen);
        if self.recent.len() > RECENT_QUESTIONS_AVOIDED {
            self.recent.pop_front();
        }
        Utterance {
            text: questions[chosen],
            intent: Intent::Routine,
        }
    }

    /// A think time drawn from `range`.
    pub fn think(&mut self, range: &MillisRange) -> Duration {
        self.rng.duration_in(range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mix(raw: &str) -> Shares<Channel> {
        Shares::parse(raw, &CHANNEL_KEYS).expect("valid mix")
    }

    fn languages() -> Shares<Language> {
        Shares::parse("pt=50,es=30,en=20", &LANGUAGE_KEYS).expect("valid shares")
    }

    #[test]
    fn shares_parse_and_reject_mistakes() {
        let shares = mix("api=40, whatsapp=30,widget=30");
        assert_eq!(shares.weight(Channel::Api), 40);
        assert_eq!(mix("widget=1").weight(Channel::Api), 0);
        assert!(Shares::parse("sms=10", &CHANNEL_KEYS).is_err());
        assert!(Shares::parse("api", &CHANNEL_KEYS).is_err());
        assert!(Shares::parse("api=x", &CHANNEL_KEYS).is_err());
        assert!(Shares::parse("api=0", &CHANNEL_KEYS).is_err());
    }

    #[test]
    fn allocation_is_exact_and_gives_remainders_to_the_largest() {
        let allocated = mix("api=40,whatsapp=30,widget=30").allocate(7);
        let count = |channel| allocated.iter().filter(|c| **c == channel).count();
        // 2.8, 2.1, 2.1: the whole parts make 6, the largest remainder (api) takes the 7th.
        assert_eq!(
            (
                count(Channel::Api),
                count(Channel::Whatsapp),
                count(Channel::Widget)
            ),
            (3, 2, 2)
        );
        assert_eq!(mix("api=1").allocate(5), vec![Channel::Api; 5]);
        assert!(mix("api=1").allocate(0).is_empty());
    }

    #[test]
    fn the_population_follows_the_seed_and_the_shares() {
        let shares = mix("api=40,whatsapp=30,widget=30");
        let first = population(42, 200, &shares, &languages());
        assert_eq!(first, population(42, 200, &shares, &languages()));
        assert_ne!(first, population(43, 200, &shares, &languages()));
        let api = first.iter().filter(|c| c.channel == Channel::Api).count();
        let spanish = first.iter().filter(|c| c.language == Language::Es).count();
        assert_eq!((api, spanish), (80, 60));
        assert!(first.iter().enumerate().all(|(i, c)| c.index == i));
    }

    #[test]
    fn a_script_is_reproducible_and_never_repeats_a_recent_question() {
        let profile = CustomerProfile {
            index: 3,
            channel: Channel::Api,
            language: Language::Es,
        };
        let said = |seed| {
            let mut script = Script::new(seed, &profile, 0);
            (0..200)
                .map(|_| script.next_utterance())
                .collect::<Vec<_>>()
        };
        let messages = said(42);
        assert_eq!(messages, said(42));
        assert_ne!(messages, said(7));
        assert!(messages.iter().all(|m| m.intent == Intent::Routine));
        for window in messages.windows(RECENT_QUESTIONS_AVOIDED + 1) {
            let last = window[RECENT_QUESTIONS_AVOIDED].text;
            assert!(
                !window[..RECENT_QUESTIONS_AVOIDED]
                    .iter()
                    .any(|m| m.text == last),
                "{last} repeated within {window:?}"
            );
        }
        assert!(
            messages
                .iter()
                .all(|m| routine_questions(Language::Es).contains(&m.text))
        );
    }

    #[test]
    fn the_handover_share_is_respected() {
        let profile = CustomerProfile {
            index: 0,
            channel: Channel::Widget,
            language: Language::En,
        };
        let mut script = Script::new(1, &profile, 10);
        let handovers = (0..10_000)
            .map(|_| script.next_utterance())
            .filter(|m| m.intent == Intent::Handover)
            .inspect(|m| assert!(handover_requests(Language::En).contains(&m.text)))
            .count();
        assert!((900..1100).contains(&handovers), "{handovers}");
    }

    #[test]
    fn think_times_stay_in_range() {
        let profile = CustomerProfile {
            index: 0,
            channel: Channel::Api,
            language: Language::Pt,
        };
        let mut script = Script::new(5, &profile, 0);
        let range = MillisRange::parse("1000..4000").expect("range");
        for _ in 0..1000 {
            let think = script.think(&range);
            assert!(think >= Duration::from_secs(1) && think <= Duration::from_secs(4));
        }
    }
}
