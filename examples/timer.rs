//! # Timer: a job that runs later, unless it is cancelled first
//!
//! Mirrors the seeds' `threading.Timer(n, function)`: a timer that runs `function` on its own
//! thread once `n` seconds have passed, and whose `cancel()` stops it if the time has not come.
//! Here, on every flavour, one timer fires after 50 ms and reports how late it really was;
//! a second, set for a whole second, is cancelled 10 ms after it starts; and a repeating timer
//! (Python's idiom `while not finished.wait(period): job()`) ticks every 10 ms for 100 ms and is
//! then cancelled.
//!
//! What to notice: the answers are the same on every flavour, only the lateness differs. On
//! threads the timer is an OS thread that sleeps towards its deadline; it usually fires a
//! fraction of a millisecond late, the time the OS takes to wake a sleeping thread. On tokio
//! (tasks on a multi-thread runtime) and tokio-local (tasks on one thread) it is a task on a
//! tokio timer, which counts in whole milliseconds, so it usually fires about 1 ms late. On
//! every flavour the cancel prevents the job, and the cancelled timer's unit ends at once
//! instead of sleeping out its second: within a few tenths of a millisecond on threads (an OS
//! thread must be woken to end), too soon to show on tasks. The repeating timer runs fewer
//! than the 10 times that 100 ms / 10 ms suggests (usually 9, sometimes 8), because each pause
//! starts only when the last run has ended, and every wake-up is a little late.
//!
//! Run it with `cargo run --example timer -- --flavor threads|tokio|tokio-local|all`; the runner
//! (`cargo run --release -- run timer`) runs this same file once per flavour, each in its own
//! process, and measures it.

// ANCHOR: uses
use std::borrow::Cow;
use std::time::{Duration, Instant};

use twinsync::report::Outcome;
use twinsync::{Flavor, FlavorKind, Job, Timer};
// ANCHOR_END: uses

/// The scenario's name, for the runner.
pub const NAME: &str = "timer";
/// What the scenario shows, in one line.
pub const ABOUT: &str =
    "a timer that fires, one cancelled before its deadline, and a repeating one";
/// What to look for in its figures.
pub const NOTICE: &str = "fired_ms is the asked delay plus the wake-up: a little over on threads, about 1 ms over on tokio's millisecond timer; the cancelled unit ends at once";

/// How long the firing timer waits.
const FIRE_AFTER: Duration = Duration::from_millis(50);
/// The cancelled timer's delay, and how long after starting it the cancel comes.
const CANCELLED_DELAY: Duration = Duration::from_secs(1);
const CANCEL_AFTER: Duration = Duration::from_millis(10);
/// The repeating timer's period, and how long it is left running.
const PERIOD: Duration = Duration::from_millis(10);
const WATCH: Duration = Duration::from_millis(100);

/// The scenario, as a [`Job`] so that one value runs on whichever flavour is chosen.
#[derive(Debug)]
pub struct Timers;

impl Job for Timers {
    type Output = Outcome;

    fn name(&self) -> Cow<'static, str> {
        NAME.into()
    }

    async fn run<F: Flavor>(self, f: F) -> Outcome {
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
/// ends: the cancel stops the unit in the sleep towards its deadline, so it ends at once.
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

// ANCHOR: main
/// Runs the scenario on the flavours named by `--flavor` (all of them by default).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    for kind in FlavorKind::from_command_line()? {
        println!("{kind:<12} {}", kind.run(Timers)?);
    }
    Ok(())
}
// ANCHOR_END: main
