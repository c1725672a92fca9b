//! # Deadlock: two locks taken in opposite orders, and three ways out
//!
//! Mirrors the seeds' deadlock lessons: two threads each need two locks, take them in opposite
//! orders, and each ends up holding one while waiting for the other; the seeds' fix asks for the
//! second lock with a time limit (`acquire(timeout=…)`) and lets go of the first when it does
//! not come. They also show a thread calling `acquire()` twice on a plain `Lock`, which hangs on
//! itself, and `RLock` as the cure. Nothing here ever hangs: twinsync sees each deadlock the
//! moment it closes, names it, and (with `OnDeadlock::Panic`) ends the unit that closed it.
//!
//! 1. Opposite orders (A→B and B→A), plain `lock()`: both units hold one lock and wait for the
//!    other. The detector names the cycle; the unit that closed it panics, which releases its
//!    lock, and the other one finishes.
//! 2. The seeds' fix, opposite orders with `lock_timeout`: each unit that gives up releases what
//!    it holds, backs off for a different time, and tries again.
//! 3. One order for everyone (A→B and A→B): a deadlock cannot form.
//! 4. A unit that takes a plain lock it already holds waits for itself (named as such); a
//!    reentrant lock lets it in.
//! 5. Five dining philosophers, each taking the left fork and then the right: a cycle of five,
//!    named; when one philosopher takes his forks in the other order, nobody waits for good.
//! 6. A consumer waits on a queue nobody fills while its run's main unit joins it: no lock, so
//!    no cycle, but every unit of the run is asleep with no deadline, and the detector says so
//!    (Go's "all goroutines are asleep"), each unit with what it waits for.
//! 7. The lock-order check: one unit takes A then B, and only after it has finished another
//!    takes B then A. This run cannot hang, yet the check flags the second order as a
//!    potential deadlock, the kind of bug a test run usually misses.
//!
//! What to notice: the story is the same on every flavour, because a deadlock comes from the
//! order of the locks, not from who runs them: threads blocked on OS threads, tasks on the
//! multi-thread runtime and tasks sharing one thread all deadlock when the orders cross, and
//! the detector names the same cycle on each (which of the two units closes it varies). The
//! crossed pair with timeouts usually reports one timeout (now and then, on threads, both units give up at
//! once and it reports two). Whichever unit gives up first lets the other finish, then pays its
//! own back-off and another round, so the pair is done in about 60 ms when `unit-1` (5 ms
//! back-off) gives up first and about 80 ms when `unit-2` (25 ms) does; threads and tokio show
//! both from run to run, tokio-local the 60 ms case every time. One lock order never times out
//! and takes about 20 ms, the two holds one after the other. A plain mutex taken again by its
//! owner times out; the reentrant one lets its owner in, on threads and on tasks alike.
//!
//! Run it with `cargo run --example deadlock -- --flavor threads|tokio|tokio-local|all`; the
//! runner (`cargo run --release -- run deadlock`) runs this same file once per flavour, each in
//! its own process, and measures it.

// ANCHOR: uses
use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use twinsync::report::Outcome;
use twinsync::{
    Barrier, Deadlock as Cycle, Flavor, FlavorKind, Job, JoinHandle, Mutex, OnDeadlock, Queue,
    ReentrantMutex, UnitOptions,
};
// ANCHOR_END: uses

/// The scenario's name, for the runner.
pub const NAME: &str = "deadlock";
/// What the scenario shows, in one line.
pub const ABOUT: &str = "A->B vs B->A named by the detector or broken by lock_timeout; \
     self-deadlock; 5 philosophers; all asleep; lock-order check";
/// What to look for in its figures.
pub const NOTICE: &str = "opposite lock orders deadlock on every flavour and the detector names the cycle; lock_timeout turns the hang into a retry, one lock order prevents it; a run with no lock held is still seen when all its units sleep, and the lock-order check flags crossed orders on a run that did not hang";

const HOLD: Duration = Duration::from_millis(10);
const PATIENCE: Duration = Duration::from_millis(30);

