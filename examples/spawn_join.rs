//! The `spawn_join` scenario on the flavours you name:
//! `cargo run --example spawn_join -- --flavor threads|tokio|tokio-local|all` (default `all`).
//!
//! The scenario itself, written once and generic over `Flavor`, is
//! [`twinsync::scenarios::spawn_join`](twinsync::scenarios::spawn_join); `twinsync run spawn_join` runs the same code
//! with each flavour in its own process and measures it.

fn main() -> Result<(), String> {
    twinsync::scenarios::example_main::<twinsync::scenarios::spawn_join::SpawnJoin>()
}
