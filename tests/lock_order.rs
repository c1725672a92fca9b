//! The lock-order check, on every flavour: an order that inverts one seen before is reported as
//! a potential deadlock on a run that did not hang, with the earlier orders that close the
//! cycle, once; consistent orders, re-entry and locks released by another unit never are.
#![cfg(feature = "deadlock")]

mod common;

use std::sync::Arc;

use twinsync::deadlock::LockOrder;
use twinsync::{Deadlock, Flavor, JoinHandle, Lock, Mutex, ReentrantMutex};

flavor_tests! {
    in_run: [],
    plain: [
        inversion_is_found_without_a_hang,
        a_cycle_through_three_locks_is_found,
        an_inversion_is_reported_once,
        consistent_orders_report_nothing,
        reentry_is_not_an_order,
        a_lock_released_by_another_unit_is_no_longer_held,
        the_check_is_off_by_default,
    ],
}

/// `(unit, held, took)` of each order, by lock name.
fn orders(deadlock: &Deadlock) -> Vec<(String, &'static str, &'static str)> {
    assert!(deadlock.is_potential(), "{deadlock}");
    let name = |order: &LockOrder| {
        (
            order.unit().to_owned(),
            order.held().name().unwrap(),
            order.took().name().unwrap(),
        )
    };
    deadlock.lock_orders().iter().map(name).collect()
}

/// Runs `body` in a unit named `name` and waits for it, so that units never overlap.
async fn alone<F: Flavor>(f: &F, name: &str, body: impl Future<Output = ()> + Send + 'static) {
    f.spawn(name.to_owned(), body).join().await.unwrap();
}

/// A lock shared between units.
type Shared<F> = Arc<<F as Flavor>::Mutex<()>>;

/// Two locks `a` and `b`, shared.
fn pair<F: Flavor>() -> (Shared<F>, Shared<F>) {
    (
        Arc::new(F::Mutex::named("a", ())),
        Arc::new(F::Mutex::named("b", ())),
    )
}

/// One unit takes a then b and ends; another then takes b then a. They never overlap, so the
/// run cannot hang, but the second order inverts the first.
fn inversion_is_found_without_a_hang<F: Flavor>(f: F) {
    let flavor = f.check_lock_order(true);
    let seen = flavor.clone();
    common::in_run(flavor, |f| async move {
        let (a, b) = pair::<F>();
        let (a2, b2) = (a.clone(), b.clone());
        alone(&f, "a-then-b", async move {
            let _a = a.lock().await;
            let _b = b.lock().await;
        })
        .await;
        alone(&f, "b-then-a", async move {
            let _b = b2.lock().await;
            let _a = a2.lock().await;
        })
        .await;
    });
    let deadlocks = seen.deadlocks();
    assert_eq!(deadlocks.len(), 1, "{deadlocks:#?}");
    assert_eq!(
        orders(&deadlocks[0]),
        [
            ("b-then-a".to_owned(), "b", "a"),
            ("a-then-b".to_owned(), "a", "b"),
        ]
    );
    let report = deadlocks[0].to_string();
    assert!(report.starts_with("potential deadlock: unit \"b-then-a\" took \"a\""));
    assert!(report.contains(file!()), "{report}");
}

/// a then b, b then c, c then a: each pair is consistent, the three make a cycle.
fn a_cycle_through_three_locks_is_found<F: Flavor>(f: F) {
    let flavor = f.check_lock_order(true);
    let seen = flavor.clone();
    common::in_run(flavor, |f| async move {
        let locks: Arc<[F::Mutex<()>; 3]> = Arc::new([
            F::Mutex::named("a", ()),
            F::Mutex::named("b", ()),
            F::Mutex::named("c", ()),
        ]);
        for (name, first, second) in [("ab", 0, 1), ("bc", 1, 2), ("ca", 2, 0)] {
            let locks = locks.clone();
            alone(&f, name, async move {
                let _first = locks[first].lock().await;
                let _second = locks[second].lock().await;
            })
            .await;
        }
    });
    let deadlocks = seen.deadlocks();
    assert_eq!(deadlocks.len(), 1, "{deadlocks:#?}");
    assert_eq!(
        orders(&deadlocks[0]),
        [
            ("ca".to_owned(), "c", "a"),
            ("ab".to_owned(), "a", "b"),
            ("bc".to_owned(), "b", "c"),
        ]
    );
}

