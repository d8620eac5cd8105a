//! The lab's left column: create a container with options, pick the container to act on, run
//! every operation, make things happen on their own, place waiters.

use std::rc::Rc;

use berth_core::container::HealthConfig;
use berth_core::ops::Op;
use berth_core::restart::RestartPolicy;
use berth_core::sim::{CreateSpec, Probe, Program};
use berth_core::time::Duration;
use berth_core::wait::WaitCondition;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::model::Step;
use super::state::{LabMsg, LabState};

/// Props of the lab's panels.
#[derive(Properties, PartialEq)]
pub struct PanelProps {
    /// The page's state.
    pub state: Rc<LabState>,
    /// Sends a message to the page.
    pub dispatch: Callback<LabMsg>,
}

fn input_value(e: &Event) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}

fn select_value(e: &Event) -> String {
    e.target_unchecked_into::<HtmlSelectElement>().value()
}

fn checked(e: &Event) -> bool {
    e.target_unchecked_into::<HtmlInputElement>().checked()
}

/// A text field bound to a `UseStateHandle<String>`.
fn text_field(id: &str, label: &str, value: &UseStateHandle<String>, placeholder: &str) -> Html {
    let v = value.clone();
    let onchange = Callback::from(move |e: Event| v.set(input_value(&e)));
    let v = value.clone();
    let oninput = Callback::from(move |e: InputEvent| {
        v.set(e.target_unchecked_into::<HtmlInputElement>().value())
    });
    html! {
        <label class="field" for={id.to_owned()}>
            <span>{ label }</span>
            <input id={id.to_owned()} type="text" value={(**value).clone()} placeholder={placeholder.to_owned()}
                {onchange} {oninput} autocomplete="off" spellcheck="false" />
        </label>
    }
}

/// The left column.
#[function_component(Controls)]
pub fn controls(p: &PanelProps) -> Html {
    html! {
        <>
            <CreateForm state={p.state.clone()} dispatch={p.dispatch.clone()} />
            <Operations state={p.state.clone()} dispatch={p.dispatch.clone()} />
        </>
    }
}

