//! The `Timer` contract, proven once for every flavour: it fires after about its delay, a cancel
//! before the deadline prevents the run and wakes its unit at once, a cancel afterwards says it
//! came too late, and the repeating form keeps a fixed delay between runs until cancelled.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use common::{assert_waited_about, timed};
use twinsync::timer::Timer;
use twinsync::{Event, Flavor, UnitOptions};

flavor_tests! {
    in_run: [
        fires_after_about_the_delay,
        cancel_before_the_deadline_prevents_the_run,
        cancel_wakes_the_timer_unit_at_once,
        cancel_after_the_job_started_is_too_late,
        cancel_after_the_job_finished_is_too_late,
        a_second_cancel_reports_false,
        cancel_racing_the_deadline_is_exact,
        a_panicking_job_is_reported_by_join,
        the_timer_unit_has_its_name,
        is_finished_turns_true,
        every_runs_repeatedly_until_cancelled,
        every_keeps_a_fixed_delay_after_a_slow_run,
        every_cancelled_during_a_run_finishes_that_run_only,
        every_cancelled_before_its_first_run_never_runs,
        a_panicking_interval_job_is_reported_by_join,
    ],
    plain: [run_waits_for_a_pending_timer, run_abandons_a_daemon_timer],
}

const DELAY: Duration = Duration::from_millis(50);

async fn fires_after_about_the_delay<F: Flavor>(f: F) {
    let start = Instant::now();
    let timer = Timer::after(&f, DELAY, async move { start.elapsed() });
    let fired_after = timer.join().await.unwrap().expect("the timer did not fire");
    assert_waited_about(fired_after, DELAY);
}

async fn cancel_before_the_deadline_prevents_the_run<F: Flavor>(f: F) {
    let ran = Arc::new(AtomicBool::new(false));
    let timer = {
        let ran = Arc::clone(&ran);
        Timer::after(&f, DELAY, async move { ran.store(true, Ordering::SeqCst) })
    };
    assert!(
        timer.cancel(),
        "a cancel before the deadline must prevent the run"
    );
    f.sleep(DELAY * 3).await; // well past the deadline
    assert!(
        !ran.load(Ordering::SeqCst),
        "the job ran after a successful cancel"
    );
    assert_eq!(timer.join().await.unwrap(), None);
    assert!(!ran.load(Ordering::SeqCst));
}

/// The timer's unit waits on an event, not a plain sleep: a cancel ends it at once.
async fn cancel_wakes_the_timer_unit_at_once<F: Flavor>(f: F) {
    let timer = Timer::after(&f, Duration::from_secs(10), async {});
    f.sleep(Duration::from_millis(10)).await; // let its unit start waiting
    assert!(timer.cancel());
    let (output, waited) = timed(timer.join()).await;
    assert_eq!(output.unwrap(), None);
    assert!(waited < Duration::from_secs(5), "join waited {waited:?}");
}

async fn cancel_after_the_job_started_is_too_late<F: Flavor>(f: F) {
    let started = Arc::new(F::Event::new());
    let release = Arc::new(F::Event::new());
    let timer = {
        let (started, release) = (Arc::clone(&started), Arc::clone(&release));
        Timer::after(&f, Duration::from_millis(5), async move {
            started.set();
            release.wait().await;
            7
        })
    };
    started.wait().await;
    let prevented = timer.cancel();
    release.set(); // before asserting: a failed test must not leave the job waiting
    assert!(!prevented, "a running job cannot be prevented");
    assert_eq!(timer.join().await.unwrap(), Some(7));
}

async fn cancel_after_the_job_finished_is_too_late<F: Flavor>(f: F) {
    let timer = Timer::after(&f, Duration::from_millis(5), async { 1 });
    wait_for(&f, || timer.is_finished()).await;
    assert!(!timer.cancel());
    assert_eq!(timer.join().await.unwrap(), Some(1));
}

async fn a_second_cancel_reports_false<F: Flavor>(f: F) {
    let timer = Timer::after(&f, DELAY, async {});
    assert!(timer.cancel());
    assert!(!timer.cancel());
    assert_eq!(timer.join().await.unwrap(), None);
}

