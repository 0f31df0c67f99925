//! What every handler shares: the store, the clock, the configuration, the
//! live event channel and what the server keeps in memory (caches, rate
//! limits, the quote engine, what the watcher has already said).

use crate::clock::Clock;
use crate::config::ServerConfig;
use crate::live::{Envelope, LiveEvent, Shared};
use crate::throttle::{Backoff, Rule};
use frontdesk_domain::{AckPolicy, AckStatus, Timestamp};
use frontdesk_store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

pub struct Inner {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub config: ServerConfig,
    pub events: broadcast::Sender<LiveEvent>,
    /// Sign-in throttles (see [`crate::throttle`]): per (name, address)…
    pub sign_in_names: Backoff,
    /// …and per address.
    pub sign_in_addresses: Backoff,
    /// Public forms (feedback, kiosk pairing) per address.
    pub public_forms: Backoff,
    /// Password checks running at once (see `ServerConfig::password_hash_slots`).
    pub hash_slots: tokio::sync::Semaphore,
    pub clock_watch: Mutex<ClockWatch>,
    /// Turns true when the server is shutting down; open event streams end.
    pub shutdown: tokio::sync::watch::Sender<bool>,
    /// When each visit last raised an "upset" alert (at most one an hour).
    pub upset_alerts: Mutex<std::collections::HashMap<i64, Timestamp>>,
    /// Promises whose owner this server knows were reminded (the reminder's
    /// mark in the database makes it once across servers and restarts).
    pub promise_reminders: Mutex<std::collections::HashSet<i64>>,
    /// Sessions checked recently (see `auth::cached_session`).
    pub session_cache:
        Mutex<std::collections::HashMap<String, (frontdesk_store::Session, std::time::Instant)>>,
    /// Locations read recently: they change rarely and are read on every request.
    pub location_cache:
        Mutex<std::collections::HashMap<String, (frontdesk_store::Location, std::time::Instant)>>,
    /// The live quote engine, fed with every arrival and move.
    pub quote_engine: std::sync::RwLock<frontdesk_domain::quote::QuoteEngine>,
    /// When each session last had a live board refresh audited.
    pub live_audit: Mutex<std::collections::HashMap<String, std::time::Instant>>,
    /// Check-ins per kiosk…
    pub kiosk_checkins: Backoff,
    /// …and when staff were last told a kiosk was busy.
    pub kiosk_told: Mutex<std::collections::HashMap<i64, Timestamp>>,
    /// The last complaint the escalation watcher looked at (see
    /// `app::complaints::check_escalations`).
    pub escalation_cursor: std::sync::atomic::AtomicI64,
    /// An outbox delivery run is going (see `outbox::start_delivery`).
    pub outbox_busy: std::sync::atomic::AtomicBool,
    /// The UTC day this server last asked for the daily purge (see `retention`).
    pub purged_on: Mutex<Option<chrono::NaiveDate>>,
    /// This server among those sharing the database (random at start).
    pub origin: u64,
    /// Messages sent to the other servers so far.
    pub shared_sent: std::sync::atomic::AtomicU64,
    /// Messages for the other servers, in order, when the database is
    /// shared; `app::shared` sends them.
    pub outgoing: Option<tokio::sync::mpsc::Sender<String>>,
    /// Where `app::shared::start` takes the queue's other end from.
    pub outgoing_queue: Mutex<Option<tokio::sync::mpsc::Receiver<String>>>,
    /// Messages for the other servers are being dropped (the queue is full).
    pub outgoing_full: std::sync::atomic::AtomicBool,
    /// Whether this server is the watcher now (holds the watcher lock).
    pub watching: std::sync::atomic::AtomicBool,
    /// What this process counts for `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
}

