//! # Queue orders: one list of errands, three orders out
//!
//! Mirrors the seeds' tour of the `queue` module: the same numbers put into a `queue.Queue`
//! come out first in, first out; into a `LifoQueue`, last in, first out; and into a
//! `PriorityQueue` of `(priority, name)` pairs, smallest number first. Here six errands, each
//! with a priority, go into a FIFO, a LIFO and a priority queue on every flavour; the queue is
//! then closed and drained. Two pairs of errands share a priority, and the errands compare by
//! priority alone, so the run also shows what the priority queue does with a tie.
//!
//! What to notice: the three orders are the queue discipline's, and the same on every flavour.
//! On threads, tokio (tasks on a multi-thread runtime) and tokio-local (tasks on one thread)
//! alike, the FIFO gives the errands back as they were put, the LIFO reverses them, and the
//! priority queue gives `school` first and `library` last, with equal priorities in the order
//! they arrived (`pharmacy` before `bakery`, `post` before `bank`): it is stable. Python's
//! `PriorityQueue` is a bare heap that keeps no arrival order; with `(priority, name)` pairs it
//! settles a tie by the name. Nothing here waits, so no unit is spawned.
//!
//! Run it with `cargo run --example queue_orders -- --flavor threads|tokio|tokio-local|all`; the
//! runner (`cargo run --release -- run queue_orders`) runs this same file once per flavour, each
//! in its own process, and measures it.

// ANCHOR: uses
use std::borrow::Cow;

use twinsync::queue::{Discipline, Fifo, Lifo, Priority, Queue};
use twinsync::report::Outcome;
use twinsync::{Flavor, FlavorKind, Job};
// ANCHOR_END: uses

/// The scenario's name, for the runner.
pub const NAME: &str = "queue_orders";
/// What the scenario shows, in one line.
pub const ABOUT: &str = "6 errands through a FIFO, a LIFO and a priority queue";
/// What to look for in its figures.
pub const NOTICE: &str = "the order is the discipline's, not the flavour's; equal priorities keep their arrival order (stable)";

/// The errands, as (priority, name): smaller is more urgent. Two pairs share a priority.
const ERRANDS: [(u8, &str); 6] = [
    (2, "post"),
    (1, "pharmacy"),
    (3, "library"),
    (1, "bakery"),
    (2, "bank"),
    (0, "school"),
];

/// The scenario, as a [`Job`] so that one value runs on whichever flavour is chosen.
#[derive(Debug)]
pub struct QueueOrders;

impl Job for QueueOrders {
    type Output = Outcome;

    fn name(&self) -> Cow<'static, str> {
        NAME.into()
    }

    async fn run<F: Flavor>(self, _f: F) -> Outcome {
        let fifo = drain_order::<F, Fifo>().await;
        let lifo = drain_order::<F, Lifo>().await;
        let priority = drain_order::<F, Priority>().await;
        Outcome::new(format!(
            "FIFO: {}; LIFO: {}; priority: {}",
            fifo.join(" "),
            lifo.join(" "),
            priority.join(" ")
        ))
    }
}

// ANCHOR: errand
/// An errand, ordered by urgency alone: two errands of the same priority compare equal, so only
/// a stable priority queue keeps them in the order they were put.
#[derive(Debug, Clone)]
pub struct Errand {
    /// Smaller is more urgent.
    pub priority: u8,
    /// What to do.
    pub name: String,
}

impl PartialEq for Errand {
    fn eq(&self, other: &Self) -> bool {
        self.priority == other.priority
    }
}

impl Eq for Errand {}

impl PartialOrd for Errand {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Errand {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.priority.cmp(&other.priority)
    }
}
// ANCHOR_END: errand

// ANCHOR: drain_order
/// Puts every errand into a queue of discipline `D`, then takes them all out; returns the names
/// in the order they came out.
pub async fn drain_order<F: Flavor, D: Discipline<Errand>>() -> Vec<String> {
    let errands = F::Queue::<Errand, D>::new();
    for (priority, name) in ERRANDS {
        let errand = Errand {
            priority,
            name: name.to_owned(),
        };
        errands.put(errand).await.expect("the queue is open");
    }
    errands.close(); // nothing more will come: `get` fails once it is empty
    let mut order = Vec::new();
    while let Ok(errand) = errands.get().await {
        order.push(errand.name);
    }
    order
}
// ANCHOR_END: drain_order

// ANCHOR: main
/// Runs the scenario on the flavours named by `--flavor` (all of them by default).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    for kind in FlavorKind::from_command_line()? {
        println!("{kind:<12} {}", kind.run(QueueOrders)?);
    }
    Ok(())
}
// ANCHOR_END: main