/// Cancels land just before, at and just after the deadline; whatever `cancel` says must be
/// exactly what happened to the job.
async fn cancel_racing_the_deadline_is_exact<F: Flavor>(f: F) {
    let (mut prevented, mut too_late) = (0, 0);
    for round in 0..200u32 {
        let ran = Arc::new(AtomicBool::new(false));
        let timer = {
            let ran = Arc::clone(&ran);
            Timer::after(&f, Duration::from_micros(500), async move {
                ran.store(true, Ordering::SeqCst);
            })
        };
        // Spread the cancels from well before to well after the deadline.
        f.sleep(Duration::from_micros(u64::from(round % 15) * 100))
            .await;
        let cancelled = timer.cancel();
        let output = timer.join().await.unwrap();
        assert_eq!(cancelled, output.is_none(), "round {round}");
        assert_eq!(cancelled, !ran.load(Ordering::SeqCst), "round {round}");
        if cancelled {
            prevented += 1;
        } else {
            too_late += 1;
        }
    }
    assert!(prevented > 0, "no cancel ever came in time");
    assert!(too_late > 0, "no cancel ever came too late");
}

async fn a_panicking_job_is_reported_by_join<F: Flavor>(f: F) {
    let timer = Timer::after(&f, Duration::from_millis(1), async {
        if true {
            panic!("fuse {} blown", 3);
        }
    });
    let err = timer.join().await.unwrap_err();
    assert_eq!(err.panic_message(), Some("fuse 3 blown"));
    assert_eq!(err.unit().name(), "timer");
}

async fn the_timer_unit_has_its_name<F: Flavor>(f: F) {
    let plain = Timer::after(&f, Duration::ZERO, async {
        twinsync::current().name().to_owned()
    });
    assert_eq!(plain.unit().name(), "timer");
    assert_eq!(plain.join().await.unwrap().unwrap(), "timer");
    let named = Timer::try_after_with(&f, UnitOptions::new("alarm"), Duration::ZERO, async {
        twinsync::current().name().to_owned()
    })
    .unwrap();
    assert_eq!(named.join().await.unwrap().unwrap(), "alarm");
    let interval = Timer::every(&f, Duration::from_secs(60), || async {});
    interval.cancel();
    assert_eq!(interval.unit().name(), "interval");
    assert_eq!(interval.join().await.unwrap(), 0);
}

async fn is_finished_turns_true<F: Flavor>(f: F) {
    let timer = Timer::after(&f, Duration::from_millis(20), async {});
    assert!(!timer.is_finished());
    wait_for(&f, || timer.is_finished()).await;
    assert!(timer.is_finished(), "never finished");
    assert_eq!(timer.join().await.unwrap(), Some(()));
}

/// Polls `done` until it holds or ten seconds pass. Tests that must cancel an interval wait
/// with this and assert only after cancelling, so that a failure fails instead of leaving a
/// live interval for `run` to wait on forever.
async fn wait_for<F: Flavor>(f: &F, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() && start.elapsed() < Duration::from_secs(10) {
        f.sleep(Duration::from_millis(1)).await;
    }
}

/// A counter of runs, and the job that bumps it.
fn counting_job(runs: &Arc<AtomicU64>) -> impl FnMut() -> std::future::Ready<()> + Send + 'static {
    let runs = Arc::clone(runs);
    move || {
        runs.fetch_add(1, Ordering::SeqCst);
        std::future::ready(())
    }
}

async fn every_runs_repeatedly_until_cancelled<F: Flavor>(f: F) {
    const PERIOD: Duration = Duration::from_millis(5);
    let runs = Arc::new(AtomicU64::new(0));
    let interval = Timer::every(&f, PERIOD, counting_job(&runs));
    wait_for(&f, || runs.load(Ordering::SeqCst) >= 5).await;
    interval.cancel();
    let counted = interval.join().await.unwrap();
    assert!(counted >= 5, "too few runs: {counted}");
    assert_eq!(counted, runs.load(Ordering::SeqCst));
    f.sleep(PERIOD * 4).await;
    assert_eq!(
        runs.load(Ordering::SeqCst),
        counted,
        "ran after it was cancelled"
    );
}

