//! The wait-for graph and its walk.
//!
//! The graph holds one *edge* per lock wait that has gone to sleep in a unit whose run detects
//! deadlocks: the unit, the lock (by address), and the lock's holder as far as it is known.
//! Edges live under one process-wide lock, touched only on slow paths: when a wait goes to
//! sleep or ends, when a unit goes to sleep or wakes, and when a lock that has sleeping
//! waiters changes hands (such a lock is *watched*, so its fast paths call in).
//!
//! # Why a reported cycle is real
//!
//! A cycle is reported only if every unit on it is *blocked*: asleep, with exactly one
//! twinsync wait pending (the lock wait of its edge) and no deadline. A blocked unit runs no
//! code, so it releases nothing; and an edge's holder is never stale for a blocked holder:
//!
//! - a holder that releases a watched lock clears the holder of its edges *before its release
//!   call returns*, so it does so before it can block again;
//! - a waiter reads the holder only after marking the lock watched and touching the lock's
//!   state word with a read-modify-write. The holder's release is also a read-modify-write of
//!   that word, so either the release comes after the touch (and sees the mark, and clears the
//!   holder under this lock, after the edge is in) or before it (and the waiter's read sees the
//!   holder's "nobody" or a newer holder).
//!
//! A holder read as "nobody" while the lock is held (a holder that has taken the lock but not
//! yet written its id) is waited out for a few spins; a cycle through an unknown holder is
//! not reported by the walk (it may be missed, never invented). The taker tells the detector
//! when it writes its id, unless it misses the watch in the same instant (see
//! `RawLock::holder_after_watch` for why that is allowed, and what closing it would cost).
//! A cycle the walk misses is still found once every unit of the run sleeps: the all-asleep
//! check names the same units and the locks they wait for (loom checks both outcomes,
//! `src/loom_models.rs`).

use std::future::Future;
use std::ops::DerefMut;
use std::pin::Pin;
use std::sync::atomic::Ordering::{Acquire, Relaxed, SeqCst};
use std::task::{Context, Poll};

use super::{Deadlock, DeadlockLink, LockOrigin, OnDeadlock, WaitsFor};
use crate::mutex::RawLock;
use crate::sync::Mutex;
use crate::unit::{Unit, UnitId, current_for_detection};

/// One sleeping lock wait.
struct Edge {
    unit: Unit,
    lock: usize,
    origin: LockOrigin,
    /// The lock's holder, if known and not since released.
    holder: Option<UnitId>,
    /// Whether the unit is asleep with this wait as its only one (see the module docs).
    blocked: bool,
    /// Whether a reported cycle went through this edge (each cycle is reported once).
    reported: bool,
}

#[cfg(not(any(loom, shuttle)))]
static GRAPH: Mutex<Vec<Edge>> = Mutex::new(Vec::new());

// The checkers' objects live for one execution: their lazy statics are made anew in each.
#[cfg(loom)]
loom::lazy_static! {
    static ref GRAPH: Mutex<Vec<Edge>> = Mutex::new(Vec::new());
}
#[cfg(shuttle)]
shuttle::lazy_static! {
    static ref GRAPH: Mutex<Vec<Edge>> = Mutex::new(Vec::new());
}

fn graph() -> impl DerefMut<Target = Vec<Edge>> {
    GRAPH.lock()
}

/// What a pending wait noted in its unit: released when the wait ends or is dropped.
pub(crate) struct Noted {
    unit: Unit,
    timed: bool,
    /// Whether the wait added an edge (a lock wait without a deadline).
    edge: bool,
    /// The wait's place in the unit's list of deadline-free waits (for all-asleep reports).
    listed: Option<std::num::NonZeroU32>,
}

impl Noted {
    /// Notes a wait going to sleep in the current unit, if its run detects deadlocks: `timed`
    /// if it has a deadline (it cannot deadlock for good); one without is listed with what it
    /// waits for, and a lock wait without one adds an edge.
    pub(crate) fn new(
        timed: bool,
        lock: Option<&RawLock>,
        waits_for: impl FnOnce() -> WaitsFor,
    ) -> Option<Noted> {
        let unit = current_for_detection()?;
        let waits = unit.waits();
        let listed = (!timed).then(|| waits.add(waits_for()));
        waits.pending.fetch_add(1, SeqCst);
        if timed {
            waits.timed.fetch_add(1, SeqCst);
        }
        let edge = match lock {
            Some(lock) if !timed => {
                add_edge(&unit, lock);
                true
            }
            _ => false,
        };
        Some(Noted {
            unit,
            timed,
            edge,
            listed,
        })
    }

    /// Ends the wait: removes its edge from `lock` (the lock it waited on, if it added one).
    pub(crate) fn end(self, lock: Option<&RawLock>) {
        if let (true, Some(lock)) = (self.edge, lock) {
            remove_edge(self.unit.id(), lock);
        }
    }
}

impl Drop for Noted {
    fn drop(&mut self) {
        let waits = self.unit.waits();
        waits.pending.fetch_sub(1, SeqCst);
        if self.timed {
            waits.timed.fetch_sub(1, SeqCst);
        }
        if let Some(token) = self.listed {
            waits.remove(token);
        }
    }
}

pin_project_lite::pin_project! {
    /// A future twinsync waits on without the waiting protocol (a sleep, a tokio join),
    /// noted while it is pending: a timed one (a sleep) keeps a unit racing a lock against it
    /// from counting as blocked; an untimed one (a join) counts as a deadline-free wait.
    pub(crate) struct Noting<F> {
        #[pin]
        inner: F,
        waits_for: Option<WaitsFor>,
        noted: Option<Noted>,
    }
}

