//! The `Pool` contract, proven once for every flavour.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use twinsync::Flavor;
use twinsync::pool::Pool;

flavor_tests! {
    in_run: [
        map_keeps_submission_order,
        as_completed_gives_completion_order,
        at_most_n_jobs_run_at_once,
        a_panicking_job_is_reported_and_the_worker_survives,
        closed_pool_hands_the_job_back,
        join_runs_everything_queued,
        jobs_run_on_the_pool_workers,
    ],
}

async fn map_keeps_submission_order<F: Flavor>(f: F) {
    let pool = Pool::new(&f, 3).unwrap();
    let jobs = (0..12u64).map(|n| {
        let g = f.clone();
        async move {
            g.sleep(Duration::from_millis(12 - n)).await; // later jobs finish sooner
            n * 10
        }
    });
    let results: Vec<u64> = pool
        .map(jobs)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(results, (0..12).map(|n| n * 10).collect::<Vec<_>>());
    pool.join().await;
}

async fn as_completed_gives_completion_order<F: Flavor>(f: F) {
    let pool = Pool::new(&f, 3).unwrap();
    let jobs = [60u64, 5, 30].map(|ms| {
        let g = f.clone();
        async move {
            g.sleep(Duration::from_millis(ms)).await;
            ms
        }
    });
    let finished = pool.as_completed(jobs).await;
    let order: Vec<usize> = finished.iter().map(|(i, _)| *i).collect();
    assert_eq!(order, [1, 2, 0]);
    assert_eq!(*finished[0].1.as_ref().unwrap(), 5);
    pool.join().await;
}

async fn at_most_n_jobs_run_at_once<F: Flavor>(f: F) {
    let pool = Pool::new(&f, 2).unwrap();
    let (inside, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let jobs = (0..8).map(|_| {
        let (g, inside, peak) = (f.clone(), Arc::clone(&inside), Arc::clone(&peak));
        async move {
            let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            g.sleep(Duration::from_millis(10)).await;
            inside.fetch_sub(1, Ordering::SeqCst);
        }
    });
    for result in pool.map(jobs).await {
        result.unwrap();
    }
    assert_eq!(peak.load(Ordering::SeqCst), 2);
    pool.join().await;
}

async fn a_panicking_job_is_reported_and_the_worker_survives<F: Flavor>(f: F) {
    let pool = Pool::new(&f, 1).unwrap();
    let bad = pool.submit(async { panic!("corrupt record") }).unwrap();
    let good = pool.submit(async { 7 }).unwrap();
    let err = bad.join().await.unwrap_err();
    assert_eq!(err.panic_message(), Some("corrupt record"));
    assert_eq!(
        good.join().await.unwrap(),
        7,
        "the worker died with the panicking job"
    );
    pool.join().await;
}

async fn closed_pool_hands_the_job_back<F: Flavor>(f: F) {
    let pool = Pool::new(&f, 1).unwrap();
    pool.close();
    let refused = pool.submit(async { 1 + 1 }).unwrap_err();
    assert_eq!(refused.0.await, 2, "the job came back and still works");
    let results = pool.map([async { 1 }]).await;
    assert!(results[0].is_err());
    pool.join().await;
}

async fn join_runs_everything_queued<F: Flavor>(f: F) {
    let pool = Pool::new(&f, 2).unwrap();
    let done = Arc::new(AtomicUsize::new(0));
    for _ in 0..20 {
        let (g, done) = (f.clone(), Arc::clone(&done));
        let _task = pool
            .submit(async move {
                g.sleep(Duration::from_millis(1)).await;
                done.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
    }
    pool.join().await;
    assert_eq!(done.load(Ordering::SeqCst), 20);
}

async fn jobs_run_on_the_pool_workers<F: Flavor>(f: F) {
    let pool = Pool::new(&f, 2).unwrap();
    let names = pool
        .map((0..6).map(|_| async { twinsync::current().name().to_owned() }))
        .await;
    for name in names {
        assert!(name.unwrap().starts_with("pool-worker-"));
    }
    pool.join().await;
}
