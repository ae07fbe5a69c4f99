//! In-memory token buckets for what anyone on the internet may call without an account: new
//! widget visitors per client address and widget messages per visitor. Each key holds up to
//! `per_minute` tokens and regains them at `per_minute` a minute; a request without a token is
//! answered 429 with `Retry-After`. The buckets live in this node's memory, so with N nodes
//! behind a load balancer a client gets up to N times the limit, and they start full after a
//! restart: a brake on floods, not a quota.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Above this many keys, buckets that have refilled completely are forgotten.
const MAX_KEYS: usize = 100_000;

/// Token buckets keyed by client address or visitor.
#[derive(Debug)]
pub struct RateLimiter<K> {
    per_minute: u32,
    buckets: Mutex<HashMap<K, Bucket>>,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// A refused request: how long until a token is back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limited {
    pub retry_after: Duration,
}

impl<K: Eq + Hash> RateLimiter<K> {
    /// At most `per_minute` requests a minute per key, all of them at once if saved up;
    /// 0 turns the limit off.
    pub fn per_minute(per_minute: u32) -> Self {
        Self {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `key` at `now`, or says how long to wait for one.
    pub fn check(&self, key: K, now: Instant) -> Result<(), Limited> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        // A poisoned lock only means another request panicked mid-update; the buckets are
        // still numbers, so keep limiting with them.
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_KEYS {
            buckets.retain(|_, bucket| {
                bucket.tokens + now.saturating_duration_since(bucket.at).as_secs_f64() * per_second
                    < capacity
            });
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let refilled = now.saturating_duration_since(bucket.at).as_secs_f64() * per_second;
        bucket.tokens = (bucket.tokens + refilled).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Limited {
                retry_after: Duration::from_secs_f64((1.0 - bucket.tokens) / per_second),
            })
        }
    }
}

/// The widget's limits: new visitors per client address, messages per visitor.
#[derive(Debug)]
pub struct WidgetLimits {
    pub new_visitors: RateLimiter<IpAddr>,
    pub messages: RateLimiter<String>,
}

impl WidgetLimits {
    pub fn new(new_visitors_per_minute: u32, messages_per_minute: u32) -> Self {
        Self {
            new_visitors: RateLimiter::per_minute(new_visitors_per_minute),
            messages: RateLimiter::per_minute(messages_per_minute),
        }
    }
}

/// The key of a client address: an IPv4 address, or an IPv6 address's /64 network (what one
/// subscriber usually gets, so rotating addresses inside it does not escape the limit).
pub fn client_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(std::net::Ipv6Addr::from(
                u128::from(v6) & !u128::from(u64::MAX),
            )),
        },
        v4 => v4,
    }
}

impl Limited {
    /// Whole seconds to wait, at least one (the `Retry-After` value).
    pub fn retry_after_seconds(self) -> u64 {
        self.retry_after.as_secs_f64().ceil().max(1.0) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_up_to_the_limit_passes_then_tokens_come_back_over_time() {
        let limiter = RateLimiter::per_minute(3);
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check("a", start), Ok(()));
        }
        let refused = limiter.check("a", start).unwrap_err();
        assert_eq!(refused.retry_after_seconds(), 20);
        assert_eq!(limiter.check("b", start), Ok(()), "keys are separate");
        assert!(limiter.check("a", start + Duration::from_secs(19)).is_err());
        assert_eq!(limiter.check("a", start + Duration::from_secs(20)), Ok(()));
        assert_eq!(
            limiter.check("a", start + Duration::from_secs(3600)),
            Ok(()),
            "a full bucket holds no more than the limit"
        );
        assert_eq!(
            limiter.check("a", start + Duration::from_secs(3600)),
            Ok(())
        );
        assert_eq!(
            limiter.check("a", start + Duration::from_secs(3600)),
            Ok(())
        );
        assert!(
            limiter
                .check("a", start + Duration::from_secs(3600))
                .is_err()
        );
    }

    #[test]
    fn an_ipv6_client_is_its_64_network() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(other));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(client_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn zero_turns_the_limit_off() {
        let limiter = RateLimiter::per_minute(0);
        let now = Instant::now();
        assert!((0..1000).all(|_| limiter.check(1, now).is_ok()));
    }
}
