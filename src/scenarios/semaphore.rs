//! `semaphore`: the seeds' "at most n units use a resource at once". Ten units share three
//! permits; each holds one for a while. The peak number of units inside is measured, never
//! assumed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::{Outcome, Scenario};
use crate::flavor::{Flavor, JoinHandle};
use crate::semaphore::Semaphore;

const UNITS: usize = 10;
const PERMITS: u32 = 3;

/// The `semaphore` scenario.
#[derive(Debug)]
pub struct SemaphoreScenario;

impl Scenario for SemaphoreScenario {
    const NAME: &'static str = "semaphore";
    const ABOUT: &'static str = "10 units share 3 permits, holding one 20 ms each; a bounded semaphore refuses an extra release";
    const NOTICE: &'static str = "peak inside equals the permits on every flavour; the bounded semaphore refuses the extra release";

    async fn run<F: Flavor>(f: F) -> Outcome {
        let peak = at_most_n(&f, UNITS, PERMITS, Duration::from_millis(20)).await;
        let refused = over_release::<F>();
        Outcome::new(format!(
            "peak inside: {peak} of {PERMITS} permits ({UNITS} units); extra release on a bounded semaphore: {}",
            match refused {
                Some(err) => format!("refused ({err})"),
                None => "accepted (a bug)".to_owned(),
            }
        ))
        .figure("peak", peak as f64)
        .figure("permits", f64::from(PERMITS))
        .figure("over_release_refused", f64::from(u8::from(refused.is_some())))
    }
}

// ANCHOR: at_most_n
/// `units` units each take a permit from a semaphore of `permits`, stay inside for `hold`, and
/// leave. Returns the most units that were ever inside at once.
pub async fn at_most_n<F: Flavor>(f: &F, units: usize, permits: u32, hold: Duration) -> usize {
    let gate = Arc::new(F::Semaphore::new(permits));
    let inside = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for i in 0..units {
        let (g, gate) = (f.clone(), Arc::clone(&gate));
        let (inside, peak) = (Arc::clone(&inside), Arc::clone(&peak));
        handles.push(f.spawn(format!("user-{i}"), async move {
            let _permit = gate.acquire().await; // given back when dropped
            let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            g.sleep(hold).await; // using the resource
            inside.fetch_sub(1, Ordering::SeqCst);
        }));
    }
    for handle in handles {
        handle.join().await.expect("a user panicked");
    }
    peak.load(Ordering::SeqCst)
}
// ANCHOR_END: at_most_n

// ANCHOR: over_release
/// Python's `BoundedSemaphore` catches a release without a matching acquire; so does ours, with
/// an error instead of silently growing.
pub fn over_release<F: Flavor>() -> Option<crate::semaphore::Overflow> {
    let pool = F::Semaphore::bounded(2);
    pool.release(1).err()
}
// ANCHOR_END: over_release