/// The scenario, as a [`Job`] so that one value runs on whichever flavour is chosen.
#[derive(Debug)]
pub struct Deadlock;

impl Job for Deadlock {
    type Output = Outcome;

    fn name(&self) -> Cow<'static, str> {
        NAME.into()
    }

    async fn run<F: Flavor>(self, f: F) -> Outcome {
        let detected = detected_pair(&f).await;
        // ANCHOR: variants
        let crossed = two_units::<F>(&f, [Order::AThenB, Order::BThenA]).await;
        let ordered = two_units::<F>(&f, [Order::AThenB, Order::AThenB]).await;
        // ANCHOR_END: variants
        let (plain_stuck, reentrant_ok) = self_deadlock::<F>().await;
        let (self_cycle, _) = self_deadlock_detected(&f).await;
        let philosophers = dine(&f, false).await;
        let fixed = dine(&f, true).await;
        let asleep = all_asleep::<F>(&f).await;
        let inversion = inverted_without_a_hang(&f).await;
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        Outcome::new(format!(
            "A->B/B->A detected: {}; with lock_timeout: {} timeout(s), {:.0} ms; \
             one order: {} timeouts, {:.0} ms; relocking a plain mutex: {}; reentrant: {}; \
             5 philosophers: {}; one reversed: {}; a queue nobody fills: {}; \
             lock-order check: {}",
            detected.as_ref().map_or("none (unexpected)".into(), short),
            crossed.timeouts,
            ms(crossed.elapsed),
            ordered.timeouts,
            ms(ordered.elapsed),
            match (plain_stuck, &self_cycle) {
                (true, Some(cycle)) => short(cycle),
                _ => "no deadlock (unexpected)".into(),
            },
            if reentrant_ok {
                "ok"
            } else {
                "failed (unexpected)"
            },
            philosophers
                .as_ref()
                .map_or("no cycle (unexpected)".into(), |c| {
                    format!("a cycle of {}", c.links().len())
                }),
            fixed.as_ref().map_or("no deadlock".into(), short),
            asleep
                .as_ref()
                .map_or("not seen (unexpected)".into(), short_asleep),
            inversion
                .as_ref()
                .map_or("nothing flagged (unexpected)".into(), short_inversion),
        ))
        .figure("detected_cycle_units", cycle_len(&detected))
        .figure("philosophers_cycle_units", cycle_len(&philosophers))
        .figure("reversed_cycle_units", cycle_len(&fixed))
        .figure(
            "asleep_units",
            asleep.as_ref().map_or(0.0, |a| a.asleep().len() as f64),
        )
        .figure(
            "inversion_orders",
            inversion
                .as_ref()
                .map_or(0.0, |i| i.lock_orders().len() as f64),
        )
        .figure("crossed_timeouts", f64::from(crossed.timeouts))
        .figure("crossed_ms", ms(crossed.elapsed))
        .figure("ordered_timeouts", f64::from(ordered.timeouts))
        .figure("ordered_ms", ms(ordered.elapsed))
        .figure("plain_self_deadlock", f64::from(u8::from(plain_stuck)))
        .figure("reentrant_ok", f64::from(u8::from(reentrant_ok)))
    }
}

/// Which lock a unit takes first.
#[derive(Debug, Clone, Copy)]
pub enum Order {
    /// A, then B.
    AThenB,
    /// B, then A.
    BThenA,
}

/// What a pair of units went through.
#[derive(Debug, Clone, Copy)]
pub struct Report {
    /// How many times a unit gave up waiting for its second lock.
    pub timeouts: u32,
    /// Time until both units had done their work.
    pub elapsed: Duration,
}

