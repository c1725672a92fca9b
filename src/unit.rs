//! Units: the threads or tasks a flavour spawns, and how each one knows who it is.
//!
//! Every unit a flavour spawns is wrapped in one [`UnitFuture`]. While the wrapped future is being
//! polled, a thread-local slot names the unit; that is how [`current`] works the same way on an
//! OS thread (polled by its own `block_on`) and on a tokio task (polled by whichever worker thread
//! runs it this time). The same wrapper registers the unit in its flavour's [`Registry`] and
//! unregisters it when the future completes or is dropped, so `units()` lists exactly the live
//! units.
//!
//! A unit also carries its [`Local`](crate::local::Local) values. A new unit is created by the
//! code that spawns it, so [`Unit::new`] runs in the parent and copies the parent's inheritable
//! values; when the unit leaves the registry, its values are dropped.

use std::borrow::Cow;
use std::cell::{Cell, OnceCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Wake, Waker};

use event_listener::Event;
use pin_project_lite::pin_project;
use slab::Slab;

use crate::deadlock::{self, Deadlock, OnDeadlock, RunCount, UnitWaits, WaitsFor};
use crate::flavor::FlavorKind;
use crate::local::LocalMap;
use crate::sync::{Mutex, thread_local_slot};
use crate::wait::{self, Waiter};

/// A unit's process-wide identity: unique among all units and foreign threads for the life of
/// the process, never reused.
///
/// ```
/// # use twinsync::{Flavor, JoinHandle, Threads};
/// # Threads::new().run(|f| async move {
/// let a = f.spawn("a", async { twinsync::current().id() });
/// let b = f.spawn("b", async { twinsync::current().id() });
/// assert_ne!(a.join().unwrap(), b.join().unwrap());
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitId(u64);

impl UnitId {
    fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        UnitId(NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// The id as a number (Python's `Thread.ident`).
    ///
    /// ```
    /// assert!(twinsync::current().id().as_u64() > 0);
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0
    }

    /// The id with this number (a holder recorded by a lock).
    pub(crate) fn from_u64(id: u64) -> Self {
        UnitId(id)
    }
}

impl fmt::Display for UnitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

struct UnitInfo {
    id: UnitId,
    name: Cow<'static, str>,
    daemon: bool,
    foreign: bool,
    /// The unit's `Local` values; an empty `Vec` (no allocation) until one is used.
    locals: LocalMap,
    /// The registry the unit is listed in (empty for a foreign identity): units it spawns join
    /// the same one, whichever flavour value spawns them.
    registry: Weak<Registry>,
    /// What the unit does when its wait closes a deadlock (`OnDeadlock::to_u8`): its run's
    /// policy, or its own from `UnitOptions::on_deadlock`, set before it first runs.
    on_deadlock: AtomicU8,
    /// Whether its run checks lock order (`Flavor::check_lock_order`).
    checks_lock_order: bool,
    /// The unit's pending waits, as the deadlock detector counts them.
    waits: UnitWaits,
}

/// A unit whose run detects deadlocks is polled with this waker: it counts the wake for
/// the all-asleep check, then wakes the unit's scheduler.
impl Wake for UnitInfo {
    fn wake(self: Arc<Self>) {
        self.waits.wake();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.waits.wake();
    }
}

/// A thread or task started by a flavour (or, for code running outside any unit, the OS thread
/// it runs on): Python's `Thread` object as seen through `current_thread()` and `enumerate()`.
///
/// Cheap to clone (one reference count).
///
/// ```
/// use twinsync::{Flavor, Threads};
///
/// Threads::new()
///     .run(|_| async {
///         let me = twinsync::current();
///         assert_eq!(me.name(), "main");
///         assert!(!me.is_daemon());
///     })
///     .unwrap();
/// ```
#[derive(Clone)]
pub struct Unit(Arc<UnitInfo>);

