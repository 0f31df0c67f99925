//! Throttles for the public doors, held in memory by each server: sign-in
//! per (name, address) and per address, public forms per address, check-ins
//! per kiosk. One mechanism, [`Backoff`]: a number of attempts allowed at
//! once, after which each further one must wait a delay that doubles up to a
//! cap; the count drains by one every `drain` period, so a caller who stops
//! is forgiven in time. Nothing here ever locks out an account: the keys
//! carry the caller's address, so a stranger elsewhere cannot slow the owner.
//!
//! Every table is bounded: keys are cut to [`MAX_KEY`] bytes, and a full
//! table first drops the entries that have drained, then the oldest half.

use frontdesk_domain::Timestamp;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// The longest key kept (a name longer than any username, and an address).
pub const MAX_KEY: usize = 128;

/// How a [`Backoff`] counts.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Attempts allowed at once before any delay.
    pub free: u32,
    /// The first delay once they are used; each later one doubles it…
    pub first: chrono::Duration,
    /// …up to this.
    pub max: chrono::Duration,
    /// One attempt is forgotten every `drain`.
    pub drain: chrono::Duration,
}

impl Rule {
    /// Wrong sign-ins for one name from one address: 5 at once, then 30 s,
    /// 1 min, 2 min… up to 15 min between tries; one forgotten every 15 min.
    pub const SIGN_IN_NAME: Rule = Rule {
        free: 5,
        first: chrono::Duration::seconds(30),
        max: chrono::Duration::minutes(15),
        drain: chrono::Duration::minutes(15),
    };
    /// Wrong sign-ins from one address, whatever the name: 20 at once, then
    /// 1 min, 2 min… up to an hour; one forgotten every 3 min (20 an hour).
    pub const SIGN_IN_ADDRESS: Rule = Rule {
        free: 20,
        first: chrono::Duration::minutes(1),
        max: chrono::Duration::hours(1),
        drain: chrono::Duration::minutes(3),
    };
    /// Public forms (feedback, pairing links) from one address: 10 an hour.
    pub const PUBLIC_FORM: Rule = Rule {
        free: 10,
        first: chrono::Duration::minutes(6),
        max: chrono::Duration::hours(1),
        drain: chrono::Duration::minutes(6),
    };
    /// Check-ins at one kiosk: 5 at once, then one every 12 s.
    pub const KIOSK: Rule = Rule {
        free: 5,
        first: chrono::Duration::seconds(12),
        max: chrono::Duration::seconds(12),
        drain: chrono::Duration::seconds(12),
    };

    /// The delay after the `over`-th attempt beyond the free ones (0-based).
    fn delay(&self, over: u32) -> chrono::Duration {
        let factor = 1i32.checked_shl(over.min(30)).unwrap_or(i32::MAX);
        self.first
            .checked_mul(factor)
            .map_or(self.max, |d| d.min(self.max))
    }
}

#[derive(Debug, Clone, Copy)]
struct Strikes {
    count: u32,
    /// From when the count drains.
    since: Timestamp,
    /// No attempt before this.
    until: Timestamp,
}

impl Strikes {
    fn drain(&mut self, rule: &Rule, now: Timestamp) {
        let every = rule.drain.num_milliseconds().max(1);
        let steps = (now - self.since).num_milliseconds() / every;
        if steps > 0 {
            let steps_u32 = u32::try_from(steps).unwrap_or(u32::MAX);
            self.count = self.count.saturating_sub(steps_u32);
            self.since = if self.count == 0 {
                now
            } else {
                self.since + chrono::Duration::milliseconds(steps.saturating_mul(every))
            };
        }
    }

    fn spent(&self, now: Timestamp) -> bool {
        self.count == 0 && self.until <= now
    }
}

/// Attempts per key under a [`Rule`], in a bounded table.
pub struct Backoff {
    rule: Rule,
    capacity: usize,
    table: Mutex<HashMap<String, Strikes>>,
}

fn cut(key: &str) -> &str {
    if key.len() <= MAX_KEY {
        return key;
    }
    let mut end = MAX_KEY;
    while !key.is_char_boundary(end) {
        end -= 1;
    }
    &key[..end]
}

impl Backoff {
    /// A table of at most `capacity` keys.
    pub fn new(rule: Rule, capacity: usize) -> Backoff {
        Backoff {
            rule,
            capacity: capacity.max(2),
            table: Mutex::new(HashMap::new()),
        }
    }

    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<String, Strikes>> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Count one attempt, if one is allowed now; otherwise how long to wait
    /// (and nothing is counted). Count *before* the work it guards, so many
    /// attempts sent at once cannot all slip through.
    pub fn attempt(&self, key: &str, now: Timestamp) -> Result<(), chrono::Duration> {
        let key = cut(key);
        let mut table = self.table();
        if table.len() >= self.capacity && !table.contains_key(key) {
            self.make_room(&mut table, now);
        }
        let s = table.entry(key.to_string()).or_insert(Strikes {
            count: 0,
            since: now,
            until: now,
        });
        s.drain(&self.rule, now);
        if now < s.until {
            return Err(s.until - now);
        }
        if s.count == 0 {
            s.since = now;
        }
        s.count = s.count.saturating_add(1);
        if s.count >= self.rule.free {
            s.until = now + self.rule.delay(s.count - self.rule.free);
        }
        Ok(())
    }

    /// Take back one attempt (it went right, or was never tried).
    pub fn refund(&self, key: &str, now: Timestamp) {
        let key = cut(key);
        let mut table = self.table();
        if let Some(s) = table.get_mut(key) {
            s.count = s.count.saturating_sub(1);
            if s.count < self.rule.free {
                s.until = s.until.min(now);
            }
            if s.spent(now) {
                table.remove(key);
            }
        }
    }

