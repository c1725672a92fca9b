//! "All units asleep", on every flavour: a run whose every unit sleeps on deadline-free waits
//! that nothing is left to wake is reported once, each unit with what it waits for; a run in
//! which any unit can still move (it runs, it has a deadline, it was woken) never is.
//!
//! A run that is all asleep cannot end by itself, so these tests run it on a plain thread and
//! wake it from there (a wake from outside the run, which the detector cannot see).
#![cfg(feature = "deadlock")]

mod common;

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use twinsync::deadlock::WaitsFor;
use twinsync::queue::Fifo;
use twinsync::{
    Barrier, Deadlock, Event, Flavor, JoinHandle, OnDeadlock, Queue, Semaphore, Threads,
};

flavor_tests! {
    in_run: [],
    plain: [
        a_queue_nobody_fills_is_reported_once,
        every_kind_of_wait_is_named,
        the_last_unit_to_leave_reports_the_rest,
        a_unit_with_a_deadline_keeps_the_run_awake,
        off_policy_reports_nothing,
        no_false_positive_in_a_busy_producer_consumer,
        panic_policy_ends_an_all_asleep_run,
        panic_policy_wakes_the_youngest_sleeper_when_the_last_unit_leaves,
    ],
}

/// Far above any wait in these tests: only turns a hang into a failure.
const HANG: Duration = Duration::from_secs(30);

/// The deadlocks `flavor` has recorded once there are `count` of them (panics after [`HANG`]).
fn reported<F: Flavor>(flavor: &F, count: usize) -> Vec<Deadlock> {
    let start = Instant::now();
    loop {
        let deadlocks = flavor.deadlocks();
        if deadlocks.len() >= count {
            return deadlocks;
        }
        assert!(start.elapsed() < HANG, "no report after {HANG:?}");
        thread::sleep(Duration::from_millis(2));
    }
}

/// `(unit name, what it waits for)` of each unit of an all-asleep report, sorted.
fn sleepers(deadlock: &Deadlock) -> Vec<(String, String)> {
    assert!(deadlock.links().is_empty(), "not a lock cycle: {deadlock}");
    let mut sleepers: Vec<_> = deadlock
        .asleep()
        .iter()
        .map(|asleep| {
            let waits: Vec<String> = asleep.waits_for().iter().map(|w| w.to_string()).collect();
            (asleep.unit().name().to_owned(), waits.join(" + "))
        })
        .collect();
    sleepers.sort();
    sleepers
}

fn pair(unit: &str, waits_for: &str) -> (String, String) {
    (unit.to_owned(), waits_for.to_owned())
}

/// A consumer waits for an item nobody puts, and `main` joins it: both asleep, reported once;
/// an item put from outside the run wakes both, and the run ends with it.
fn a_queue_nobody_fills_is_reported_once<F: Flavor>(f: F) {
    let flavor = f.on_deadlock(OnDeadlock::Report);
    let seen = flavor.clone();
    let queue = Arc::new(F::Queue::<i32, Fifo>::new());
    let run = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || {
            flavor.run(|f| async move {
                let consumer = f.spawn("consumer", async move { queue.get().await.unwrap() });
                consumer.join().await.unwrap()
            })
        })
    };
    let deadlocks = reported(&seen, 1);
    assert_eq!(
        sleepers(&deadlocks[0]),
        [
            pair("consumer", "an item from a queue (get)"),
            pair("main", "unit \"consumer\" to finish (join)"),
        ]
    );
    let report = deadlocks[0].to_string();
    assert!(
        report.starts_with("deadlock: all 2 units are asleep"),
        "{report}"
    );
    match deadlocks[0].asleep()[0].waits_for() {
        [WaitsFor::Unit(unit)] => assert_eq!(unit.name(), "consumer"),
        other => panic!("main (the oldest) waits for {other:?}"),
    }
    queue.try_put(7).unwrap();
    assert_eq!(run.join().unwrap().unwrap(), 7);
    assert_eq!(seen.deadlocks().len(), 1, "reported once");
}