impl Unit {
    /// A new unit. Called in the code that spawns it, so a unit (not a foreign thread) starts
    /// with the inheritable `Local` values of the unit that is current here: its parent. A unit
    /// given no name (`""`) is named `unit-N`, N counting such units from 1 (Python's
    /// `Thread-N`).
    fn new(name: Cow<'static, str>, daemon: bool, foreign: bool, registry: Weak<Registry>) -> Self {
        Self::with_id(UnitId::next(), name, daemon, foreign, registry)
    }

    fn with_id(
        id: UnitId,
        name: Cow<'static, str>,
        daemon: bool,
        foreign: bool,
        registry: Weak<Registry>,
    ) -> Self {
        let name = if name.is_empty() && !foreign {
            static UNNAMED: AtomicU64 = AtomicU64::new(1);
            Cow::Owned(format!("unit-{}", UNNAMED.fetch_add(1, Ordering::Relaxed)))
        } else {
            name
        };
        let locals = if foreign {
            LocalMap::default()
        } else {
            inherited_locals()
        };
        let (on_deadlock, checks_lock_order, count) = match registry.upgrade() {
            Some(registry) if !foreign => (
                registry.on_deadlock(),
                registry.checks_lock_order(),
                Some(Arc::clone(&registry.count)),
            ),
            _ => (OnDeadlock::Off, false, None),
        };
        Unit(Arc::new(UnitInfo {
            id,
            name,
            daemon,
            foreign,
            locals,
            registry,
            on_deadlock: AtomicU8::new(on_deadlock.to_u8()),
            checks_lock_order,
            waits: UnitWaits::new(count),
        }))
    }

    /// The unit's pending waits, for the deadlock detector.
    pub(crate) fn waits(&self) -> &UnitWaits {
        &self.0.waits
    }

    /// The registry the unit is listed in, while it lives.
    pub(crate) fn registry(&self) -> Option<Arc<Registry>> {
        self.0.registry.upgrade()
    }

    /// The waker a unit whose run detects deadlocks is polled with.
    fn own_waker(&self) -> Waker {
        Waker::from(Arc::clone(&self.0))
    }

    /// What the unit does when its wait closes a deadlock.
    pub(crate) fn on_deadlock(&self) -> OnDeadlock {
        if !deadlock::COMPILED_IN {
            return OnDeadlock::Off;
        }
        OnDeadlock::from_u8(self.0.on_deadlock.load(Ordering::Relaxed))
    }

    /// Gives a unit that has not run yet its own deadlock policy.
    pub(crate) fn set_on_deadlock(&self, policy: OnDeadlock) {
        self.0.on_deadlock.store(policy.to_u8(), Ordering::Relaxed);
    }

    /// Keeps a deadlock this unit closed in its run's list ([`Flavor::deadlocks`](crate::Flavor::deadlocks)).
    pub(crate) fn record_deadlock(&self, deadlock: &Deadlock) {
        if let Some(registry) = self.registry() {
            registry.record(deadlock);
        }
    }

    /// The unit's `Local` values.
    pub(crate) fn locals(&self) -> &LocalMap {
        &self.0.locals
    }

    /// The unit's id.
    ///
    /// ```
    /// let me = twinsync::current();
    /// assert_eq!(me.id(), twinsync::current().id());
    /// ```
    pub fn id(&self) -> UnitId {
        self.0.id
    }

    /// The name given at spawn time (for a foreign thread: its OS thread name, or `"<unnamed>"`).
    ///
    /// ```
    /// # use twinsync::{Flavor, JoinHandle, Threads};
    /// # Threads::new().run(|f| async move {
    /// let name = f.spawn("window-1", async { twinsync::current().name().to_owned() });
    /// assert_eq!(name.join().unwrap(), "window-1");
    /// # }).unwrap();
    /// ```
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// Whether the unit was started with `spawn_daemon` (Python's `Thread.daemon`).
    ///
    /// ```
    /// # use twinsync::{Flavor, JoinHandle, Threads};
    /// # Threads::new().run(|f| async move {
    /// let handle = f.spawn_daemon("logger", async { twinsync::current().is_daemon() });
    /// assert!(handle.join().unwrap());
    /// # }).unwrap();
    /// ```
    pub fn is_daemon(&self) -> bool {
        self.0.daemon
    }

