//! `Timer`: Python's `threading.Timer`, a job that runs on its own unit after a delay unless it
//! is cancelled first, plus a repeating form.
//!
//! [`Timer`] is written once, generic over the flavour: its unit is an OS thread in
//! [`Threads`](crate::Threads) and a tokio task in the tokio flavours. It sleeps towards its
//! deadline, and [`cancel`](Timer::cancel) stops it there by cancelling the unit
//! ([`JoinHandle::cancel`]), the same path every unit is cancelled by: the unit ends at once
//! instead of sleeping out the delay.
//!
//! # Cancelling is exact
//!
//! Whether a job runs is decided by one atomic switch that both sides flip: the timer's unit
//! (from *waiting* to *running*, when the deadline passes) and [`cancel`](Timer::cancel) (from
//! *waiting* to *cancelled*). Exactly one of them wins, so `cancel` returning `true` means the
//! job never started and never will, and `false` means it had already started (or the timer was
//! cancelled before), even when the two race at the deadline.
//!
//! # Timers keep `run` alive
//!
//! Like Python's `Timer` (a non-daemon thread), a timer's unit is not a daemon: [`Flavor::run`]
//! waits for a pending one-shot timer to fire, and for a repeating timer until it is cancelled.
//! To have a timer abandoned instead, start it as a daemon with [`Timer::try_after_with`] or
//! [`Timer::try_every_with`] and [`UnitOptions::daemon`].
//!
//! # Repeating timers
//!
//! [`Timer::every`] runs a job again and again, waiting `period` between the **end** of one run
//! and the start of the next (a fixed delay, like Python's idiom
//! `while not finished.wait(period): job()`). Runs never overlap, and a slow run never causes a
//! burst of catch-up runs; in exchange the schedule drifts by the time each run takes. It runs
//! until cancelled, and joining it returns how many runs there were.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering::SeqCst};
use std::time::Duration;

use crate::error::{JoinError, SpawnError};
use crate::flavor::{Flavor, JoinHandle, UnitOptions};
use crate::unit::Unit;

/// A job scheduled on its own unit: Python's `threading.Timer`. See the [module docs](self).
///
/// `O` is what [`join`](Timer::join) returns: `Option<T>` for a one-shot timer made by
/// [`after`](Timer::after) (`None` when it was cancelled), `u64` (the number of runs) for a
/// repeating one made by [`every`](Timer::every).
///
/// Dropping a `Timer` detaches it: the job still runs, but can no longer be cancelled.
///
/// ```
/// use std::time::Duration;
/// use twinsync::timer::Timer;
/// use twinsync::{Flavor, Threads};
///
/// async fn alarms<F: Flavor>(f: F) -> (Option<String>, bool, Option<String>) {
///     let soon = Timer::after(&f, Duration::from_millis(10), async { "ring".to_owned() });
///     let late = Timer::after(&f, Duration::from_secs(60), async { "too late".to_owned() });
///     let prevented = late.cancel(); // wakes its unit at once
///     (soon.join().await.unwrap(), prevented, late.join().await.unwrap())
/// }
///
/// let expected = (Some("ring".to_owned()), true, None);
/// assert_eq!(Threads::new().run(alarms).unwrap(), expected);
/// # #[cfg(feature = "tokio")]
/// assert_eq!(twinsync::Tokio::new().run(alarms).unwrap(), expected);
/// ```
#[must_use = "dropping a Timer detaches it: it can no longer be cancelled or joined"]
pub struct Timer<F: Flavor, O: Send + 'static> {
    switch: Arc<Switch>,
    unit: F::JoinHandle<O>,
    /// What `join` returns for a timer whose unit was cancelled while it waited.
    when_cancelled: fn(&Switch) -> O,
}

impl<F: Flavor, T: Send + 'static> Timer<F, Option<T>> {
    /// Starts a unit named `"timer"` that waits `delay` and then runs `job`, unless
    /// [`cancel`](Timer::cancel) comes first (Python's `Timer(delay, job).start()`).
    ///
    /// # Panics
    ///
    /// If the unit cannot be started, like [`Flavor::spawn`]; see
    /// [`try_after_with`](Timer::try_after_with).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use twinsync::timer::Timer;
    /// use twinsync::{Flavor, Threads};
    ///
    /// async fn wait_for_it<F: Flavor>(f: F) -> Duration {
    ///     let start = Instant::now();
    ///     let timer = Timer::after(&f, Duration::from_millis(20), async move { start.elapsed() });
    ///     timer.join().await.unwrap().unwrap()
    /// }
    ///
    /// assert!(Threads::new().run(wait_for_it).unwrap() >= Duration::from_millis(20));
    /// ```
    pub fn after<Job>(f: &F, delay: Duration, job: Job) -> Self
    where
        Job: Future<Output = T> + Send + 'static,
    {
        Self::try_after_with(f, UnitOptions::new("timer"), delay, job)
            .unwrap_or_else(|err| panic!("twinsync: failed to start a timer: {err}"))
    }

    /// [`after`](Timer::after) with the unit's name and daemon flag given by `options`, or the
    /// reason the unit could not start.
    ///
    /// ```
    /// use std::time::Duration;
    /// use twinsync::timer::Timer;
    /// use twinsync::{Flavor, Threads, UnitOptions};
    ///
    /// async fn named<F: Flavor>(f: F) -> String {
    ///     let options = UnitOptions::new("reminder");
    ///     let timer = Timer::try_after_with(&f, options, Duration::ZERO, async {
    ///         twinsync::current().name().to_owned()
    ///     });
    ///     timer.unwrap().join().await.unwrap().unwrap()
    /// }
    ///
    /// assert_eq!(Threads::new().run(named).unwrap(), "reminder");
    /// ```
    pub fn try_after_with<Job>(
        f: &F,
        options: UnitOptions,
        delay: Duration,
        job: Job,
    ) -> Result<Self, SpawnError>
    where
        Job: Future<Output = T> + Send + 'static,
    {
        let g = f.clone();
        let body = |switch: Arc<Switch>| async move {
            g.sleep(delay).await;
            if switch.claim_run() {
                Some(job.await)
            } else {
                None
            }
        };
        Self::start(f, options, body, |_| None)
    }
}

