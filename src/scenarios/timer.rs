//! `timer`: Python's `threading.Timer`. One timer fires after its delay, one is cancelled long
//! before its deadline, and a repeating timer ticks until it is cancelled.

use std::time::{Duration, Instant};

use super::{Outcome, Scenario};
use crate::flavor::Flavor;
use crate::timer::Timer;

/// How long the firing timer waits.
const FIRE_AFTER: Duration = Duration::from_millis(50);
/// The cancelled timer's delay, and how long after starting it the cancel comes.
const CANCELLED_DELAY: Duration = Duration::from_secs(1);
const CANCEL_AFTER: Duration = Duration::from_millis(10);
/// The repeating timer's period, and how long it is left running.
const PERIOD: Duration = Duration::from_millis(10);
const WATCH: Duration = Duration::from_millis(100);

/// The `timer` scenario.
///
/// ```
/// use twinsync::FlavorKind;
/// use twinsync::scenarios::{run_on, timer::Timers};
///
/// let outcome = run_on::<Timers>(FlavorKind::Threads).unwrap();
/// assert!(outcome.summary.contains("cancelled: prevented=true"));
/// ```
#[derive(Debug)]
pub struct Timers;

impl Scenario for Timers {
    const NAME: &'static str = "timer";
    const ABOUT: &'static str =
        "a timer that fires, one cancelled before its deadline, and a repeating one";

    async fn run<F: Flavor>(f: F) -> Outcome {
        let fired_after = fire(&f, FIRE_AFTER).await;
        let cancelled = cancel_early(&f, CANCELLED_DELAY, CANCEL_AFTER).await;
        let runs = tick(&f, PERIOD, WATCH).await;
        Outcome::new(format!(
            "fired after {:.1} ms (asked {}); cancelled: prevented={}, unit ended {:.1} ms later; \
             every {} ms for {} ms: {runs} runs",
            ms(fired_after),
            FIRE_AFTER.as_millis(),
            cancelled.prevented,
            ms(cancelled.unit_ended_after),
            PERIOD.as_millis(),
            WATCH.as_millis(),
        ))
        .figure("asked_ms", ms(FIRE_AFTER))
        .figure("fired_ms", ms(fired_after))
        .figure("prevented", f64::from(u8::from(cancelled.prevented)))
        .figure("job_ran", f64::from(u8::from(cancelled.job_ran)))
        .figure("cancelled_unit_ended_ms", ms(cancelled.unit_ended_after))
        .figure("interval_runs", runs as f64)
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

// ANCHOR: fire
/// Starts a timer and returns how long after the start its job ran.
pub async fn fire<F: Flavor>(f: &F, delay: Duration) -> Duration {
    let start = Instant::now();
    let timer = Timer::after(f, delay, async move { start.elapsed() });
    let fired_after = timer.join().await.expect("the timer's job panicked");
    fired_after.expect("nobody cancelled this timer")
}
// ANCHOR_END: fire

/// What happened to the cancelled timer.
#[derive(Debug, Clone, Copy)]
pub struct Cancelled {
    /// What `cancel` returned: whether it prevented the run.
    pub prevented: bool,
    /// Whether the job ran anyway (it must not, if `prevented`).
    pub job_ran: bool,
    /// How long after the cancel the timer's unit had ended.
    pub unit_ended_after: Duration,
}

// ANCHOR: cancel_early
/// Starts a timer with a long delay, cancels it soon after, and measures how quickly its unit
/// ends: it waits on an event, so the cancel wakes it at once.
pub async fn cancel_early<F: Flavor>(f: &F, delay: Duration, cancel_after: Duration) -> Cancelled {
    let timer = Timer::after(f, delay, async {});
    f.sleep(cancel_after).await;
    let cancelled_at = Instant::now();
    let prevented = timer.cancel();
    let output = timer.join().await.expect("the timer's job panicked");
    Cancelled {
        prevented,
        job_ran: output.is_some(),
        unit_ended_after: cancelled_at.elapsed(),
    }
}
// ANCHOR_END: cancel_early

// ANCHOR: tick
/// Runs a job every `period` for about `watch`, then cancels it; returns how many runs there
/// were. The period is the pause between the end of one run and the start of the next.
pub async fn tick<F: Flavor>(f: &F, period: Duration, watch: Duration) -> u64 {
    let interval = Timer::every(f, period, || async {
        // The job: whatever needs doing every `period`.
    });
    f.sleep(watch).await;
    interval.cancel();
    interval.join().await.expect("the interval's job panicked")
}
// ANCHOR_END: tick
