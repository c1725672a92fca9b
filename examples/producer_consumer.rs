//! # Producer and consumer: bakers and customers around one bounded shelf
//!
//! Mirrors the seeds' producer-consumer programs: a cook puts buns into a `queue.Queue` while
//! two customers take them out and eat slowly, then several cooks and customers share a
//! `Queue(maxsize=10)`. The seeds' loops run forever (and their notes mention ending consumers
//! with a sentinel); here the work is finite. One baker bakes 40 buns for two customers, then
//! three bakers bake 60 for four, onto a shelf that holds ten. Baking takes 2 ms and eating
//! 10 ms, so the bakers outrun the customers: the shelf fills and `put` waits for room. When
//! every baker is done the shelf is closed; the customers eat what is left, their next `get`
//! fails, and they go home.
//!
//! What to notice: all three flavours print the same line. On threads (OS threads blocked in
//! `put` and `get`), on tokio (tasks on a multi-thread runtime) and on tokio-local (tasks on
//! one thread) the shelf reaches its capacity of ten, every bun baked is eaten, and the buns
//! are shared evenly among the customers (20/20, then 15 each, in our runs), because they all
//! eat at the same pace and wait in line for the next bun. Closing the queue ends the
//! customers without a sentinel and without losing a bun. As processes (the seeds'
//! multiprocessing queue: every baker and customer a child process, the shelf a queue that
//! this process owns) the line is the same again.
//!
//! Run it with `cargo run --example producer_consumer -- --flavor threads|tokio|tokio-local|processes|all`;
//! the runner (`cargo run --release -- run producer_consumer`) runs this same file once per
//! flavour and once as processes, each in its own process, and measures it.

// ANCHOR: uses
use std::borrow::Cow;
use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use twinsync::process::{self, Entry};
use twinsync::queue::{Fifo, Queue};
use twinsync::report::{Outcome, Way};
use twinsync::{Flavor, Job, JoinHandle};
// ANCHOR_END: uses

/// The scenario's name, for the runner.
pub const NAME: &str = "producer_consumer";
/// What the scenario shows, in one line.
pub const ABOUT: &str = "1 baker, 2 customers, then 3 bakers and 4 customers, over a shelf of 10 that is closed at the end";
/// What to look for in its figures.
pub const NOTICE: &str = "the shelf fills to its capacity and the baker waits on every flavour; close() ends the customers without a sentinel and loses no bun";

/// How many buns the shelf holds.
const SHELF: usize = 10;

/// The scenario, as a [`Job`] so that one value runs on whichever flavour is chosen.
#[derive(Debug)]
pub struct ProducerConsumer;

impl Job for ProducerConsumer {
    type Output = Outcome;

    fn name(&self) -> Cow<'static, str> {
        NAME.into()
    }

    async fn run<F: Flavor>(self, f: F) -> Outcome {
        let one = bakery(&f, 1, 2, 40).await;
        let many = bakery(&f, 3, 4, 60).await;
        report(&one, &many)
    }
}

/// The scenario's line and figures, from its two bakeries, however they ran.
fn report(one: &Bakery, many: &Bakery) -> Outcome {
    let describe = |b: &Bakery| {
        let eaten: Vec<String> = b.eaten.iter().map(usize::to_string).collect();
        format!(
            "eaten {} of {} (per customer {}), shelf peaked at {}",
            b.eaten.iter().sum::<usize>(),
            b.baked,
            eaten.join("/"),
            b.peak
        )
    };
    Outcome::new(format!(
        "1 baker/2 customers: {}; 3 bakers/4 customers: {}",
        describe(one),
        describe(many)
    ))
    .figure("one.peak", one.peak as f64)
    .figure("many.peak", many.peak as f64)
}

/// What a bakery run found.
#[derive(Debug, Clone)]
pub struct Bakery {
    /// Buns baked.
    pub baked: usize,
    /// Buns each customer ate.
    pub eaten: Vec<usize>,
    /// The most buns on the shelf at once.
    pub peak: usize,
}