    /// Whether this is not a unit of any flavour but an identity made for code outside them
    /// (Python's "dummy thread"): a plain OS thread (one identity per thread), or a tokio task
    /// that twinsync did not spawn (one identity per task, never shared with another task or
    /// with the worker thread under it).
    ///
    /// ```
    /// // The doctest's own thread was not started by a flavour.
    /// assert!(twinsync::current().is_foreign());
    /// ```
    pub fn is_foreign(&self) -> bool {
        self.0.foreign
    }
}

impl PartialEq for Unit {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl Eq for Unit {}

impl fmt::Debug for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unit")
            .field("id", &self.0.id.0)
            .field("name", &self.name())
            .field("daemon", &self.0.daemon)
            .finish()
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name(), self.id())
    }
}

thread_local_slot! {
    /// The unit being polled on this thread right now, if any.
    static CURRENT: Cell<Option<Unit>> = const { Cell::new(None) };
    /// The id of the unit in [`CURRENT`], or 0 when there is none: read alone, without moving
    /// the unit out and back, by the hot path of reentrancy checks ([`current_id`]).
    static CURRENT_ID: Cell<u64> = const { Cell::new(0) };
    /// The id of [`FOREIGN`], or 0 before it is made.
    static FOREIGN_ID: Cell<u64> = const { Cell::new(0) };
    /// This OS thread's identity when no unit is being polled on it, made on first use.
    static FOREIGN: OnceCell<Unit> = const { OnceCell::new() };
}

fn foreign_unit() -> Unit {
    let name = std::thread::current()
        .name()
        .unwrap_or("<unnamed>")
        .to_owned();
    Unit::new(Cow::Owned(name), false, true, Weak::new())
}

/// Identities of tokio tasks that twinsync did not spawn (`tokio::spawn` in an application's
/// own runtime), so that reentrancy and `Local` key on the task, never on the worker thread
/// that happens to poll it. tokio tells no one when a task ends, so an identity (and any
/// `Local` values it was given) is kept until the process exits; spawn through a flavour to
/// have them dropped with the unit.
#[cfg(feature = "tokio")]
mod foreign_tasks {
    use std::collections::HashMap;
    use std::sync::OnceLock;

    use parking_lot::Mutex;

    use super::{Unit, UnitId};

    /// Ids of foreign tasks live in their own half of the id space.
    const TASK: u64 = 1 << 63;

    /// The running tokio task's id, if code runs inside one.
    fn task() -> Option<u64> {
        // tokio's `Id` shows its number only through `Display`.
        tokio::task::try_id().and_then(|id| id.to_string().parse().ok())
    }

    pub(super) fn id() -> Option<UnitId> {
        task().map(|task| UnitId(TASK | task))
    }

    fn table() -> &'static Mutex<HashMap<u64, Unit>> {
        static TABLE: OnceLock<Mutex<HashMap<u64, Unit>>> = OnceLock::new();
        TABLE.get_or_init(Mutex::default)
    }

    /// The running foreign task's identity, made on first use.
    pub(super) fn unit() -> Option<Unit> {
        let task = task()?;
        let mut table = table().lock();
        let unit = table.entry(task).or_insert_with(|| {
            let name = format!("tokio-task-{task}").into();
            Unit::with_id(
                UnitId(TASK | task),
                name,
                false,
                true,
                std::sync::Weak::new(),
            )
        });
        Some(unit.clone())
    }

    /// The running foreign task's identity if it already has one.
    pub(super) fn existing() -> Option<Unit> {
        let task = task()?;
        table().lock().get(&task).cloned()
    }
}

#[cfg(not(feature = "tokio"))]
mod foreign_tasks {
    use super::{Unit, UnitId};

    pub(super) fn id() -> Option<UnitId> {
        None
    }

    pub(super) fn unit() -> Option<Unit> {
        None
    }

