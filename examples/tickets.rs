//! # Tickets: several windows sell from one pile under one lock
//!
//! Mirrors the seeds' ticket office: a few threads, one per window, sell from a shared count of
//! tickets, taking a `threading.Lock` for each sale and sleeping inside it while the ticket
//! "prints". Here four windows do the same on every flavour, first slowly (1 ms holding the
//! lock per ticket, as the seeds' `time.sleep`), then quickly (20,000 tickets, no pause) once
//! with each fairness [`Policy`].
//!
//! What to notice: the slow sale is shared evenly on every flavour, because each window sleeps
//! while the others queue. The quick sale shows the lock's policy, not the kind of unit. A
//! barging lock lets the window that asks again at once keep it: on the tokio flavours one
//! window sells all 20,000 (a task whose only wait is the lock it just let go of is never made
//! to yield). Threads are preempted and run in parallel, so the others usually get in now and
//! then; how often differs from run to run, and when the whole sale is over before a waiter has
//! been kept out for half a millisecond, one thread sells everything too. A FIFO lock hands it
//! to the longest waiter, so the windows in line take turns: exactly 5,000 each on tokio-local.
//! Where windows run in parallel (threads, tokio's two workers) one that is not yet back in
//! line when its turn comes misses that turn, so the shares are close but not always equal.
//!
//! As processes the windows are child processes and the pile and its lock are served by this
//! one (Python's `Manager().Value` and `Manager().Lock()`). The slow sale is shared as
//! before. The quick sale is 2,000 tickets, since every sale is four messages to the owner,
//! and it is shared too, unevenly: a window that lets the lock go must send a message to ask
//! again, and by then another window's request has usually reached the owner.
//!
//! Run it with `cargo run --example tickets -- --flavor threads|tokio|tokio-local|processes|all`;
//! the runner (`cargo run --release -- run tickets`) runs this same file once per flavour and
//! once as processes, each in its own process, and measures it.

// ANCHOR: uses
use std::borrow::Cow;
use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use twinsync::process::{self, Entry, Lock, Value};
use twinsync::report::{Outcome, Way};
use twinsync::{Flavor, Job, JoinHandle, Mutex, Policy};
// ANCHOR_END: uses

/// The scenario's name, for the runner.
pub const NAME: &str = "tickets";
/// What the scenario shows, in one line.
pub const ABOUT: &str = "4 windows sell 100 tickets holding the lock 1 ms each, then 20000 with no pause, barging and FIFO";
/// What to look for in its figures.
pub const NOTICE: &str = "slow sale: shared on every flavour; quick sale: barging lets a window that asks again at once keep the lock (all of it, on tasks), FIFO shares it";

const WINDOWS: usize = 4;

/// The scenario, as a [`Job`] so that one value runs on whichever flavour is chosen.
#[derive(Debug)]
pub struct Tickets;

impl Job for Tickets {
    type Output = Outcome;

    fn name(&self) -> Cow<'static, str> {
        NAME.into()
    }

    async fn run<F: Flavor>(self, f: F) -> Outcome {
        let own = F::Mutex::<u32>::new(0).policy();
        let slow = sell(&f, 100, Duration::from_millis(1), own).await;
        let barging = sell(&f, 20_000, Duration::ZERO, Policy::Barging).await;
        let fifo = sell(&f, 20_000, Duration::ZERO, Policy::Fifo).await;
        let mut outcome = Outcome::new(format!(
            "slow ({own:?}) {}; quick: Barging {}, Fifo {}",
            slash(&slow),
            slash(&barging),
            slash(&fifo),
        ));
        for (round, sold) in [("slow", &slow), ("barging", &barging), ("fifo", &fifo)] {
            for (window, n) in sold.iter().enumerate() {
                outcome = outcome.figure(format!("{round}.window-{}", window + 1), *n as f64);
            }
        }
        outcome
    }
}

fn slash(numbers: &[u32]) -> String {
    let parts: Vec<String> = numbers.iter().map(u32::to_string).collect();
    parts.join("/")
}