// ANCHOR: bakery
/// `bakers` bakers bake `buns` buns between them (one every 2 ms each) onto a shelf of ten;
/// `customers` customers take buns and eat each for 10 ms. When every baker is done, the shelf
/// is closed; customers finish what is left and stop.
pub async fn bakery<F: Flavor>(f: &F, bakers: usize, customers: usize, buns: usize) -> Bakery {
    let shelf = F::Queue::<usize, Fifo>::bounded(SHELF);
    let peak = Arc::new(AtomicUsize::new(0));
    let mut eaters = Vec::new();
    for c in 1..=customers {
        let (g, shelf) = (f.clone(), shelf.clone());
        eaters.push(f.spawn(format!("customer-{c}"), async move {
            let mut eaten = 0;
            while let Ok(_bun) = shelf.get().await {
                g.sleep(Duration::from_millis(10)).await; // eating
                eaten += 1;
            }
            eaten // the shelf is closed and empty: home
        }));
    }
    let mut ovens = Vec::new();
    for b in 0..bakers {
        let (g, shelf, peak) = (f.clone(), shelf.clone(), Arc::clone(&peak));
        let mine = (b..buns).step_by(bakers).count();
        ovens.push(f.spawn(format!("baker-{}", b + 1), async move {
            for bun in 0..mine {
                g.sleep(Duration::from_millis(2)).await; // baking
                shelf.put(bun).await.expect("the shelf closed early");
                peak.fetch_max(shelf.len(), Ordering::SeqCst);
            }
        }));
    }
    for oven in ovens {
        oven.join().await.expect("a baker panicked");
    }
    shelf.close(); // no more buns: customers drain the shelf, then `get` fails
    let mut eaten = Vec::new();
    for eater in eaters {
        eaten.push(eater.join().await.expect("a customer panicked"));
    }
    Bakery {
        baked: buns,
        eaten,
        peak: peak.load(Ordering::SeqCst),
    }
}
// ANCHOR_END: bakery

// ANCHOR: processes
/// A baker process: bakes `count` buns, one every 2 ms, onto the shelf; returns the most buns
/// it saw there.
fn bake((shelf, count): (process::Queue<usize>, usize)) -> usize {
    let mut peak = 0;
    for bun in 0..count {
        std::thread::sleep(Duration::from_millis(2)); // baking
        shelf.put(bun).expect("the shelf closed early");
        peak = peak.max(shelf.len());
    }
    peak
}
/// `bake`, as child processes find it.
pub static BAKE: Entry<(process::Queue<usize>, usize), usize> =
    Entry::new("producer_consumer.bake", bake);

/// A customer process: takes buns, eating each for 10 ms, until the shelf is closed and empty;
/// returns how many it ate.
fn eat(shelf: process::Queue<usize>) -> usize {
    let mut eaten = 0;
    while let Ok(_bun) = shelf.get() {
        std::thread::sleep(Duration::from_millis(10)); // eating
        eaten += 1;
    }
    eaten
}
/// `eat`, as child processes find it.
pub static EAT: Entry<process::Queue<usize>, usize> = Entry::new("producer_consumer.eat", eat);

/// [`bakery`] with a process for every baker and customer, around a shelf that the parent
/// owns and closes.
pub fn bakery_in_processes(
    bakers: usize,
    customers: usize,
    buns: usize,
) -> Result<Bakery, Box<dyn Error>> {
    let shelf = process::Queue::bounded(SHELF);
    let eaters = (0..customers)
        .map(|_| process::spawn(&EAT, &shelf))
        .collect::<Result<Vec<_>, _>>()?;
    let ovens = (0..bakers)
        .map(|b| process::spawn(&BAKE, &(shelf.clone(), (b..buns).step_by(bakers).count())))
        .collect::<Result<Vec<_>, _>>()?;
    let mut peak = 0;
    for oven in ovens {
        peak = peak.max(oven.join()?);
    }
    shelf.close(); // as with the units: customers drain the shelf, then `get` fails
    let eaten = eaters
        .into_iter()
        .map(|eater| eater.join())
        .collect::<Result<_, _>>()?;
    Ok(Bakery {
        baked: buns,
        eaten,
        peak,
    })
}

/// The scenario as processes: the same two bakeries, each baker and customer a process.
pub fn in_processes() -> Result<Outcome, Box<dyn Error>> {
    let one = bakery_in_processes(1, 2, 40)?;
    let many = bakery_in_processes(3, 4, 60)?;
    Ok(report(&one, &many))
}
// ANCHOR_END: processes

// ANCHOR: main
/// Runs the scenario on the flavours named by `--flavor` (all of them, and processes, by
/// default); `--flavor processes` runs only the processes.
fn main() -> Result<(), Box<dyn Error>> {
    process::serve(&[&BAKE, &EAT]); // a child process bakes or eats here, then exits
    for way in Way::from_command_line()? {
        println!("{way:<12} {}", way.run(ProducerConsumer, in_processes)?);
    }
    Ok(())
}
// ANCHOR_END: main
