//! The clinic's use-cases as plain async functions over typed inputs and outputs, between
//! the HTTP layer and the store: a client's season and context, slot search ranked by
//! training fit, and time in the clinic's zone. No HTTP, HTML or JSON types here; errors
//! are [`CoreError`].

use std::sync::{Arc, LazyLock};

use kneadtime_store::{Clock, Store};

pub mod accounts;
pub mod booking;
pub mod catalog;
pub mod clients;
pub mod context;
pub mod demo;
pub mod error;
pub mod export;
pub mod feeds;
pub mod homework;
pub mod intake;
pub mod leave;
pub mod locations;
pub mod money;
pub mod notes;
pub mod notify;
pub mod people;
pub mod plan;
pub mod race_week;
pub mod rules;
pub mod setup;
pub mod sites;
pub mod slots;
pub mod time;
pub mod waitlist;

pub use clients::{Registration, register};
pub use context::{
    CalendarCache, ClientContext, SeasonCache, client_context, client_context_in, clinic_profile,
};
pub use error::{Code, CoreError, CoreResult};
pub use kneadtime_domain::care::{RaceWindow, race_windows};
pub use money::{CURRENCIES, known_currency, parse_price, price_text};
pub use setup::Setup;
pub use sites::Sites;
pub use slots::{STEP_SECS, Search, Slot, best, nearest_good, search, wanted, within_hours};
pub use time::{
    changeable_online, day_start, local_date, local_datetime, parse_date, parse_instant, show,
    spans_on, zone_of,
};

/// The clinic: its store, the clock it tells the time by, and what it keeps read.
/// Cheap to clone.
#[derive(Clone)]
pub struct Clinic {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    /// Stored calendars already read.
    pub calendars: Arc<CalendarCache>,
    /// Each client's season as last built, kept while the database says it holds.
    pub seasons: Arc<SeasonCache>,
    /// The set-up as last read, kept while its version holds.
    pub setups: Arc<setup::SetupCache>,
}

impl Clinic {
    /// The clinic over `store`, telling the time by the store's clock.
    pub fn new(store: Store) -> Clinic {
        Clinic {
            clock: store.clock().clone(),
            store,
            calendars: Arc::default(),
            seasons: Arc::default(),
            setups: Arc::default(),
        }
    }

    /// Now, in Unix seconds.
    pub fn now(&self) -> i64 {
        self.clock.unix()
    }

    /// Whether the database takes writes now (a full disk, a read-only or removed file
    /// and a lost connection all say no).
    pub async fn writable(&self) -> CoreResult<()> {
        Ok(self.store.probe_write().await?)
    }

    /// Brings the database's query statistics up to date where tables grew.
    pub async fn refresh_statistics(&self) -> CoreResult<()> {
        Ok(self.store.refresh_statistics().await?)
    }

    /// Closes the database's connections, letting queries under way finish.
    pub async fn close(&self) {
        self.store.close().await;
    }
}

/// Domain work (parsing calendars, building a season, planning) at most this many at a
/// time per core, so a burst of it cannot starve the rest.
const CPU_PER_CORE: usize = 2;

static CPU: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    tokio::sync::Semaphore::new(cores * CPU_PER_CORE)
});

/// Runs domain work off the async threads, a bounded number at a time. A caller whose
/// deadline passes first stops waiting; the work, bounded by construction, ends on its
/// own and frees its memory.
pub async fn cpu<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> CoreResult<T> {
    let _permit = CPU.acquire().await.map_err(|_| CoreError::Busy)?;
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| CoreError::Fault)
}
