//! `queue_orders`: the same errands put into a FIFO, a LIFO and a priority queue come out in
//! three different orders. Equal priorities leave the priority queue in the order they came in.

use super::{Outcome, Scenario};
use crate::flavor::Flavor;
use crate::queue::{Discipline, Fifo, Lifo, Priority, Queue};

/// The errands, as (priority, name): smaller is more urgent. Two pairs share a priority.
const ERRANDS: [(u8, &str); 6] = [
    (2, "post"),
    (1, "pharmacy"),
    (3, "library"),
    (1, "bakery"),
    (2, "bank"),
    (0, "school"),
];

/// The `queue_orders` scenario.
#[derive(Debug)]
pub struct QueueOrders;

impl Scenario for QueueOrders {
    const NAME: &'static str = "queue_orders";
    const ABOUT: &'static str = "6 errands through a FIFO, a LIFO and a priority queue";
    const NOTICE: &'static str = "the order is the discipline's, not the flavour's; equal priorities keep their arrival order (stable)";

    async fn run<F: Flavor>(_f: F) -> Outcome {
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
