//! Child processes: units (`units`), the queue between them (`queue`), the pool (`pool`) and
//! shared state (`shared`).
//!
//! Without the libtest harness: each child runs this test binary again from `main`, whose
//! first call is `process::serve`.

mod pool;
mod queue;
mod shared;
mod units;

use libtest_mimic::{Arguments, Failed, Trial};
use twinsync::process;

fn main() {
    let entries = [units::entries(), queue::entries(), shared::entries()].concat();
    process::serve(&entries);
    let trials = [
        units::trials(),
        queue::trials(),
        pool::trials(),
        shared::trials(),
    ]
    .into_iter()
    .flatten()
    .collect();
    libtest_mimic::run(&Arguments::from_args(), trials).exit();
}

/// A test that fails with its panic's message.
fn trial(name: &'static str, test: fn()) -> Trial {
    Trial::test(name, move || {
        std::panic::catch_unwind(test).map_err(|payload| {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            Failed::from(message)
        })
    })
}
