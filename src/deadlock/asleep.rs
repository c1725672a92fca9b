//! "All units asleep": the deadlock of waits that have no owner.
//!
//! A semaphore, an event, a queue or a barrier has no holder to follow, so a wait on one
//! cannot close a cycle. What can be known exactly is that *nobody is left to wake anyone*:
//! every live unit of a run sleeps on twinsync waits with no deadline, and none of them has
//! been woken since it went to sleep (Go's "all goroutines are asleep").
//!
//! # How a unit is known to be asleep
//!
//! A unit whose run detects deadlocks is polled with its own waker, which counts every wake
//! (`wakes`) before passing it on to the waker the unit was polled with. Before each poll the
//! unit reads the count; when the poll returns `Pending` with only deadline-free twinsync waits
//! pending, it records that count as `asleep_at`. The unit is asleep exactly while
//! `asleep_at == wakes`: any wake since the read, even one not yet acted on, breaks the
//! equality. A wake that came before the read is one whose cause the poll saw (the wake
//! follows the change that caused it, and the read is a `SeqCst` load of what the wake wrote).
//!
//! Each run counts its asleep units: a unit counts itself when it goes to sleep, and is
//! uncounted by the first wake (or its next poll, or its drop, whichever comes first). The
//! unit whose sleep brings the count up to the number of live units checks every one of them;
//! so does a unit that leaves the run while the others sleep. The count is only a filter (a
//! wake racing a sleep may leave it off by one for a moment); the check itself is exact.
//!
//! The check reads the units one after another, so it reads each twice. A unit read asleep
//! may be woken, before the last one is read, by a unit that then goes to sleep itself; the
//! second pass finds the first one's wake count moved. What both passes see unchanged (each
//! unit asleep, in the same numbered sleep, with no wake since) was asleep throughout, so
//! at the moment between the passes every unit slept at once, and nobody was left to wake
//! anyone. A state is reported once: its units and their sleep numbers. A unit that waits for another unit to finish counts as awake once that one has left:
//! the finish is about to wake it.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64};
use std::task::{Wake, Waker};

use futures::task::AtomicWaker;

use super::{AsleepUnit, Deadlock, OnDeadlock, WaitsFor};
use crate::sync::Mutex;
// The run's counts are the checkers' under loom (see `crate::sync::waker_atomic`); a unit's
// own counts stay `std`'s: a unit lives in a `std` `Arc` (its waker), whose last drop loom
// would take for a race with every earlier read.
use crate::sync::waker_atomic::AtomicUsize;
use crate::unit::{Registry, Unit};

/// `asleep_at` of a unit that is not asleep.
const AWAKE: u64 = u64::MAX;

/// A unit's pending twinsync waits and wakes, as the deadlock detector counts them. The
/// counts are touched only on slow paths (a wait going to sleep or ending); the wake count on
/// every wake of a unit whose run detects deadlocks.
pub(crate) struct UnitWaits {
    /// Pending waits that have gone to sleep, and how many of them have a deadline.
    pub(crate) pending: AtomicU32,
    pub(crate) timed: AtomicU32,
    /// How many edges of the wait-for graph are this unit's.
    pub(crate) edges: AtomicU32,
    wakes: AtomicU64,
    asleep_at: AtomicU64,
    /// How many times the unit has gone to sleep: a sleep's number, which tells two sleeps
    /// with no wake between them apart.
    sleeps: AtomicU64,
    /// The waker the unit was last polled with, which its own waker passes wakes on to.
    outer: AtomicWaker,
    /// What its deadline-free waits wait for, each under a token, for the report.
    on: Mutex<WaitList>,
    /// Its run's counts (none for a foreign identity).
    run: Option<Arc<RunCount>>,
    /// An all-asleep report this unit must panic with when it next runs: the unit that
    /// completed the state left the run, so the youngest sleeper is the one to end it.
    doomed: Mutex<Option<String>>,
    is_doomed: AtomicBool,
}

/// How many units of a run are live and how many asleep: shared by the run's registry and
/// its units, so that a wake reaches it without going through the registry.
#[derive(Default)]
pub(crate) struct RunCount {
    live: AtomicUsize,
    asleep: AtomicUsize,
}

impl RunCount {
    pub(crate) fn set_live(&self, live: usize) {
        self.live.store(live, SeqCst);
    }

