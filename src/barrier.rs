//! `Barrier`: Python's `threading.Barrier`, a meeting point for a fixed number of units.
//!
//! Each unit that calls [`wait`](Barrier::wait) stops until `parties` units have arrived; then
//! all of them go on together, one of them told that it is the leader, and the barrier is ready
//! for the next round. [`abort`](Barrier::abort) (or a waiter that times out) *breaks* the
//! barrier: every waiter, present and future, gets [`BarrierError::Broken`] until
//! [`reset`](Barrier::reset).
//!
//! One implementation serves both twins, [`ThreadBarrier`] and [`TaskBarrier`].
//!
//! A waiting future that is dropped before the round completes takes its arrival back, so a
//! cancelled waiter never lets a round start one party short.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

use crate::deadlock::WaitsFor;
use crate::sync::atomic::{AtomicU8, Ordering::SeqCst};
use crate::sync::{Arc, Mutex};
#[cfg(feature = "tokio")]
use crate::wait::Async;
use crate::wait::{self, Blocking, Waiter, block_on, deadline_after};

/// Why a barrier wait did not complete.
///
/// ```
/// use twinsync::barrier::{BarrierError, ThreadBarrier};
///
/// let b = ThreadBarrier::new(2).unwrap();
/// b.abort();
/// assert_eq!(b.wait().unwrap_err(), BarrierError::Broken);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BarrierError {
    /// The barrier was aborted, reset while this unit waited, or broken by another waiter's
    /// timeout (Python's `BrokenBarrierError`).
    Broken,
    /// This waiter's own timeout passed; it broke the barrier for everyone else.
    Timeout,
}

impl fmt::Display for BarrierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BarrierError::Broken => f.write_str("the barrier is broken"),
            BarrierError::Timeout => f.write_str("timed out waiting at the barrier"),
        }
    }
}

impl std::error::Error for BarrierError {}

/// A barrier needs at least one party: Python's `Barrier(0)` raises `ValueError`, and so
/// `Barrier::new(0)` is this error rather than a barrier quietly made for one.
///
/// ```
/// use twinsync::barrier::{ThreadBarrier, ZeroParties};
/// assert_eq!(ThreadBarrier::new(0).unwrap_err(), ZeroParties);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ZeroParties;

impl fmt::Display for ZeroParties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a barrier needs at least one party")
    }
}

impl std::error::Error for ZeroParties {}

/// What a completed barrier wait tells its unit: its arrival index (Python's return value of
/// `Barrier.wait()`) and whether it is the round's leader.
///
/// ```
/// use twinsync::barrier::ThreadBarrier;
/// let alone = ThreadBarrier::new(1).unwrap().wait().unwrap();
/// assert_eq!((alone.index(), alone.is_leader()), (0, true));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult {
    index: usize,
    leader: bool,
}

impl BarrierWaitResult {
    /// The order of this unit's arrival in its round: 0 for the first to arrive, up to
    /// `parties - 1` for the one whose arrival released the round (Python's `Barrier.wait()`).
    ///
    /// ```
    /// use twinsync::barrier::ThreadBarrier;
    /// assert_eq!(ThreadBarrier::new(1).unwrap().wait().unwrap().index(), 0);
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// Whether this unit is the round's leader: exactly one per round, the last to arrive
    /// (index `parties - 1`).
    ///
    /// ```
    /// use twinsync::barrier::ThreadBarrier;
    /// assert!(ThreadBarrier::new(1).unwrap().wait().unwrap().is_leader());
    /// ```
    pub fn is_leader(&self) -> bool {
        self.leader
    }
}

/// A meeting point for `parties` units: the shared trait of [`ThreadBarrier`] and
/// [`TaskBarrier`]; generic code names it `F::Barrier`.
///
/// ```
/// use std::sync::Arc;
/// use twinsync::{Barrier, Flavor, JoinHandle, Threads};
///
/// async fn meet<F: Flavor>(f: F) -> usize {
///     let barrier = Arc::new(F::Barrier::new(3).unwrap());
///     let units: Vec<_> = (0..3)
///         .map(|i| {
///             let barrier = Arc::clone(&barrier);
///             f.spawn(format!("u{i}"), async move { barrier.wait().await.unwrap().is_leader() })
///         })
///         .collect();
///     let mut leaders = 0;
///     for u in units {
///         leaders += usize::from(u.join().await.unwrap());
///     }
///     leaders
/// }
/// assert_eq!(Threads::new().run(meet).unwrap(), 1);
/// ```
pub trait Barrier: Send + Sync {
    /// A barrier for `parties` units, or [`ZeroParties`] for 0.
    ///
    /// ```
    /// use twinsync::{Barrier, barrier::ThreadBarrier};
    /// assert_eq!(<ThreadBarrier as Barrier>::new(4).unwrap().parties(), 4);
    /// assert!(<ThreadBarrier as Barrier>::new(0).is_err());
    /// ```
    fn new(parties: usize) -> Result<Self, ZeroParties>
    where
        Self: Sized;

