use std::sync::Arc;
use twinsync::{Flavor, JoinHandle, Mutex, Threads};

// The same program with owned strings: it compiles, and prints `hello`.
async fn greet<F: Flavor>(f: F) -> String {
    let log = Arc::new(F::Mutex::new(Vec::new()));
    let writer = Arc::clone(&log);
    let greeter = f.spawn("greeter", async move {
        writer.lock().await.push("hello".to_owned());
    });
    greeter.join().await.unwrap();
    let first = log.lock().await[0].clone();
    first
}

fn main() {
    println!("{}", Threads::new().run(greet).unwrap());
}
