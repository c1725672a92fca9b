//! Deadlock detection: a cycle of units waiting for each other's locks, or a run whose every
//! unit sleeps with nobody left to wake it, found the moment it happens, and named.
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
//! Waits with no owner (a semaphore, an event, a condition, a barrier, a queue, a join) cannot
//! close a cycle; for them twinsync knows when **all units are asleep**: every live unit of the
//! run sleeps on twinsync waits without a deadline, and none has been woken since (Go's "all
//! goroutines are asleep"). The unit whose sleep completes that state reports it, each unit
//! with what it waits for; so does a unit that leaves the run while all the others sleep:
//!
//! ```text
//! deadlock: all 2 units are asleep, with no deadline
//!   unit "main" waits for unit "consumer" to finish (join)
//!   unit "consumer" waits for an item from a queue (get)
//! ```
//!
//! What happens then is the run's [`OnDeadlock`] policy, chosen on the flavour
//! ([`Flavor::on_deadlock`](crate::Flavor::on_deadlock)): by default the cycle is
//! [reported](OnDeadlock::Report) on standard error and kept in
//! [`Flavor::deadlocks`](crate::Flavor::deadlocks) while the units go on waiting, as Python's
//! would; [`Panic`](OnDeadlock::Panic) makes the unit that closed the cycle (or completed the
//! all-asleep state) panic with the report instead, which releases its locks and lets the
//! others go on.
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
//!         let both_hold = Arc::new(<Threads as Flavor>::Barrier::new(2).unwrap());
//!         let first = {
//!             let (a, b, both_hold) = (a.clone(), b.clone(), both_hold.clone());
//!             f.spawn("first", async move {
//!                 let _a = a.lock();
//!                 both_hold.wait().unwrap();
//!                 let _b = b.lock(); // waits for the main unit
//!             })
//!         };
//!         let _b = b.lock();
//!         both_hold.wait().unwrap();
//!         let _a = a.lock(); // closes the cycle, or `first` does: one of the two panics
//!         drop(_b);
//!         first.join().err().map(|e| e.to_string())
//!     })
//!     .unwrap_or_else(|panic| Some(panic.to_string()));
//! assert!(report.unwrap().contains("deadlock"));
//! ```
//!
//! # Before it hangs: the lock-order check
//!
//! A run in which two units take the same locks in opposite orders deadlocks only if they
//! interleave badly; a test usually passes. With
//! [`Flavor::check_lock_order`](crate::Flavor::check_lock_order) (off by default) every unit
//! records "held this, then took that" in one process-wide graph of lock orders, and an order
//! that closes a cycle there is reported at once as a *potential* deadlock
//! ([`Deadlock::is_potential`], [`Deadlock::lock_orders`]), with the earlier orders it
//! crosses, even though the run did not hang (tracing-mutex's idea). It is printed and kept,
//! and never panics the unit: the lock has just been taken, and no guard exists yet to give it
//! back. Each cycle is reported once; re-entering a reentrant mutex records no order.
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
//! - A unit that takes a lock at the very instant another starts to sleep on it may not yet
//!   be known as its holder: a cycle through that lock is then not named as a cycle. It is
//!   still reported as "all units asleep" (with the same units and locks) once the whole run
//!   sleeps, but not while some other unit runs.
//! - Locks held by code outside any unit (a plain thread, a tokio task twinsync did not spawn)
//!   have no known owner, so a cycle through one is not seen.
//! - Semaphores, events, conditions, barriers and queues have no owner, so a wait on them
//!   cannot close a cycle; they are seen only when the whole run is asleep. A run with one unit
//!   that still runs, or sleeps towards a deadline (`f.sleep`, a `*_timeout`, a `Timer`), is
//!   not asleep: that unit may yet wake the others. Daemon units count like the others.
//! - A wake from outside the run is invisible: if a plain thread, a unit of another run, or
//!   a tokio task twinsync did not spawn would set the event or fill the queue, an all-asleep
//!   report is wrong (under `Report` it is only printed; choose [`OnDeadlock::Off`] for such
//!   runs). When the last running unit *leaves* the run, the youngest sleeper's policy
//!   applies: under `Panic` it is woken to panic with the report, so a run under `Panic`
//!   never stays asleep.
//!
//! # Cost
//!
//! Holding a lock records its holder: one store when taking it, one when releasing it, on the
//! lock's own cache line. A unit whose run detects deadlocks is polled with its own waker,
//! which counts each wake before passing it on (an atomic add, and re-registering the
//! scheduler's waker after each wake). Everything else happens only when a wait goes to
//! sleep, a path that already costs a park or a task switch; [`OnDeadlock::Off`] skips all
//! of it but the holder's stores. `cargo bench --bench deadlock` measures both.
//!
//! Detection is the `deadlock` cargo feature, on by default. Built without it
//! (`default-features = false, features = ["tokio"]`), locks record no holder, every run
//! behaves as under [`OnDeadlock::Off`], and an uncontended lock and unlock executes what it
//! did before detection existed (79 instructions against 75 through the trait on `Threads`,
//! 95 with the feature; measured with callgrind).