// ANCHOR: sell
/// Four windows sell `tickets` tickets from one pile under a lock with `policy`. Each sale
/// takes the lock, spends `pause` holding it, and takes one ticket; the result is how many
/// each window sold.
pub async fn sell<F: Flavor>(f: &F, tickets: u32, pause: Duration, policy: Policy) -> Vec<u32> {
    let pile = Arc::new(F::Mutex::with_policy(tickets, policy));
    // The office opens only when every window is queuing: main holds the lock while it spawns
    // them, so an early starter cannot sell everything before the others exist.
    let opening = pile.lock().await;
    let mut handles = Vec::new();
    for w in 1..=WINDOWS {
        let (f2, pile) = (f.clone(), Arc::clone(&pile));
        handles.push(f.spawn(format!("window-{w}"), async move {
            let mut sold = 0;
            loop {
                let mut left = pile.lock().await;
                if *left == 0 {
                    break sold;
                }
                if !pause.is_zero() {
                    f2.sleep(pause).await; // printing the ticket, lock held
                }
                *left -= 1;
                sold += 1;
            }
        }));
    }
    f.sleep(Duration::from_millis(10)).await;
    drop(opening);
    let mut sold = Vec::new();
    for handle in handles {
        sold.push(handle.join().await.expect("a window panicked"));
    }
    sold
}
// ANCHOR_END: sell

// ANCHOR: processes
/// What a window process is given: the pile, its lock, a queue to say it is in line, and the
/// pause per ticket in milliseconds.
type Window = (Value<u32>, Lock, process::Queue<()>, u64);

/// A window process: says it is ready, then sells as [`sell`]'s windows do, under the
/// shared lock; returns how many tickets it sold.
fn window((pile, lock, ready, pause_ms): Window) -> u32 {
    ready.put(()).expect("the office keeps `ready` open");
    let mut sold = 0;
    loop {
        let _held = lock.lock().expect("the office is open");
        let left = pile.load().expect("the office is open");
        if left == 0 {
            break sold;
        }
        std::thread::sleep(Duration::from_millis(pause_ms)); // printing the ticket, lock held
        pile.store(&(left - 1)).expect("the office is open");
        sold += 1;
    }
}
/// `window`, as child processes find it.
pub static WINDOW: Entry<Window, u32> = Entry::new("tickets.window", window);

/// [`sell`] with a process per window: the pile is a [`Value`] and the lock a [`Lock`] that
/// this process serves (Python's `Manager`).
pub fn sell_in_processes(tickets: u32, pause_ms: u64) -> Result<Vec<u32>, Box<dyn Error>> {
    let (pile, lock, ready) = (Value::new(&tickets)?, Lock::new(), process::Queue::new());
    let opening = lock.lock()?; // as in `sell`: no window sells before all are in line
    let windows = (0..WINDOWS)
        .map(|_| {
            process::spawn(
                &WINDOW,
                &(pile.clone(), lock.clone(), ready.clone(), pause_ms),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    for _ in 0..WINDOWS {
        ready.get()?;
    }
    std::thread::sleep(Duration::from_millis(10)); // each asks for the lock
    drop(opening);
    Ok(windows
        .into_iter()
        .map(|window| window.join())
        .collect::<Result<_, _>>()?)
}

/// The scenario as processes: the slow sale, then a quick one of 2,000 tickets (each sale
/// is four messages to the lock's owner, so 20,000 would take seconds).
pub fn in_processes() -> Result<Outcome, Box<dyn Error>> {
    let slow = sell_in_processes(100, 1)?;
    let quick = sell_in_processes(QUICK_IN_PROCESSES, 0)?;
    let mut outcome = Outcome::new(format!(
        "slow {}; quick ({QUICK_IN_PROCESSES} tickets) {}",
        slash(&slow),
        slash(&quick)
    ));
    for (round, sold) in [("slow", &slow), ("quick", &quick)] {
        for (window, n) in sold.iter().enumerate() {
            outcome = outcome.figure(format!("{round}.window-{}", window + 1), *n as f64);
        }
    }
    Ok(outcome)
}
// ANCHOR_END: processes

/// The quick sale's size as processes.
const QUICK_IN_PROCESSES: u32 = 2_000;

// ANCHOR: main
/// Runs the scenario on the flavours named by `--flavor`, or as processes (every way by
/// default).
fn main() -> Result<(), Box<dyn Error>> {
    process::serve(&[&WINDOW]); // a window process sells here, then exits
    for way in Way::from_command_line()? {
        println!("{way:<12} {}", way.run(Tickets, in_processes)?);
    }
    Ok(())
}
// ANCHOR_END: main