    pub(super) fn existing() -> Option<Unit> {
        None
    }
}

/// The unit this code runs in: Python's `threading.current_thread()`.
///
/// Inside a unit spawned by any flavour (and inside [`Flavor::run`](crate::Flavor::run)'s main,
/// which is itself a unit named `"main"`) this is that unit, whichever OS thread happens to poll
/// it. Two sub-futures of one unit (`futures::join!`) are the same unit. Elsewhere it is an
/// identity marked [`Unit::is_foreign`]: the running tokio task's if code runs in a task that
/// twinsync did not spawn, else the calling OS thread's.
///
/// ```
/// use twinsync::{Flavor, JoinHandle, Threads};
///
/// Threads::new()
///     .run(|f| async move {
///         let child = f.spawn("child", async { twinsync::current().name().to_owned() });
///         assert_eq!(child.join().unwrap(), "child");
///     })
///     .unwrap();
/// ```
pub fn current() -> Unit {
    CURRENT
        .with(|slot| {
            let unit = slot.take();
            let found = unit.clone();
            slot.set(unit);
            found
        })
        .or_else(foreign_tasks::unit)
        .unwrap_or_else(|| FOREIGN.with(|cell| cell.get_or_init(foreign_unit).clone()))
}

/// The id of [`current`], without touching the unit: the hot path of reentrancy checks.
#[inline]
pub(crate) fn current_id() -> UnitId {
    match CURRENT_ID.with(Cell::get) {
        0 => foreign_id(),
        id => UnitId(id),
    }
}

/// The id of the unit being polled here, or 0 outside any unit: what a lock records as its
/// holder, on its fast path.
#[inline]
pub(crate) fn current_raw_id() -> u64 {
    CURRENT_ID.with(Cell::get)
}

/// The unit being polled here, if it is one whose run checks lock order.
pub(crate) fn current_for_order() -> Option<Unit> {
    CURRENT.with(|slot| {
        let unit = slot.take();
        let checking = unit
            .as_ref()
            .filter(|unit| unit.0.checks_lock_order)
            .cloned();
        slot.set(unit);
        checking
    })
}

/// The unit being polled here, if it is one whose run detects deadlocks.
pub(crate) fn current_for_detection() -> Option<Unit> {
    CURRENT.with(|slot| {
        let unit = slot.take();
        let detecting = unit
            .as_ref()
            .filter(|unit| unit.on_deadlock() != OnDeadlock::Off)
            .cloned();
        slot.set(unit);
        detecting
    })
}

/// The id of the foreign task or thread running here (no twinsync unit is being polled).
#[inline]
fn foreign_id() -> UnitId {
    if let Some(task) = foreign_tasks::id() {
        return task;
    }
    match FOREIGN_ID.with(Cell::get) {
        0 => {
            let id = FOREIGN.with(|cell| cell.get_or_init(foreign_unit).id());
            FOREIGN_ID.with(|cell| cell.set(id.0));
            id
        }
        id => UnitId(id),
    }
}

/// Makes `unit` the one being polled on this thread; returns the one that was.
fn replace_current(unit: Option<Unit>) -> Option<Unit> {
    CURRENT_ID.with(|id| id.set(unit.as_ref().map_or(0, |unit| unit.id().0)));
    CURRENT.with(|slot| slot.replace(unit))
}

/// What a unit spawned here inherits: a copy of the current unit's inheritable `Local` values.
///
/// This runs on every spawn, so the common case (a parent with nothing to inherit) only peeks
/// at the parent through the thread-locals: no reference count is touched, nothing allocated,
/// and a foreign thread that never asked for its identity is not given one.
fn inherited_locals() -> LocalMap {
    let parent = CURRENT.with(|slot| {
        let unit = slot.take();
        let parent = unit
            .as_ref()
            .map(|unit| unit.locals().may_inherit().then(|| unit.clone()));
        slot.set(unit);
        parent
    });
    let parent = parent.or_else(|| {
        foreign_tasks::existing().map(|unit| unit.locals().may_inherit().then_some(unit))
    });
    let parent = parent.unwrap_or_else(|| {
        FOREIGN
            .try_with(|cell| {
                cell.get()
                    .filter(|unit| unit.locals().may_inherit())
                    .cloned()
            })
            .ok()
            .flatten()
    });
    // Copying runs `clone` (user code, which may itself ask for `current()`), so it happens
    // only now, with the thread-locals back in place.
    parent.map_or_else(LocalMap::default, |parent| parent.locals().inherited())
}