/// The same inversion taken again and again is one report.
fn an_inversion_is_reported_once<F: Flavor>(f: F) {
    let flavor = f.check_lock_order(true);
    let seen = flavor.clone();
    common::in_run(flavor, |f| async move {
        let (a, b) = pair::<F>();
        for round in 0..3 {
            let (a, b) = (a.clone(), b.clone());
            alone(&f, &format!("round-{round}"), async move {
                {
                    let _a = a.lock().await;
                    let _b = b.lock().await;
                }
                let _b = b.lock().await;
                let _a = a.lock().await;
            })
            .await;
        }
    });
    assert_eq!(seen.deadlocks().len(), 1, "{:#?}", seen.deadlocks());
}

/// Many units taking a, b, c always in that order (and sometimes skipping one), at the same
/// time: never reported.
fn consistent_orders_report_nothing<F: Flavor>(f: F) {
    let flavor = f.check_lock_order(true);
    let seen = flavor.clone();
    common::in_run(flavor, |f| async move {
        let locks: Arc<[F::Mutex<u32>; 3]> = Arc::new([
            F::Mutex::named("a", 0),
            F::Mutex::named("b", 0),
            F::Mutex::named("c", 0),
        ]);
        let units: Vec<_> = (0..4)
            .map(|i| {
                let locks = locks.clone();
                f.spawn(format!("worker-{i}"), async move {
                    for round in 0..200 {
                        let mut a = locks[0].lock().await;
                        *a += 1;
                        if (round + i) % 2 == 0 {
                            let mut b = locks[1].lock().await;
                            *b += 1;
                        }
                        let mut c = locks[2].lock().await;
                        *c += 1;
                    }
                })
            })
            .collect();
        for unit in units {
            unit.join().await.unwrap();
        }
        assert_eq!(*locks[2].lock().await, 800);
    });
    assert!(seen.deadlocks().is_empty(), "{:#?}", seen.deadlocks());
}

/// Taking a reentrant mutex again while holding a lock taken after it is not an order: the
/// unit holds it already, so it cannot wait for it.
fn reentry_is_not_an_order<F: Flavor>(f: F) {
    let flavor = f.check_lock_order(true);
    let seen = flavor.clone();
    common::in_run(flavor, |_| async move {
        let outer = F::ReentrantMutex::named("outer", ());
        let inner = F::Mutex::named("inner", ());
        let _outer = outer.lock().await;
        let _inner = inner.lock().await;
        let _again = outer.lock().await;
    });
    assert!(seen.deadlocks().is_empty(), "{:#?}", seen.deadlocks());
}

/// A `Lock` acquired by one unit and released by another (Python allows it) is no longer held
/// by the first: taking a second lock afterwards records no order with it.
fn a_lock_released_by_another_unit_is_no_longer_held<F: Flavor>(f: F) {
    let flavor = f.check_lock_order(true);
    let seen = flavor.clone();
    common::in_run(flavor, |f| async move {
        let handed = Arc::new(F::Lock::named("handed"));
        let other = F::Mutex::named("other", ());
        handed.acquire().await;
        {
            let handed = handed.clone();
            alone(&f, "releaser", async move { handed.release().unwrap() }).await;
        }
        drop(other.lock().await); // not "other while holding handed"
        let _other = other.lock().await;
        handed.acquire().await; // so this is no inversion
        handed.release().unwrap();
    });
    assert!(seen.deadlocks().is_empty(), "{:#?}", seen.deadlocks());
}

/// Without `check_lock_order(true)`, an inversion that does not hang goes unreported.
fn the_check_is_off_by_default<F: Flavor>(f: F) {
    let seen = f.clone();
    common::in_run(f, |_| async move {
        let (a, b) = pair::<F>();
        drop((a.lock().await, b.lock().await));
        let _b = b.lock().await;
        let _a = a.lock().await;
    });
    assert!(seen.deadlocks().is_empty(), "{:#?}", seen.deadlocks());
}
