//! The `producer_consumer` scenario on the flavours you name:
//! `cargo run --example producer_consumer -- --flavor threads|tokio|tokio-local|all` (default `all`).
//!
//! The scenario itself, written once and generic over `Flavor`, is
//! [`twinsync::scenarios::producer_consumer`](twinsync::scenarios::producer_consumer); `twinsync run producer_consumer` runs the same code
//! with each flavour in its own process and measures it.

fn main() -> Result<(), String> {
    twinsync::scenarios::example_main::<twinsync::scenarios::producer_consumer::ProducerConsumer>()
}