    /// Waits until `parties` units are waiting, then releases them all.
    ///
    /// ```
    /// # use twinsync::{Barrier, Flavor, Threads};
    /// async fn alone<F: Flavor>(_f: F) -> bool {
    ///     F::Barrier::new(1).unwrap().wait().await.unwrap().is_leader()
    /// }
    /// assert!(Threads::new().run(alone).unwrap());
    /// ```
    fn wait(&self) -> impl Future<Output = Result<BarrierWaitResult, BarrierError>> + Send;

    /// As [`wait`](Barrier::wait), for at most `timeout`; timing out breaks the barrier.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Barrier, Flavor, Threads, barrier::BarrierError};
    /// async fn nobody_comes<F: Flavor>(_f: F) -> Result<bool, BarrierError> {
    ///     let b = F::Barrier::new(2).unwrap();
    ///     let err = b.wait_timeout(Duration::from_millis(5)).await.unwrap_err();
    ///     assert_eq!(err, BarrierError::Timeout);
    ///     Ok(b.is_broken())
    /// }
    /// assert!(Threads::new().run(nobody_comes).unwrap().unwrap());
    /// ```
    fn wait_timeout(
        &self,
        timeout: Duration,
    ) -> impl Future<Output = Result<BarrierWaitResult, BarrierError>> + Send;

    /// Breaks the barrier: every waiter gets [`BarrierError::Broken`], and so does every later
    /// `wait` until [`reset`](Barrier::reset).
    ///
    /// ```
    /// # use twinsync::{Barrier, barrier::ThreadBarrier};
    /// let b = ThreadBarrier::new(3).unwrap();
    /// b.abort();
    /// assert!(b.is_broken());
    /// ```
    fn abort(&self);

    /// Returns the barrier to its empty, unbroken state; units waiting now get
    /// [`BarrierError::Broken`].
    ///
    /// ```
    /// # use twinsync::{Barrier, barrier::ThreadBarrier};
    /// let b = ThreadBarrier::new(3).unwrap();
    /// b.abort();
    /// b.reset();
    /// assert!(!b.is_broken());
    /// ```
    fn reset(&self);

    /// Whether the barrier is broken.
    ///
    /// ```
    /// # use twinsync::{Barrier, barrier::ThreadBarrier};
    /// assert!(!ThreadBarrier::new(2).unwrap().is_broken());
    /// ```
    fn is_broken(&self) -> bool;

    /// How many units each round needs.
    ///
    /// ```
    /// # use twinsync::{Barrier, barrier::ThreadBarrier};
    /// assert_eq!(ThreadBarrier::new(5).unwrap().parties(), 5);
    /// ```
    fn parties(&self) -> usize;

    /// How many units are waiting in the current round.
    ///
    /// ```
    /// # use twinsync::{Barrier, barrier::ThreadBarrier};
    /// assert_eq!(ThreadBarrier::new(5).unwrap().n_waiting(), 0);
    /// ```
    fn n_waiting(&self) -> usize;
}

/// How one round ended (0 while it is still filling); shared by the round's waiters.
/// One filling of the barrier. Arrivals are numbered in order (`seat`); an arrival taken back
/// (its waiter went away) leaves its seat in `left`, so the surviving arrivals' indices stay
/// distinct and dense: a unit's index is its seat minus the seats before it that were left.
#[derive(Default)]
struct Round {
    outcome: AtomicU8,
    left: Mutex<Vec<usize>>,
}

impl Round {
    fn index_of(&self, seat: usize) -> usize {
        seat - self.left.lock().iter().filter(|&&left| left < seat).count()
    }
}

const PASSED: u8 = 1;
const BROKEN: u8 = 2;

struct State {
    /// Units waiting in this round.
    arrived: usize,
    /// Arrivals in this round so far, including those taken back.
    seats: usize,
    round: Arc<Round>,
    broken: bool,
}

impl State {
    /// Ends the current round with `outcome` and starts a fresh one.
    fn end_round(&mut self, outcome: u8) {
        self.round.outcome.store(outcome, SeqCst);
        self.round = Arc::default();
        self.arrived = 0;
        self.seats = 0;
    }
}

/// The barrier, generic over how it waits. Use the aliases [`ThreadBarrier`] and
/// [`TaskBarrier`].
pub struct BarrierTwin<W> {
    parties: usize,
    state: Mutex<State>,
    round_ended: event_listener::Event,
    waiter: PhantomData<fn() -> W>,
}

