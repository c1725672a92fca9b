use std::sync::Arc;
use twinsync::{Flavor, JoinHandle, Mutex, Threads};

// Borrowed strings (`&'static str`) in the log: this does not compile, with "implementation of
// `twinsync::Mutex` is not general enough".
async fn greet<F: Flavor>(f: F) -> &'static str {
    let log = Arc::new(F::Mutex::new(Vec::new()));
    let writer = Arc::clone(&log);
    let greeter = f.spawn("greeter", async move {
        writer.lock().await.push("hello");
    });
    greeter.join().await.unwrap();
    let first = log.lock().await[0];
    first
}

fn main() {
    println!("{}", Threads::new().run(greet).unwrap());
}