#[function_component(CreateForm)]
fn create_form(p: &PanelProps) -> Html {
    let name = use_state(|| "web".to_owned());
    let image = use_state(|| "local/busybox:1".to_owned());
    let command = use_state(|| "httpd -f".to_owned());
    let program = use_state(|| "forever".to_owned());
    let after_ms = use_state(|| "2000".to_owned());
    let exit_code = use_state(|| "1".to_owned());
    let restart = use_state(|| "no".to_owned());
    let max_retries = use_state(|| "0".to_owned());
    let health = use_state(|| false);
    let interval_s = use_state(|| "1".to_owned());
    let retries = use_state(|| "3".to_owned());
    let probe = use_state(|| "passes".to_owned());
    let passes = use_state(|| "2".to_owned());
    let stop_timeout = use_state(String::new);
    let stop_signal = use_state(String::new);
    let auto_remove = use_state(|| false);
    let memory_mb = use_state(|| "0".to_owned());

    let on_program = {
        let (program, command) = (program.clone(), command.clone());
        let (after_ms, exit_code, memory_mb) =
            (after_ms.clone(), exit_code.clone(), memory_mb.clone());
        Callback::from(move |e: Event| {
            let v = select_value(&e);
            let cmd = match v.as_str() {
                "exits" => format!(
                    "sh -c 'sleep {}; exit {}'",
                    after_ms.parse::<i64>().unwrap_or(0) as f64 / 1000.0,
                    *exit_code
                ),
                "sigterm" => "sleep 1000".to_owned(),
                "memory" => {
                    if memory_mb.parse::<i64>().unwrap_or(0) == 0 {
                        memory_mb.set("8".to_owned());
                    }
                    "sh -c 'x=a; while true; do x=$x$x; done'".to_owned()
                }
                _ => "httpd -f".to_owned(),
            };
            command.set(cmd);
            program.set(v);
        })
    };

    let onsubmit = {
        let dispatch = p.dispatch.clone();
        let fields = (
            name.clone(),
            image.clone(),
            command.clone(),
            program.clone(),
            after_ms.clone(),
            exit_code.clone(),
            restart.clone(),
            max_retries.clone(),
        );
        let more = (
            health.clone(),
            interval_s.clone(),
            retries.clone(),
            probe.clone(),
            passes.clone(),
            stop_timeout.clone(),
            stop_signal.clone(),
            auto_remove.clone(),
            memory_mb.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (name, image, command, program, after_ms, exit_code, restart, max_retries) =
                &fields;
            let (
                health,
                interval_s,
                retries,
                probe,
                passes,
                stop_timeout,
                stop_signal,
                auto_remove,
                memory_mb,
            ) = &more;
            let int = |s: &str| s.trim().parse::<i64>().unwrap_or(0);
            let program = match program.as_str() {
                "exits" => Program::ExitsAfter {
                    after_ms: int(after_ms),
                    code: int(exit_code),
                },
                "sigterm" => Program::IgnoresSigterm,
                "memory" => Program::AllocatesMemory {
                    after_ms: int(after_ms),
                },
                _ => Program::RunsForever,
            };
            let restart = match restart.as_str() {
                "always" => RestartPolicy::always(),
                "unless-stopped" => RestartPolicy::unless_stopped(),
                "on-failure" => RestartPolicy::on_failure(int(max_retries)),
                _ => RestartPolicy::no(),
            };
            let (healthcheck, probe) = if **health {
                let probe = match probe.as_str() {
                    "fails" => Probe::Fails,
                    "then-fails" => Probe::PassesThenFails {
                        passes: u32::try_from(int(passes)).unwrap_or(0),
                    },
                    _ => Probe::Passes,
                };
                let interval_ms = (interval_s.trim().parse::<f64>().unwrap_or(1.0) * 1000.0) as i64;
                (
                    Some(HealthConfig {
                        test: vec![
                            "CMD-SHELL".to_owned(),
                            "wget -q -O- localhost/health".to_owned(),
                        ],
                        interval: Duration::from_millis(interval_ms).as_nanos(),
                        retries: int(retries),
                        ..HealthConfig::default()
                    }),
                    probe,
                )
            } else {
                (None, Probe::Passes)
            };
            let spec = CreateSpec {
                name: Some(name.trim().to_owned()).filter(|n| !n.is_empty()),
                image: image.trim().to_owned(),
                cmd: berth_core::sim::split_words(command),
                restart,
                healthcheck,
                probe,
                stop_timeout: Some(stop_timeout.trim()).filter(|s| !s.is_empty()).map(int),
                stop_signal: Some(stop_signal.trim().to_owned()).filter(|s| !s.is_empty()),
                auto_remove: **auto_remove,
                memory: int(memory_mb).saturating_mul(1024 * 1024),
                program,
                ..CreateSpec::default()
            };
            dispatch.emit(LabMsg::Apply(Step::Op(Op::Create {
                spec: Box::new(spec),
            })));
        })
    };

    let select = |id: &str,
                  value: &UseStateHandle<String>,
                  options: &[(&'static str, &'static str)],
                  onchange: Option<Callback<Event>>| {
        let v = value.clone();
        let onchange =
            onchange.unwrap_or_else(|| Callback::from(move |e: Event| v.set(select_value(&e))));
        html! {
            <select id={id.to_owned()} {onchange}>
                { for options.iter().map(|(val, label)| html! {
                    <option value={*val} selected={**value == *val}>{ *label }</option>
                }) }
            </select>
        }
    };
    let check = |id: &str, value: &UseStateHandle<bool>, label: &str| {
        let v = value.clone();
        let onchange = Callback::from(move |e: Event| v.set(checked(&e)));
        html! {
            <label class="check" for={id.to_owned()}>
                <input id={id.to_owned()} type="checkbox" checked={**value} {onchange} />
                <span>{ label }</span>
            </label>
        }
    };
    let needs_after = matches!(program.as_str(), "exits" | "memory");
    html! {
        <details class="card lab-card" open=true>
            <summary><h2>{ "Create a container" }</h2></summary>
            <form class="create-form" {onsubmit}>
                <div class="row2">
                    { text_field("c-name", "--name", &name, "generated") }
                    { text_field("c-image", "image", &image, "local/busybox:1") }
                </div>
                { text_field("c-cmd", "command", &command, "httpd -f") }
                <label class="field" for="c-program">
                    <span>{ "the process" }</span>
                    { select("c-program", &program, &[
                        ("forever", "runs until signalled"),
                        ("exits", "exits on its own"),
                        ("sigterm", "ignores SIGTERM"),
                        ("memory", "allocates memory"),
                    ], Some(on_program)) }
                </label>
                if needs_after {
                    <div class="row2">
                        { text_field("c-after", "after (ms)", &after_ms, "2000") }
                        if *program == "exits" {
                            { text_field("c-code", "exit code", &exit_code, "1") }
                        }
                    </div>
                }
                <div class="row2">
                    <label class="field" for="c-restart">
                        <span>{ "--restart" }</span>
                        { select("c-restart", &restart, &[
                            ("no", "no"),
                            ("always", "always"),
                            ("unless-stopped", "unless-stopped"),
                            ("on-failure", "on-failure"),
                        ], None) }
                    </label>
                    if *restart == "on-failure" {
                        { text_field("c-max", "max retries (0: no limit)", &max_retries, "0") }
                    }
                </div>
                { check("c-health", &health, "health check") }
                if *health {
                    <div class="row3">
                        { text_field("c-interval", "interval (s)", &interval_s, "1") }
                        { text_field("c-retries", "retries", &retries, "3") }
                        <label class="field" for="c-probe">
                            <span>{ "probes" }</span>
                            { select("c-probe", &probe, &[
                                ("passes", "pass"),
                                ("fails", "fail"),
                                ("then-fails", "pass N, then fail"),
                            ], None) }
                        </label>
                    </div>
                    if *probe == "then-fails" {
                        { text_field("c-passes", "N passing probes", &passes, "2") }
                    }
                }
                <div class="row2">
                    { text_field("c-timeout", "--stop-timeout", &stop_timeout, "10 (s)") }
                    { text_field("c-signal", "--stop-signal", &stop_signal, "SIGTERM") }
                </div>
                <div class="row2">
                    { text_field("c-memory", "-m, memory (MB)", &memory_mb, "0: no limit") }
                    { check("c-rm", &auto_remove, "--rm") }
                </div>
                <button type="submit" class="btn primary" id="lab-create">{ "docker create" }</button>
            </form>
        </details>
    }
}

