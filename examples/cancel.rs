//! The `cancel` scenario on the flavours you name:
//! `cargo run --example cancel -- --flavor threads|tokio|tokio-local|all` (default `all`).
//!
//! The scenario itself, written once and generic over `Flavor`, is
//! [`twinsync::scenarios::cancel`](twinsync::scenarios::cancel); `twinsync run cancel` runs the
//! same code with each flavour in its own process and measures it.

fn main() -> Result<(), String> {
    twinsync::scenarios::example_main::<twinsync::scenarios::cancel::Cancel>()
}