    fn live(&self) -> usize {
        self.live.load(SeqCst)
    }

    /// Whether every live unit may be asleep (`live` is never 0 then).
    fn all_maybe_asleep(&self) -> bool {
        let live = self.live();
        live != 0 && self.asleep.load(SeqCst) >= live
    }
}

#[derive(Default)]
struct WaitList {
    /// The last token given; tokens are small so that a wait's note stays small (they wrap
    /// after 2^32 sleeps, by then long reused).
    last: u32,
    waits: Vec<(NonZeroU32, WaitsFor)>,
}

impl UnitWaits {
    /// The counts of a unit of the run counted by `run`.
    pub(crate) fn new(run: Option<Arc<RunCount>>) -> Self {
        UnitWaits {
            pending: AtomicU32::new(0),
            timed: AtomicU32::new(0),
            edges: AtomicU32::new(0),
            wakes: AtomicU64::new(0),
            asleep_at: AtomicU64::new(AWAKE),
            sleeps: AtomicU64::new(0),
            outer: AtomicWaker::new(),
            on: Mutex::default(),
            run,
            doomed: Mutex::default(),
            is_doomed: AtomicBool::new(false),
        }
    }

    /// Lists a deadline-free wait going to sleep; the token removes it.
    pub(crate) fn add(&self, waits_for: WaitsFor) -> NonZeroU32 {
        let mut on = self.on.lock();
        let token = NonZeroU32::new(on.last.wrapping_add(1)).unwrap_or(NonZeroU32::MIN);
        on.last = token.get();
        on.waits.push((token, waits_for));
        token
    }

    pub(crate) fn remove(&self, token: NonZeroU32) {
        let mut on = self.on.lock();
        if let Some(at) = on.waits.iter().position(|(t, _)| *t == token) {
            on.waits.swap_remove(at);
        }
    }

    /// Counts a wake; the unit is not asleep from here on.
    pub(crate) fn woken(&self) {
        self.wakes.fetch_add(1, SeqCst);
        self.awake();
    }

    /// The unit's own waker was woken: count it, and pass it on.
    pub(crate) fn wake(&self) {
        self.woken();
        self.outer.wake();
    }

    /// The unit is not asleep (any more): uncount it if it was counted.
    fn awake(&self) {
        if self.asleep_at.load(SeqCst) != AWAKE && self.asleep_at.swap(AWAKE, SeqCst) != AWAKE {
            if let Some(run) = &self.run {
                run.asleep.fetch_sub(1, SeqCst);
            }
        }
    }

    /// The number of the sleep the unit is in, if it is asleep.
    fn asleep_in(&self) -> Option<u64> {
        let sleep = self.sleeps.load(SeqCst);
        let at = self.asleep_at.load(SeqCst);
        (at != AWAKE && at == self.wakes.load(SeqCst)).then_some(sleep)
    }
}

/// A unit is about to be polled with its own waker, on behalf of `outer` (`None`: a nested
/// executor that wakes through its own wrapper, [`Nested`]). Returns the wake count to give
/// [`pending`] if the poll goes to sleep.
pub(crate) fn polling(unit: &Unit, outer: Option<&Waker>) -> u64 {
    let waits = unit.waits();
    waits.awake();
    if let Some(outer) = outer {
        waits.outer.register(outer);
    }
    waits.wakes.load(SeqCst)
}

/// A unit's poll returned `Pending`, with `wakes` read before it ([`polling`]): if all it
/// waits on is twinsync waits without a deadline, it is asleep; if that makes every unit of
/// its run asleep, it reports them by its policy.
pub(crate) fn pending(unit: &Unit, wakes: u64) {
    let waits = unit.waits();
    if waits.pending.load(SeqCst) == 0 || waits.timed.load(SeqCst) != 0 {
        return;
    }
    let Some(run) = &waits.run else {
        return;
    };
    waits.sleeps.fetch_add(1, SeqCst);
    waits.asleep_at.store(wakes, SeqCst);
    run.asleep.fetch_add(1, SeqCst);
    if !run.all_maybe_asleep() {
        return;
    }
    let Some(registry) = unit.registry() else {
        return;
    };
    if let Some(deadlock) = all_asleep(&registry) {
        registry.record(&deadlock);
        match unit.on_deadlock() {
            OnDeadlock::Off => {}
            OnDeadlock::Report => eprintln!("twinsync: {deadlock}"),
            OnDeadlock::Panic => std::panic::panic_any(deadlock.to_string()),
        }
    }
}

