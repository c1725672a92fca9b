//! Remarks computed from every flavour's figures of one scenario, printed under its results.

use crate::child::Measurement;

/// A tokio flavour must beat threads by at least 10% to count as overtaking them: below that,
/// the difference is within run-to-run noise.
const CROSSOVER_MARGIN: f64 = 0.9;

/// `scale`: the smallest N at which a tokio flavour's wall time beats the threads', and the N
/// at which the OS refused a thread.
pub fn crossover(scale: &[&Measurement]) -> Option<String> {
    let threads = scale.iter().find(|m| m.flavor == "threads")?;
    let mut crossing = None;
    for (name, thread_ms) in &threads.figures {
        let Some(n) = name.strip_prefix("wall_ms.") else {
            continue;
        };
        let faster = scale
            .iter()
            .filter(|m| m.flavor.starts_with("tokio"))
            .filter_map(|m| m.figure(name).map(|ms| (m.flavor.as_str(), ms)))
            .filter(|&(_, ms)| ms < *thread_ms * CROSSOVER_MARGIN)
            .min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((flavor, ms)) = faster {
            crossing = Some(format!(
                "coroutines overtake threads from N = {n}: {flavor} {ms:.0} ms vs threads {thread_ms:.0} ms"
            ));
            break;
        }
    }
    let crossing = crossing.unwrap_or_else(|| "threads kept up at every N measured".to_owned());
    let refused = threads
        .figure("refused_at")
        .map(|n| format!("; threads stopped at N = {}", n as u64))
        .unwrap_or_default();
    Some(format!("crossover: {crossing}{refused}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::child::tests::measurement;

    #[test]
    fn crossover_needs_a_clear_win() {
        let mut threads = measurement("scale", "threads", "");
        threads.figures = vec![
            ("wall_ms.10".into(), 10.0),
            ("wall_ms.1000".into(), 100.0),
            ("refused_at".into(), 5000.0),
        ];
        let mut tokio = measurement("scale", "tokio", "");
        tokio.figures = vec![("wall_ms.10".into(), 9.5), ("wall_ms.1000".into(), 50.0)];
        let remark = crossover(&[&threads, &tokio]).unwrap();
        assert!(remark.contains("from N = 1000: tokio 50 ms"), "{remark}");
        assert!(remark.ends_with("threads stopped at N = 5000"), "{remark}");
    }
}
