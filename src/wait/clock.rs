//! Deadlines for thread twins: the timer list a thread's executor serves.
//!
//! Every OS thread that runs a twinsync executor ([`block_on`](super::block_on), and so every
//! `Threads` unit) owns one [`Clock`]: the deadlines of the futures it is driving, each with
//! the waker to call when it passes. When the executor has nothing to poll it parks the thread
//! until the earliest deadline, fires what is due and polls again; so a timed wait really
//! blocks its OS thread, and a `select!` of two sleeps wakes at the shorter one.
//!
//! A [`Sleep`] polled on a thread that runs no twinsync executor (a thread twin's future inside
//! some other runtime) registers with one process-wide clock instead, served by a lazily started
//! thread named `twinsync-timer`, the way async-io serves timers for foreign executors.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, OnceLock, mpsc};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use crate::sync::Mutex;
use crate::sync::thread::{self, Thread};

/// One thread's deadlines, keyed by when they pass (and a sequence number, so equal instants
/// stay distinct entries).
pub(crate) struct Clock {
    timers: Mutex<BTreeMap<TimerKey, Waker>>,
    /// The thread whose executor serves these timers: woken when another thread adds a timer
    /// that is due before the one it parks for.
    owner: Thread,
}

type TimerKey = (Instant, u64);

impl Clock {
    /// A clock served by the calling thread.
    pub(crate) fn for_this_thread() -> Self {
        Clock {
            timers: Mutex::new(BTreeMap::new()),
            owner: thread::current(),
        }
    }

    /// Wakes the timers that are due and removes them; returns the earliest deadline left.
    pub(crate) fn fire_due(&self) -> Option<Instant> {
        let mut timers = self.timers.lock();
        let first = timers.first_key_value().map(|(&(at, _), _)| at)?;
        let now = crate::sync::now();
        if first > now {
            return Some(first);
        }
        // Everything at or before `now` leaves; `split_off` keeps the later ones.
        let later = timers.split_off(&(now, u64::MAX));
        let due = std::mem::replace(&mut *timers, later);
        let next = timers.first_key_value().map(|(&(at, _), _)| at);
        drop(timers);
        // Wake outside the lock: a waker may run arbitrary code, even register a new timer.
        due.into_values().for_each(Waker::wake);
        next
    }

    fn insert(&self, deadline: Instant, waker: Waker) -> TimerKey {
        static SEQUENCE: AtomicU64 = AtomicU64::new(0);
        let key = (deadline, SEQUENCE.fetch_add(1, Relaxed));
        let mut timers = self.timers.lock();
        timers.insert(key, waker);
        let earliest = timers
            .first_key_value()
            .is_some_and(|(&first, _)| first == key);
        drop(timers);
        if earliest && thread::current().id() != self.owner.id() {
            // The owner may be parked until a later deadline: let it look again.
            self.owner.unpark();
        }
        key
    }

    /// Keeps `waker` current for a registered timer; whether the timer is still registered
    /// (it is not once it fired).
    fn refresh(&self, key: TimerKey, waker: &Waker) -> bool {
        match self.timers.lock().get_mut(&key) {
            Some(registered) => {
                if !registered.will_wake(waker) {
                    registered.clone_from(waker);
                }
                true
            }
            None => false,
        }
    }

    fn remove(&self, key: TimerKey) {
        self.timers.lock().remove(&key);
    }
}

/// The clock that serves a timer polled here: this thread's, if a twinsync executor runs on it,
/// else the process-wide one.
fn serving_clock() -> Arc<Clock> {
    super::executor::current_clock().unwrap_or_else(|| Arc::clone(global_clock()))
}

/// The process-wide clock, served by the `twinsync-timer` thread (started on first use).
fn global_clock() -> &'static Arc<Clock> {
    static GLOBAL: OnceLock<Arc<Clock>> = OnceLock::new();
    GLOBAL.get_or_init(|| {
        let (send, receive) = mpsc::sync_channel(1);
        let started = std::thread::Builder::new()
            .name("twinsync-timer".into())
            .spawn(move || {
                // An executor with nothing to do but serve its clock, forever.
                super::block_on(async {
                    let _ = send.send(super::executor::current_clock());
                    std::future::pending::<()>().await
                })
            });
        match started.ok().and_then(|_| receive.recv().ok().flatten()) {
            Some(clock) => clock,
            // No timer thread (the OS refused it): a clock nobody serves. Its sleeps still
            // finish, because `Sleep` checks the time whenever it is polled, but only when
            // something else polls them.
            None => Arc::new(Clock::for_this_thread()),
        }
    })
}

/// A future that is ready at a deadline: the thread twins' timer, behind
/// [`Threads`](crate::Threads)' `sleep`, every thread twin's `*_timeout` and
/// [`Flavor::timeout`](crate::Flavor::timeout) on `Threads`.
///
/// Polled inside a twinsync executor it registers with that thread's clock, and the executor
/// parks the thread until the deadline; elsewhere it registers with the `twinsync-timer`
/// thread. Dropping it unregisters it.
///
/// ```
/// use std::time::{Duration, Instant};
/// use twinsync::{Flavor, Threads};
///
/// let start = Instant::now();
/// twinsync::block_on(Threads::new().sleep(Duration::from_millis(5)));
/// assert!(start.elapsed() >= Duration::from_millis(5));
/// ```
#[derive(Debug)]
#[must_use = "a sleep does nothing unless awaited"]
pub struct Sleep {
    /// `None`: never (a deadline past representable time).
    deadline: Option<Instant>,
    registered: Option<Registered>,
}

struct Registered {
    clock: Arc<Clock>,
    key: TimerKey,
}

impl std::fmt::Debug for Registered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registered")
            .field("at", &self.key.0)
            .finish()
    }
}

impl Sleep {
    /// Ready at `deadline`, or never if it is `None`.
    pub(crate) fn until(deadline: Option<Instant>) -> Self {
        Sleep {
            deadline,
            registered: None,
        }
    }

    fn unregister(&mut self) {
        if let Some(Registered { clock, key }) = self.registered.take() {
            clock.remove(key);
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Some(deadline) = self.deadline else {
            return Poll::Pending;
        };
        if crate::sync::now() >= deadline {
            self.unregister();
            return Poll::Ready(());
        }
        let clock = serving_clock();
        let current = self
            .registered
            .as_ref()
            .is_some_and(|r| Arc::ptr_eq(&r.clock, &clock) && r.clock.refresh(r.key, cx.waker()));
        if !current {
            // First poll, or polled on another thread than last time: register here.
            self.unregister();
            let key = clock.insert(deadline, cx.waker().clone());
            self.registered = Some(Registered { clock, key });
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.unregister();
    }
}