// ANCHOR: back_off
/// Takes both locks in `order`, holding the first for a moment before asking for the second.
/// If the second does not come within `PATIENCE`, it lets go of the first, backs off for a time
/// that differs per unit (so the two do not collide again in lockstep), and starts over.
/// Returns how many times it had to back off.
async fn take_both<F: Flavor>(
    f: &F,
    locks: &(F::Mutex<u32>, F::Mutex<u32>),
    order: Order,
    back_off: Duration,
) -> u32 {
    let (first, second) = match order {
        Order::AThenB => (&locks.0, &locks.1),
        Order::BThenA => (&locks.1, &locks.0),
    };
    let mut timeouts = 0;
    loop {
        let mut held = first.lock().await;
        f.sleep(HOLD).await; // the other unit takes its first lock meanwhile
        match second.lock_timeout(PATIENCE).await {
            Ok(mut other) => {
                *held += 1;
                *other += 1;
                return timeouts;
            }
            Err(_) => {
                timeouts += 1; // deadlock detected: release, wait, retry
                drop(held);
                f.sleep(back_off).await;
            }
        }
    }
}
// ANCHOR_END: back_off

/// Two units take the two locks in the given orders.
pub async fn two_units<F: Flavor>(f: &F, orders: [Order; 2]) -> Report {
    let locks = Arc::new((F::Mutex::new(0), F::Mutex::new(0)));
    let start = Instant::now();
    let mut handles = Vec::new();
    for (i, order) in orders.into_iter().enumerate() {
        let (g, locks) = (f.clone(), Arc::clone(&locks));
        let back_off = Duration::from_millis(5 + 20 * i as u64);
        handles.push(f.spawn(format!("unit-{}", i + 1), async move {
            take_both(&g, &locks, order, back_off).await
        }));
    }
    let mut timeouts = 0;
    for handle in handles {
        timeouts += handle.join().await.expect("a unit panicked");
    }
    Report {
        timeouts,
        elapsed: start.elapsed(),
    }
}

/// A cycle in one line: each unit, the lock it holds and the one it wants.
pub fn short(cycle: &Cycle) -> String {
    let name = |lock: twinsync::deadlock::LockOrigin| lock.name().unwrap_or("?");
    let links: Vec<String> = cycle
        .links()
        .iter()
        .map(|link| {
            let unit = link.unit().name();
            match link.holds() == link.waits_for() {
                true => format!("{unit} waits for {}, which it holds", name(link.holds())),
                false => format!(
                    "{unit} holds {}, wants {}",
                    name(link.holds()),
                    name(link.waits_for())
                ),
            }
        })
        .collect();
    links.join(" / ")
}

fn cycle_len(cycle: &Option<Cycle>) -> f64 {
    cycle
        .as_ref()
        .map_or(0.0, |cycle| cycle.links().len() as f64)
}

/// The deadlocks of this run reported since `before` of them were: the last one, if any.
fn newest_since<F: Flavor>(f: &F, before: usize) -> Option<Cycle> {
    f.deadlocks().into_iter().skip(before).last()
}

// ANCHOR: detected
/// Two units take A and B in opposite orders with plain `lock()`, each spawned with
/// `OnDeadlock::Panic`: the one whose wait closes the cycle panics with the report, its guard
/// is dropped as it unwinds, and the other unit gets the lock and finishes. Returns the cycle.
pub async fn detected_pair<F: Flavor>(f: &F) -> Option<Cycle> {
    let before = f.deadlocks().len();
    let locks = Arc::new((F::Mutex::named("A", ()), F::Mutex::named("B", ())));
    let both_hold_one = Arc::new(<F::Barrier as Barrier>::new(2).expect("two parties"));
    let mut handles = Vec::new();
    for (i, order) in [Order::AThenB, Order::BThenA].into_iter().enumerate() {
        let (locks, both_hold_one) = (Arc::clone(&locks), Arc::clone(&both_hold_one));
        let options = UnitOptions::new(format!("unit-{}", i + 1)).on_deadlock(OnDeadlock::Panic);
        let unit = f.try_spawn_with(options, async move {
            let (first, second) = match order {
                Order::AThenB => (&locks.0, &locks.1),
                Order::BThenA => (&locks.1, &locks.0),
            };
            let _first = first.lock().await;
            let _ = both_hold_one.wait().await;
            let _second = second.lock().await; // one of the two closes the cycle here
        });
        handles.push(unit.expect("spawn"));
    }
    for handle in handles {
        let _ = handle.join().await; // one `Ok`, one `Err(Panicked)` carrying the report
    }
    newest_since(f, before)
}
// ANCHOR_END: detected