/// The period is the pause between the end of one run and the start of the next: a run longer
/// than the period is followed neither by catch-up runs (a fixed rate with bursts would start
/// the next at once) nor by a wait for the next multiple of the period (a fixed rate that skips
/// missed ticks would pause half a period after a run of two and a half).
async fn every_keeps_a_fixed_delay_after_a_slow_run<F: Flavor>(f: F) {
    const PERIOD: Duration = Duration::from_millis(20);
    // (start, end) of every run.
    let spans = Arc::new(StdMutex::new(Vec::<(Instant, Instant)>::new()));
    let interval = {
        let (g, spans) = (f.clone(), Arc::clone(&spans));
        Timer::every(&f, PERIOD, move || {
            let (g, spans) = (g.clone(), Arc::clone(&spans));
            async move {
                let start = Instant::now();
                g.sleep(PERIOD * 5 / 2).await; // two and a half periods' worth of work
                spans.lock().unwrap().push((start, Instant::now()));
            }
        })
    };
    wait_for(&f, || spans.lock().unwrap().len() >= 3).await;
    interval.cancel();
    let runs = interval.join().await.unwrap();
    let spans = spans.lock().unwrap();
    assert!(spans.len() >= 3, "too few runs: {}", spans.len());
    assert_eq!(runs, spans.len() as u64);
    for pair in spans.windows(2) {
        let ((_, end), (next_start, _)) = (pair[0], pair[1]);
        let pause = next_start - end;
        assert_waited_about(pause, PERIOD);
    }
}

async fn every_cancelled_during_a_run_finishes_that_run_only<F: Flavor>(f: F) {
    let started = Arc::new(F::Event::new());
    let release = Arc::new(F::Event::new());
    let runs = Arc::new(AtomicU64::new(0));
    let interval = {
        let (started, release, runs) = (started.clone(), release.clone(), runs.clone());
        Timer::every(&f, Duration::from_millis(1), move || {
            let (started, release, runs) = (started.clone(), release.clone(), runs.clone());
            async move {
                started.set();
                release.wait().await;
                runs.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    started.wait().await;
    let prevented = interval.cancel();
    release.set(); // from now on every run would go straight through
    assert!(!prevented, "the running run cannot be prevented");
    assert_eq!(interval.join().await.unwrap(), 1);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

async fn every_cancelled_before_its_first_run_never_runs<F: Flavor>(f: F) {
    let runs = Arc::new(AtomicU64::new(0));
    let interval = Timer::every(&f, DELAY, counting_job(&runs));
    assert!(interval.cancel());
    assert_eq!(interval.join().await.unwrap(), 0);
    assert_eq!(runs.load(Ordering::SeqCst), 0);
}

async fn a_panicking_interval_job_is_reported_by_join<F: Flavor>(f: F) {
    let runs = Arc::new(AtomicU64::new(0));
    let interval = {
        let runs = Arc::clone(&runs);
        Timer::every(&f, Duration::from_millis(1), move || {
            let run = runs.fetch_add(1, Ordering::SeqCst) + 1;
            async move { assert!(run < 3, "run {run} failed") }
        })
    };
    let err = interval.join().await.unwrap_err();
    assert_eq!(err.panic_message(), Some("run 3 failed"));
    assert_eq!(runs.load(Ordering::SeqCst), 3, "ran on after the panic");
}

/// Like Python's `Timer`, a pending timer is not a daemon: `run` waits for it to fire.
fn run_waits_for_a_pending_timer<F: Flavor>(f: F) {
    let fired = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let flag = Arc::clone(&fired);
    f.run(|f| async move {
        let timer = Timer::after(&f, DELAY, async move { flag.store(true, Ordering::SeqCst) });
        drop(timer); // detached, not cancelled
    })
    .unwrap();
    assert!(
        fired.load(Ordering::SeqCst),
        "run returned before the timer fired"
    );
    assert_waited_about(start.elapsed(), DELAY);
}

fn run_abandons_a_daemon_timer<F: Flavor>(f: F) {
    let start = Instant::now();
    f.run(|f| async move {
        let options = UnitOptions::new("daemon-timer").daemon(true);
        let timer = Timer::try_after_with(&f, options, Duration::from_secs(30), async {});
        drop(timer.unwrap());
    })
    .unwrap();
    assert!(start.elapsed() < Duration::from_secs(10));
}
