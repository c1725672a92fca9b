//! loom models of the crate-internal state machines that no public API reaches without real
//! OS threads: the unit registry and a thread unit's cancel switch. The public primitives'
//! models are in `tests/loom.rs`, which says how to run both.

use std::borrow::Cow;
use std::sync::Arc;

use loom::thread;

use crate::event::ThreadEvent;
use crate::flavor::FlavorKind;
use crate::unit::Registry;
use crate::wait::{Blocking, Cancel, block_on, run_unit};

/// Units entering and leaving a registry on two threads while a third lists them and waits
/// for the registry to fall idle: every snapshot holds only live, distinct units, and the wait
/// for idle is never left asleep once the last unit has left.
#[test]
fn registry_register_unregister_versus_units_and_idle() {
    loom::model(|| {
        let registry = Registry::new(FlavorKind::Threads);
        let leavers: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|name| {
                let (unit, registration) = registry.register_here(Cow::Borrowed(name), false);
                let registry = Arc::clone(&registry);
                thread::spawn(move || {
                    let seen = registry.units();
                    assert!(
                        seen.iter().any(|u| u.id() == unit.id()),
                        "a live unit is listed"
                    );
                    drop(registration);
                })
            })
            .collect();
        let snapshot = registry.units();
        assert!(snapshot.len() <= 2);
        assert!(snapshot.windows(2).all(|w| w[0].id() < w[1].id()));
        block_on(registry.wait_idle::<Blocking>());
        assert_eq!(registry.active_count(), 0);
        for leaver in leavers {
            leaver.join().unwrap();
        }
        assert!(registry.units().is_empty());
    });
}

/// A cancel request against a thread unit that is about to park, parked, or not yet started:
/// the unit's executor always stops it at its wait (`None`), never sleeps through the request.
#[test]
fn executor_cancel_versus_park() {
    loom::model(|| {
        let cancel = Arc::new(Cancel::default());
        let never_set = Arc::new(ThreadEvent::new());
        let unit = thread::spawn({
            let (cancel, never_set) = (Arc::clone(&cancel), Arc::clone(&never_set));
            move || run_unit(crate::Event::wait(&*never_set), &cancel)
        });
        cancel.request();
        assert!(
            unit.join().unwrap().is_none(),
            "the cancelled unit ran to its end"
        );
    });
}

/// Models of the deadlock detector (`src/deadlock/`): the holder a waiter reads against a
/// take or a release, the walk against a second sleeper, and wakes against the all-asleep
/// check. The locks' holder and watch flag and the run's counts are loom's atomics here; a
/// unit's own counts stay `std`'s (see `deadlock::asleep`), so loom interleaves the units at
/// every other step but not between those. They need the `deadlock` feature:
///
/// ```text
/// RUSTFLAGS="--cfg loom" cargo test --release --no-default-features --features deadlock \
///     --lib loom_models::detector
/// ```
#[cfg(feature = "deadlock")]
mod detector {
    use std::borrow::Cow;
    use std::future::Future;
    use std::panic::{self, AssertUnwindSafe};

    use futures::future::BoxFuture;
    use std::sync::Once;

    use loom::sync::Arc;
    use loom::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use loom::thread;

    use crate::deadlock::OnDeadlock;
    use crate::event::ThreadEvent;
    use crate::flavor::FlavorKind;
    use crate::mutex::ThreadMutex;
    use crate::unit::{Registry, UnitFuture};
    use crate::wait::block_on;
    use crate::{Event, Mutex};

    /// A run whose units panic on a deadlock (`OnDeadlock::Panic`): a missed deadlock leaves
    /// them all parked, which loom reports; a false one panics a unit, which the models check.
    fn panicking_run() -> std::sync::Arc<Registry> {
        quiet_deadlock_panics();
        let registry = Registry::new(FlavorKind::Threads);
        registry.set_on_deadlock(OnDeadlock::Panic);
        registry
    }