/// An event nobody sets, a semaphore nobody releases and a barrier short of a party: each unit
/// is named with its wait.
fn every_kind_of_wait_is_named<F: Flavor>(f: F) {
    let flavor = f.on_deadlock(OnDeadlock::Report);
    let seen = flavor.clone();
    let event = Arc::new(F::Event::new());
    let permits = Arc::new(F::Semaphore::new(0));
    let barrier = Arc::new(F::Barrier::new(2).unwrap());
    let run = {
        let (event, permits, barrier) = (event.clone(), permits.clone(), barrier.clone());
        thread::spawn(move || {
            flavor.run(|f| async move {
                let waiter = f.spawn("waiter", async move { event.wait().await });
                let acquirer = f.spawn("acquirer", async move {
                    drop(permits.acquire().await);
                });
                let party = f.spawn("party", async move {
                    barrier.wait().await.unwrap();
                });
                waiter.join().await.unwrap();
                acquirer.join().await.unwrap();
                party.join().await.unwrap();
            })
        })
    };
    let deadlocks = reported(&seen, 1);
    assert_eq!(
        sleepers(&deadlocks[0]),
        [
            pair("acquirer", "a semaphore permit (acquire)"),
            pair("main", "unit \"waiter\" to finish (join)"),
            pair("party", "a barrier's round to fill (wait)"),
            pair("waiter", "an event to be set (wait)"),
        ]
    );
    event.set();
    permits.release(1).unwrap();
    twinsync::block_on(barrier.wait()).unwrap();
    run.join().unwrap().unwrap();
    // Between the wakes from outside the run, the sleepers that were left were all asleep
    // again, with the run still unable to move by itself: each such state is reported once.
    assert!(seen.deadlocks().len() <= 4, "{:#?}", seen.deadlocks());
}

/// `main` waits for an item; the one unit that could put it sleeps a while (so the run can
/// still move), then ends without putting. Nobody is left to wake `main`: the leaving unit
/// reports it.
fn the_last_unit_to_leave_reports_the_rest<F: Flavor>(f: F) {
    let flavor = f.on_deadlock(OnDeadlock::Report);
    let seen = flavor.clone();
    let queue = Arc::new(F::Queue::<i32, Fifo>::new());
    let run = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || {
            flavor.run(|f| async move {
                let forgetful = f.clone();
                f.spawn("forgetful", async move {
                    forgetful.sleep(Duration::from_millis(30)).await;
                });
                queue.get().await.unwrap()
            })
        })
    };
    let deadlocks = reported(&seen, 1);
    assert_eq!(
        sleepers(&deadlocks[0]),
        [pair("main", "an item from a queue (get)")]
    );
    assert!(
        deadlocks[0]
            .to_string()
            .starts_with("deadlock: the run's one unit is asleep")
    );
    queue.try_put(3).unwrap();
    assert_eq!(run.join().unwrap().unwrap(), 3);
    assert_eq!(seen.deadlocks().len(), 1);
}

/// While one unit sleeps towards a deadline, the run can move: the consumer is fed when the
/// sleep ends, and nothing is reported.
fn a_unit_with_a_deadline_keeps_the_run_awake<F: Flavor>(f: F) {
    let flavor = f.on_deadlock(OnDeadlock::Panic);
    let seen = flavor.clone();
    common::in_run(flavor, |f| async move {
        let queue = Arc::new(F::Queue::<i32, Fifo>::new());
        let consumer = {
            let queue = queue.clone();
            f.spawn("consumer", async move { queue.get().await.unwrap() })
        };
        let producer = {
            let (queue, f) = (queue.clone(), f.clone());
            f.clone().spawn("producer", async move {
                f.sleep(Duration::from_millis(30)).await;
                queue.put(5).await.unwrap();
            })
        };
        producer.join().await.unwrap();
        assert_eq!(consumer.join().await.unwrap(), 5);
    });
    assert!(seen.deadlocks().is_empty(), "{:#?}", seen.deadlocks());
}

/// With detection off, a run that is all asleep is left alone, as Python leaves it.
fn off_policy_reports_nothing<F: Flavor>(f: F) {
    let flavor = f.on_deadlock(OnDeadlock::Off);
    let seen = flavor.clone();
    let event = Arc::new(F::Event::new());
    let run = {
        let event = event.clone();
        thread::spawn(move || flavor.run(|_| async move { event.wait().await }))
    };
    thread::sleep(Duration::from_millis(50));
    assert!(seen.deadlocks().is_empty());
    event.set();
    run.join().unwrap().unwrap();
    assert!(seen.deadlocks().is_empty());
}

