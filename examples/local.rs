//! # Local: every unit its own student, under one global name
//!
//! Mirrors the seeds' `threading.local()` example: a global `local_school` where each thread
//! stores its own `student`, and a `process_student()` that finds the right one without being
//! passed it, printing `hello, <student> (in <thread name>)`. Here four units each store a
//! student in one [`Local`], sleep while the others store theirs, and then greet whoever they
//! find. A second part goes past the seeds, towards `contextvars`: a parent sets an inheritable
//! `Local` and a plain one, spawns three children, and each child finds a copy of the first but
//! a fresh value of the second, and changes its copy without the parent seeing it.
//!
//! What to notice: the answer is the same on every flavour, because a `Local` belongs to the
//! unit, not to the OS thread. On threads that is simply a value per OS thread. On tokio (tasks
//! on a multi-thread runtime) a task may wake from its sleep on another worker thread and still
//! finds its own student; on tokio-local (tasks on one thread) all four share a single thread,
//! where a per-thread value would hold only the last student stored, yet each still finds its
//! own. Children inherit the class and not the student, and the parent keeps `3B`.
//!
//! Run it with `cargo run --example local -- --flavor threads|tokio|tokio-local|all`; the runner
//! (`cargo run --release -- run local`) runs this same file once per flavour, each in its own
//! process, and measures it.

// ANCHOR: uses
use std::borrow::Cow;
use std::time::Duration;

use twinsync::report::Outcome;
use twinsync::{Flavor, FlavorKind, Job, JoinHandle, Local, current};
// ANCHOR_END: uses

/// The scenario's name, for the runner.
pub const NAME: &str = "local";
/// What the scenario shows, in one line.
pub const ABOUT: &str = "4 units keep their own student in one Local; children inherit \
                         an inheritable Local from their parent";
/// What to look for in its figures.
pub const NOTICE: &str = "the same answer on every flavour: a Local is per unit, so tasks sharing one thread still see their own value";

/// The students, one per unit.
const STUDENTS: [&str; 4] = ["Alice", "Bob", "Carol", "Dave"];
/// How many children the parent spawns in the inheritance part.
const CHILDREN: usize = 3;

/// The scenario, as a [`Job`] so that one value runs on whichever flavour is chosen.
#[derive(Debug)]
pub struct Students;

impl Job for Students {
    type Output = Outcome;

    fn name(&self) -> Cow<'static, str> {
        NAME.into()
    }

    async fn run<F: Flavor>(self, f: F) -> Outcome {
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

// ANCHOR: main
/// Runs the scenario on the flavours named by `--flavor` (all of them by default).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    for kind in FlavorKind::from_command_line()? {
        println!("{kind:<12} {}", kind.run(Students)?);
    }
    Ok(())
}
// ANCHOR_END: main
