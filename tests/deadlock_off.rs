//! Built without the `deadlock` feature, detection is gone on every flavour, whatever the run
//! asks for: a closed cycle and a self-deadlock under `OnDeadlock::Panic` panic nobody, report
//! nothing and simply wait (here until the test cancels them), and the lock-order check stays
//! off. `cargo test --no-default-features --features tokio` runs these.
#![cfg(not(feature = "deadlock"))]

mod common;

use std::sync::Arc;
use std::time::Duration;

use twinsync::{Barrier, Flavor, JoinHandle, Mutex, OnDeadlock};

flavor_tests! {
    in_run: [],
    plain: [
        two_unit_cycle_is_not_detected,
        self_deadlock_is_not_detected,
        lock_order_check_finds_nothing,
    ],
}

/// How long the deadlocked units are left asleep before the test cancels them: with detection
/// the closing wait would have panicked within microseconds.
const SETTLE: Duration = Duration::from_millis(50);
/// Far above any wait in these tests: only turns a hang into a failure.
const HANG: Duration = Duration::from_secs(30);

fn two_unit_cycle_is_not_detected<F: Flavor>(f: F) {
    let flavor = f.on_deadlock(OnDeadlock::Panic);
    let seen = flavor.clone();
    common::in_run(flavor, |f| async move {
        let a = Arc::new(F::Mutex::named("a", ()));
        let b = Arc::new(F::Mutex::named("b", ()));
        let both_hold = Arc::new(<F::Barrier as Barrier>::new(2).unwrap());
        let units: Vec<_> = [("first", &a, &b), ("second", &b, &a)]
            .into_iter()
            .map(|(name, mine, theirs)| {
                let (mine, theirs, both_hold) = (mine.clone(), theirs.clone(), both_hold.clone());
                f.spawn(name, async move {
                    let _mine = mine.lock().await;
                    both_hold.wait().await.unwrap();
                    let _theirs = theirs.lock().await; // waits for good: no deadline
                })
            })
            .collect();
        f.sleep(SETTLE).await;
        // With detection one of them would have panicked by now.
        assert!(units.iter().all(|unit| !unit.is_finished()));
        assert!(f.deadlocks().is_empty(), "{:?}", f.deadlocks());
        for unit in &units {
            assert!(unit.cancel());
        }
        for unit in units {
            let _ = f.timeout(HANG, unit.join()).await.unwrap();
        }
    });
    assert!(seen.deadlocks().is_empty(), "{:?}", seen.deadlocks());
}

fn self_deadlock_is_not_detected<F: Flavor>(f: F) {
    let flavor = f.on_deadlock(OnDeadlock::Panic);
    let seen = flavor.clone();
    common::in_run(flavor, |f| async move {
        let m = Arc::new(F::Mutex::named("ledger", ()));
        let forgetful = f.spawn("forgetful", async move {
            let _held = m.lock().await;
            let _again = m.lock().await;
        });
        f.sleep(SETTLE).await;
        assert!(!forgetful.is_finished());
        assert!(forgetful.cancel());
        let _ = f.timeout(HANG, forgetful.join()).await.unwrap();
    });
    assert!(seen.deadlocks().is_empty(), "{:?}", seen.deadlocks());
}

fn lock_order_check_finds_nothing<F: Flavor>(f: F) {
    let flavor = f.check_lock_order(true).on_deadlock(OnDeadlock::Panic);
    let seen = flavor.clone();
    common::in_run(flavor, |f| async move {
        let a = Arc::new(F::Mutex::named("a", ()));
        let b = Arc::new(F::Mutex::named("b", ()));
        {
            let _a = a.lock().await;
            let _b = b.lock().await;
        }
        let inverted = f.spawn("inverted", async move {
            let _b = b.lock().await;
            let _a = a.lock().await;
        });
        f.timeout(HANG, inverted.join()).await.unwrap().unwrap();
    });
    assert!(seen.deadlocks().is_empty(), "{:?}", seen.deadlocks());
}