/// Producers and consumers that sleep and wake each other through bounded queues all the
/// time, while `main` waits on joins: the run is never all asleep, and a wake that has
/// happened but not yet been acted on must never look like sleep.
fn no_false_positive_in_a_busy_producer_consumer<F: Flavor>(f: F) {
    let flavor = f.on_deadlock(OnDeadlock::Panic);
    let seen = flavor.clone();
    common::in_run(flavor, |f| async move {
        let rounds = 2_000;
        let queue = Arc::new(F::Queue::<u64, Fifo>::bounded(1));
        let back = Arc::new(F::Queue::<u64, Fifo>::bounded(1));
        let mut units = Vec::new();
        for i in 0..2 {
            let (queue, back) = (queue.clone(), back.clone());
            units.push(f.spawn(format!("producer-{i}"), async move {
                let mut sum = 0;
                for n in 0..rounds {
                    queue.put(n).await.unwrap();
                    sum += back.get().await.unwrap();
                }
                sum
            }));
        }
        for i in 0..2 {
            let (queue, back) = (queue.clone(), back.clone());
            units.push(f.spawn(format!("consumer-{i}"), async move {
                for _ in 0..rounds {
                    let n = queue.get().await.unwrap();
                    back.put(n).await.unwrap();
                }
                0
            }));
        }
        let mut total = 0;
        for unit in units {
            total += unit.join().await.unwrap();
        }
        assert_eq!(total, 2 * (0..rounds).sum::<u64>());
    });
    assert!(seen.deadlocks().is_empty(), "{:#?}", seen.deadlocks());
}

/// A thread twin's plain blocking method inside a `Threads` unit parks in a nested executor;
/// the detector sees that sleep too.
#[test]
fn threads_plain_blocking_get_is_seen_asleep() {
    let flavor = Threads::new().on_deadlock(OnDeadlock::Report);
    let seen = flavor.clone();
    let queue = Arc::new(<Threads as Flavor>::Queue::<i32, Fifo>::new());
    let run = {
        let queue = Arc::clone(&queue);
        thread::spawn(move || flavor.run(|_| async move { queue.get().unwrap() }))
    };
    let deadlocks = reported(&seen, 1);
    assert_eq!(
        sleepers(&deadlocks[0]),
        [pair("main", "an item from a queue (get)")]
    );
    queue.try_put(9).unwrap();
    assert_eq!(run.join().unwrap().unwrap(), 9);
}

/// Runs `flavor.run(body)` on a plain thread; its outcome, as text, within [`HANG`].
fn outcome_of<F, T>(flavor: F, body: impl FnOnce(F) -> T + Send + 'static) -> String
where
    F: Flavor,
    T: Future + Send + 'static,
    T::Output: std::fmt::Debug + Send + 'static,
{
    let (done, outcome) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let _ = done.send(format!("{:?}", flavor.run(body)));
    });
    outcome.recv_timeout(HANG).expect("the run stayed asleep")
}

/// Under `Panic`, a consumer waiting for an item nobody puts and `main` joining it: whichever
/// completes the all-asleep state panics with the report, and the run ends either way (if
/// `main` panics, the consumer is woken to panic when `main` leaves).
fn panic_policy_ends_an_all_asleep_run<F: Flavor>(f: F) {
    let flavor = f.on_deadlock(OnDeadlock::Panic);
    let seen = flavor.clone();
    let outcome = outcome_of(flavor, |f| async move {
        let queue = Arc::new(F::Queue::<i32, Fifo>::new());
        let consumer = f.spawn("consumer", async move { queue.get().await.unwrap() });
        consumer.join().await.map_err(|e| e.to_string())
    });
    assert!(outcome.contains("all 2 units are asleep"), "{outcome}");
    assert!(!seen.deadlocks().is_empty());
}

/// Under `Panic`, `main` waits for an item and the only other unit leaves without putting:
/// nobody closed the state by sleeping, so `main`, the youngest sleeper, is woken to panic.
fn panic_policy_wakes_the_youngest_sleeper_when_the_last_unit_leaves<F: Flavor>(f: F) {
    let flavor = f.on_deadlock(OnDeadlock::Panic);
    let outcome = outcome_of(flavor, |f| async move {
        let forgetful = f.clone();
        f.spawn("forgetful", async move {
            forgetful.sleep(Duration::from_millis(30)).await;
        });
        let queue = F::Queue::<i32, Fifo>::new();
        queue.get().await.unwrap()
    });
    assert!(outcome.starts_with("Err("), "{outcome}");
    assert!(
        outcome.contains("the run's one unit is asleep"),
        "{outcome}"
    );
}