    /// Unit `name` of `registry`, registered here (as `spawn` does, before the unit's thread
    /// starts), to run `body` once [`start`]ed.
    fn unit(
        registry: &std::sync::Arc<Registry>,
        name: &'static str,
        body: impl Future<Output = ()> + Send + 'static,
    ) -> UnitFuture<BoxFuture<'static, ()>> {
        let (unit, registration) = registry.register_here(Cow::Borrowed(name), false);
        UnitFuture::new(unit, registration, Box::pin(body))
    }

    /// Starts each unit on a loom thread of its own, as a thread unit's executor runs it; each
    /// thread joins to its unit's panic message, if it panicked. Only once all are registered:
    /// a unit that started before the others were would see a run without them.
    fn start<const N: usize>(
        units: [UnitFuture<BoxFuture<'static, ()>>; N],
    ) -> [thread::JoinHandle<Result<(), String>>; N] {
        units.map(|future| {
            thread::spawn(move || {
                panic::catch_unwind(AssertUnwindSafe(|| block_on(future))).map_err(|payload| {
                    payload
                        .downcast_ref::<String>()
                        .cloned()
                        .unwrap_or_else(|| "a panic without a message".to_owned())
                })
            })
        })
    }

    /// Starts `units`, and checks that every one finishes without a panic and that the run
    /// reported nothing.
    fn all_finish_unreported<const N: usize>(
        run: &std::sync::Arc<Registry>,
        units: [UnitFuture<BoxFuture<'static, ()>>; N],
    ) {
        let outcomes = start(units).map(|unit| unit.join().unwrap());
        assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
        assert!(
            run.deadlocks().is_empty(),
            "reported: {:?}",
            run.deadlocks()
        );
    }

    /// Keeps the detector's panics out of the output: loom runs thousands of executions.
    fn quiet_deadlock_panics() {
        static QUIET: Once = Once::new();
        QUIET.call_once(|| {
            let default = panic::take_hook();
            panic::set_hook(Box::new(move |info| {
                let report = info
                    .payload()
                    .downcast_ref::<String>()
                    .is_some_and(|message| message.starts_with("deadlock:"));
                if !report {
                    default(info);
                }
            }));
        });
    }

    /// Two units take two locks in opposite orders. Whenever they deadlock it is reported,
    /// exactly once, and the unit that reported it panics, so the other goes on (a deadlock
    /// missed by both checks leaves both parked, which loom reports); when they do not, nothing
    /// is reported. Usually the walk names the cycle. When the second taker's id is not yet
    /// visible to the waiter (see `RawLock::holder_after_watch`), the walk misses it, and the
    /// all-asleep check names both units and the locks they wait for instead.
    #[test]
    fn two_unit_cycle_reported_once_and_never_invented() {
        loom::model(|| {
            let run = panicking_run();
            let a = Arc::new(ThreadMutex::named("a", ()));
            let b = Arc::new(ThreadMutex::named("b", ()));
            let units = [("x", &a, &b), ("y", &b, &a)].map(|(name, first, second)| {
                let (first, second) = (Arc::clone(first), Arc::clone(second));
                unit(&run, name, async move {
                    let _first = Mutex::lock(&*first).await;
                    let _second = Mutex::lock(&*second).await;
                })
            });
            let outcomes = start(units).map(|unit| unit.join().unwrap());
            let panics: Vec<&String> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
            match panics.as_slice() {
                [] => assert!(
                    run.deadlocks().is_empty(),
                    "reported: {:?}",
                    run.deadlocks()
                ),
                [report] => {
                    let cycle = report.starts_with("deadlock: 2 units wait for each other");
                    let asleep = report.starts_with("deadlock: all 2 units are asleep");
                    assert!(
                        (cycle || asleep)
                            && report.contains("unit \"x\"")
                            && report.contains("unit \"y\""),
                        "not this deadlock: {report}"
                    );
                    assert_eq!(run.deadlocks().len(), 1);
                }
                _ => panic!("both units panicked: {panics:?}"),
            }
        });
    }

    /// Unit `y` holds `b` and sleeps on `a`, held by `x`; `x` releases `a` and then waits
    /// for `b`. Had `y`'s edge kept `x` as the holder of `a` after the release, `x`'s wait
    /// would close a cycle that does not exist: the release must clear it first.
    #[test]
    fn released_lock_leaves_no_stale_holder() {
        loom::model(|| {
            let run = panicking_run();
            let a = Arc::new(ThreadMutex::named("a", ()));
            let b = Arc::new(ThreadMutex::named("b", ()));
            let y_holds_b = Arc::new(AtomicBool::new(false));
            let x_holds_a = Arc::new(AtomicBool::new(false));
            let x = {
                let (a, b) = (Arc::clone(&a), Arc::clone(&b));
                let (y_holds_b, x_holds_a) = (Arc::clone(&y_holds_b), Arc::clone(&x_holds_a));
                unit(&run, "x", async move {
                    let held_a = Mutex::lock(&*a).await;
                    x_holds_a.store(true, SeqCst);
                    while !y_holds_b.load(SeqCst) {
                        thread::yield_now();
                    }
                    drop(held_a);
                    drop(Mutex::lock(&*b).await);
                })
            };
            let y = unit(&run, "y", async move {
                while !x_holds_a.load(SeqCst) {
                    thread::yield_now();
                }
                let _held_b = Mutex::lock(&*b).await;
                y_holds_b.store(true, SeqCst);
                drop(Mutex::lock(&*a).await);
            });
            all_finish_unreported(&run, [x, y]);
        });
    }

    /// `x` sleeps on an event that `y` sets just before it sleeps on one that `x` sets: at no
    /// moment are both asleep for good, however the wake and the sleeps interleave, so no
    /// all-asleep report may be made.
    #[test]
    fn wake_racing_a_sleep_is_never_all_asleep() {
        loom::model(|| {
            let run = panicking_run();
            let to_x = Arc::new(ThreadEvent::new());
            let to_y = Arc::new(ThreadEvent::new());
            let x = {
                let (to_x, to_y) = (Arc::clone(&to_x), Arc::clone(&to_y));
                unit(&run, "x", async move {
                    Event::wait(&*to_x).await;
                    to_y.set();
                })
            };
            let y = unit(&run, "y", async move {
                to_x.set();
                Event::wait(&*to_y).await;
            });
            all_finish_unreported(&run, [x, y]);
        });
    }

    /// Three units pass a wake round a ring: `y` wakes `x`, `x` wakes `w`, `w` wakes `y`, each
    /// after (or before) going to sleep itself. A check that read each unit once could see `x`
    /// asleep before `y` woke it and `y` asleep after: all asleep, though `x` was about to
    /// run. The second pass of the check must rule that out.
    #[test]
    fn three_unit_ring_of_wakes_is_never_all_asleep() {
        // Three units take loom 30 s at two preemptions; at CI's three, far longer.
        let mut model = loom::model::Builder::new();
        model.preemption_bound = Some(2);
        model.check(|| {
            let run = panicking_run();
            let [to_x, to_y, to_w] = [(); 3].map(|()| Arc::new(ThreadEvent::new()));
            let x = {
                let (to_x, to_w) = (Arc::clone(&to_x), Arc::clone(&to_w));
                unit(&run, "x", async move {
                    Event::wait(&*to_x).await;
                    to_w.set();
                })
            };
            let y = {
                let (to_x, to_y) = (Arc::clone(&to_x), Arc::clone(&to_y));
                unit(&run, "y", async move {
                    to_x.set();
                    Event::wait(&*to_y).await;
                })
            };
            let w = unit(&run, "w", async move {
                Event::wait(&*to_w).await;
                to_y.set();
            });
            all_finish_unreported(&run, [x, y, w]);
        });
    }

    /// Two units sleep on events nobody will set: whichever sleeps last reports that all are
    /// asleep and panics; the other, left alone asleep, is woken to panic with the report of
    /// its own state. Neither stays parked.
    #[test]
    fn all_asleep_reported_and_ended() {
        loom::model(|| {
            let run = panicking_run();
            let units = ["x", "y"].map(|name| {
                let never = Arc::new(ThreadEvent::new());
                unit(&run, name, async move { Event::wait(&*never).await })
            });
            for unit in start(units) {
                let report = unit.join().unwrap().unwrap_err();
                assert!(
                    report.starts_with("deadlock:") && report.contains("asleep"),
                    "not an all-asleep report: {report}"
                );
            }
            assert_eq!(run.deadlocks().len(), 2, "reported: {:?}", run.deadlocks());
        });
    }
}
