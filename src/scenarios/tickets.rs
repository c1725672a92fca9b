//! `tickets`: the seeds' ticket office. Several windows sell from one pile of tickets under one
//! lock; how the tickets are shared shows the lock's fairness [`Policy`], not the kind of unit.

use std::sync::Arc;
use std::time::Duration;

use super::{Outcome, Scenario};
use crate::flavor::{Flavor, JoinHandle};
use crate::mutex::Mutex;
use crate::policy::Policy;

const WINDOWS: usize = 4;

/// The `tickets` scenario: a slow sale (1 ms spent holding the lock per ticket, as the seeds'
/// `time.sleep` inside the lock) with the twin's own policy, then a quick one (no pause at all)
/// once with each policy.
#[derive(Debug)]
pub struct Tickets;

impl Scenario for Tickets {
    const NAME: &'static str = "tickets";
    const ABOUT: &'static str = "4 windows sell 100 tickets holding the lock 1 ms each, then 20000 with no pause, barging and FIFO";
    const NOTICE: &'static str = "slow sale: shared on every flavour; quick sale: barging lets a window that asks again at once keep the lock (all of it on coroutines, which never pause), FIFO shares it exactly";

    async fn run<F: Flavor>(f: F) -> Outcome {
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
