//! Deadlock detection, on every flavour: cycles of two and three units and a self-deadlock are
//! found and named exactly once; re-entry, expired or cancelled waits and heavy contention in a
//! safe order are never reported; each policy does what it says.
#![cfg(feature = "deadlock")]

mod common;

use std::sync::Arc;
use std::time::Duration;

use twinsync::{
    Barrier, Deadlock, Event, Flavor, JoinError, JoinHandle, Mutex, OnDeadlock, ReentrantMutex,
    Timeout, UnitOptions,
};

flavor_tests! {
    in_run: [],
    plain: [
        two_unit_cycle_is_named_and_broken_by_panic,
        three_unit_cycle_is_named,
        self_deadlock_on_a_mutex_is_named,
        reentrant_reentry_is_not_a_deadlock,
        report_policy_reports_once_and_keeps_waiting,
        off_policy_reports_nothing,
        expired_timed_wait_leaves_no_stale_edge,
        wait_cancelled_by_timeout_leaves_no_stale_edge,
        cancelled_unit_leaves_no_stale_edge,
        no_false_positive_under_contention,
        unit_policy_overrides_the_runs,
    ],
}

/// Far above any wait in these tests: only turns a hang into a failure.
const HANG: Duration = Duration::from_secs(30);

/// The units `count` each take lock `i`, wait until all hold theirs, then take lock `i + 1`
/// (the last one lock 0): a cycle of `count` units. Returns each unit's outcome, in order.
async fn ring<F: Flavor>(f: &F, count: usize) -> Vec<Result<(), JoinError>> {
    const NAMES: [&str; 3] = ["fork-0", "fork-1", "fork-2"];
    let locks: Arc<Vec<F::Mutex<()>>> =
        Arc::new((0..count).map(|i| F::Mutex::named(NAMES[i], ())).collect());
    let holding = Arc::new(<F::Barrier as Barrier>::new(count).unwrap());
    let units: Vec<_> = (0..count)
        .map(|i| {
            let (locks, holding) = (Arc::clone(&locks), Arc::clone(&holding));
            f.spawn(format!("philosopher-{i}"), async move {
                let _mine = locks[i].lock().await;
                holding.wait().await.unwrap();
                let _next = locks[(i + 1) % locks.len()].lock().await;
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for unit in units {
        outcomes.push(f.timeout(HANG, unit.join()).await.expect("the ring hung"));
    }
    outcomes
}

/// The one report of `deadlocks`, checked against the units and locks of a ring of `count`.
fn the_ring_report(deadlocks: &[Deadlock], count: usize) -> &Deadlock {
    assert_eq!(deadlocks.len(), 1, "reported {deadlocks:#?}");
    let report = &deadlocks[0];
    assert_eq!(report.links().len(), count, "{report}");
    for link in report.links() {
        let unit: usize = link.unit().name()["philosopher-".len()..].parse().unwrap();
        assert_eq!(
            link.holds().name(),
            Some(["fork-0", "fork-1", "fork-2"][unit])
        );
        let next = (unit + 1) % count;
        assert_eq!(
            link.waits_for().name(),
            Some(["fork-0", "fork-1", "fork-2"][next])
        );
        assert_eq!(link.holds().site().file(), file!());
    }
    report
}

fn two_unit_cycle_is_named_and_broken_by_panic<F: Flavor>(f: F) {
    let flavor = f.on_deadlock(OnDeadlock::Panic);
    let seen = flavor.clone();
    common::in_run(flavor, |f| async move {
        let outcomes = ring(&f, 2).await;
        let panicked: Vec<_> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
        assert_eq!(
            panicked.len(),
            1,
            "exactly the closing unit panics: {outcomes:?}"
        );
        let message = panicked[0].panic_message().unwrap();
        assert!(message.starts_with("deadlock: 2 units"), "{message}");
        assert!(message.contains("\"fork-0\"") && message.contains("\"fork-1\""));
    });
    the_ring_report(&seen.deadlocks(), 2);
}

fn three_unit_cycle_is_named<F: Flavor>(f: F) {
    let flavor = f.on_deadlock(OnDeadlock::Panic);
    let seen = flavor.clone();
    common::in_run(flavor, |f| async move {
        let outcomes = ring(&f, 3).await;
        assert_eq!(outcomes.iter().filter(|o| o.is_err()).count(), 1);
    });
    let deadlocks = seen.deadlocks();
    let report = the_ring_report(&deadlocks, 3);
    assert!(
        report.to_string().starts_with("deadlock: 3 units"),
        "{report}"
    );
}

fn self_deadlock_on_a_mutex_is_named<F: Flavor>(f: F) {
    let flavor = f.on_deadlock(OnDeadlock::Panic);
    let seen = flavor.clone();
    common::in_run(flavor, |f| async move {
        let m = Arc::new(F::Mutex::named("ledger", ()));
        let unit = f.spawn("forgetful", async move {
            let _held = m.lock().await;
            let _again = m.lock().await;
        });
        let err = f.timeout(HANG, unit.join()).await.unwrap().unwrap_err();
        let message = err.panic_message().unwrap();
        assert!(
            message.starts_with("deadlock: unit \"forgetful\" waits for \"ledger\"")
                && message.ends_with("which it holds itself"),
            "{message}"
        );
    });
    let deadlocks = seen.deadlocks();
    assert_eq!(deadlocks.len(), 1);
    assert_eq!(deadlocks[0].links()[0].unit().name(), "forgetful");
}

fn reentrant_reentry_is_not_a_deadlock<F: Flavor>(f: F) {
    let flavor = f.on_deadlock(OnDeadlock::Panic);
    let seen = flavor.clone();
    common::in_run(flavor, |f| async move {
        let m = Arc::new(F::ReentrantMutex::named("r", ()));
        let outer = m.lock().await;
        let inner = m.lock().await;
        // Another unit sleeps on it meanwhile: waiting for a holder that runs is no cycle.
        let other = {
            let m = Arc::clone(&m);
            f.spawn("other", async move { drop(m.lock().await) })
        };
        f.sleep(Duration::from_millis(20)).await;
        let innermost = m.lock().await;
        drop((innermost, inner, outer));
        f.timeout(HANG, other.join()).await.unwrap().unwrap();
    });
    assert!(seen.deadlocks().is_empty(), "{:?}", seen.deadlocks());
}

/// Waits until `flavor` has recorded `count` deadlocks (or fails after [`HANG`]).
async fn until_reported<F: Flavor>(f: &F, flavor: &F, count: usize) {
    let found = f
        .timeout(HANG, async {
            while flavor.deadlocks().len() < count {
                f.sleep(Duration::from_millis(1)).await;
            }
        })
        .await;
    assert_eq!(found, Ok(()), "no deadlock was reported");
}

/// A unit that takes `m` twice: a self-deadlock that waits for good unless cancelled.
fn stuck<F: Flavor>(f: &F, m: &Arc<F::Mutex<()>>) -> F::JoinHandle<()> {
    let m = Arc::clone(m);
    f.spawn("stuck", async move {
        let _held = m.lock().await;
        let _again = m.lock().await;
    })
}

fn report_policy_reports_once_and_keeps_waiting<F: Flavor>(f: F) {
    let flavor = f.on_deadlock(OnDeadlock::Report);
    let seen = flavor.clone();
    common::in_run(flavor, move |f| async move {
        let m = Arc::new(F::Mutex::named("m", ()));
        let unit = stuck(&f, &m);
        until_reported(&f, &seen, 1).await;
        // Still waiting, and not reported again however long it waits.
        f.sleep(Duration::from_millis(30)).await;
        assert!(!unit.is_finished());
        assert_eq!(seen.deadlocks().len(), 1);
        assert!(unit.cancel());
        let outcome = f.timeout(HANG, unit.join()).await.unwrap();
        assert!(
            matches!(outcome, Err(JoinError::Cancelled(_))),
            "{outcome:?}"
        );
        // The cancelled unit released the lock.
        assert!(m.try_lock().is_some());
    });
}

fn off_policy_reports_nothing<F: Flavor>(f: F) {
    let flavor = f.on_deadlock(OnDeadlock::Off);
    let seen = flavor.clone();
    common::in_run(flavor, move |f| async move {
        let m = Arc::new(F::Mutex::new(()));
        let unit = stuck(&f, &m);
        f.sleep(Duration::from_millis(50)).await;
        assert!(!unit.is_finished());
        assert!(unit.cancel());
        let _ = f.timeout(HANG, unit.join()).await.unwrap();
    });
    assert!(seen.deadlocks().is_empty());
}

/// Unit `t` waits for `a` (held by main) with a wait that `give_up` ends early; then `t` takes
/// `b` and sleeps on an event holding it, while main waits for `b`. Had `t`'s wait for `a`
/// left its edge behind, main's wait would close a cycle main → b → t → a → main.
fn no_stale_edge_after<F: Flavor>(f: F, give_up: fn(&F, Arc<F::Mutex<()>>) -> GiveUp) {
    let flavor = f.on_deadlock(OnDeadlock::Panic);
    let seen = flavor.clone();
    common::in_run(flavor, move |f| async move {
        let a = Arc::new(F::Mutex::named("a", ()));
        let b = Arc::new(F::Mutex::named("b", ()));
        let (holds_b, go) = (Arc::new(F::Event::new()), Arc::new(F::Event::new()));
        let _a = a.lock().await;
        let t = {
            let (f2, a, b) = (f.clone(), Arc::clone(&a), Arc::clone(&b));
            let (holds_b, go) = (Arc::clone(&holds_b), Arc::clone(&go));
            f.spawn("t", async move {
                give_up(&f2, a).await;
                let _b = b.lock().await;
                holds_b.set();
                go.wait().await;
            })
        };
        holds_b.wait().await;
        let waker = {
            let (f2, go) = (f.clone(), Arc::clone(&go));
            f.spawn("waker", async move {
                f2.sleep(Duration::from_millis(50)).await;
                go.set();
            })
        };
        drop(b.lock().await);
        f.timeout(HANG, t.join()).await.unwrap().unwrap();
        f.timeout(HANG, waker.join()).await.unwrap().unwrap();
    });
    assert!(seen.deadlocks().is_empty(), "{:?}", seen.deadlocks());
}

type GiveUp = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

fn expired_timed_wait_leaves_no_stale_edge<F: Flavor>(f: F) {
    no_stale_edge_after(f, |_, a| {
        Box::pin(async move {
            let expired = a.lock_timeout(Duration::from_millis(20)).await;
            assert!(expired.is_err());
        })
    });
}

fn wait_cancelled_by_timeout_leaves_no_stale_edge<F: Flavor>(f: F) {
    no_stale_edge_after(f, |f, a| {
        let f = f.clone();
        Box::pin(async move {
            let gave_up = f.timeout(Duration::from_millis(20), a.lock()).await;
            assert_eq!(gave_up.err(), Some(Timeout));
        })
    });
}

/// A unit cancelled while it sleeps on a lock leaves the graph: a later cycle names only the
/// units really in it.
fn cancelled_unit_leaves_no_stale_edge<F: Flavor>(f: F) {
    let flavor = f.on_deadlock(OnDeadlock::Panic);
    let seen = flavor.clone();
    common::in_run(flavor, move |f| async move {
        let m = Arc::new(F::Mutex::named("m", ()));
        let held = m.lock().await;
        let waiter = {
            let m = Arc::clone(&m);
            f.spawn("cancelled", async move { drop(m.lock().await) })
        };
        f.sleep(Duration::from_millis(20)).await;
        assert!(waiter.cancel());
        let _ = f.timeout(HANG, waiter.join()).await.unwrap();
        drop(held);
        let unit = stuck(&f, &m);
        let err = f.timeout(HANG, unit.join()).await.unwrap().unwrap_err();
        assert!(err.panic_message().unwrap().contains("\"stuck\""));
    });
    let deadlocks = seen.deadlocks();
    assert_eq!(deadlocks.len(), 1, "{deadlocks:?}");
    let names: Vec<_> = deadlocks[0]
        .links()
        .iter()
        .map(|l| l.unit().name())
        .collect();
    assert_eq!(names, ["stuck"]);
}

/// Four units hammer four locks, each taking two in one global order: waits galore, never a
/// cycle, so nothing may be reported.
fn no_false_positive_under_contention<F: Flavor>(f: F) {
    let flavor = f.on_deadlock(OnDeadlock::Panic);
    let seen = flavor.clone();
    common::in_run(flavor, move |f| async move {
        let locks: Arc<Vec<F::Mutex<u64>>> = Arc::new((0..4).map(|_| F::Mutex::new(0)).collect());
        let rounds: u64 = if cfg!(miri) { 20 } else { 2_000 };
        let units: Vec<_> = (0..4)
            .map(|i| {
                let locks = Arc::clone(&locks);
                f.spawn(format!("worker-{i}"), async move {
                    for round in 0..rounds {
                        let (x, y) = (i % 4, (i + 1 + (round % 3) as usize) % 4);
                        let (low, high) = (x.min(y), x.max(y));
                        let mut first = locks[low].lock().await;
                        let mut second = locks[high].lock().await;
                        *first += 1;
                        *second += 1;
                    }
                })
            })
            .collect();
        for unit in units {
            f.timeout(HANG, unit.join()).await.unwrap().unwrap();
        }
        let mut total = 0;
        for lock in locks.iter() {
            total += *lock.lock().await;
        }
        assert_eq!(total, 4 * 2 * rounds);
    });
    assert!(seen.deadlocks().is_empty(), "{:?}", seen.deadlocks());
}

/// A unit spawned with its own policy keeps it in a run with another.
fn unit_policy_overrides_the_runs<F: Flavor>(f: F) {
    let flavor = f.on_deadlock(OnDeadlock::Report);
    let seen = flavor.clone();
    common::in_run(flavor, move |f| async move {
        let m = Arc::new(F::Mutex::named("m", ()));
        let unit = {
            let m = Arc::clone(&m);
            let options = UnitOptions::new("impatient").on_deadlock(OnDeadlock::Panic);
            f.try_spawn_with(options, async move {
                let _held = m.lock().await;
                let _again = m.lock().await;
            })
            .unwrap()
        };
        let err = f.timeout(HANG, unit.join()).await.unwrap().unwrap_err();
        assert!(
            err.panic_message()
                .unwrap()
                .starts_with("deadlock: unit \"impatient\"")
        );
    });
    assert_eq!(seen.deadlocks().len(), 1);
}