/// A unit that was asleep is gone without waking (its future was dropped).
pub(crate) fn dropped(unit: &Unit) {
    unit.waits().awake();
}

/// A unit has left `registry`: if the units still there all sleep, nobody is left to wake
/// them. The report is made by the policy of the youngest of them: under
/// [`OnDeadlock::Panic`] that unit is woken to panic with it (see [`doomed`]).
pub(crate) fn left(registry: &Registry) {
    if !registry.count().all_maybe_asleep() {
        return;
    }
    let Some(deadlock) = all_asleep(registry) else {
        return;
    };
    registry.record(&deadlock);
    let youngest = deadlock.asleep().last().map(|asleep| asleep.unit().clone());
    match youngest.as_ref().map(Unit::on_deadlock) {
        Some(OnDeadlock::Panic) => {
            if let Some(unit) = youngest {
                *unit.waits().doomed.lock() = Some(deadlock.to_string());
                unit.waits().is_doomed.store(true, SeqCst);
                unit.waits().wake();
            }
        }
        Some(OnDeadlock::Off) => {}
        _ => eprintln!("twinsync: {deadlock}"),
    }
}

/// The report a unit was woken to panic with, if any: taken by its next poll.
#[inline]
pub(crate) fn doomed(unit: &Unit) -> Option<String> {
    let waits = unit.waits();
    if !waits.is_doomed.load(Relaxed) {
        return None;
    }
    waits.is_doomed.store(false, Relaxed);
    waits.doomed.lock().take()
}

/// The report, if every live unit of `registry` is asleep and this state was not reported.
fn all_asleep(registry: &Registry) -> Option<Deadlock> {
    let units = registry.units();
    if units.is_empty() {
        return None; // the last unit has left since the count was read: nobody sleeps
    }
    let mut asleep = Vec::with_capacity(units.len());
    let mut state = Vec::with_capacity(units.len());
    for unit in &units {
        let waits = unit.waits();
        let sleep = waits.asleep_in()?;
        let on: Vec<WaitsFor> = waits
            .on
            .lock()
            .waits
            .iter()
            .map(|(_, w)| w.clone())
            .collect();
        let woken_soon = on.iter().any(|w| match w {
            // Its finish wakes the joiner; nothing can wake a wait for the run's units.
            WaitsFor::Unit(other) => !units.iter().any(|u| u.id() == other.id()),
            WaitsFor::Units => true,
            _ => false,
        });
        if woken_soon || on.is_empty() {
            return None;
        }
        if super::detect::in_reported_cycle(unit.id()) {
            return None; // a lock cycle, already named, is why
        }
        state.push((unit.id(), sleep));
        asleep.push(AsleepUnit::new(unit.clone(), on));
    }
    // The second pass (see the module docs).
    if !units
        .iter()
        .zip(&state)
        .all(|(unit, &(_, sleep))| unit.waits().asleep_in() == Some(sleep))
    {
        return None;
    }
    registry
        .first_report_of(state)
        .then(|| Deadlock::all_asleep(asleep))
}

/// The waker of a nested executor (a thread twin's plain blocking method inside a unit):
/// counts each wake for the unit, then wakes the executor.
pub(crate) struct Nested {
    unit: Unit,
    waker: Waker,
}

struct NestedWake {
    unit: Unit,
    executor: Waker,
}

impl Wake for NestedWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.unit.waits().woken();
        self.executor.wake_by_ref();
    }
}

impl Nested {
    /// For an executor with waker `executor` started inside a unit whose run detects
    /// deadlocks.
    pub(crate) fn here(executor: &Waker) -> Option<Nested> {
        let unit = crate::unit::current_for_detection()?;
        let waker = Waker::from(Arc::new(NestedWake {
            unit: unit.clone(),
            executor: executor.clone(),
        }));
        Some(Nested { unit, waker })
    }

    pub(crate) fn waker(&self) -> &Waker {
        &self.waker
    }

    pub(crate) fn unit(&self) -> &Unit {
        &self.unit
    }
}

/// `unit` is being cancelled: it will not sleep on, so it counts as woken.
pub(crate) fn cancelling(unit: &Unit) {
    unit.waits().woken();
}
