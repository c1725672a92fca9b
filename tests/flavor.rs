//! The `Flavor` contract, proven once for every flavour: spawning, joining, names, daemons,
//! `current()`, `units()` and `run`.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use twinsync::{Flavor, JoinHandle, Mutex, UnitOptions};

flavor_tests! {
    in_run: [
        spawn_and_join_returns_the_output,
        a_panic_is_reported_with_its_message,
        current_names_the_unit,
        main_is_a_unit_named_main,
        sub_futures_of_one_unit_share_its_identity,
        units_lists_live_units,
        finished_units_leave_the_list,
        is_finished_turns_true,
        spawn_with_options_sets_the_daemon_flag,
        many_units_all_finish,
    ],
    plain: [
        run_returns_mains_output,
        run_reports_a_panicking_main,
        run_waits_for_non_daemon_units,
        run_does_not_wait_for_daemon_units,
        run_waits_for_grandchildren,
    ],
}

async fn spawn_and_join_returns_the_output<F: Flavor>(f: F) {
    let handle = f.spawn("adder", async { 2 + 3 });
    assert_eq!(handle.unit().name(), "adder");
    assert_eq!(handle.join().await.unwrap(), 5);
}

async fn a_panic_is_reported_with_its_message<F: Flavor>(f: F) {
    let handle = f.spawn("doomed", async {
        if true {
            panic!("window {} closed", 3);
        }
    });
    let err = handle.join().await.unwrap_err();
    assert_eq!(err.panic_message(), Some("window 3 closed"));
    assert_eq!(err.unit().name(), "doomed");
    assert!(err.to_string().contains("doomed"));
    // The flavour survives a panicking unit.
    assert_eq!(f.spawn("after", async { 1 }).join().await.unwrap(), 1);
}

async fn current_names_the_unit<F: Flavor>(f: F) {
    let handle = f.spawn("seller-1", async {
        let me = twinsync::current();
        (
            me.name().to_owned(),
            me.is_daemon(),
            me.is_foreign(),
            me.id(),
        )
    });
    let unit_id = handle.unit().id();
    let (name, daemon, foreign, id) = handle.join().await.unwrap();
    assert_eq!(name, "seller-1");
    assert!(!daemon && !foreign);
    assert_eq!(id, unit_id);
}

async fn main_is_a_unit_named_main<F: Flavor>(f: F) {
    let me = f.current();
    assert_eq!(me.name(), "main");
    assert!(!me.is_foreign());
    assert!(f.units().contains(&me));
}

/// Two sub-futures of one unit are that unit: identity follows the unit, not the sub-future.
async fn sub_futures_of_one_unit_share_its_identity<F: Flavor>(f: F) {
    let g = f.clone();
    let handle = f.spawn("joiner", async move {
        let a = async {
            g.yield_now().await;
            twinsync::current().id()
        };
        let b = async { twinsync::current().id() };
        let (a, b) = futures::join!(a, b);
        (a, b, twinsync::current().id())
    });
    let (a, b, whole) = handle.join().await.unwrap();
    assert_eq!(a, whole);
    assert_eq!(b, whole);
}

async fn units_lists_live_units<F: Flavor>(f: F) {
    let release = Arc::new(AtomicBool::new(false));
    let mut handles = Vec::new();
    for name in ["w-a", "w-b"] {
        let (g, release) = (f.clone(), Arc::clone(&release));
        handles.push(f.spawn(name, async move {
            while !release.load(Ordering::SeqCst) {
                g.sleep(Duration::from_millis(1)).await;
            }
        }));
    }
    let d = f.clone();
    let daemon = f.spawn_daemon("d", async move { d.sleep(Duration::from_millis(1)).await });
    let listed = f.units();
    let names: Vec<&str> = listed.iter().map(|u| u.name()).collect();
    assert!(names.contains(&"main") && names.contains(&"w-a") && names.contains(&"w-b"));
    assert_eq!(f.active_count(), listed.len());
    assert!(listed.iter().any(|u| u.name() == "d" && u.is_daemon()) || daemon.is_finished());
    release.store(true, Ordering::SeqCst);
    for handle in handles {
        handle.join().await.unwrap();
    }
    daemon.join().await.unwrap();
}

