//! Tandem's metric definitions as pure code: a conversation's event log and messages fold into
//! [`ConversationFacts`], facts add up into a [`Tally`] (sums and counts only, so tallies of
//! groups, days or database rows merge), and a tally reads as [`Metric`] values. Calendar
//! ranges and day/week buckets are counted in the account's IANA time zone. See
//! `docs/metrics.md` for each definition in words.
//!
//! No I/O and no clock: the store keeps facts up to date and sums them with SQL; the report
//! time ("as of") is an argument wherever a definition depends on it.

pub mod asks;
pub mod csv;
pub mod facts;
pub mod group;
pub mod metric;
pub mod occupancy;
pub mod period;
pub mod tally;

pub use facts::{ABANDON_AFTER_MS, ConversationFacts, ConversationLog};
pub use group::GroupBy;
pub use metric::Metric;
pub use period::{Bucket, DateRange, RangeError};
pub use tally::Tally;
