//! `producer_consumer`: the seeds' bakery. A baker puts buns on a shelf that holds ten; two
//! customers take them, eating slower than the baker bakes, so the shelf fills and the baker
//! waits. Then many bakers and many customers share the shelf. Both end cleanly: when the
//! bakers are done the shelf is closed, and the customers eat what is left and go home — no
//! sentinel value needed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::{Outcome, Scenario};
use crate::flavor::{Flavor, JoinHandle};
use crate::queue::{Fifo, Queue};

const SHELF: usize = 10;

/// The `producer_consumer` scenario.
#[derive(Debug)]
pub struct ProducerConsumer;

impl Scenario for ProducerConsumer {
    const NAME: &'static str = "producer_consumer";
    const ABOUT: &'static str = "1 baker, 2 customers, then 3 bakers and 4 customers, over a shelf of 10 that is closed at the end";
    const NOTICE: &'static str = "the shelf fills to its capacity and the baker waits on every flavour; close() ends the customers without a sentinel and loses no bun";

    async fn run<F: Flavor>(f: F) -> Outcome {
        let one = bakery(&f, 1, 2, 40).await;
        let many = bakery(&f, 3, 4, 60).await;
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
            describe(&one),
            describe(&many)
        ))
        .figure("one.peak", one.peak as f64)
        .figure("many.peak", many.peak as f64)
    }
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