impl<F> Noting<F> {
    /// A wait that ends by itself (a sleep).
    pub(crate) fn timed(inner: F) -> Self {
        Noting {
            inner,
            waits_for: None,
            noted: None,
        }
    }

    /// A wait without a deadline, for `waits_for` (a tokio join).
    #[cfg(feature = "tokio")]
    pub(crate) fn untimed(waits_for: WaitsFor, inner: F) -> Self {
        Noting {
            inner,
            waits_for: Some(waits_for),
            noted: None,
        }
    }
}

impl<F: Future> Future for Noting<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let poll = this.inner.poll(cx);
        if poll.is_pending() {
            if this.noted.is_none() {
                let waits_for = this.waits_for.clone();
                *this.noted = Noted::new(waits_for.is_none(), None, || {
                    waits_for.unwrap_or(WaitsFor::Units)
                });
            }
        } else {
            *this.noted = None;
        }
        poll
    }
}

/// Adds the edge "`unit` sleeps waiting for `lock`", with the lock's holder as it is now.
pub(crate) fn add_edge(unit: &Unit, lock: &RawLock) {
    let mut graph = graph();
    lock.watch(true);
    let holder = lock.holder_after_watch();
    graph.push(Edge {
        unit: unit.clone(),
        lock: lock.key(),
        origin: lock.origin(),
        holder,
        blocked: false,
        reported: false,
    });
    unit.waits().edges.fetch_add(1, Relaxed);
}

/// Removes `unit`'s edge to `lock`; the last edge to a lock stops watching it.
pub(crate) fn remove_edge(unit: UnitId, lock: &RawLock) {
    let mut graph = graph();
    let key = lock.key();
    if let Some(at) = graph
        .iter()
        .position(|e| e.lock == key && e.unit.id() == unit)
    {
        let edge = graph.swap_remove(at);
        edge.unit.waits().edges.fetch_sub(1, Relaxed);
    }
    if !graph.iter().any(|e| e.lock == key) {
        lock.watch(false);
    }
}

/// A watched lock was taken by `holder` (0: not a unit).
#[cold]
pub(crate) fn acquired(lock: usize, holder: u64) {
    let holder = (holder != 0).then(|| UnitId::from_u64(holder));
    for edge in graph().iter_mut().filter(|e| e.lock == lock) {
        edge.holder = holder;
    }
}

/// A watched lock was released by `holder`: edges that name it as the holder forget it.
#[cold]
pub(crate) fn released(lock: usize, holder: u64) {
    let holder = UnitId::from_u64(holder);
    for edge in graph().iter_mut().filter(|e| e.lock == lock) {
        if edge.holder == Some(holder) {
            edge.holder = None;
        }
    }
}

/// `unit` woke: it runs again, so no cycle may go through it.
pub(crate) fn woke(unit: &Unit) {
    let id = unit.id();
    for edge in graph().iter_mut().filter(|e| e.unit.id() == id) {
        edge.blocked = false;
    }
}

/// `unit` goes to sleep: if its one pending wait is a lock wait without a deadline, it is
/// blocked, and a cycle through it is reported by its run's policy.
pub(crate) fn sleeping(unit: &Unit) {
    let waits = unit.waits();
    if waits.pending.load(Acquire) != 1 || waits.timed.load(Acquire) != 0 {
        return;
    }
    let Some(deadlock) = block_and_walk(unit) else {
        return;
    };
    unit.record_deadlock(&deadlock);
    match unit.on_deadlock() {
        OnDeadlock::Off => {}
        OnDeadlock::Report => eprintln!("twinsync: {deadlock}"),
        OnDeadlock::Panic => std::panic::panic_any(deadlock.to_string()),
    }
}

/// [`sleeping`] for the unit being polled on this thread, if it has a lock wait asleep;
/// returns it, to be told when it [`woke`].
pub(crate) fn sleeping_here() -> Option<Unit> {
    let unit = current_for_detection().filter(|unit| unit.waits().edges.load(Relaxed) != 0)?;
    sleeping(&unit);
    Some(unit)
}

/// Whether a reported lock cycle goes through `unit`'s wait.
pub(crate) fn in_reported_cycle(unit: UnitId) -> bool {
    graph().iter().any(|e| e.unit.id() == unit && e.reported)
}

/// Marks `unit` blocked and walks the graph from it; the cycle it closed, if any and not
/// reported before.
fn block_and_walk(unit: &Unit) -> Option<Deadlock> {
    let mut graph = graph();
    let start = unit.id();
    let first = graph.iter().position(|e| e.unit.id() == start)?;
    if graph[first].blocked {
        return None; // already walked when it went to sleep this time
    }
    graph[first].blocked = true;
    let mut cycle = vec![first];
    loop {
        let last = &graph[*cycle.last()?];
        let holder = last.holder?;
        if holder == start {
            break;
        }
        let next = graph
            .iter()
            .position(|e| e.unit.id() == holder && e.blocked)?;
        if cycle.contains(&next) {
            return None; // a cycle that `unit` only leads into: its own closer reported it
        }
        cycle.push(next);
    }
    if cycle.iter().all(|&at| graph[at].reported) {
        return None;
    }
    let links = (0..cycle.len())
        .map(|i| {
            let edge = &graph[cycle[i]];
            let previous = &graph[cycle[(i + cycle.len() - 1) % cycle.len()]];
            DeadlockLink {
                unit: edge.unit.clone(),
                holds: previous.origin,
                waits_for: edge.origin,
            }
        })
        .collect();
    for &at in &cycle {
        graph[at].reported = true;
    }
    Some(Deadlock::cycle(links))
}
