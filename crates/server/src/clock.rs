//! The server's clock, injected so tests and the demo can run a day at any speed.

use frontdesk_domain::Timestamp;
use std::sync::Mutex;
use std::time::Instant;

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
    /// How many simulated seconds pass per real second (1 in production).
    fn speed(&self) -> f64 {
        1.0
    }
    /// The time by which one-time codes are checked: the time on the
    /// phone's authenticator app. It is `now` on every clock but the demo's,
    /// whose simulated day runs faster than any phone.
    fn code_time(&self) -> Timestamp {
        self.now()
    }
}

/// The wall clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        chrono::Utc::now()
    }
}

/// A clock that only moves when told to: for tests.
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    pub fn new(start: Timestamp) -> ManualClock {
        ManualClock(Mutex::new(start))
    }
    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
    pub fn set(&self, to: Timestamp) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A clock that starts at a chosen moment and runs `speed` times faster than
/// real time: the demo's clinic day.
pub struct ScaledClock {
    start: Timestamp,
    real_start: Instant,
    speed: f64,
}

impl ScaledClock {
    pub fn new(start: Timestamp, speed: f64) -> ScaledClock {
        ScaledClock {
            start,
            real_start: Instant::now(),
            speed: speed.max(0.0),
        }
    }
}

impl Clock for ScaledClock {
    fn now(&self) -> Timestamp {
        let real = self.real_start.elapsed().as_secs_f64();
        self.start + chrono::Duration::milliseconds((real * self.speed * 1000.0) as i64)
    }
    fn speed(&self) -> f64 {
        self.speed
    }
    fn code_time(&self) -> Timestamp {
        chrono::Utc::now()
    }
}