    /// Forget a key (the owner proved who they are).
    pub fn forgive(&self, key: &str) {
        self.table().remove(cut(key));
    }

    /// How many keys are held (for tests and the memory bench).
    pub fn len(&self) -> usize {
        self.table().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn make_room(&self, table: &mut HashMap<String, Strikes>, now: Timestamp) {
        table.retain(|_, s| {
            s.drain(&self.rule, now);
            !s.spent(now)
        });
        if table.len() < self.capacity {
            return;
        }
        // Still full (a flood of new keys): keep the newer half. The oldest
        // have had longest to drain; dropping them is the least harm.
        let mut since: Vec<Timestamp> = table.values().map(|s| s.since).collect();
        let mid = since.len() / 2;
        let (_, cutoff, _) = since.select_nth_unstable(mid);
        let cutoff = *cutoff;
        table.retain(|_, s| s.since > cutoff);
    }
}

/// The part of an address that names one caller: all of an IPv4 address,
/// the /64 network of an IPv6 one (one subscriber's), an IPv4-mapped IPv6
/// address as IPv4.
pub fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn t0() -> Timestamp {
        chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn attempts_beyond_the_free_ones_wait_doubling_delays() {
        let b = Backoff::new(Rule::SIGN_IN_NAME, 100);
        for _ in 0..5 {
            assert!(b.attempt("ana|10.0.0.1", t0()).is_ok());
        }
        assert_eq!(b.attempt("ana|10.0.0.1", t0()), Err(Duration::seconds(30)));
        // Refused attempts are not counted: the wait does not grow.
        assert_eq!(
            b.attempt("ana|10.0.0.1", t0() + Duration::seconds(10)),
            Err(Duration::seconds(20))
        );
        let t = t0() + Duration::seconds(30);
        assert!(b.attempt("ana|10.0.0.1", t).is_ok());
        assert_eq!(b.attempt("ana|10.0.0.1", t), Err(Duration::minutes(1)));
        let t = t + Duration::minutes(1);
        assert!(b.attempt("ana|10.0.0.1", t).is_ok());
        assert_eq!(b.attempt("ana|10.0.0.1", t), Err(Duration::minutes(2)));
        // Another address, or another name, is not slowed.
        assert!(b.attempt("ana|10.0.0.2", t).is_ok());
        assert!(b.attempt("bob|10.0.0.1", t).is_ok());
    }

    #[test]
    fn delays_stop_at_the_cap() {
        let rule = Rule::SIGN_IN_NAME;
        assert_eq!(rule.delay(0), Duration::seconds(30));
        assert_eq!(rule.delay(4), Duration::minutes(8));
        assert_eq!(rule.delay(5), Duration::minutes(15));
        assert_eq!(rule.delay(500), Duration::minutes(15));
    }

    #[test]
    fn a_caller_who_stops_is_forgiven_in_time() {
        let b = Backoff::new(Rule::SIGN_IN_NAME, 100);
        for _ in 0..5 {
            b.attempt("k", t0()).unwrap();
        }
        assert!(b.attempt("k", t0()).is_err());
        // Five drain periods later the count is back to nothing: five at once again.
        let later = t0() + Duration::minutes(75);
        for _ in 0..5 {
            assert!(b.attempt("k", later).is_ok());
        }
        assert!(b.attempt("k", later).is_err());
    }

    #[test]
    fn a_success_is_refunded_and_the_owner_forgiven() {
        let b = Backoff::new(Rule::SIGN_IN_ADDRESS, 100);
        for _ in 0..19 {
            b.attempt("a", t0()).unwrap();
        }
        b.attempt("a", t0()).unwrap();
        b.refund("a", t0());
        assert!(
            b.attempt("a", t0()).is_ok(),
            "the refunded one frees a place"
        );
        b.forgive("a");
        assert!(b.is_empty());
    }

    #[test]
    fn the_table_stays_bounded_under_a_flood_of_new_keys() {
        let b = Backoff::new(Rule::SIGN_IN_ADDRESS, 1000);
        for i in 0..50_000u32 {
            let t = t0() + Duration::milliseconds(i64::from(i));
            b.attempt(&format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255), t)
                .unwrap();
            assert!(b.len() <= 1000);
        }
        // A key is cut to MAX_KEY bytes, on a character boundary.
        let long = "é".repeat(1000);
        b.attempt(&long, t0()).unwrap();
        assert!(b.table().keys().all(|k| k.len() <= MAX_KEY));
    }

    #[test]
    fn a_kiosk_takes_five_at_once_then_one_every_twelve_seconds() {
        let b = Backoff::new(Rule::KIOSK, 100);
        for _ in 0..5 {
            b.attempt("1", t0()).unwrap();
        }
        assert_eq!(b.attempt("1", t0()), Err(Duration::seconds(12)));
        let t = t0() + Duration::seconds(12);
        assert!(b.attempt("1", t).is_ok());
        assert_eq!(b.attempt("1", t), Err(Duration::seconds(12)));
    }

    #[test]
    fn an_address_key_names_one_caller() {
        assert_eq!(address_key("203.0.113.9".parse().unwrap()), "203.0.113.9");
        assert_eq!(
            address_key("2001:db8:1:2:aaaa::1".parse().unwrap()),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            address_key("2001:db8:1:2:bbbb::7".parse().unwrap()),
            address_key("2001:db8:1:2:aaaa::1".parse().unwrap())
        );
        assert_eq!(
            address_key("::ffff:192.0.2.1".parse().unwrap()),
            "192.0.2.1"
        );
    }
}
