//! The lab's state: the session being played, the step shown, the container looked at, the
//! clock, and the learner's messages; [`LabMsg`] is everything the learner does to it, and its
//! [`Reducible`] implementation the one place that changes it.

use std::cell::RefCell;
use std::rc::Rc;

use yew::Reducible;

use super::lessons;
use super::model::{Lab, Session, Step};

/// The page's state: the lab (the session being played) and what the learner looks at.
#[derive(Clone)]
pub struct LabState {
    /// The lab. Shared, mutated by the reducer only; `rev` tells renders apart.
    pub lab: Rc<RefCell<Lab>>,
    /// Bumped on every change of the lab.
    pub rev: u64,
    /// Which frame is shown: after `cursor` steps.
    pub cursor: usize,
    /// The container the panels show (by ID).
    pub selected: Option<String>,
    /// The clock is playing.
    pub playing: bool,
    /// 1, 10 or 100.
    pub speed: u32,
    /// A message for the learner (an import that failed, a link copied…).
    pub notice: Option<LabNotice>,
}

/// A message for the learner: information, or an error that says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabNotice {
    /// The text.
    pub text: String,
    /// Something went wrong (shown as an error, announced at once).
    pub error: bool,
}

impl LabNotice {
    /// Information.
    pub fn info(text: impl Into<String>) -> LabNotice {
        LabNotice {
            text: text.into(),
            error: false,
        }
    }

    /// An error.
    pub fn error(text: impl Into<String>) -> LabNotice {
        LabNotice {
            text: text.into(),
            error: true,
        }
    }
}

impl PartialEq for LabState {
    fn eq(&self, other: &LabState) -> bool {
        Rc::ptr_eq(&self.lab, &other.lab)
            && self.rev == other.rev
            && self.cursor == other.cursor
            && self.selected == other.selected
            && self.playing == other.playing
            && self.speed == other.speed
            && self.notice == other.notice
    }
}

impl LabState {
    /// A fresh state for `session`.
    pub fn with_session(session: Session) -> LabState {
        let lab = Lab::new(session);
        let cursor = lab.len();
        // The latest step that was about a container (a tick of the clock may move none).
        let selected = lab.records().iter().rev().find_map(|r| r.focus());
        LabState {
            lab: Rc::new(RefCell::new(lab)),
            rev: 0,
            cursor,
            selected,
            playing: false,
            speed: 1,
            notice: None,
        }
    }

    /// Whether the learner is looking at an earlier step (a new step would discard the later ones).
    pub fn in_history(&self) -> bool {
        self.cursor < self.lab.borrow().len()
    }
}

/// What the learner does to the page.
pub enum LabMsg {
    /// Take a step (discarding the steps after the one shown, if any).
    Apply(Step),
    /// The clock plays on by this many virtual milliseconds.
    Tick(i64),
    /// Show the frame after this many steps.
    Seek(usize),
    /// One step back (the `←` key).
    Back,
    /// One step forward (the `→` key).
    Forward,
    /// Show this container.
    Select(String),
    /// Play or pause the clock.
    Play(bool),
    /// The clock's speed.
    Speed(u32),
    /// Replace the session (import, link, lesson, reset).
    Load(Session),
    /// Take the lesson's next step.
    LessonNext,
    /// Show or clear a message.
    Notice(Option<LabNotice>),
}

impl Reducible for LabState {
    type Action = LabMsg;

    fn reduce(self: Rc<Self>, msg: LabMsg) -> Rc<Self> {
        let mut next = (*self).clone();
        match msg {
            LabMsg::Apply(step) => {
                next.discard_later();
                let focus = next.lab.borrow_mut().apply(step).focus();
                next.after_step(focus);
            }
            LabMsg::Tick(ms) => {
                if !next.playing {
                    return self;
                }
                next.discard_later();
                let focus = {
                    let mut lab = next.lab.borrow_mut();
                    lab.tick(ms);
                    lab.records()
                        .last()
                        .and_then(|r| (!r.moves.is_empty()).then(|| r.moves[0].id.clone()))
                };
                next.after_step(focus.or_else(|| next.selected.clone()));
            }
            LabMsg::Seek(k) => {
                let len = next.lab.borrow().len();
                next.cursor = k.min(len);
                next.playing = false;
                if let Some(focus) = next
                    .lab
                    .borrow()
                    .records()
                    .get(next.cursor.wrapping_sub(1))
                    .and_then(|r| r.focus())
                {
                    next.selected = Some(focus);
                }
            }
            LabMsg::Back => {
                return self
                    .clone()
                    .reduce(LabMsg::Seek(self.cursor.saturating_sub(1)))
            }
            LabMsg::Forward => return self.clone().reduce(LabMsg::Seek(self.cursor + 1)),
            LabMsg::Select(id) => next.selected = Some(id),
            LabMsg::Play(on) => {
                next.playing = on;
                if on {
                    next.discard_later();
                    next.rev += 1;
                }
            }
            LabMsg::Speed(s) => next.speed = s,
            LabMsg::Load(session) => {
                let speed = next.speed;
                next = LabState::with_session(session);
                next.speed = speed;
                next.rev = self.rev + 1;
            }
            LabMsg::LessonNext => {
                let step = {
                    let lab = next.lab.borrow();
                    let id = lab.session().lesson.clone();
                    let steps = lab
                        .session()
                        .steps
                        .get(..next.cursor)
                        .unwrap_or_default()
                        .to_vec();
                    id.and_then(|id| lessons::by_id(&id)).and_then(|l| {
                        let done = l.progress(&steps);
                        l.steps.get(done).map(|s| s.step.clone())
                    })
                };
                if let Some(step) = step {
                    next.playing = false;
                    next.discard_later();
                    let focus = next.lab.borrow_mut().apply(step).focus();
                    next.after_step(focus);
                }
            }
            LabMsg::Notice(n) => next.notice = n,
        }
        Rc::new(next)
    }
}

impl LabState {
    /// Cuts the session to the frame shown, so a new step follows it.
    fn discard_later(&mut self) {
        let len = self.lab.borrow().len();
        if self.cursor < len {
            let cut = self.lab.borrow().truncated(self.cursor);
            self.lab = Rc::new(RefCell::new(cut));
            self.notice = Some(LabNotice::info(format!(
                "Continued from step {}: the {} later step(s) were discarded.",
                self.cursor,
                len - self.cursor
            )));
        }
    }

    fn after_step(&mut self, focus: Option<String>) {
        self.cursor = self.lab.borrow().len();
        self.rev += 1;
        if let Some(id) = focus {
            self.selected = Some(id);
        }
    }
}
