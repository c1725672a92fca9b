//! # Semaphore: at most n units use a resource at once
//!
//! Mirrors the seeds' `threading.Semaphore(n)`: a resource that no more than n threads may use
//! at the same time, each taking a permit on the way in and giving it back on the way out; and
//! `BoundedSemaphore`, which treats a release without a matching acquire as a bug. Here ten
//! units share three permits and hold one for 20 ms each; the most units ever inside together is
//! measured, not assumed. Then a bounded semaphore is asked to take back a permit it never gave.
//!
//! What to notice: the peak is exactly 3 on every flavour, whether the ten units are OS threads,
//! tasks spread over tokio's worker threads, or tasks taking turns on one thread: the semaphore
//! alone decides how many get in. The permit is given back when it is dropped, so no unit can
//! forget to release it. The extra release on the bounded semaphore is refused with an
//! [`Overflow`] error on every flavour, where a plain one would silently grow to 3 permits.
//!
//! Run it with `cargo run --example semaphore -- --flavor threads|tokio|tokio-local|all`; the
//! runner (`cargo run --release -- run semaphore`) runs this same file once per flavour, each in
//! its own process, and measures it.

// ANCHOR: uses
use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use twinsync::report::Outcome;
use twinsync::semaphore::Overflow;
use twinsync::{Flavor, FlavorKind, Job, JoinHandle, Semaphore};
// ANCHOR_END: uses

/// The scenario's name, for the runner.
pub const NAME: &str = "semaphore";
/// What the scenario shows, in one line.
pub const ABOUT: &str = "10 units share 3 permits, holding one 20 ms each; a bounded semaphore refuses an extra release";
/// What to look for in its figures.
pub const NOTICE: &str = "peak inside equals the permits on every flavour; the bounded semaphore refuses the extra release";

const UNITS: usize = 10;
const PERMITS: u32 = 3;

/// The scenario, as a [`Job`] so that one value runs on whichever flavour is chosen.
#[derive(Debug)]
pub struct SemaphoreScenario;

impl Job for SemaphoreScenario {
    type Output = Outcome;

    fn name(&self) -> Cow<'static, str> {
        NAME.into()
    }

    async fn run<F: Flavor>(self, f: F) -> Outcome {
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
pub fn over_release<F: Flavor>() -> Option<Overflow> {
    let pool = F::Semaphore::bounded(2);
    pool.release(1).err()
}
// ANCHOR_END: over_release

// ANCHOR: main
/// Runs the scenario on the flavours named by `--flavor` (all of them by default).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    for kind in FlavorKind::from_command_line()? {
        println!("{kind:<12} {}", kind.run(SemaphoreScenario)?);
    }
    Ok(())
}
// ANCHOR_END: main
