//! What servers sharing one database share besides its tables: a channel
//! every server hears (live events, caches to drop) and the lock that makes
//! one of them the watcher. Only PostgreSQL has them (`LISTEN`/`NOTIFY` and
//! an advisory lock); a SQLite database has one server, which keeps its
//! events in memory and always watches.

use crate::Result;
use async_trait::async_trait;

/// The shared channel and the watcher lock of a database many servers use
/// ([`Store::shared`](crate::Store::shared)).
#[async_trait]
pub trait Shared: Send + Sync {
    /// Send messages to every server listening (this one too), in order,
    /// in one statement. Each must be shorter than [`MAX_MESSAGE`] bytes.
    async fn notify(&self, messages: &[String]) -> Result<()>;
    /// Start hearing the channel, on a connection of its own.
    async fn listen(&self) -> Result<Box<dyn Notifications>>;
    /// A connection of its own for taking and keeping the watcher lock.
    async fn watcher_lock(&self) -> Result<Box<dyn WatcherLock>>;
}

/// The longest message [`Shared::notify`] sends (PostgreSQL's limit is
/// 8000 bytes).
pub const MAX_MESSAGE: usize = 7900;

/// Messages as they arrive.
#[async_trait]
pub trait Notifications: Send {
    /// The next message; `None` when the connection was lost and made again
    /// (messages sent meanwhile were missed: drop what was cached).
    async fn next(&mut self) -> Result<Option<String>>;
}

/// The watcher lock, on a connection of its own: whoever holds it runs the
/// clocks. It is let go when the connection closes (the server stopped or
/// died), and another server takes it on its next try.
#[async_trait]
pub trait WatcherLock: Send {
    /// Take the lock if nobody holds it; `true` while this connection holds
    /// it (checked alive each call). An error means the connection is gone:
    /// the lock is lost; start again with a new [`Shared::watcher_lock`].
    async fn hold(&mut self) -> Result<bool>;
}
