//! The `cpu_vs_io` scenario on the flavours you name:
//! `cargo run --example cpu_vs_io -- --flavor threads|tokio|tokio-local|all` (default `all`).
//!
//! The scenario itself, written once and generic over `Flavor`, is
//! [`twinsync::scenarios::cpu_vs_io`](twinsync::scenarios::cpu_vs_io); `twinsync run cpu_vs_io` runs the same code
//! with each flavour in its own process and measures it.

fn main() -> Result<(), String> {
    twinsync::scenarios::example_main::<twinsync::scenarios::cpu_vs_io::CpuVsIo>()
}
