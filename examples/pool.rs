//! The `pool` scenario on the flavours you name:
//! `cargo run --example pool -- --flavor threads|tokio|tokio-local|all` (default `all`).
//!
//! The scenario itself, written once and generic over `Flavor`, is
//! [`twinsync::scenarios::pool`](twinsync::scenarios::pool); `twinsync run pool` runs the same code
//! with each flavour in its own process and measures it.

fn main() -> Result<(), String> {
    twinsync::scenarios::example_main::<twinsync::scenarios::pool::PoolScenario>()
}
