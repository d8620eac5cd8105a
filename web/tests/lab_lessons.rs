//! The lab's lessons run to the end on the simulated engine, and after every step the page
//! shows what the lesson says it shows.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use berth_web::lab::lessons;
use berth_web::lab::model::Lab;

#[test]
fn every_lesson_runs_to_the_end_with_what_it_promises() {
    let all = lessons::all();
    assert_eq!(all.len(), 6);
    for lesson in all.iter() {
        let mut lab = Lab::new(lesson.session());
        for (i, ls) in lesson.steps.iter().enumerate() {
            let refusal_expected = ls
                .expect
                .iter()
                .any(|e| matches!(e, lessons::Expect::Refused { .. }));
            let record = lab.apply(ls.step.clone()).clone();
            if !refusal_expected {
                assert!(
                    record.result.is_ok(),
                    "{} step {}: {:?} refused: {:?}",
                    lesson.id,
                    i + 1,
                    ls.step,
                    record.result
                );
            }
            for e in &ls.expect {
                if let Err(diff) = e.check(&record) {
                    panic!("{} step {} ({:?}): {diff}", lesson.id, i + 1, ls.step);
                }
            }
        }
        assert_eq!(lesson.progress(&lab.session().steps), lesson.steps.len());
    }
}

#[test]
fn an_expectation_fails_on_a_step_that_does_not_show_it() {
    let lesson = lessons::by_id("restarting").unwrap_or_else(|| panic!("no restarting lesson"));
    let mut lab = Lab::new(lesson.session());
    let started = lab.apply(lesson.steps[0].step.clone()).clone();
    // "Created" is not what the start shows, and the start's "Up" is not what create showed.
    assert!(lesson.steps[1].expect[0].check(&started).is_err());
    let running = lab.apply(lesson.steps[1].step.clone()).clone();
    assert!(lesson.steps[0].expect[0].check(&running).is_err());
    assert!(lesson.steps[1].expect[0].check(&running).is_ok());
}
