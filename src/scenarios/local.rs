//! `local`: the seeds' per-thread student example. Several units each keep their own student in
//! one `Local` and find it again after sleeping; then a parent's inheritable value is copied
//! into the children it spawns.

use std::time::Duration;

use super::{Outcome, Scenario};
use crate::flavor::{Flavor, JoinHandle};
use crate::local::Local;
use crate::unit::current;

/// The students, one per unit.
const STUDENTS: [&str; 4] = ["Alice", "Bob", "Carol", "Dave"];
/// How many children the parent spawns in the inheritance part.
const CHILDREN: usize = 3;

/// The `local` scenario.
///
/// ```
/// use twinsync::FlavorKind;
/// use twinsync::scenarios::{local::Students, run_on};
///
/// let outcome = run_on::<Students>(FlavorKind::Threads).unwrap();
/// assert!(outcome.summary.starts_with("4/4 units saw their own student"));
/// ```
#[derive(Debug)]
pub struct Students;

impl Scenario for Students {
    const NAME: &'static str = "local";
    const ABOUT: &'static str = "4 units keep their own student in one Local; children inherit \
                                 an inheritable Local from their parent";

    async fn run<F: Flavor>(f: F) -> Outcome {
        let greetings = greet_students(&f).await;
        let own = greetings
            .iter()
            .zip(STUDENTS)
            .filter(|(greeting, student)| greeting.starts_with(&format!("Hello, {student} ")))
            .count();
        let class = inherit(&f).await;
        let inherited = class
            .children
            .iter()
            .filter(|seen| seen.class == class.parent_set)
            .count();
        let got_a_student = class
            .children
            .iter()
            .filter(|seen| !seen.student.is_empty())
            .count();
        Outcome::new(format!(
            "{own}/{} units saw their own student; {inherited}/{CHILDREN} children inherited \
             `{}`, {got_a_student}/{CHILDREN} the student; parent still has `{}`",
            STUDENTS.len(),
            class.parent_set,
            class.parent_after,
        ))
        .figure("units", STUDENTS.len() as f64)
        .figure("own_student", own as f64)
        .figure("children", CHILDREN as f64)
        .figure("inherited_class", inherited as f64)
        .figure("inherited_student", got_a_student as f64)
        .figure(
            "parent_unchanged",
            f64::from(u8::from(class.parent_after == class.parent_set)),
        )
    }
}

// ANCHOR: students
/// Each unit's student: one `Local`, a different value in every unit.
static STUDENT: Local<String> = Local::new(String::new);

/// Greets the student of the unit it runs in, without being told which one that is.
fn process_student() -> String {
    format!("Hello, {} (in {})", STUDENT.get(), current().name())
}

/// One unit per student: it stores its student, sleeps while the others store theirs, and then
/// greets whoever it finds in `STUDENT`.
pub async fn greet_students<F: Flavor>(f: &F) -> Vec<String> {
    let units: Vec<_> = STUDENTS
        .iter()
        .map(|student| {
            let (g, student) = (f.clone(), student.to_string());
            f.spawn(format!("Thread-{student}"), async move {
                STUDENT.set(student);
                g.sleep(Duration::from_millis(5)).await;
                process_student()
            })
        })
        .collect();
    let mut greetings = Vec::new();
    for unit in units {
        greetings.push(unit.join().await.expect("a student's unit panicked"));
    }
    greetings
}
// ANCHOR_END: students

/// What one child found.
#[derive(Debug, Clone)]
pub struct ChildSaw {
    /// The inheritable `CLASS` as the child found it.
    pub class: String,
    /// The plain `STUDENT` as the child found it (empty: not inherited).
    pub student: String,
}

/// What the inheritance part found.
#[derive(Debug, Clone)]
pub struct Classroom {
    /// The class the parent set before spawning.
    pub parent_set: String,
    /// What each child found.
    pub children: Vec<ChildSaw>,
    /// The parent's class after the children changed theirs.
    pub parent_after: String,
}

// ANCHOR: inherit
/// The class: inheritable, so a spawned unit starts with a copy of its parent's.
static CLASS: Local<String> = Local::inheritable(|| "no class".to_owned());

/// The parent sets its class and its student, then spawns children. Each child finds the class
/// (inherited) but not the student (a plain `Local` starts afresh), and then changes its own
/// copy of the class, which the parent never sees.
pub async fn inherit<F: Flavor>(f: &F) -> Classroom {
    let parent_set = "3B".to_owned();
    CLASS.set(parent_set.clone());
    STUDENT.set("the parent's student".to_owned());
    let children: Vec<_> = (1..=CHILDREN)
        .map(|i| {
            f.spawn(format!("child-{i}"), async move {
                let saw = ChildSaw {
                    class: CLASS.get(),
                    student: STUDENT.get(),
                };
                CLASS.set(format!("{i}A"));
                saw
            })
        })
        .collect();
    let mut seen = Vec::new();
    for child in children {
        seen.push(child.join().await.expect("a child panicked"));
    }
    Classroom {
        parent_set,
        children: seen,
        parent_after: CLASS.get(),
    }
}
// ANCHOR_END: inherit