impl<F: Flavor> Timer<F, u64> {
    /// Starts a unit named `"interval"` that runs `job` every `period` until cancelled:
    /// `period` is the pause between the end of one run and the start of the next (see the
    /// [module docs](self#repeating-timers)). [`join`](Timer::join) returns the number of runs.
    ///
    /// The unit is not a daemon: cancel it, or [`Flavor::run`] never returns.
    ///
    /// # Panics
    ///
    /// If the unit cannot be started, like [`Flavor::spawn`]; see
    /// [`try_every_with`](Timer::try_every_with).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// use std::time::Duration;
    /// use twinsync::timer::Timer;
    /// use twinsync::{Flavor, Threads};
    ///
    /// async fn heartbeat<F: Flavor>(f: F) -> bool {
    ///     let beats = Arc::new(AtomicU64::new(0));
    ///     let counter = Arc::clone(&beats);
    ///     let interval = Timer::every(&f, Duration::from_millis(2), move || {
    ///         let counter = Arc::clone(&counter);
    ///         async move { counter.fetch_add(1, Ordering::SeqCst); }
    ///     });
    ///     while beats.load(Ordering::SeqCst) < 3 {
    ///         f.sleep(Duration::from_millis(1)).await;
    ///     }
    ///     interval.cancel();
    ///     let runs = interval.join().await.unwrap();
    ///     runs == beats.load(Ordering::SeqCst)
    /// }
    ///
    /// assert!(Threads::new().run(heartbeat).unwrap());
    /// ```
    pub fn every<Job, Fut>(f: &F, period: Duration, job: Job) -> Self
    where
        Job: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Self::try_every_with(f, UnitOptions::new("interval"), period, job)
            .unwrap_or_else(|err| panic!("twinsync: failed to start an interval timer: {err}"))
    }

    /// [`every`](Timer::every) with the unit's name and daemon flag given by `options`, or the
    /// reason the unit could not start. A daemon interval needs no cancel: `run` abandons it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use twinsync::timer::Timer;
    /// use twinsync::{Flavor, Threads, UnitOptions};
    ///
    /// Threads::new()
    ///     .run(|f| async move {
    ///         let options = UnitOptions::new("ticker").daemon(true);
    ///         let ticker = Timer::try_every_with(&f, options, Duration::from_millis(5), || async {});
    ///         drop(ticker.unwrap()); // never cancelled; `run` returns anyway
    ///     })
    ///     .unwrap();
    /// ```
    pub fn try_every_with<Job, Fut>(
        f: &F,
        options: UnitOptions,
        period: Duration,
        mut job: Job,
    ) -> Result<Self, SpawnError>
    where
        Job: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let g = f.clone();
        let body = |switch: Arc<Switch>| async move {
            loop {
                g.sleep(period).await;
                if !switch.claim_run() {
                    break;
                }
                job().await;
                switch.runs.fetch_add(1, SeqCst);
                if !switch.finish_run() {
                    break;
                }
            }
            switch.runs()
        };
        Self::start(f, options, body, Switch::runs)
    }
}