async fn finished_units_leave_the_list<F: Flavor>(f: F) {
    let handle = f.spawn("brief", async {});
    let id = handle.unit().id();
    handle.join().await.unwrap();
    assert!(f.units().iter().all(|u| u.id() != id));
    assert_eq!(f.active_count(), 1, "only main is left");
}

async fn is_finished_turns_true<F: Flavor>(f: F) {
    let gate = Arc::new(F::Mutex::new(()));
    let held = gate.lock().await;
    let waiting = {
        let gate = Arc::clone(&gate);
        f.spawn("waiter", async move {
            drop(gate.lock().await);
        })
    };
    f.sleep(Duration::from_millis(20)).await;
    assert!(!waiting.is_finished());
    drop(held);
    while !waiting.is_finished() {
        f.sleep(Duration::from_millis(1)).await;
    }
    waiting.join().await.unwrap();
}

async fn spawn_with_options_sets_the_daemon_flag<F: Flavor>(f: F) {
    let handle = f
        .try_spawn_with(UnitOptions::new("bg").daemon(true), async {
            twinsync::current().is_daemon()
        })
        .unwrap();
    assert!(handle.unit().is_daemon());
    assert!(handle.join().await.unwrap());
}

async fn many_units_all_finish<F: Flavor>(f: F) {
    let done = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..64)
        .map(|i| {
            let done = Arc::clone(&done);
            f.spawn(format!("u{i}"), async move {
                done.fetch_add(1, Ordering::SeqCst);
                i
            })
        })
        .collect();
    let mut sum = 0;
    for handle in handles {
        sum += handle.join().await.unwrap();
    }
    assert_eq!(sum, (0..64).sum::<i32>());
    assert_eq!(done.load(Ordering::SeqCst), 64);
}

fn run_returns_mains_output<F: Flavor>(f: F) {
    assert_eq!(f.run(|_| async { "out" }).unwrap(), "out");
}

fn run_reports_a_panicking_main<F: Flavor>(f: F) {
    let err = f
        .run(|_| async {
            if true {
                panic!("main gave up");
            }
        })
        .unwrap_err();
    assert_eq!(err.message(), "main gave up");
    assert_eq!(err.unit().name(), "main");
}

fn run_waits_for_non_daemon_units<F: Flavor>(f: F) {
    let finished = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&finished);
    f.run(move |f| async move {
        let g = f.clone();
        // Not joined: run itself must wait for it.
        f.spawn("late", async move {
            g.sleep(Duration::from_millis(50)).await;
            flag.store(true, Ordering::SeqCst);
        });
    })
    .unwrap();
    assert!(finished.load(Ordering::SeqCst));
}

fn run_does_not_wait_for_daemon_units<F: Flavor>(f: F) {
    let finished = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&finished);
    f.run(move |f| async move {
        let g = f.clone();
        f.spawn_daemon("sleeper", async move {
            g.sleep(Duration::from_secs(3600)).await;
            flag.store(true, Ordering::SeqCst);
        });
    })
    .unwrap();
    assert!(!finished.load(Ordering::SeqCst), "run waited for a daemon");
}

fn run_waits_for_grandchildren<F: Flavor>(f: F) {
    let finished = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&finished);
    f.run(move |f| async move {
        let g = f.clone();
        f.spawn("child", async move {
            let h = g.clone();
            g.spawn("grandchild", async move {
                h.sleep(Duration::from_millis(30)).await;
                flag.store(true, Ordering::SeqCst);
            });
        });
    })
    .unwrap();
    assert!(finished.load(Ordering::SeqCst));
}

/// A tokio flavour outside any runtime has nowhere to spawn: an error, not a panic.
#[cfg(feature = "tokio")]
#[test]
fn tokio_spawn_outside_a_runtime_is_an_error() {
    let err = twinsync::Tokio::new().try_spawn("x", async {}).unwrap_err();
    assert!(matches!(err, twinsync::SpawnError::NoRuntime));
    assert!(err.to_string().contains("runtime"));
}

/// Outside every unit, `current()` is the OS thread itself, marked foreign.
#[test]
fn current_outside_units_is_foreign() {
    let me = twinsync::current();
    assert!(me.is_foreign());
    assert_eq!(me.id(), twinsync::current().id());
}
