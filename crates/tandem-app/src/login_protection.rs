//! Login throttling: failed logins are counted per e-mail address (as typed, known or not, so
//! a refusal reveals nothing about which addresses exist) and per client address, in the
//! database, so every node of one PostgreSQL counts the same attempts. After a few free
//! failures each further one makes the next attempt wait twice as long, up to a temporary
//! lockout; while a key waits, no password is even checked, so a right password does not log
//! in either. The e-mail key is charged *before* the password is checked (a success refunds
//! it), so parallel guesses on many nodes cannot slip through between check and count; the
//! client key counts only real failures, so a busy office behind one address logging in at
//! nine is not slowed down.

use std::net::IpAddr;
use std::time::Duration;

use jiff::SignedDuration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use tandem_domain::Timestamp;
use tandem_store::{LoginThrottle, StoreError};

use crate::App;
use crate::secret::token_hash;

/// How one kind of key is throttled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures allowed without any wait.
    pub free_failures: i64,
    /// The wait after the first failure beyond the free ones; each further failure doubles it.
    pub first_delay: SignedDuration,
    /// From this many failures on, every failure locks the key for `lockout`.
    pub lockout_after: i64,
    /// The longest wait: the temporary lockout.
    pub lockout: SignedDuration,
    /// A key whose last failure is this old starts again from zero.
    pub forget_after: SignedDuration,
}

impl ThrottlePolicy {
    /// The wait imposed after the `failures`-th failure.
    pub fn delay_after(&self, failures: i64) -> SignedDuration {
        if failures < self.free_failures {
            return SignedDuration::ZERO;
        }
        if failures >= self.lockout_after {
            return self.lockout;
        }
        let doublings = u32::try_from(failures - self.free_failures).unwrap_or(u32::MAX);
        let factor = 2i32.checked_pow(doublings).unwrap_or(i32::MAX);
        self.first_delay
            .checked_mul(factor)
            .map_or(self.lockout, |delay| delay.min(self.lockout))
    }

    /// The counter as it stands at `now`: a forgotten one is none.
    fn current(&self, throttle: Option<LoginThrottle>, now: Timestamp) -> Option<LoginThrottle> {
        throttle.filter(|throttle| now.duration_since(throttle.last_failure_at) < self.forget_after)
    }

    /// How long an attempt at `now` must still wait, if it must.
    pub fn wait(&self, throttle: Option<LoginThrottle>, now: Timestamp) -> Option<SignedDuration> {
        let throttle = self.current(throttle, now)?;
        let wait = throttle.locked_until.duration_since(now);
        wait.is_positive().then_some(wait)
    }

    /// The counter after one more failure at `now`.
    pub fn after_failure(&self, throttle: Option<LoginThrottle>, now: Timestamp) -> LoginThrottle {
        let failures = self.current(throttle, now).map_or(0, |t| t.failures) + 1;
        LoginThrottle {
            failures,
            locked_until: now.checked_add(self.delay_after(failures)).unwrap_or(now),
            last_failure_at: now,
        }
    }
}

/// The throttles of logins (and of everything that checks a password or a code again).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginProtection {
    /// Per e-mail address: 5 free failures, then 1 s doubling, locked 15 minutes from the 10th.
    pub per_email: ThrottlePolicy,
    /// Per client address (an IPv6 /64): 20 free failures, then 1 s doubling to 15 minutes.
    pub per_client: ThrottlePolicy,
}

impl Default for LoginProtection {
    fn default() -> Self {
        Self {
            per_email: ThrottlePolicy {
                free_failures: 5,
                first_delay: SignedDuration::from_secs(1),
                lockout_after: 10,
                lockout: SignedDuration::from_mins(15),
                forget_after: SignedDuration::from_hours(1),
            },
            per_client: ThrottlePolicy {
                free_failures: 20,
                first_delay: SignedDuration::from_secs(1),
                lockout_after: 30,
                lockout: SignedDuration::from_mins(15),
                forget_after: SignedDuration::from_hours(1),
            },
        }
    }
}

/// The stored key of an e-mail address as typed (trimmed, lower-cased).
fn email_key(email: &str) -> String {
    token_hash(&format!("login email:{}", email.trim().to_lowercase()))
}

/// The stored key of a client address; IPv6 clients are counted per /64, the block one
/// subscriber usually holds.
fn client_key(client: IpAddr) -> String {
    let client = match client {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let segments = v6.segments();
                format!(
                    "{:x}:{:x}:{:x}:{:x}::/64",
                    segments[0], segments[1], segments[2], segments[3]
                )
            }
        },
    };
    token_hash(&format!("login client:{client}"))
}

/// Who is trying to log in (or to prove again who they are).
#[derive(Clone, Copy, Debug)]
pub struct Attempt<'a> {
    /// The e-mail address as typed.
    pub email: &'a str,
    /// The client's address, when the server knows it.
    pub client: Option<IpAddr>,
}

