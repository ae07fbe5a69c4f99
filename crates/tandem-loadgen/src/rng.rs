//! A small seeded random number generator, so every choice of a run follows from its seed.
//!
//! SplitMix64 is ours rather than a crate's so that a seed means the same run across dependency
//! upgrades; its statistical quality is far beyond what choosing messages and delays needs.

use std::time::Duration;

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// A deterministic stream of pseudo-random numbers.
#[derive(Debug, Clone)]
pub struct SeededRng {
    state: u64,
}

impl SeededRng {
    /// The stream of `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// An independent stream for one participant (`stream`: a customer's index, ...) of a run,
    /// so its choices do not depend on how many numbers other participants drew.
    pub fn derive(seed: u64, stream: u64) -> Self {
        Self::new(mix(seed ^ mix(stream.wrapping_add(GOLDEN_GAMMA))))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix(self.state)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        // The top 53 bits fill an f64's mantissa exactly.
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n`; `n` must not be zero.
    pub fn below(&mut self, n: usize) -> usize {
        // Multiply-shift maps 64 random bits onto 0..n with a bias below 2^-32 for any n we use.
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        let span = high.saturating_sub(low).saturating_add(1);
        low + ((u128::from(self.next_u64()) * u128::from(span)) >> 64) as u64
    }

    /// True `percent` times in a hundred.
    pub fn percent_chance(&mut self, percent: u32) -> bool {
        self.unit() * 100.0 < f64::from(percent)
    }

    /// A duration uniform in `range` (inclusive, millisecond steps).
    pub fn duration_in(&mut self, range: &MillisRange) -> Duration {
        Duration::from_millis(self.between(range.low, range.high))
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// A range of milliseconds written `LOW..HIGH` (both included), or one number for a fixed value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MillisRange {
    pub low: u64,
    pub high: u64,
}

impl MillisRange {
    /// Parses `1000..4000` or `1500`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let number = |text: &str| {
            text.trim()
                .parse::<u64>()
                .map_err(|_| format!("{text:?} is not a whole number of milliseconds"))
        };
        let (low, high) = match raw.split_once("..") {
            Some((low, high)) => (number(low)?, number(high)?),
            None => {
                let value = number(raw)?;
                (value, value)
            }
        };
        if low > high {
            return Err(format!("{raw:?}: the low end is above the high end"));
        }
        Ok(Self { low, high })
    }
}

fn mix(value: u64) -> u64 {
    let mut z = value;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let mut a = SeededRng::new(42);
        let mut b = SeededRng::new(42);
        let first: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let second: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(first, second);
        assert_ne!(SeededRng::new(43).next_u64(), first[0]);
    }

    #[test]
    fn splitmix64_matches_its_reference_output() {
        // The first outputs of the reference implementation seeded with 1234567.
        let mut rng = SeededRng::new(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn derived_streams_differ_per_participant() {
        let a = SeededRng::derive(7, 0).next_u64();
        let b = SeededRng::derive(7, 1).next_u64();
        assert_ne!(a, b);
        assert_eq!(a, SeededRng::derive(7, 0).next_u64());
    }

    #[test]
    fn draws_stay_within_their_bounds() {
        let mut rng = SeededRng::new(9);
        for _ in 0..10_000 {
            assert!(rng.below(7) < 7);
            assert!((10..=20).contains(&rng.between(10, 20)));
            let unit = rng.unit();
            assert!((0.0..1.0).contains(&unit));
        }
        assert_eq!(rng.between(5, 5), 5);
    }

    #[test]
    fn percent_chance_is_roughly_the_percent() {
        let mut rng = SeededRng::new(3);
        let hits = (0..100_000).filter(|_| rng.percent_chance(10)).count();
        assert!((9_000..11_000).contains(&hits), "{hits}");
        assert!(!(0..1000).any(|_| rng.percent_chance(0)));
        assert!((0..1000).all(|_| rng.percent_chance(100)));
    }

    #[test]
    fn shuffle_keeps_every_item() {
        let mut items: Vec<u32> = (0..50).collect();
        SeededRng::new(1).shuffle(&mut items);
        let mut sorted = items.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_ne!(items, sorted);
    }

    #[test]
    fn millis_ranges_parse_both_forms() {
        assert_eq!(
            MillisRange::parse("1000..4000"),
            Ok(MillisRange {
                low: 1000,
                high: 4000
            })
        );
        assert_eq!(
            MillisRange::parse("250"),
            Ok(MillisRange {
                low: 250,
                high: 250
            })
        );
        assert!(MillisRange::parse("4000..1000").is_err());
        assert!(MillisRange::parse("fast").is_err());
    }
}