#[function_component(Operations)]
fn operations(p: &PanelProps) -> Html {
    let target = use_state(String::new);
    let timeout = use_state(String::new);
    let signal = use_state(String::new);
    let new_name = use_state(String::new);
    let code = use_state(|| "1".to_owned());
    let condition = use_state(|| "not-running".to_owned());
    let wait_timeout = use_state(String::new);
    let failure = use_state(|| {
        "driver \"overlay2\" failed to remove root filesystem: device or resource busy".to_owned()
    });

    // The selected container's name is the default target; the learner may type any reference.
    let frame = {
        let lab = p.state.lab.borrow();
        lab.frame(p.state.cursor)
    };
    let selected_name = p
        .state
        .selected
        .as_ref()
        .and_then(|id| frame.view.get(id).ok())
        .map(|s| s.name.trim_start_matches('/').to_owned());
    {
        let target = target.clone();
        use_effect_with(selected_name.clone(), move |name| {
            if let Some(n) = name {
                target.set(n.clone());
            }
        });
    }
    let t = (*target).trim().to_owned();
    let has_target = !t.is_empty();
    let btn = |label: &str, id: &str, danger: bool, make: Rc<dyn Fn() -> Option<Step>>| {
        let dispatch = p.dispatch.clone();
        let onclick = Callback::from(move |_| {
            if let Some(step) = make() {
                dispatch.emit(LabMsg::Apply(step));
            }
        });
        html! {
            <button type="button" class={classes!("btn", danger.then_some("danger"))} id={id.to_owned()}
                disabled={!has_target} {onclick}>{ label }</button>
        }
    };
    let int = |s: &str| s.trim().parse::<i64>().ok();
    let tt = t.clone();
    let to = (*timeout).clone();
    let stop = Rc::new(move || {
        Some(Step::Op(Op::Stop {
            target: tt.clone(),
            timeout: int(&to),
        }))
    });
    let tt = t.clone();
    let to = (*timeout).clone();
    let restart = Rc::new(move || {
        Some(Step::Op(Op::Restart {
            target: tt.clone(),
            timeout: int(&to),
        }))
    });
    let tt = t.clone();
    let sg = (*signal).clone();
    let kill = Rc::new(move || {
        Some(Step::Op(Op::Kill {
            target: tt.clone(),
            signal: Some(sg.trim().to_owned()).filter(|s| !s.is_empty()),
        }))
    });
    let tt = t.clone();
    let nn = (*new_name).clone();
    let rename = Rc::new(move || {
        Some(Step::Op(Op::Rename {
            target: tt.clone(),
            name: nn.trim().to_owned(),
        }))
    });
    let tt = t.clone();
    let cd = (*code).clone();
    let exit = Rc::new(move || {
        Some(Step::Exit {
            target: tt.clone(),
            code: int(&cd).unwrap_or(0),
        })
    });
    let tt = t.clone();
    let fm = (*failure).clone();
    let fail = Rc::new(move || {
        Some(Step::FailRemoval {
            target: tt.clone(),
            message: fm.clone(),
        })
    });
    let tt = t.clone();
    let cond = (*condition).clone();
    let wt = (*wait_timeout).clone();
    let wait = Rc::new(move || {
        Some(Step::Op(Op::Wait {
            target: tt.clone(),
            condition: cond.parse::<WaitCondition>().unwrap_or_default(),
            timeout_ms: int(&wt),
        }))
    });
    let simple = |f: fn(String) -> Step| {
        let tt = t.clone();
        Rc::new(move || Some(f(tt.clone()))) as Rc<dyn Fn() -> Option<Step>>
    };
    let on_condition = {
        let condition = condition.clone();
        Callback::from(move |e: Event| condition.set(select_value(&e)))
    };
    html! {
        <>
        <section class="card lab-card" aria-labelledby="ops-title">
            <h2 id="ops-title">{ "Operate" }</h2>
            { text_field("op-target", "container (name, ID or ID prefix)", &target, "web") }
            <div class="btn-row">
                { btn("start", "op-start", false, simple(|target| Step::Op(Op::Start { target }))) }
                { btn("pause", "op-pause", false, simple(|target| Step::Op(Op::Pause { target }))) }
                { btn("unpause", "op-unpause", false, simple(|target| Step::Op(Op::Unpause { target }))) }
                { btn("inspect", "op-inspect", false, simple(|target| Step::Inspect { target })) }
            </div>
            <div class="inline-op">
                { text_field("op-timeout", "-t (s)", &timeout, "default") }
                { btn("stop", "op-stop", false, stop) }
                { btn("restart", "op-restart", false, restart) }
            </div>
            <div class="inline-op">
                { text_field("op-signal", "-s", &signal, "SIGKILL") }
                { btn("kill", "op-kill", true, kill) }
            </div>
            <div class="inline-op">
                { text_field("op-name", "new name", &new_name, "api") }
                { btn("rename", "op-rename", false, rename) }
            </div>
            <div class="btn-row">
                { btn("rm", "op-rm", true, simple(|target| Step::Op(Op::Remove { target, force: false }))) }
                { btn("rm -f", "op-rm-f", true, simple(|target| Step::Op(Op::Remove { target, force: true }))) }
            </div>
        </section>
        <section class="card lab-card" aria-labelledby="own-title">
            <h2 id="own-title">{ "On its own" }</h2>
            <p class="muted small">{ "Things the engine or the kernel do without a command." }</p>
            <div class="inline-op">
                { text_field("ev-code", "exit code", &code, "1") }
                { btn("process exits", "ev-exit", false, exit) }
            </div>
            <div class="btn-row">
                { btn("OOM kill", "ev-oom", true, simple(|target| Step::Oom { target })) }
                { btn("probe passes", "ev-pass", false, simple(|target| Step::Probe { target, passed: true })) }
                { btn("probe fails", "ev-fail", false, simple(|target| Step::Probe { target, passed: false })) }
            </div>
            <div class="btn-row">
                { btn("removal starts", "ev-begin-rm", false, simple(|target| Step::BeginRemoval { target })) }
                { btn("removal completes", "ev-complete-rm", false, simple(|target| Step::CompleteRemoval { target })) }
            </div>
            <div class="inline-op">
                { text_field("ev-failure", "error", &failure, "") }
                { btn("removal fails", "ev-fail-rm", true, fail) }
            </div>
        </section>
        <section class="card lab-card" aria-labelledby="wait-title">
            <h2 id="wait-title">{ "Wait" }</h2>
            <div class="row2">
                <label class="field" for="w-condition">
                    <span>{ "condition" }</span>
                    <select id="w-condition" onchange={on_condition}>
                        { for WaitCondition::ALL.iter().map(|c| html! {
                            <option value={c.as_str()} selected={*condition == c.as_str()}>{ c.as_str() }</option>
                        }) }
                    </select>
                </label>
                { text_field("w-timeout", "give up after (ms)", &wait_timeout, "never") }
            </div>
            { btn("place waiter", "w-place", false, wait) }
        </section>
        </>
    }
}
