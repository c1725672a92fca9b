//! The lock-order check: a *potential* deadlock found on a run that did not hang.
//!
//! Opt-in ([`Flavor::check_lock_order`](crate::Flavor::check_lock_order)), for tests. Each
//! time a unit of a checking run takes a lock while holding others, the order "held, then
//! taken" becomes an edge of one process-wide *lock-order graph*. Two units that take the same
//! locks in opposite orders deadlock only if they interleave badly, so a run usually passes;
//! but the second order closes a cycle in the graph, and that is reported at once, with the
//! earlier orders that make the cycle (tracing-mutex's idea, here for thread and task twins
//! alike). An order is one edge however often it is taken; each cycle is reported once.
//!
//! Everything lives under one lock, touched only by checking units when they take or release
//! a lock; other units pay one relaxed load of [`CHECKING`] per lock operation.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::{Deadlock, LockOrigin};
use crate::unit::{Unit, current_for_order};

/// Whether any unit has ever checked lock order in this process: until then, locks skip the
/// check with one load.
pub(crate) static CHECKING: AtomicBool = AtomicBool::new(false);

/// One order seen: `unit` took `took` while holding `held`.
///
/// ```
/// # fn f(s: &twinsync::deadlock::LockOrder) -> String {
/// format!("{} took {} while holding {}", s.unit(), s.took(), s.held())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct LockOrder {
    unit: String,
    held: LockOrigin,
    took: LockOrigin,
}

impl LockOrder {
    /// The name of the unit that took the locks in this order.
    ///
    /// ```
    /// # fn f(s: &twinsync::deadlock::LockOrder) -> &str { s.unit() }
    /// ```
    pub fn unit(&self) -> &str {
        &self.unit
    }

    /// The lock it held.
    ///
    /// ```
    /// # fn f(s: &twinsync::deadlock::LockOrder) -> Option<&str> { s.held().name() }
    /// ```
    pub fn held(&self) -> LockOrigin {
        self.held
    }

    /// The lock it took while holding [`held`](Self::held).
    ///
    /// ```
    /// # fn f(s: &twinsync::deadlock::LockOrder) -> Option<&str> { s.took().name() }
    /// ```
    pub fn took(&self) -> LockOrigin {
        self.took
    }
}

#[derive(Default)]
struct OrderGraph {
    next_id: u64,
    /// For each lock (by order id), the locks taken while holding it, with who did so first.
    after: HashMap<u64, Vec<(u64, LockOrder)>>,
    /// The locks each checking unit holds (by unit id), oldest first.
    held: HashMap<u64, Vec<(u64, LockOrigin)>>,
    /// The edges whose addition closed a reported cycle.
    reported: HashSet<(u64, u64)>,
}

static GRAPH: Mutex<Option<OrderGraph>> = Mutex::new(None);

fn graph() -> MutexGuard<'static, Option<OrderGraph>> {
    GRAPH.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The lock's id in the graph, given on its first checked use (ids, unlike addresses, are
/// never reused by a later lock).
fn id_of(graph: &mut OrderGraph, id: &AtomicU64) -> u64 {
    match id.load(Relaxed) {
        0 => {
            graph.next_id += 1;
            id.store(graph.next_id, Relaxed);
            graph.next_id
        }
        known => known,
    }
}

/// The current unit, if it checks lock order, took the lock `(id, origin)`.
#[cold]
pub(crate) fn taken(id: &AtomicU64, origin: LockOrigin) {
    let Some(unit) = current_for_order() else {
        return;
    };
    let found = {
        let mut guard = graph();
        let graph = guard.get_or_insert_with(OrderGraph::default);
        let taken = id_of(graph, id);
        let held = graph.held.remove(&unit.id().as_u64()).unwrap_or_default();
        let mut found = None;
        for &(before, held_origin) in held.iter().filter(|(before, _)| *before != taken) {
            let known = graph
                .after
                .get(&before)
                .is_some_and(|next| next.iter().any(|(to, _)| *to == taken));
            if known {
                continue;
            }
            if found.is_none() && !graph.reported.contains(&(before, taken)) {
                if let Some(path) = path(graph, taken, before) {
                    graph.reported.insert((before, taken));
                    let order = LockOrder {
                        unit: unit.name().to_owned(),
                        held: held_origin,
                        took: origin,
                    };
                    found = Some(Deadlock::inversion(order, path));
                }
            }
            let order = LockOrder {
                unit: unit.name().to_owned(),
                held: held_origin,
                took: origin,
            };
            graph.after.entry(before).or_default().push((taken, order));
        }
        let mut held = held;
        held.push((taken, origin));
        graph.held.insert(unit.id().as_u64(), held);
        found
    };
    if let Some(inversion) = found {
        report(&unit, &inversion);
    }
}

/// The unit `holder` released the lock with order id `id`.
#[cold]
pub(crate) fn released(id: &AtomicU64, holder: u64) {
    let id = id.load(Relaxed);
    if id == 0 {
        return; // never taken by a checking unit
    }
    if let Some(graph) = graph().as_mut() {
        if let Some(held) = graph.held.get_mut(&holder) {
            if let Some(at) = held.iter().rposition(|(lock, _)| *lock == id) {
                held.remove(at);
            }
            if held.is_empty() {
                graph.held.remove(&holder);
            }
        }
    }
}

/// The orders leading from lock `from` to lock `to`, if the graph has a path.
fn path(graph: &OrderGraph, from: u64, to: u64) -> Option<Vec<LockOrder>> {
    // Depth-first, remembering how each lock was reached.
    let mut reached: HashMap<u64, (u64, &LockOrder)> = HashMap::new();
    let mut stack = vec![from];
    let mut seen = HashSet::from([from]);
    while let Some(lock) = stack.pop() {
        if lock == to {
            let mut orders = Vec::new();
            let mut at = to;
            while at != from {
                let (previous, order) = reached[&at];
                orders.push(order.clone());
                at = previous;
            }
            orders.reverse();
            return Some(orders);
        }
        for (next, order) in graph.after.get(&lock).into_iter().flatten() {
            if seen.insert(*next) {
                reached.insert(*next, (lock, order));
                stack.push(*next);
            }
        }
    }
    None
}

/// Records and prints an inversion. It never panics, whatever the policy: the lock has just
/// been taken, and its guard does not exist yet to release it.
fn report(unit: &Unit, inversion: &Deadlock) {
    unit.record_deadlock(inversion);
    eprintln!("twinsync: {inversion}");
}
