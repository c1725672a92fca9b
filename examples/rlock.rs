//! The `rlock` scenario on the flavours you name:
//! `cargo run --example rlock -- --flavor threads|tokio|tokio-local|all` (default `all`).
//!
//! The scenario itself, written once and generic over `Flavor`, is
//! [`twinsync::scenarios::rlock`](twinsync::scenarios::rlock); `twinsync run rlock` runs the same code
//! with each flavour in its own process and measures it.

fn main() -> Result<(), String> {
    twinsync::scenarios::example_main::<twinsync::scenarios::rlock::Rlock>()
}