/// A plain mutex locked again by its holder, without a timeout: the detector names the
/// self-deadlock and the unit (spawned with `OnDeadlock::Panic`) ends.
pub async fn self_deadlock_detected<F: Flavor>(f: &F) -> (Option<Cycle>, bool) {
    let before = f.deadlocks().len();
    let options = UnitOptions::new("relocker").on_deadlock(OnDeadlock::Panic);
    let unit = f.try_spawn_with(options, async {
        let m = F::Mutex::named("M", ());
        let _held = m.lock().await;
        let _again = m.lock().await;
    });
    let ended = unit.expect("spawn").join().await.is_err();
    (newest_since(f, before), ended)
}

// ANCHOR: philosophers
/// Five philosophers round a table, a fork between each two. Each takes his left fork, waits
/// until all hold one, then takes his right: a cycle of five. With `one_reversed`, the last
/// takes his right fork first, so the cycle cannot close. Returns the cycle reported, if any.
pub async fn dine<F: Flavor>(f: &F, one_reversed: bool) -> Option<Cycle> {
    const FORKS: [&str; 5] = ["fork-0", "fork-1", "fork-2", "fork-3", "fork-4"];
    let before = f.deadlocks().len();
    let forks: Arc<Vec<F::Mutex<u32>>> =
        Arc::new(FORKS.iter().map(|name| F::Mutex::named(name, 0)).collect());
    let seated = Arc::new(<F::Barrier as Barrier>::new(5).expect("five parties"));
    let mut handles = Vec::new();
    for seat in 0..5 {
        let (f2, forks, seated) = (f.clone(), Arc::clone(&forks), Arc::clone(&seated));
        let options =
            UnitOptions::new(format!("philosopher-{seat}")).on_deadlock(OnDeadlock::Panic);
        let unit = f.try_spawn_with(options, async move {
            let (left, right) = (seat, (seat + 1) % 5);
            let (first, second) = match one_reversed && seat == 4 {
                true => (right, left),
                false => (left, right),
            };
            let mut first = forks[first].lock().await;
            if one_reversed {
                f2.sleep(HOLD).await; // a barrier could not fill: one of them waits for a fork
            } else {
                let _ = seated.wait().await; // everyone holds a left fork now
            }
            let mut second = forks[second].lock().await;
            *first += 1; // eat
            *second += 1;
        });
        handles.push(unit.expect("spawn"));
    }
    for handle in handles {
        let _ = handle.join().await;
    }
    newest_since(f, before)
}
// ANCHOR_END: philosophers

// ANCHOR: all_asleep
/// A consumer waits for an item nobody puts, and its run's main unit joins it: every unit of
/// that run sleeps with no deadline, so nothing is left to wake either. The detector reports
/// it; then a plain thread outside that run (which the detector cannot see) reads the report
/// and puts an item, which wakes them, and the run ends. The run is a fresh one on an OS thread
/// of its own, since it cannot end by itself. Returns the report.
pub async fn all_asleep<F: Flavor>(f: &F) -> Option<Cycle> {
    let run = f.fresh().on_deadlock(OnDeadlock::Report);
    let watched = run.clone();
    let queue = Arc::new(F::Queue::<u32, twinsync::queue::Fifo>::new());
    let stuck = {
        let queue = Arc::clone(&queue);
        std::thread::spawn(move || {
            run.run(|g| async move {
                let consumer = g.spawn("consumer", async move { queue.get().await });
                consumer.join().await
            })
        })
    };
    // Outside any unit, so `deadlocks()` is the fresh run's own.
    let waker = std::thread::spawn(move || {
        let start = Instant::now();
        while watched.deadlocks().is_empty() && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(1));
        }
        queue.try_put(1).expect("an unbounded queue takes it");
        let _ = stuck.join();
        watched.deadlocks().into_iter().next()
    });
    while !waker.is_finished() {
        f.sleep(Duration::from_millis(1)).await; // not `join`: that would block the unit's poll
    }
    waker.join().ok().flatten()
}
// ANCHOR_END: all_asleep