use std::fmt;
use std::panic::Location;

use crate::unit::Unit;

mod asleep;
mod detect;
mod order;

pub use order::LockOrder;

/// Whether detection is compiled in (the `deadlock` feature, on by default). Without it every
/// unit's policy is [`OnDeadlock::Off`] and locks record no holder.
pub(crate) const COMPILED_IN: bool = cfg!(feature = "deadlock");
pub(crate) use order::{
    CHECKING as CHECKING_LOCK_ORDER, released as order_released, taken as order_taken,
};

pub(crate) use asleep::{
    Nested, RunCount, UnitWaits, cancelling, doomed, dropped, left, pending, polling,
};
pub(crate) use detect::{Noted, Noting, acquired, released, sleeping, sleeping_here, woke};

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

/// What a sleeping unit waits for, as an [all-asleep](Deadlock::asleep) report names it.
///
/// ```
/// use twinsync::deadlock::WaitsFor;
/// assert_eq!(WaitsFor::Item.to_string(), "an item from a queue (get)");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum WaitsFor {
    /// A `Mutex`, `Lock` or `ReentrantMutex` (acquire, lock).
    Lock(LockOrigin),
    /// A permit of a `Semaphore` (acquire).
    Permit,
    /// An `Event` to be set (wait).
    Event,
    /// A `Condition` to be notified (wait, wait_for).
    Condition,
    /// A `Barrier`'s round to fill (wait).
    Barrier,
    /// Room in a queue (put).
    Room,
    /// An item from a queue (get).
    Item,
    /// A queue's unfinished tasks to be done (join).
    TasksDone,
    /// Another unit to finish (join).
    Unit(Unit),
    /// The run's non-daemon units to finish.
    Units,
}

impl fmt::Display for WaitsFor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitsFor::Lock(origin) => match origin.name {
                Some(name) => write!(f, "the lock \"{name}\" ({})", origin.site),
                None => write!(f, "the lock made at {}", origin.site),
            },
            WaitsFor::Permit => f.write_str("a semaphore permit (acquire)"),
            WaitsFor::Event => f.write_str("an event to be set (wait)"),
            WaitsFor::Condition => f.write_str("a condition to be notified (wait)"),
            WaitsFor::Barrier => f.write_str("a barrier's round to fill (wait)"),
            WaitsFor::Room => f.write_str("room in a queue (put)"),
            WaitsFor::Item => f.write_str("an item from a queue (get)"),
            WaitsFor::TasksDone => f.write_str("a queue's tasks to be done (join)"),
            WaitsFor::Unit(unit) => write!(f, "unit \"{}\" to finish (join)", unit.name()),
            WaitsFor::Units => f.write_str("the run's units to finish"),
        }
    }
}

/// One unit of an [all-asleep](Deadlock::asleep) report: what it sleeps on.
///
/// ```
/// # use twinsync::deadlock::AsleepUnit;
/// fn describe(asleep: &AsleepUnit) -> String {
///     let waits: Vec<String> = asleep.waits_for().iter().map(|w| w.to_string()).collect();
///     format!("{} waits for {}", asleep.unit().name(), waits.join(" and "))
/// }
/// # let _ = describe;
/// ```
#[derive(Debug, Clone)]
pub struct AsleepUnit {
    unit: Unit,
    waits_for: Vec<WaitsFor>,
}

impl AsleepUnit {
    pub(crate) fn new(unit: Unit, waits_for: Vec<WaitsFor>) -> Self {
        AsleepUnit { unit, waits_for }
    }

    /// The unit.
    ///
    /// ```
    /// # fn f(a: &twinsync::deadlock::AsleepUnit) -> &str { a.unit().name() }
    /// ```
    pub fn unit(&self) -> &Unit {
        &self.unit
    }

    /// Its pending twinsync waits (more than one under `join!` or `select!`).
    ///
    /// ```
    /// # fn f(a: &twinsync::deadlock::AsleepUnit) -> usize { a.waits_for().len() }
    /// ```
    pub fn waits_for(&self) -> &[WaitsFor] {
        &self.waits_for
    }
}