/// The table of one flavour's live units, behind `Flavor::units()` and the wait in
/// `Flavor::run` for non-daemon units.
///
/// A flavour value owns one, and `run` makes its main unit there. A unit spawned from inside a
/// unit joins the registry of that unit (if it is of the same flavour kind), whichever flavour
/// value spawns it: so `run` waits for, and `units()` lists, every unit of the run, even those
/// started through a second `Tokio::new()` made inside it.
pub(crate) struct Registry {
    kind: FlavorKind,
    table: Mutex<Table>,
    /// Notified whenever the count of live non-daemon units drops to zero.
    idle: Event,
    /// The run's [`OnDeadlock`], as `OnDeadlock::to_u8`.
    on_deadlock: AtomicU8,
    /// Whether the run checks lock order.
    check_lock_order: std::sync::atomic::AtomicBool,
    /// The deadlocks its units closed, oldest first.
    deadlocks: Mutex<Vec<Deadlock>>,
    /// How many units are live and how many of them are asleep (see `deadlock::asleep`),
    /// shared with every unit.
    count: Arc<RunCount>,
    /// The all-asleep states reported (each unit with the number of its sleep), so that one
    /// state is reported once: not only the last, since a unit that read a state before
    /// another report was made may check it after (loom found it). They grow with the run's
    /// list of deadlocks, one per report.
    reported_asleep: Mutex<Vec<Vec<(UnitId, u64)>>>,
}

#[derive(Default)]
struct Table {
    live: Slab<Unit>,
    non_daemon: usize,
}

impl Registry {
    /// An empty registry for a flavour of `kind`.
    pub(crate) fn new(kind: FlavorKind) -> Arc<Self> {
        Arc::new(Registry {
            kind,
            table: Mutex::default(),
            idle: Event::new(),
            on_deadlock: AtomicU8::new(OnDeadlock::default().to_u8()),
            check_lock_order: std::sync::atomic::AtomicBool::new(false),
            deadlocks: Mutex::default(),
            count: Arc::default(),
            reported_asleep: Mutex::default(),
        })
    }

    /// What units started from now on do on a deadlock.
    pub(crate) fn set_on_deadlock(&self, policy: OnDeadlock) {
        self.on_deadlock.store(policy.to_u8(), Ordering::Relaxed);
    }

    /// Whether units started from now on check lock order.
    pub(crate) fn set_check_lock_order(&self, on: bool) {
        let on = on && deadlock::COMPILED_IN;
        if on {
            deadlock::CHECKING_LOCK_ORDER.store(true, Ordering::Relaxed);
        }
        self.check_lock_order.store(on, Ordering::Relaxed);
    }

    fn checks_lock_order(&self) -> bool {
        self.check_lock_order.load(Ordering::Relaxed)
    }

    pub(crate) fn on_deadlock(&self) -> OnDeadlock {
        OnDeadlock::from_u8(self.on_deadlock.load(Ordering::Relaxed))
    }

    /// The deadlocks the run's units closed so far.
    pub(crate) fn deadlocks(&self) -> Vec<Deadlock> {
        self.deadlocks.lock().clone()
    }

    /// Keeps a deadlock its units closed.
    pub(crate) fn record(&self, deadlock: &Deadlock) {
        self.deadlocks.lock().push(deadlock.clone());
    }

    /// How many of its units are live, and asleep.
    pub(crate) fn count(&self) -> &RunCount {
        &self.count
    }