/// An all-asleep report in one line: each unit and what it waits for.
pub fn short_asleep(report: &Cycle) -> String {
    let units: Vec<String> = report
        .asleep()
        .iter()
        .map(|asleep| {
            let waits = asleep.waits_for().iter().map(|w| match w {
                twinsync::deadlock::WaitsFor::Item => "an item".to_owned(),
                twinsync::deadlock::WaitsFor::Unit(unit) => unit.name().to_owned(),
                other => other.to_string(),
            });
            format!(
                "{} waits for {}",
                asleep.unit().name(),
                waits.collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    format!("all asleep: {}", units.join(" / "))
}

// ANCHOR: lock_order
/// One unit takes A then B and ends; only then does another take B then A. They never
/// overlap, so this run cannot hang, but had they overlapped they could have: the lock-order
/// check flags the second order at once. Returns the report.
pub async fn inverted_without_a_hang<F: Flavor>(f: &F) -> Option<Cycle> {
    let checking = f.clone().check_lock_order(true); // for the units started from here
    let before = f.deadlocks().len();
    let locks = Arc::new((F::Mutex::named("A", ()), F::Mutex::named("B", ())));
    for (name, order) in [("a-then-b", Order::AThenB), ("b-then-a", Order::BThenA)] {
        let locks = Arc::clone(&locks);
        let unit = checking.spawn(name, async move {
            let (first, second) = match order {
                Order::AThenB => (&locks.0, &locks.1),
                Order::BThenA => (&locks.1, &locks.0),
            };
            let _first = first.lock().await;
            let _second = second.lock().await;
        });
        unit.join().await.expect("no hang, no panic");
    }
    let _ = checking.check_lock_order(false);
    newest_since(f, before)
}
// ANCHOR_END: lock_order

/// A lock-order report in one line: the order just taken, against the earlier ones.
pub fn short_inversion(report: &Cycle) -> String {
    let name = |lock: twinsync::deadlock::LockOrigin| lock.name().unwrap_or("?");
    let order = |order: &twinsync::deadlock::LockOrder| {
        let (took, held) = (name(order.took()), name(order.held()));
        format!("{} took {took} while holding {held}", order.unit())
    };
    let Some((now, before)) = report.lock_orders().split_first() else {
        return String::new();
    };
    let before: Vec<String> = before.iter().map(order).collect();
    format!("{}, against {}", order(now), before.join(", "))
}

// ANCHOR: self_deadlock
/// A unit that holds a lock and asks for it again. A plain mutex makes it wait for itself (the
/// timeout reports it); a reentrant one lets its owner in. Returns (plain deadlocked, reentrant
/// succeeded).
pub async fn self_deadlock<F: Flavor>() -> (bool, bool) {
    let plain = F::Mutex::new(());
    let held = plain.lock().await;
    let plain_stuck = plain.lock_timeout(PATIENCE).await.is_err();
    drop(held);

    let reentrant = F::ReentrantMutex::new(());
    let outer = reentrant.lock().await;
    let reentrant_ok = reentrant.lock_timeout(PATIENCE).await.is_ok();
    drop(outer);
    (plain_stuck, reentrant_ok)
}
// ANCHOR_END: self_deadlock

// ANCHOR: main
/// Runs the scenario on the flavours named by `--flavor` (all of them by default).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    for kind in FlavorKind::from_command_line()? {
        println!("{kind:<12} {}", kind.run(Deadlock)?);
    }
    Ok(())
}
// ANCHOR_END: main