/// A deadlock, of one of two kinds. Its `Display` is the report printed under
/// [`OnDeadlock::Report`].
///
/// - **A cycle of owned locks** ([`links`](Self::links)): units each holding a lock the next
///   one waits for, the last one waiting for the first one's. A cycle of one is a unit waiting
///   for a lock it holds itself (a `Mutex` is not reentrant).
/// - **All units asleep** ([`asleep`](Self::asleep)): every live unit of the run sleeps on
///   twinsync waits with no deadline, and none has been woken, so nothing is left to wake any
///   of them (Go's "all goroutines are asleep"). This covers waits with no owner: a queue
///   nobody fills, an event nobody sets, a barrier short of parties.
///
/// ```
/// # use twinsync::deadlock::Deadlock;
/// fn units_in(deadlock: &Deadlock) -> Vec<String> {
///     let cycle = deadlock.links().iter().map(|link| link.unit());
///     let asleep = deadlock.asleep().iter().map(|asleep| asleep.unit());
///     cycle.chain(asleep).map(|unit| unit.name().to_owned()).collect()
/// }
/// # let _ = units_in;
/// ```
#[derive(Debug, Clone)]
pub struct Deadlock {
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Cycle(Vec<DeadlockLink>),
    AllAsleep(Vec<AsleepUnit>),
    /// The order just taken first, then the earlier ones that lead back.
    Inversion(Vec<LockOrder>),
}

impl Deadlock {
    pub(crate) fn cycle(links: Vec<DeadlockLink>) -> Self {
        Deadlock {
            kind: Kind::Cycle(links),
        }
    }

    pub(crate) fn all_asleep(asleep: Vec<AsleepUnit>) -> Self {
        Deadlock {
            kind: Kind::AllAsleep(asleep),
        }
    }

    pub(crate) fn inversion(order: LockOrder, before: Vec<LockOrder>) -> Self {
        let mut orders = vec![order];
        orders.extend(before);
        Deadlock {
            kind: Kind::Inversion(orders),
        }
    }

    /// The units of a lock cycle, starting with the one whose wait closed it; empty for the
    /// other kinds.
    ///
    /// ```
    /// # fn f(d: &twinsync::deadlock::Deadlock) -> usize { d.links().len() }
    /// ```
    pub fn links(&self) -> &[DeadlockLink] {
        match &self.kind {
            Kind::Cycle(links) => links,
            _ => &[],
        }
    }

    /// The units of an all-asleep report, oldest first, each with what it waits for; empty
    /// for the other kinds.
    ///
    /// ```
    /// # fn f(d: &twinsync::deadlock::Deadlock) -> usize { d.asleep().len() }
    /// ```
    pub fn asleep(&self) -> &[AsleepUnit] {
        match &self.kind {
            Kind::AllAsleep(asleep) => asleep,
            _ => &[],
        }
    }

    /// The lock orders of a *potential* deadlock found by the lock-order check: the order
    /// just taken first, then the earlier orders that lead from its lock back to the one it
    /// was taken under. Empty for a deadlock that happened.
    ///
    /// ```
    /// # fn f(d: &twinsync::deadlock::Deadlock) -> bool { d.lock_orders().is_empty() }
    /// ```
    pub fn lock_orders(&self) -> &[LockOrder] {
        match &self.kind {
            Kind::Inversion(orders) => orders,
            _ => &[],
        }
    }

    /// Whether this is only a potential deadlock (an inverted lock order) that did not hang.
    ///
    /// ```
    /// # fn f(d: &twinsync::deadlock::Deadlock) -> bool { d.is_potential() }
    /// ```
    pub fn is_potential(&self) -> bool {
        matches!(self.kind, Kind::Inversion(_))
    }
}

impl fmt::Display for Deadlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Cycle(links) => fmt_cycle(links, f),
            Kind::AllAsleep(asleep) => fmt_asleep(asleep, f),
            Kind::Inversion(orders) => fmt_inversion(orders, f),
        }
    }
}

fn fmt_cycle(links: &[DeadlockLink], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if let [link] = links {
        return write!(
            f,
            "deadlock: unit \"{}\" waits for {}, which it holds itself",
            link.unit.name(),
            link.waits_for
        );
    }
    write!(f, "deadlock: {} units wait for each other", links.len())?;
    for link in links {
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

fn fmt_asleep(asleep: &[AsleepUnit], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match asleep.len() {
        1 => write!(
            f,
            "deadlock: the run's one unit is asleep, with no deadline"
        )?,
        count => write!(
            f,
            "deadlock: all {count} units are asleep, with no deadline"
        )?,
    }
    for unit in asleep {
        write!(f, "\n  unit \"{}\" waits for ", unit.unit.name())?;
        for (i, waits_for) in unit.waits_for.iter().enumerate() {
            if i > 0 {
                f.write_str("\n    and for ")?;
            }
            write!(f, "{waits_for}")?;
        }
    }
    Ok(())
}

fn fmt_inversion(orders: &[LockOrder], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let Some((now, before)) = orders.split_first() else {
        return Ok(());
    };
    write!(
        f,
        "potential deadlock: unit \"{}\" took {}\n  while holding {},\n  \
         but these orders were seen before:",
        now.unit(),
        now.took(),
        now.held()
    )?;
    for order in before {
        write!(
            f,
            "\n  unit \"{}\" took {}\n    while holding {}",
            order.unit(),
            order.took(),
            order.held()
        )?;
    }
    Ok(())
}

impl std::error::Error for Deadlock {}