/// The thread twin of [`Barrier`]: waiting blocks the OS thread. Its inherent `wait` and
/// `wait_timeout` block directly.
///
/// ```
/// use std::sync::Arc;
/// use twinsync::barrier::ThreadBarrier;
///
/// let b = Arc::new(ThreadBarrier::new(2).unwrap());
/// let other = {
///     let b = Arc::clone(&b);
///     std::thread::spawn(move || b.wait().unwrap().is_leader())
/// };
/// let me = b.wait().unwrap().is_leader();
/// assert!(me != other.join().unwrap()); // exactly one leader
/// ```
pub type ThreadBarrier = BarrierTwin<Blocking>;

/// The task twin of [`Barrier`]: waiting yields the task.
///
/// ```
/// # twinsync::block_on(async {
/// let b = twinsync::barrier::TaskBarrier::new(1).unwrap();
/// assert!(b.wait().await.unwrap().is_leader());
/// # });
/// ```
#[cfg(feature = "tokio")]
pub type TaskBarrier = BarrierTwin<Async>;

/// Takes an arrival back if the waiter goes away while its round is still filling.
struct Arrival<'a, W> {
    barrier: &'a BarrierTwin<W>,
    round: Arc<Round>,
    seat: usize,
    settled: bool,
}

impl<W> Arrival<'_, W> {
    /// What the ended round means for this arrival.
    fn outcome(&self) -> Result<BarrierWaitResult, BarrierError> {
        match self.round.outcome.load(SeqCst) {
            PASSED => Ok(BarrierWaitResult {
                index: self.round.index_of(self.seat),
                leader: false,
            }),
            _ => Err(BarrierError::Broken),
        }
    }
}

impl<W> Drop for Arrival<'_, W> {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let mut state = self.barrier.state.lock();
        if Arc::ptr_eq(&state.round, &self.round) {
            state.arrived -= 1;
            self.round.left.lock().push(self.seat);
        }
    }
}

impl<W> BarrierTwin<W> {
    /// A barrier for `parties` units, or [`ZeroParties`] for 0 (Python's `ValueError`).
    ///
    /// ```
    /// use twinsync::barrier::ThreadBarrier;
    /// assert_eq!(ThreadBarrier::new(3).unwrap().parties(), 3);
    /// assert!(ThreadBarrier::new(0).is_err());
    /// ```
    pub fn new(parties: usize) -> Result<Self, ZeroParties> {
        if parties == 0 {
            return Err(ZeroParties);
        }
        Ok(BarrierTwin {
            parties,
            state: Mutex::new(State {
                arrived: 0,
                seats: 0,
                round: Arc::default(),
                broken: false,
            }),
            round_ended: event_listener::Event::new(),
            waiter: PhantomData,
        })
    }

    /// Breaks the barrier for every present and future waiter until [`reset`](Self::reset).
    ///
    /// ```
    /// let b = twinsync::barrier::ThreadBarrier::new(2).unwrap();
    /// b.abort();
    /// assert!(b.wait().is_err());
    /// ```
    pub fn abort(&self) {
        let mut state = self.state.lock();
        state.broken = true;
        state.end_round(BROKEN);
        drop(state);
        self.round_ended.notify(usize::MAX);
    }

    /// Empties and mends the barrier; units waiting now get [`BarrierError::Broken`].
    ///
    /// ```
    /// let b = twinsync::barrier::ThreadBarrier::new(1).unwrap();
    /// b.abort();
    /// b.reset();
    /// assert!(b.wait().is_ok());
    /// ```
    pub fn reset(&self) {
        let mut state = self.state.lock();
        state.broken = false;
        if state.arrived > 0 {
            state.end_round(BROKEN);
            drop(state);
            self.round_ended.notify(usize::MAX);
        }
    }

    /// Whether the barrier is broken.
    ///
    /// ```
    /// assert!(!twinsync::barrier::ThreadBarrier::new(2).unwrap().is_broken());
    /// ```
    pub fn is_broken(&self) -> bool {
        self.state.lock().broken
    }

    /// How many units each round needs.
    ///
    /// ```
    /// assert_eq!(twinsync::barrier::ThreadBarrier::new(3).unwrap().parties(), 3);
    /// ```
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// How many units wait in the current round.
    ///
    /// ```
    /// assert_eq!(twinsync::barrier::ThreadBarrier::new(3).unwrap().n_waiting(), 0);
    /// ```
    pub fn n_waiting(&self) -> usize {
        self.state.lock().arrived
    }
}

