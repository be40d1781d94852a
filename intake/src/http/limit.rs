//! A per-instance rate limit on submissions: a token bucket for each client address, so that
//! a burst beyond a person's pace (a script posting in a loop) gets 429 with `Retry-After`
//! while people correcting a mistake and sending again never notice it.
//!
//! Addresses are never stored or logged: a bucket is keyed by a hash of the address (an IPv6
//! address by its /64, which one machine can vary at will) with a key drawn at random when the
//! instance starts (the standard library's `RandomState`), held in memory only and gone when
//! the instance stops. Each instance limits on its own; with AWS Lambda's reserved concurrency
//! capping the instances (the template's `ReservedConcurrency`, 5 by default), the whole
//! function lets at most that many times the burst through at once.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher as _;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most addresses remembered at once; past it, buckets that are full again are forgotten.
const REMEMBERED: usize = 10_000;

#[derive(Debug)]
pub(crate) struct RateLimit {
    /// Submissions allowed at once.
    burst: f64,
    /// The time one submission's token takes to come back.
    refill: Duration,
    salt: RandomState,
    buckets: Mutex<HashMap<u64, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimit {
    /// `burst` submissions at once, one more every `refill`; `None` when `burst` is 0 (off).
    pub(crate) fn new(burst: u32, refill: Duration) -> Option<Self> {
        (burst > 0 && !refill.is_zero()).then(|| Self {
            burst: f64::from(burst),
            refill,
            salt: RandomState::new(),
            buckets: Mutex::new(HashMap::new()),
        })
    }

    /// Takes a token for `address` at `now`, or says how long until one is back.
    pub(crate) fn take(&self, address: IpAddr, now: Instant) -> Result<(), Duration> {
        let key = self.salt.hash_one(network(address));
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= REMEMBERED {
            buckets.retain(|_, b| self.refilled(*b, now) < self.burst);
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let tokens = self.refilled(*bucket, now);
        if tokens >= 1.0 {
            *bucket = Bucket {
                tokens: tokens - 1.0,
                at: now,
            };
            Ok(())
        } else {
            *bucket = Bucket { tokens, at: now };
            Err(self.refill.mul_f64(1.0 - tokens))
        }
    }

    fn refilled(&self, bucket: Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.at);
        (bucket.tokens + elapsed.as_secs_f64() / self.refill.as_secs_f64()).min(self.burst)
    }
}

/// The part of an address that one client controls: all of an IPv4 address, an IPv6 /64.
fn network(address: IpAddr) -> [u8; 16] {
    match address {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        IpAddr::V6(v6) => {
            let mut octets = v6.octets();
            octets[8..].fill(0);
            octets
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_one_per_refill() {
        let limit = RateLimit::new(3, Duration::from_secs(30)).expect("on");
        let a: IpAddr = "203.0.113.7".parse().expect("ip");
        let b: IpAddr = "198.51.100.1".parse().expect("ip");
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limit.take(a, start), Ok(()));
        }
        let wait = limit.take(a, start).expect_err("limited");
        assert_eq!(wait, Duration::from_secs(30));
        // Another address has its own bucket.
        assert_eq!(limit.take(b, start), Ok(()));
        // Half a refill later: 15 s more to wait; a whole refill: one more.
        assert_eq!(
            limit.take(a, start + Duration::from_secs(15)),
            Err(Duration::from_secs(15))
        );
        assert_eq!(limit.take(a, start + Duration::from_secs(45)), Ok(()));
        assert!(limit.take(a, start + Duration::from_secs(45)).is_err());
    }

    #[test]
    fn an_ipv6_client_is_one_network() {
        let limit = RateLimit::new(1, Duration::from_secs(60)).expect("on");
        let now = Instant::now();
        assert_eq!(
            limit.take("2001:db8:1:2::1".parse().expect("ip"), now),
            Ok(())
        );
        assert!(
            limit
                .take("2001:db8:1:2:ffff::9".parse().expect("ip"), now)
                .is_err()
        );
        assert_eq!(
            limit.take("2001:db8:1:3::1".parse().expect("ip"), now),
            Ok(())
        );
    }

    #[test]
    fn off_when_the_burst_is_zero() {
        assert!(RateLimit::new(0, Duration::from_secs(30)).is_none());
    }

    #[test]
    fn memory_stays_bounded() {
        let limit = RateLimit::new(2, Duration::from_millis(1)).expect("on");
        let now = Instant::now();
        for i in 0..(REMEMBERED as u32 + 500) {
            let _ = limit.take(IpAddr::from(i.to_be_bytes()), now);
        }
        let later = now + Duration::from_secs(1);
        let _ = limit.take("192.0.2.1".parse().expect("ip"), later);
        assert!(limit.buckets.lock().expect("lock").len() < 100);
    }
}
