//! `tickets`: the seeds' ticket office. Several windows sell from one pile of tickets under one
//! lock; who gets the lock how often shows each twin's fairness.

use std::sync::Arc;
use std::time::Duration;

use super::{Outcome, Scenario};
use crate::flavor::{Flavor, JoinHandle};
use crate::mutex::Mutex;

const WINDOWS: usize = 4;

/// The `tickets` scenario: a slow sale (1 ms spent holding the lock per ticket, as the seeds'
/// `time.sleep` inside the lock) and a quick one (no pause at all).
#[derive(Debug)]
pub struct Tickets;

impl Scenario for Tickets {
    const NAME: &'static str = "tickets";
    const ABOUT: &'static str =
        "4 windows sell 100 tickets holding the lock 1 ms each, then 200000 with no pause";
    const NOTICE: &'static str = "slow sale: shared evenly everywhere (a waiter of 0.5 ms gets the lock handed over); quick sale: threads share, a coroutine that never waits keeps its thread and sells alone";

    async fn run<F: Flavor>(f: F) -> Outcome {
        let slow = sell(&f, WINDOWS, 100, Duration::from_millis(1)).await;
        let quick = sell(&f, WINDOWS, 200_000, Duration::ZERO).await;
        let mut outcome = Outcome::new(format!(
            "slow sale per window {} (sum {}); quick sale {} (sum {})",
            slash(&slow),
            slow.iter().sum::<u32>(),
            slash(&quick),
            quick.iter().sum::<u32>()
        ));
        for (round, sold) in [("slow", &slow), ("quick", &quick)] {
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
/// `windows` units sell `tickets` tickets from one pile. Each sale takes the lock, spends `pause`
/// holding it, and takes one ticket; the result is how many each window sold.
pub async fn sell<F: Flavor>(f: &F, windows: usize, tickets: u32, pause: Duration) -> Vec<u32> {
    let pile = Arc::new(F::Mutex::new(tickets));
    // The office opens only when every window is queuing: main holds the lock while it spawns
    // them, so an early starter cannot sell everything before the others exist.
    let opening = pile.lock().await;
    let mut handles = Vec::new();
    for w in 1..=windows {
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