impl<W: Waiter> BarrierTwin<W> {
    /// Counts this unit in; `None` if it completed the round (it is the leader).
    fn arrive(&self) -> Result<Result<Arrival<'_, W>, BarrierWaitResult>, BarrierError> {
        let mut state = self.state.lock();
        if state.broken {
            return Err(BarrierError::Broken);
        }
        state.arrived += 1;
        state.seats += 1;
        if state.arrived < self.parties {
            return Ok(Ok(Arrival {
                barrier: self,
                round: Arc::clone(&state.round),
                seat: state.seats - 1,
                settled: false,
            }));
        }
        state.end_round(PASSED);
        drop(state);
        self.round_ended.notify(usize::MAX);
        Ok(Err(BarrierWaitResult {
            index: self.parties - 1,
            leader: true,
        }))
    }

    /// The wait of both twins.
    async fn wait_until(
        &self,
        deadline: Option<Instant>,
    ) -> Result<BarrierWaitResult, BarrierError> {
        let mut arrival = match self.arrive()? {
            Ok(arrival) => arrival,
            Err(released) => return Ok(released),
        };
        let round = Arc::clone(&arrival.round);
        let ended = || round.outcome.load(SeqCst) != 0;
        let waited = match wait::ready_soon::<W>(&self.round_ended, deadline, ended) {
            true => Ok(()),
            false => {
                wait::until_true::<W>(WaitsFor::Barrier, &self.round_ended, deadline, ended).await
            }
        };
        if waited.is_err() {
            return self.time_out(&mut arrival);
        }
        arrival.settled = true;
        arrival.outcome()
    }

    fn time_out(&self, arrival: &mut Arrival<'_, W>) -> Result<BarrierWaitResult, BarrierError> {
        let mut state = self.state.lock();
        arrival.settled = true;
        match arrival.round.outcome.load(SeqCst) {
            PASSED | BROKEN => arrival.outcome(),
            _ => {
                state.broken = true;
                state.end_round(BROKEN);
                drop(state);
                self.round_ended.notify(usize::MAX);
                Err(BarrierError::Timeout)
            }
        }
    }
}

impl ThreadBarrier {
    /// Blocks until the round is complete.
    ///
    /// ```
    /// assert!(twinsync::barrier::ThreadBarrier::new(1).unwrap().wait().is_ok());
    /// ```
    pub fn wait(&self) -> Result<BarrierWaitResult, BarrierError> {
        block_on(self.wait_until(None))
    }

    /// Blocks at most `timeout`; timing out breaks the barrier.
    ///
    /// ```
    /// use std::time::Duration;
    /// use twinsync::barrier::{BarrierError, ThreadBarrier};
    /// let b = ThreadBarrier::new(2).unwrap();
    /// assert_eq!(b.wait_timeout(Duration::from_millis(1)), Err(BarrierError::Timeout));
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> Result<BarrierWaitResult, BarrierError> {
        block_on(self.wait_until(deadline_after(timeout)))
    }
}

#[cfg(feature = "tokio")]
impl TaskBarrier {
    /// Waits, yielding the task, until the round is complete.
    ///
    /// ```
    /// # twinsync::block_on(async {
    /// assert!(twinsync::barrier::TaskBarrier::new(1).unwrap().wait().await.is_ok());
    /// # });
    /// ```
    pub async fn wait(&self) -> Result<BarrierWaitResult, BarrierError> {
        self.wait_until(None).await
    }

    /// Waits at most `timeout` (a tokio timer: call it inside a runtime); timing out breaks the
    /// barrier.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use twinsync::{Flavor, TokioLocal};
    /// # TokioLocal::new().run(|_| async {
    /// let b = twinsync::barrier::TaskBarrier::new(2).unwrap();
    /// assert!(b.wait_timeout(Duration::from_millis(1)).await.is_err());
    /// # }).unwrap();
    /// ```
    pub async fn wait_timeout(&self, timeout: Duration) -> Result<BarrierWaitResult, BarrierError> {
        self.wait_until(deadline_after(timeout)).await
    }
}

impl<W: Waiter> Barrier for BarrierTwin<W> {
    fn new(parties: usize) -> Result<Self, ZeroParties> {
        BarrierTwin::new(parties)
    }

    fn wait(&self) -> impl Future<Output = Result<BarrierWaitResult, BarrierError>> + Send {
        self.wait_until(None)
    }

    fn wait_timeout(
        &self,
        timeout: Duration,
    ) -> impl Future<Output = Result<BarrierWaitResult, BarrierError>> + Send {
        self.wait_until(deadline_after(timeout))
    }

    fn abort(&self) {
        BarrierTwin::abort(self)
    }

    fn reset(&self) {
        BarrierTwin::reset(self)
    }

    fn is_broken(&self) -> bool {
        BarrierTwin::is_broken(self)
    }

    fn parties(&self) -> usize {
        self.parties
    }

    fn n_waiting(&self) -> usize {
        BarrierTwin::n_waiting(self)
    }
}

impl<W> fmt::Debug for BarrierTwin<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("waiting", &state.arrived)
            .field("broken", &state.broken)
            .finish()
    }
}