    /// Whether the all-asleep `state` was not reported before; it counts as reported from now
    /// on.
    pub(crate) fn first_report_of(&self, state: Vec<(UnitId, u64)>) -> bool {
        let mut reported = self.reported_asleep.lock();
        if reported.contains(&state) {
            return false;
        }
        reported.push(state);
        true
    }

    /// The registry that code running here shares in: the current unit's, if it is of this
    /// registry's kind, else this one.
    pub(crate) fn here(self: &Arc<Self>) -> Arc<Registry> {
        let inherited = CURRENT.with(|slot| {
            let unit = slot.take();
            let registry = unit.as_ref().and_then(|unit| unit.0.registry.upgrade());
            slot.set(unit);
            registry
        });
        match inherited {
            Some(registry) if registry.kind == self.kind => registry,
            _ => Arc::clone(self),
        }
    }

    /// Enters a new unit into the registry shared here ([`here`](Self::here)); it leaves when
    /// the returned [`Registration`] drops.
    pub(crate) fn register(
        self: &Arc<Self>,
        name: Cow<'static, str>,
        daemon: bool,
    ) -> (Unit, Registration) {
        self.here().register_here(name, daemon)
    }

    /// Enters a new unit into this very registry (a `run`'s main unit).
    pub(crate) fn register_here(
        self: &Arc<Self>,
        name: Cow<'static, str>,
        daemon: bool,
    ) -> (Unit, Registration) {
        let unit = Unit::new(name, daemon, false, Arc::downgrade(self));
        let mut table = self.table.lock();
        let key = table.live.insert(unit.clone());
        table.non_daemon += usize::from(!daemon);
        self.count.set_live(table.live.len());
        drop(table);
        let registration = Registration {
            registry: Arc::clone(self),
            key,
            daemon,
        };
        (unit, registration)
    }

    /// A snapshot of the live units, oldest first.
    pub(crate) fn units(&self) -> Vec<Unit> {
        let mut units: Vec<Unit> = self
            .table
            .lock()
            .live
            .iter()
            .map(|(_, u)| u.clone())
            .collect();
        units.sort_by_key(Unit::id);
        units
    }

    pub(crate) fn active_count(&self) -> usize {
        self.table.lock().live.len()
    }

    /// Waits until no non-daemon unit is live, by the waiting protocol of `W`.
    pub(crate) async fn wait_idle<W: Waiter>(&self) {
        let idle = || self.table.lock().non_daemon == 0;
        if !wait::ready_soon::<W>(&self.idle, None, idle) {
            wait::without_deadline(
                wait::until_true::<W>(WaitsFor::Units, &self.idle, None, idle).await,
            );
        }
    }
}

/// A unit's entry in its registry; dropping it removes the entry.
pub(crate) struct Registration {
    registry: Arc<Registry>,
    key: usize,
    daemon: bool,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut table = self.registry.table.lock();
        let unit = table.live.remove(self.key);
        self.registry.count.set_live(table.live.len());
        let now_idle = !self.daemon && {
            table.non_daemon -= 1;
            table.non_daemon == 0
        };
        drop(table);
        // The unit has ended: its `Local` values go now, not when the last `Unit` handle to it
        // (a join handle, a `units()` snapshot) goes, and before a joiner gets the output.
        unit.locals().clear();
        if now_idle {
            self.registry.idle.notify(usize::MAX);
        }
        if unit.on_deadlock() != OnDeadlock::Off {
            deadlock::left(&self.registry);
        }
    }
}

