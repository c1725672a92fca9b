//! The one macro that turns a generic test body into a test per flavour.
//!
//! ```ignore
//! flavor_tests! {
//!     // `async fn body<F: Flavor>(f: F)`, run as `Flavor::run`'s main.
//!     in_run: [mutual_exclusion, try_lock_on_held_lock_fails],
//!     // `fn body<F: Flavor>(f: F)`, for tests about `run` itself.
//!     plain: [run_waits_for_non_daemon_units],
//! }
//! ```

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::future::Future;
use std::time::{Duration, Instant};

use twinsync::Flavor;

/// How long one test's `run` may take before it counts as hung. Far above any test's need:
/// it only turns a hang (a lost wake-up, a unit that cannot be cancelled) into a failure.
const HUNG_AFTER: Duration = Duration::from_secs(120);

/// Runs `body` as the main unit of `flavor` and fails the test if it panicked or hung.
pub fn in_run<F, Fut>(flavor: F, body: impl FnOnce(F) -> Fut + Send + 'static)
where
    F: Flavor,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (done, outcome) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(flavor.run(body).map_err(|panic| panic.to_string()));
    });
    match outcome.recv_timeout(HUNG_AFTER) {
        Ok(Ok(())) => {}
        Ok(Err(panic)) => panic!("{panic}"),
        Err(_) => panic!("the test did not finish within {HUNG_AFTER:?}: it hung"),
    }
}

/// Asserts a waited-for `elapsed` is sane for a `timeout`: at least 0.6× of it (it did wait)
/// and under 10× (it did not hang). Never an exact-timing assertion.
pub fn assert_waited_about(elapsed: Duration, timeout: Duration) {
    assert!(
        elapsed >= timeout.mul_f64(0.6),
        "returned after {elapsed:?}, before the {timeout:?} timeout"
    );
    assert!(
        elapsed < timeout * 10,
        "returned after {elapsed:?}, far past the {timeout:?} timeout"
    );
}

/// Times an async block.
pub async fn timed<T>(fut: impl Future<Output = T>) -> (T, Duration) {
    let start = Instant::now();
    let out = fut.await;
    (out, start.elapsed())
}

/// Instantiates generic test bodies for every flavour.
///
/// - `in_run`: `async fn body<F: Flavor>(f: F)`, run as `Flavor::run`'s main, on all flavours.
/// - `plain`: `fn body<F: Flavor>(f: F)`, on all flavours (tests about `run` itself).
#[macro_export]
macro_rules! flavor_tests {
    (
        in_run: [$($async_test:ident),* $(,)?]
        $(, plain: [$($plain_test:ident),* $(,)?])?
        $(,)?
    ) => {
        $crate::flavor_tests!(@module threads, twinsync::Threads::new();
            [$($async_test),*]; [$($($plain_test),*)?]);
        #[cfg(feature = "tokio")]
        $crate::flavor_tests!(@module tokio, twinsync::Tokio::new();
            [$($async_test),*]; [$($($plain_test),*)?]);
        #[cfg(feature = "tokio")]
        $crate::flavor_tests!(@module tokio_local, twinsync::TokioLocal::new();
            [$($async_test),*]; [$($($plain_test),*)?]);
    };
    (@module $module:ident, $flavor:expr; [$(,)? $($async_test:ident),*]; [$($plain_test:ident),*]) => {
        mod $module {
            $(
                #[test]
                fn $async_test() {
                    $crate::common::in_run($flavor, super::$async_test);
                }
            )*
            $(
                #[test]
                fn $plain_test() {
                    super::$plain_test($flavor);
                }
            )*
        }
    };
}