impl<F: Flavor, O: Send + 'static> Timer<F, O> {
    /// Spawns the timer's unit, running `body` with the shared switch.
    fn start<Body, Fut>(
        f: &F,
        options: UnitOptions,
        body: Body,
        when_cancelled: fn(&Switch) -> O,
    ) -> Result<Self, SpawnError>
    where
        Body: FnOnce(Arc<Switch>) -> Fut,
        Fut: Future<Output = O> + Send + 'static,
    {
        let switch = Arc::new(Switch {
            state: AtomicU8::new(WAITING),
            runs: AtomicU64::new(0),
        });
        let unit = f.try_spawn_with(options, body(Arc::clone(&switch)))?;
        Ok(Timer {
            switch,
            unit,
            when_cancelled,
        })
    }

    /// Stops the timer; returns whether this prevented a run (Python's `Timer.cancel()`, which
    /// does not tell).
    ///
    /// - A one-shot timer still waiting: the job will never run, its unit ends at once, `true`.
    /// - A job already running or finished, or a timer already cancelled: `false`.
    /// - A repeating timer between runs: no further run, `true`; in the middle of a run: that
    ///   run completes, no further run starts, `false`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use twinsync::timer::Timer;
    /// use twinsync::{Flavor, Threads};
    ///
    /// async fn change_of_plan<F: Flavor>(f: F) -> (bool, bool) {
    ///     let timer = Timer::after(&f, Duration::from_secs(3600), async { "launch" });
    ///     (timer.cancel(), timer.cancel())
    /// }
    ///
    /// assert_eq!(Threads::new().run(change_of_plan).unwrap(), (true, false));
    /// ```
    pub fn cancel(&self) -> bool {
        let mut state = self.switch.state.load(SeqCst);
        loop {
            if state == CANCELLED {
                return false;
            }
            match self
                .switch
                .state
                .compare_exchange(state, CANCELLED, SeqCst, SeqCst)
            {
                Ok(previous) => {
                    if previous == WAITING {
                        // It sleeps towards its deadline: stop it there.
                        self.unit.cancel();
                    }
                    return previous == WAITING;
                }
                Err(now) => state = now,
            }
        }
    }

    /// Waits for the timer's unit to end and returns its output: for a one-shot timer the job's
    /// output, or `None` if it was cancelled; for a repeating one the number of runs. A panic in
    /// the job is reported, never lost.
    ///
    /// ```
    /// use std::time::Duration;
    /// use twinsync::timer::Timer;
    /// use twinsync::{Flavor, Threads};
    ///
    /// async fn faulty<F: Flavor>(f: F) -> String {
    ///     let timer = Timer::after(&f, Duration::ZERO, async {
    ///         if true {
    ///             panic!("fuse blown");
    ///         }
    ///     });
    ///     timer.join().await.unwrap_err().panic_message().unwrap().to_owned()
    /// }
    ///
    /// assert_eq!(Threads::new().run(faulty).unwrap(), "fuse blown");
    /// ```
    pub fn join(self) -> impl Future<Output = Result<O, JoinError>> + Send {
        let Timer {
            switch,
            unit,
            when_cancelled,
        } = self;
        async move {
            match unit.join().await {
                // Cancelled by `cancel` while it slept: the answer a cancelled timer gives.
                Err(JoinError::Cancelled(_)) if switch.state.load(SeqCst) == CANCELLED => {
                    Ok(when_cancelled(&switch))
                }
                other => other,
            }
        }
    }

    /// Whether the timer's unit has ended (fired and finished, or cancelled); never waits.
    ///
    /// ```
    /// use std::time::Duration;
    /// use twinsync::timer::Timer;
    /// use twinsync::{Flavor, Threads};
    ///
    /// Threads::new()
    ///     .run(|f| async move {
    ///         let timer = Timer::after(&f, Duration::from_secs(3600), async {});
    ///         assert!(!timer.is_finished());
    ///         timer.cancel();
    ///         while !timer.is_finished() {
    ///             f.sleep(Duration::from_millis(1)).await;
    ///         }
    ///     })
    ///     .unwrap();
    /// ```
    pub fn is_finished(&self) -> bool {
        self.unit.is_finished()
    }

    /// The timer's unit.
    ///
    /// ```
    /// use std::time::Duration;
    /// use twinsync::timer::Timer;
    /// use twinsync::{Flavor, Threads};
    ///
    /// Threads::new()
    ///     .run(|f| async move {
    ///         let timer = Timer::after(&f, Duration::ZERO, async {});
    ///         assert_eq!(timer.unit().name(), "timer");
    ///     })
    ///     .unwrap();
    /// ```
    pub fn unit(&self) -> &Unit {
        self.unit.unit()
    }
}

impl<F: Flavor, O: Send + 'static> fmt::Debug for Timer<F, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.switch.state.load(SeqCst) {
            WAITING => "waiting",
            RUNNING => "running",
            _ => "cancelled",
        };
        f.debug_struct("Timer")
            .field("unit", self.unit())
            .field("state", &state)
            .finish()
    }
}

/// The timer's unit waits for its deadline (or between runs).
const WAITING: u8 = 0;
/// A run has started (and, for a one-shot timer, may have finished).
const RUNNING: u8 = 1;
/// Cancelled: no run starts any more.
const CANCELLED: u8 = 2;

/// The state both the timer's unit and its [`Timer`] handle flip, and the runs so far.
struct Switch {
    state: AtomicU8,
    runs: AtomicU64,
}

impl Switch {
    /// Claims the next run after the wait; whether it may run (it was not cancelled first).
    fn claim_run(&self) -> bool {
        self.state
            .compare_exchange(WAITING, RUNNING, SeqCst, SeqCst)
            .is_ok()
    }

    /// Ends a run of a repeating timer; returns whether another may follow (it was not
    /// cancelled during the run).
    fn finish_run(&self) -> bool {
        self.state
            .compare_exchange(RUNNING, WAITING, SeqCst, SeqCst)
            .is_ok()
    }

    fn runs(&self) -> u64 {
        self.runs.load(SeqCst)
    }
}