pin_project! {
    /// A unit's future: names the unit in [`CURRENT`] during every poll and keeps the unit
    /// registered until the future completes or is dropped. A cancelled unit's future is dropped
    /// with the unit still current, so destructors that ask who they run in get the right answer.
    pub(crate) struct UnitFuture<Fut> {
        unit: Option<Unit>,
        registration: Option<Registration>,
        // The unit's own waker, if its run detects deadlocks (made at the first poll).
        waker: Option<Waker>,
        #[pin]
        inner: Option<Fut>,
    }

    impl<Fut> PinnedDrop for UnitFuture<Fut> {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            if this.inner.is_none() && this.registration.is_none() {
                return;
            }
            if let (Some(unit), Some(_)) = (this.unit.as_ref(), this.waker.as_ref()) {
                deadlock::dropped(unit);
            }
            let previous = replace_current(this.unit.take());
            let restore = RestoreCurrent {
                home: this.unit,
                previous,
            };
            this.inner.set(None);
            this.registration.take();
            drop(restore);
        }
    }
}

impl<Fut> UnitFuture<Fut> {
    pub(crate) fn new(unit: Unit, registration: Registration, inner: Fut) -> Self {
        UnitFuture {
            unit: Some(unit),
            registration: Some(registration),
            waker: None,
            inner: Some(inner),
        }
    }
}

/// Whether `unit` has a lock wait asleep in the wait-for graph (cheap: one load).
#[inline]
fn has_edges(unit: &Unit) -> bool {
    unit.waits().edges.load(Ordering::Relaxed) != 0
}

/// Puts the previous occupant back into [`CURRENT`] and the unit back into its future, also
/// when the poll unwinds.
struct RestoreCurrent<'a> {
    home: &'a mut Option<Unit>,
    previous: Option<Unit>,
}

impl Drop for RestoreCurrent<'_> {
    fn drop(&mut self) {
        *self.home = replace_current(self.previous.take());
    }
}

impl<Fut: Future> Future for UnitFuture<Fut> {
    type Output = Fut::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Fut::Output> {
        let mut this = self.project();
        let Some(inner) = this.inner.as_mut().as_pin_mut() else {
            // Polled after completion: the contract allows anything but undefined behaviour.
            return Poll::Pending;
        };
        let mut wakes_before = None;
        if let Some(unit) = this.unit.as_ref() {
            if has_edges(unit) {
                deadlock::woke(unit);
            }
            if this.waker.is_none() && unit.on_deadlock() != OnDeadlock::Off {
                *this.waker = Some(unit.own_waker());
            }
            if this.waker.is_some() {
                if let Some(report) = deadlock::doomed(unit) {
                    // Woken to end an all-asleep run under `OnDeadlock::Panic`.
                    std::panic::panic_any(report);
                }
                wakes_before = Some(deadlock::polling(unit, Some(cx.waker())));
            }
        }
        let previous = replace_current(this.unit.take());
        let restore = RestoreCurrent {
            home: this.unit,
            previous,
        };
        let poll = match this.waker.as_ref() {
            Some(own) => inner.poll(&mut Context::from_waker(own)),
            None => inner.poll(cx),
        };
        if poll.is_pending() {
            // Still current: a panicking detector (`OnDeadlock::Panic`) unwinds as the unit.
            let detecting = wakes_before.is_some() || has_edges_here();
            if let Some(unit) = detecting.then(current_unit_here).flatten() {
                if has_edges(&unit) {
                    deadlock::sleeping(&unit);
                }
                if let Some(wakes) = wakes_before {
                    deadlock::pending(&unit, wakes);
                }
            }
        }
        if poll.is_ready() {
            // Leave the table before the output reaches a joiner, so a unit that was joined is
            // never still listed. This drops the unit's `Local` values, so it happens while the
            // unit is still current: a value's `Drop` that uses locals finds its own unit.
            this.inner.set(None);
            this.registration.take();
        }
        drop(restore);
        poll
    }
}

/// The unit in [`CURRENT`], cloned.
fn current_unit_here() -> Option<Unit> {
    CURRENT.with(|slot| {
        let unit = slot.take();
        let cloned = unit.clone();
        slot.set(unit);
        cloned
    })
}

/// Whether the unit in [`CURRENT`] has a lock wait asleep.
fn has_edges_here() -> bool {
    CURRENT.with(|slot| {
        let unit = slot.take();
        let edges = unit.as_ref().is_some_and(has_edges);
        slot.set(unit);
        edges
    })
}
