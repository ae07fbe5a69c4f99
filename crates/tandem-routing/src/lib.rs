//! Tandem's routing decisions, with no I/O: business-hours calendars, which team a handed-over
//! conversation goes to, the order of a queue, and which agent takes the next conversation.
//!
//! Time arrives as an argument, so every decision is deterministic and tested in isolation;
//! the store applies them inside its transactions.

pub mod assign;
pub mod calendar;
pub mod queue;
pub mod sla;
pub mod team;