/// Messages waiting for the shared channel: beyond this they are dropped
/// (with a log line); open boards catch up on their timer refresh.
const OUTGOING: usize = 10_000;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: ServerConfig) -> AppState {
        let (events, _) = broadcast::channel(4096);
        let (outgoing, queue) = match store.shared() {
            Some(_) => {
                let (tx, rx) = tokio::sync::mpsc::channel(OUTGOING);
                (Some(tx), Some(rx))
            }
            None => (None, None),
        };
        let hash_slots = config.password_hash_slots;
        let engine = quote_engine(&config);
        AppState(Arc::new(Inner {
            store,
            clock,
            config,
            events,
            sign_in_names: Backoff::new(Rule::SIGN_IN_NAME, 100_000),
            sign_in_addresses: Backoff::new(Rule::SIGN_IN_ADDRESS, 100_000),
            public_forms: Backoff::new(Rule::PUBLIC_FORM, 100_000),
            hash_slots: tokio::sync::Semaphore::new(hash_slots),
            clock_watch: Mutex::new(ClockWatch::default()),
            location_cache: Mutex::new(Default::default()),
            session_cache: Mutex::new(Default::default()),
            upset_alerts: Mutex::new(Default::default()),
            promise_reminders: Mutex::new(Default::default()),
            shutdown: tokio::sync::watch::channel(false).0,
            quote_engine: std::sync::RwLock::new(engine),
            live_audit: Mutex::new(Default::default()),
            kiosk_checkins: Backoff::new(Rule::KIOSK, 10_000),
            kiosk_told: Mutex::new(Default::default()),
            escalation_cursor: std::sync::atomic::AtomicI64::new(0),
            outbox_busy: std::sync::atomic::AtomicBool::new(false),
            purged_on: Mutex::new(None),
            origin: rand::random(),
            shared_sent: std::sync::atomic::AtomicU64::new(0),
            outgoing,
            outgoing_queue: Mutex::new(queue),
            outgoing_full: std::sync::atomic::AtomicBool::new(false),
            watching: std::sync::atomic::AtomicBool::new(false),
            metrics: Default::default(),
        }))
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// A location, from a short-lived cache (a few seconds): settings saved
    /// through any server clear it at once (on PostgreSQL the others hear of
    /// it through the shared channel); at the latest it is read again after
    /// `LOCATION_CACHE`.
    pub async fn location(
        &self,
        id: &str,
    ) -> Result<frontdesk_store::Location, frontdesk_store::StoreError> {
        const LOCATION_CACHE: std::time::Duration = std::time::Duration::from_secs(5);
        if let Some((loc, at)) = self
            .location_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            && at.elapsed() < LOCATION_CACHE
        {
            return Ok(loc.clone());
        }
        let loc = self.store.location(id).await?;
        // A location's own quote quantile may have changed (here or on another server).
        self.quotes_mut()
            .set_location_quantile(&loc.id, loc.quote_quantile());
        let mut cache = self
            .location_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if cache.len() > 1000 {
            cache.clear();
        }
        cache.insert(id.to_string(), (loc.clone(), std::time::Instant::now()));
        Ok(loc)
    }

    /// Forget cached locations (after their settings change), here and on
    /// every server sharing the database.
    pub fn locations_changed(&self) {
        self.forget_locations();
        self.share(Shared::Locations);
    }

    /// Forget cached locations on this server only.
    pub fn forget_locations(&self) {
        self.location_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// A quote engine as this server starts one, knowing nothing yet.
    pub fn new_quote_engine(&self) -> frontdesk_domain::quote::QuoteEngine {
        quote_engine(&self.config)
    }

    /// The quote engine, to read: quotes for many patients at once (a
    /// check-in's, a status page's, the watcher's re-quotes) are worked out
    /// side by side.
    pub fn quotes(&self) -> std::sync::RwLockReadGuard<'_, frontdesk_domain::quote::QuoteEngine> {
        self.quote_engine.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The quote engine, to change (an arrival, a move, a quantile): waits
    /// for the quotes being worked out now. The watcher's re-quotes read a
    /// copy of one queue (taken under a read lock), so it holds the engine
    /// only for the copy, never for its arithmetic.
    pub fn quotes_mut(
        &self,
    ) -> std::sync::RwLockWriteGuard<'_, frontdesk_domain::quote::QuoteEngine> {
        self.quote_engine.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Send a live event to this server's event streams and, when the
    /// database is shared, to every other server's. Call it after the change
    /// committed.
    pub fn publish(&self, event: LiveEvent) {
        self.share(Shared::event(&event));
        // No open streams is fine.
        let _ = self.events.send(event);
    }

    /// Tell the other servers sharing the database (nothing on SQLite).
    pub fn share(&self, message: Shared) {
        let Some(outgoing) = &self.outgoing else {
            return;
        };
        let seq = self
            .shared_sent
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let text = Envelope {
            origin: self.origin,
            seq,
            message,
        }
        .encode();
        use std::sync::atomic::Ordering;
        let dropped = outgoing.try_send(text).is_err();
        // Said once when messages start being dropped, not for each.
        if dropped && !self.outgoing_full.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                "shared channel full or closed: messages to the other servers are dropped"
            );
        } else if !dropped && self.outgoing_full.swap(false, Ordering::Relaxed) {
            tracing::info!("messages to the other servers are sent again");
        }
    }

    /// The policy in force at a location: stored settings, then environment overrides.
    pub async fn ack_policy(
        &self,
        location: &str,
    ) -> Result<AckPolicy, frontdesk_store::StoreError> {
        let stored = self.location(location).await?.ack_policy;
        Ok(self.config.ack_override.apply(stored))
    }

    /// The survey delay in force at a location (`None`: no surveys there):
    /// the stored setting, unless `FRONTDESK_SURVEY_DELAY` overrides it.
    pub fn survey_delay(&self, location: &frontdesk_store::Location) -> Option<chrono::Duration> {
        self.config
            .survey_delay_override
            .unwrap_or(location.survey_delay)
    }
}

