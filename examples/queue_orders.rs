//! The `queue_orders` scenario on the flavours you name:
//! `cargo run --example queue_orders -- --flavor threads|tokio|tokio-local|all` (default `all`).
//!
//! The scenario itself, written once and generic over `Flavor`, is
//! [`twinsync::scenarios::queue_orders`](twinsync::scenarios::queue_orders); `twinsync run queue_orders` runs the same code
//! with each flavour in its own process and measures it.

fn main() -> Result<(), String> {
    twinsync::scenarios::example_main::<twinsync::scenarios::queue_orders::QueueOrders>()
}
