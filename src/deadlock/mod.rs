//! Deadlock detection: a cycle of units waiting for each other's locks, found the moment it
//! closes, and named.
//!
//! Every [`Mutex`](crate::Mutex), [`Lock`](crate::Lock) and
//! [`ReentrantMutex`](crate::ReentrantMutex) remembers which unit holds it, and every unit that
//! goes to sleep on one of them (with no deadline, and waiting for nothing else) says so. When a
//! unit goes to sleep, twinsync follows the *wait-for graph* from it: the lock it waits for, the
//! unit holding that lock, the lock that unit waits for, and so on. If the walk comes back to
//! the unit, no unit of the cycle can ever move again: that is a deadlock, known at once, with
//! no background thread and nothing polled by hand (parking_lot's `deadlock_detection` needs
//! both, and sees OS threads only; this works the same on every flavour).
//!
//! What happens then is the run's [`OnDeadlock`] policy, chosen on the flavour
//! ([`Flavor::on_deadlock`](crate::Flavor::on_deadlock)): by default the cycle is
//! [reported](OnDeadlock::Report) on standard error and kept in
//! [`Flavor::deadlocks`](crate::Flavor::deadlocks) while the units go on waiting, as Python's
//! would; [`Panic`](OnDeadlock::Panic) makes the unit that closed the cycle panic with the
//! report instead, which releases its locks and lets the others go on.
//!
//! ```
//! use std::sync::Arc;
//! use twinsync::{Flavor, Mutex, OnDeadlock, Threads};
//!
//! // On `Threads` the twins' inherent methods block the OS thread; detection sees them too.
//! let report = Threads::new()
//!     .on_deadlock(OnDeadlock::Panic)
//!     .run(|f| async move {
//!         let a = Arc::new(<Threads as Flavor>::Mutex::named("a", ()));
//!         let b = Arc::new(<Threads as Flavor>::Mutex::named("b", ()));
//!         let holds_a = Arc::new(<Threads as Flavor>::Event::new());
//!         let first = {
//!             let (a, b, holds_a) = (a.clone(), b.clone(), holds_a.clone());
//!             f.spawn("first", async move {
//!                 let _a = a.lock();
//!                 holds_a.set();
//!                 let _b = b.lock(); // waits for the main unit
//!             })
//!         };
//!         let _b = b.lock();
//!         holds_a.wait();
//!         let _a = a.lock(); // closes the cycle: one of the two units panics
//!         drop(_b);
//!         first.join().err().map(|e| e.to_string())
//!     })
//!     .unwrap_or_else(|panic| Some(panic.to_string()));
//! assert!(report.unwrap().contains("deadlock"));
//! ```
//!
//! # What it sees, and what it cannot
//!
//! - Owned locks give an exact answer: each has one holder. A cycle is reported only when every
//!   unit in it sleeps on a lock wait *without a deadline* and waits for nothing else at that
//!   moment (a `lock_timeout`, an enclosing [`Flavor::timeout`](crate::Flavor::timeout), a
//!   `select!` with a twinsync sleep, queue or event: none of these can deadlock for good).
//! - Waits twinsync does not own are invisible: a unit that also waits on a tokio timer or
//!   another crate's channel in the same `select!` looks like a unit waiting on its lock alone.
//!   Race twinsync's own [`Flavor::sleep`](crate::Flavor::sleep) or `Flavor::timeout` instead.
//! - Locks held by code outside any unit (a plain thread, a tokio task twinsync did not spawn)
//!   have no known owner, so a cycle through one is not seen.
//! - Semaphores, events, conditions, barriers and queues have no owner, so a wait on them
//!   cannot close a cycle.
//!
//! # Cost
//!
//! Holding a lock records its holder: one store when taking it, one when releasing it, on the
//! lock's own cache line. Everything else happens only when a unit goes to sleep on a lock, a
//! path that already costs a park or a task switch; [`OnDeadlock::Off`] skips that too.
//! `cargo bench --bench deadlock` measures both.

use std::fmt;
use std::panic::Location;

use crate::unit::Unit;

mod detect;

pub(crate) use detect::{Noted, Timed, acquired, released, sleeping, sleeping_here, woke};

/// What a run does when a deadlock closes: see the [module docs](self).
///
/// ```
/// use twinsync::{Flavor, OnDeadlock, Threads};
/// assert_eq!(OnDeadlock::default(), OnDeadlock::Report);
/// let threads = Threads::new().on_deadlock(OnDeadlock::Panic);
/// # let _ = threads;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnDeadlock {
    /// Detect nothing: a deadlocked run hangs, as Python's does.
    Off,
    /// Print the cycle on standard error, keep it for
    /// [`Flavor::deadlocks`](crate::Flavor::deadlocks), and let the units go on waiting (they
    /// can still be cancelled, or time out in an enclosing `timeout`).
    #[default]
    Report,
    /// Keep the report, and make the unit that closed the cycle panic with it: its guards are
    /// dropped as it unwinds, so the other units of the cycle get their locks and go on, and
    /// joining the panicked unit gives the report as its panic message.
    Panic,
}

