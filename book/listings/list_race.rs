use twinsync::{Flavor, JoinHandle, Threads};

// Python lets four threads append to one list with no lock. Rust refuses: the first unit's
// future takes `shelf` by `move`, and the second has nothing left to take.
async fn fill<F: Flavor>(f: F) -> usize {
    let mut shelf = Vec::new();
    let mut handles = Vec::new();
    for i in 0..4 {
        handles.push(f.spawn(format!("filler-{i}"), async move {
            shelf.push(i); // error[E0382]: use of moved value: `shelf`
        }));
    }
    for handle in handles {
        handle.join().await.unwrap();
    }
    shelf.len()
}

fn main() {
    println!("{}", Threads::new().run(fill).unwrap());
}