fn quote_engine(config: &ServerConfig) -> frontdesk_domain::quote::QuoteEngine {
    frontdesk_domain::quote::QuoteEngine::new(frontdesk_domain::quote::QuoteConfig {
        quantile: config.quote_quantile,
        ..Default::default()
    })
}

/// How long a session checked against the database is trusted in memory. A
/// sign-out or a disabled account takes effect at once: the entry is
/// dropped here, and on PostgreSQL on every other server through the shared
/// channel; should a message be missed, within this time.
const SESSION_CACHE: std::time::Duration = std::time::Duration::from_secs(2);

impl AppState {
    /// A live session by its token's hash, from a short-lived cache.
    pub async fn live_session(
        &self,
        hash: &str,
        now: Timestamp,
    ) -> Result<Option<frontdesk_store::Session>, frontdesk_store::StoreError> {
        let state = self;
        let idle_cutoff = now - state.config.idle_timeout;
        {
            let cache = state
                .session_cache
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if let Some((session, checked)) = cache.get(hash)
                && checked.elapsed() < SESSION_CACHE
            {
                let live = session.expires_at > now
                    && session.last_seen_at > idle_cutoff
                    && !session.user.disabled;
                return Ok(live.then(|| session.clone()));
            }
        }
        let session = state.store.live_session(hash, now, idle_cutoff).await?;
        let mut cache = state
            .session_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if cache.len() > 10_000 {
            cache.clear();
        }
        match &session {
            Some(s) => {
                cache.insert(hash.to_string(), (s.clone(), std::time::Instant::now()));
            }
            None => {
                cache.remove(hash);
            }
        }
        Ok(session)
    }

    /// Record a session's activity, in the store and the cache.
    pub async fn touch_session(
        &self,
        hash: &str,
        now: Timestamp,
    ) -> Result<(), frontdesk_store::StoreError> {
        self.store.touch_session(hash, now).await?;
        if let Some(entry) = self
            .session_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(hash)
        {
            entry.0.last_seen_at = now;
        }
        Ok(())
    }

    /// Live refreshes of a page are audited at most once a minute per session,
    /// in real time (the demo's fast clock would otherwise fill the audit log).
    pub fn live_audit_due(&self, session_hash: &str) -> bool {
        let state = self;
        let now = std::time::Instant::now();
        let mut seen = state.live_audit.lock().unwrap_or_else(|p| p.into_inner());
        let due = seen
            .get(session_hash)
            .is_none_or(|t| now.duration_since(*t) >= std::time::Duration::from_secs(60));
        if due {
            if seen.len() > 10_000 {
                seen.clear();
            }
            seen.insert(session_hash.to_string(), now);
        }
        due
    }

    /// Forget cached sessions after a sign-out or an account change, here
    /// and on every server sharing the database.
    pub fn forget_sessions(&self) {
        self.forget_sessions_here();
        self.share(Shared::Sessions);
    }

    /// Forget cached sessions on this server only.
    pub fn forget_sessions_here(&self) {
        self.session_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

/// What the watcher last said about a running clock, so it does not ask the
/// database again every tick (the alert's mark makes it once across servers).
#[derive(Default)]
pub struct ClockWatch {
    pub seen: HashMap<i64, (Timestamp, AckStatus)>,
    /// Whether alerts already on the timelines (before a restart) were read.
    pub primed: bool,
    /// When the last pass began (its `now`), and the clock settings it used: the next
    /// pass looks only at clocks that crossed a threshold since (see
    /// `app::clocks`).
    pub since: Option<Timestamp>,
    pub policies: std::collections::BTreeMap<String, AckPolicy>,
    /// Passes since the last full one.
    pub windowed_passes: u32,
}