impl OnDeadlock {
    pub(crate) fn to_u8(self) -> u8 {
        match self {
            OnDeadlock::Off => 0,
            OnDeadlock::Report => 1,
            OnDeadlock::Panic => 2,
        }
    }

    pub(crate) fn from_u8(value: u8) -> Self {
        match value {
            0 => OnDeadlock::Off,
            2 => OnDeadlock::Panic,
            _ => OnDeadlock::Report,
        }
    }
}

/// Where a lock came from: the name it was given, and the place it was made.
///
/// ```
/// use twinsync::{Flavor, Mutex, Threads};
/// let fork = <Threads as Flavor>::Mutex::named("fork-1", ());
/// assert_eq!(fork.origin().name(), Some("fork-1"));
/// assert_eq!(fork.origin().to_string(), format!("\"fork-1\" ({})", fork.origin().site()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockOrigin {
    name: Option<&'static str>,
    site: &'static Location<'static>,
}

impl LockOrigin {
    /// The origin of a lock made at `site`, named `name` if given.
    pub(crate) const fn new(name: Option<&'static str>, site: &'static Location<'static>) -> Self {
        LockOrigin { name, site }
    }

    /// The name the lock was given (`named`), if any.
    ///
    /// ```
    /// use twinsync::{Flavor, Mutex, Threads};
    /// assert_eq!(<Threads as Flavor>::Mutex::new(()).origin().name(), None);
    /// ```
    pub fn name(&self) -> Option<&'static str> {
        self.name
    }

    /// The source location of the call that made the lock.
    ///
    /// ```
    /// use twinsync::{Flavor, Mutex, Threads};
    /// let m = <Threads as Flavor>::Mutex::new(());
    /// assert_eq!(m.origin().site().file(), file!());
    /// ```
    pub fn site(&self) -> &'static Location<'static> {
        self.site
    }
}

impl fmt::Display for LockOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name {
            Some(name) => write!(f, "\"{name}\" ({})", self.site),
            None => write!(f, "the lock made at {}", self.site),
        }
    }
}

/// One unit of a deadlock cycle: the lock of the cycle it holds, and the one it waits for.
///
/// ```
/// # use twinsync::deadlock::Deadlock;
/// fn describe(deadlock: &Deadlock) {
///     for link in deadlock.links() {
///         println!("{} holds {} and waits for {}", link.unit(), link.holds(), link.waits_for());
///     }
/// }
/// # let _ = describe;
/// ```
#[derive(Debug, Clone)]
pub struct DeadlockLink {
    unit: Unit,
    holds: LockOrigin,
    waits_for: LockOrigin,
}

impl DeadlockLink {
    /// The unit.
    ///
    /// ```
    /// # fn f(link: &twinsync::deadlock::DeadlockLink) -> &str { link.unit().name() }
    /// ```
    pub fn unit(&self) -> &Unit {
        &self.unit
    }

    /// The lock of the cycle this unit holds (the one the previous unit waits for).
    ///
    /// ```
    /// # fn f(link: &twinsync::deadlock::DeadlockLink) -> Option<&str> { link.holds().name() }
    /// ```
    pub fn holds(&self) -> LockOrigin {
        self.holds
    }

    /// The lock this unit waits for (held by the next unit of the cycle).
    ///
    /// ```
    /// # fn f(link: &twinsync::deadlock::DeadlockLink) -> Option<&str> { link.waits_for().name() }
    /// ```
    pub fn waits_for(&self) -> LockOrigin {
        self.waits_for
    }
}

/// A deadlock: units each holding a lock the next one waits for, the last one waiting for the
/// first one's. A cycle of one is a unit waiting for a lock it holds itself (a `Mutex` is not
/// reentrant). Its `Display` is the report printed under [`OnDeadlock::Report`].
///
/// ```
/// # use twinsync::deadlock::Deadlock;
/// fn units_in(deadlock: &Deadlock) -> Vec<String> {
///     deadlock.links().iter().map(|link| link.unit().name().to_owned()).collect()
/// }
/// # let _ = units_in;
/// ```
#[derive(Debug, Clone)]
pub struct Deadlock {
    links: Vec<DeadlockLink>,
}

impl Deadlock {
    /// The units of the cycle, starting with the one whose wait closed it.
    ///
    /// ```
    /// # fn f(d: &twinsync::deadlock::Deadlock) -> usize { d.links().len() }
    /// ```
    pub fn links(&self) -> &[DeadlockLink] {
        &self.links
    }
}

impl fmt::Display for Deadlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let [link] = self.links.as_slice() {
            return write!(
                f,
                "deadlock: unit \"{}\" waits for {}, which it holds itself",
                link.unit.name(),
                link.waits_for
            );
        }
        write!(
            f,
            "deadlock: {} units wait for each other",
            self.links.len()
        )?;
        for link in &self.links {
            write!(
                f,
                "\n  unit \"{}\" holds {}\n    and waits for {}",
                link.unit.name(),
                link.holds,
                link.waits_for
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Deadlock {}