/// Why an attempt may not go ahead.
#[derive(Debug, thiserror::Error)]
pub enum ThrottleError {
    /// The e-mail address or the client address must wait this long.
    #[error("too many failed attempts; try again in {retry_after_seconds} seconds")]
    TooManyAttempts { retry_after_seconds: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn too_many(wait: SignedDuration) -> ThrottleError {
    // Whole seconds, rounded up: waiting the advertised time is always enough.
    let millis = u128::try_from(wait.as_millis()).unwrap_or(0);
    let seconds = u64::try_from(millis.div_ceil(1000))
        .unwrap_or(u64::MAX)
        .max(1);
    ThrottleError::TooManyAttempts {
        retry_after_seconds: seconds,
    }
}

impl App {
    /// Refuses the attempt while its client address or e-mail address must wait; otherwise
    /// charges the e-mail address one failure, refunded by [`App::attempt_succeeded`].
    pub(crate) async fn begin_attempt(
        &self,
        attempt: Attempt<'_>,
        now: Timestamp,
    ) -> Result<(), ThrottleError> {
        let protection = self.auth.protection;
        if let Some(client) = attempt.client {
            let wait = self
                .store
                .update_login_throttle(&client_key(client), |current| {
                    (current, protection.per_client.wait(current, now))
                })
                .await?;
            if let Some(wait) = wait {
                return Err(too_many(wait));
            }
        }
        let policy = protection.per_email;
        let wait = self
            .store
            .update_login_throttle(&email_key(attempt.email), |current| {
                match policy.wait(current, now) {
                    Some(wait) => (current, Some(wait)),
                    None => (Some(policy.after_failure(current, now)), None),
                }
            })
            .await?;
        match wait {
            Some(wait) => Err(too_many(wait)),
            None => Ok(()),
        }
    }

    /// Counts the failure against the client address (the e-mail address was charged when the
    /// attempt began).
    pub(crate) async fn attempt_failed(
        &self,
        attempt: Attempt<'_>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        if let Some(client) = attempt.client {
            let policy = self.auth.protection.per_client;
            self.store
                .update_login_throttle(&client_key(client), |current| {
                    (Some(policy.after_failure(current, now)), ())
                })
                .await?;
        }
        Ok(())
    }

    /// Clears the e-mail address's failures after a complete login (or re-authentication).
    pub(crate) async fn attempt_succeeded(&self, attempt: Attempt<'_>) -> Result<(), StoreError> {
        self.store
            .update_login_throttle(&email_key(attempt.email), |_| (None, ()))
            .await?;
        Ok(())
    }
}

/// Forgets stale failure counters and expired login challenges every ten minutes.
pub(crate) fn spawn_cleanup(app: App, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(600));
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = every.tick() => {
                    let now = app.now();
                    let protection = app.auth.protection;
                    let oldest = protection.per_email.forget_after.max(protection.per_client.forget_after);
                    let before = now.checked_sub(oldest).unwrap_or(now);
                    if let Err(error) = app.store.delete_stale_login_throttles(before).await {
                        tracing::warn!(%error, "forgetting old login failures failed");
                    }
                    if let Err(error) = app.store.delete_expired_two_factor_challenges(now).await {
                        tracing::warn!(%error, "removing expired login challenges failed");
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + seconds).unwrap()
    }

    #[test]
    fn waits_double_after_the_free_failures_up_to_the_lockout() {
        let policy = LoginProtection::default().per_email;
        let waits: Vec<i64> = (1..=12)
            .map(|failures| policy.delay_after(failures).as_secs())
            .collect();
        assert_eq!(waits, [0, 0, 0, 0, 1, 2, 4, 8, 16, 900, 900, 900]);
        let client = LoginProtection::default().per_client;
        assert_eq!(client.delay_after(19).as_secs(), 0);
        assert_eq!(client.delay_after(29).as_secs(), 512);
        assert_eq!(client.delay_after(1000).as_secs(), 900);
    }

    #[test]
    fn a_locked_key_waits_until_its_time_and_old_failures_are_forgotten() {
        let policy = LoginProtection::default().per_email;
        let mut throttle = None;
        for _ in 0..10 {
            throttle = Some(policy.after_failure(throttle, at(0)));
        }
        assert_eq!(
            policy.wait(throttle, at(0)),
            Some(SignedDuration::from_mins(15))
        );
        assert_eq!(
            policy.wait(throttle, at(899)),
            Some(SignedDuration::from_secs(1))
        );
        assert_eq!(policy.wait(throttle, at(900)), None);
        // One more failure after the lockout locks again at once.
        let again = policy.after_failure(throttle, at(900));
        assert_eq!(again.failures, 11);
        assert_eq!(
            policy.wait(Some(again), at(901)),
            Some(SignedDuration::from_secs(899))
        );
        // An hour without failures starts from zero.
        let fresh = policy.after_failure(throttle, at(3600));
        assert_eq!(fresh.failures, 1);
        assert_eq!(policy.wait(Some(fresh), at(3600)), None);
    }

    #[test]
    fn keys_hide_what_was_typed_and_group_ipv6_by_64() {
        assert_eq!(
            email_key(" Ana@Aurora.Example "),
            email_key("ana@aurora.example")
        );
        assert!(!email_key("ana@aurora.example").contains("ana"));
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(client_key(mapped), client_key("192.0.2.7".parse().unwrap()));
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let ThrottleError::TooManyAttempts {
            retry_after_seconds,
        } = too_many(SignedDuration::from_millis(1001))
        else {
            panic!("not too many attempts");
        };
        assert_eq!(retry_after_seconds, 2);
    }
}
