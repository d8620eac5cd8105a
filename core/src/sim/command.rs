//! Reading a container's command the way a learner writes it: what the simulated process does
//! for `sleep 30`, `top`, `true`, `false` or `sh -c 'sleep 2; exit 3'`.
//!
//! The process is the container's PID 1, with no init (`--init` is not simulated), in a busybox
//! image. What that means, as seen on Engine 20.10 with Debian's static busybox:
//!
//! - The kernel drops every signal that PID 1 has no handler for. `sleep`, `sh` and `cat`
//!   install none, so `docker stop` waits for its timeout and kills them (exit 137), and
//!   `docker kill -s TERM` changes nothing. busybox `top` handles SIGTERM (exit 143).
//! - `sh` and `cat` read their standard input, which is closed without `-i`: they exit 0 at
//!   once. So does a container of an image whose default command is `/bin/sh`.
//! - `sh -c 'one command'` runs that command in its place, as busybox's shell does.
//!
//! A command outside what is read here is not guessed at: [`read_command`] says so
//! ([`Reading::unread`]), and the process runs until it is stopped, ending on SIGTERM, as a
//! server does ([`Program::RunsForever`]).

use serde::{Deserialize, Serialize};

use super::spec::{Probe, Program};

/// What the simulation makes of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// What the process does.
    pub program: Program,
    /// What it prints in each run, in order.
    pub output: Vec<Printed>,
    /// When the command was not read: which part, and what the process does instead. `None`
    /// when it was read.
    pub unread: Option<String>,
}

impl Reading {
    fn read(program: Program, output: Vec<Printed>) -> Reading {
        Reading {
            program,
            output,
            unread: None,
        }
    }
}

/// Something a process prints: when, into its run, and on which stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Printed {
    /// Milliseconds after the start of the run.
    pub at_ms: i64,
    /// On standard error (else standard output).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stderr: bool,
    /// The bytes, as text (a line ends with its `\n`).
    pub text: String,
}

impl Printed {
    fn out(at_ms: i64, text: String) -> Printed {
        Printed {
            at_ms,
            stderr: false,
            text,
        }
    }
}

/// What `echo` and `printf` print, busybox's way; `Err` for what is not read (escapes and
/// formats beyond `\n`, `\t`, `\\`, `%s`, `%d`, `%%`). Other commands print nothing here,
/// but `sleep` with a duration it cannot read says so on standard error.
fn printed(argv: &[String]) -> Result<Option<Printed>, ()> {
    let Some((first, args)) = argv.split_first() else {
        return Ok(None);
    };
    match program_name(first) {
        "echo" => {
            let (mut newline, mut escapes, mut words) = (true, false, args);
            while let Some((flag, rest)) = words.split_first() {
                match flag.as_str() {
                    "-n" => newline = false,
                    "-e" => escapes = true,
                    "-E" => escapes = false,
                    _ => break,
                }
                words = rest;
            }
            let mut text = words.join(" ");
            if escapes {
                text = unescape(&text)?;
            }
            if newline {
                text.push('\n');
            }
            Ok(Some(Printed::out(0, text)))
        }
        "printf" => {
            let (format, values) = args.split_first().ok_or(())?;
            Ok(Some(Printed::out(0, printf(format, values)?)))
        }
        "sleep" => Ok(args
            .iter()
            .find(|a| {
                sleep(std::slice::from_ref(a))
                    == Some(Run::Exits {
                        after_ms: 0,
                        code: 1,
                    })
            })
            .map(|bad| Printed {
                at_ms: 0,
                stderr: true,
                text: format!("sleep: invalid number '{bad}'\n"),
            })),
        _ => Ok(None),
    }
}

/// `\n`, `\t` and `\\` read; any other escape is not.
fn unescape(text: &str) -> Result<String, ()> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            _ => return Err(()),
        }
    }
    Ok(out)
}

/// busybox `printf`: the format applied to the values, again while values remain.
fn printf(format: &str, values: &[String]) -> Result<String, ()> {
    let format = unescape(format)?;
    let mut out = String::new();
    let mut values = values.iter();
    loop {
        let mut used = false;
        let mut chars = format.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('%') => out.push('%'),
                Some('s') => {
                    used = true;
                    out.push_str(values.next().map_or("", String::as_str));
                }
                Some('d') => {
                    used = true;
                    let v = values.next().map_or("0", String::as_str);
                    out.push_str(&v.trim().parse::<i64>().map_err(|_| ())?.to_string());
                }
                _ => return Err(()),
            }
        }
        if !used || values.len() == 0 {
            return Ok(out);
        }
    }
}

/// What the process does when berth cannot read its command.
pub const UNREAD_DEFAULT: &str = "runs until it is stopped, and SIGTERM ends it";

/// Reads `argv` (the entrypoint, then the command) as the container's PID 1. An empty `argv` is
/// the image's default command, `/bin/sh`.
pub fn read_command(argv: &[String]) -> Reading {
    if argv.is_empty() {
        return Reading::read(exits(0, 0), Vec::new());
    }
    let mut output = Vec::new();
    let run = match run_simple(argv) {
        Some(Run::Script(script)) => run_script(&script, &mut output),
        Some(run) => match printed(argv) {
            Ok(p) => {
                output.extend(p);
                Ok(run)
            }
            Err(()) => Err(argv.join(" ")),
        },
        None => Err(argv.join(" ")),
    };
    match run {
        Ok(Run::Exits { after_ms, code }) => Reading::read(exits(after_ms, code), output),
        Ok(Run::Forever { handles_term: true }) => Reading::read(Program::RunsForever, output),
        Ok(
            Run::Forever {
                handles_term: false,
            }
            | Run::Script(_),
        ) => Reading::read(Program::IgnoresSigterm, output),
        Ok(Run::Hog) => Reading::read(Program::AllocatesMemory { after_ms: HOG_MS }, output),
        Err(part) => unread(&part),
    }
}

/// The label that says, on a container made through the Engine API, which part of its command
/// or health check berth did not read and what the simulation does instead.
pub const UNREAD_LABEL: &str = "berth.sim.unread";

/// Reads a health check's `Test` (`["CMD", …]` or `["CMD-SHELL", "…"]`) as its probe: one that
/// exits 0 passes, any other fails. `Err` says what was not read; such a probe passes.
pub fn read_probe(test: &[String]) -> Result<Probe, String> {
    let argv: Vec<String> = match test.split_first() {
        Some((kind, rest)) if kind == "CMD" => rest.to_vec(),
        Some((kind, rest)) if kind == "CMD-SHELL" => {
            let mut argv = vec!["sh".to_owned(), "-c".to_owned()];
            argv.push(rest.join(" "));
            argv
        }
        _ => return Ok(Probe::Passes),
    };
    let reading = read_command(&argv);
    match (reading.unread, reading.program.exits_after()) {
        (None, Some((_, 0))) => Ok(Probe::Passes),
        (None, Some(_)) => Ok(Probe::Fails),
        _ => Err(format!(
            "berth does not read the health check `{}`: every probe passes",
            argv.join(" ")
        )),
    }
}

fn unread(part: &str) -> Reading {
    Reading {
        program: Program::RunsForever,
        output: Vec::new(),
        unread: Some(format!(
            "berth does not read the command `{part}`: the simulated process {UNREAD_DEFAULT}"
        )),
    }
}

/// A process that exits with `code` after `after_ms`, ignoring every signal but SIGKILL (PID 1
/// without handlers).
fn exits(after_ms: i64, code: i64) -> Program {
    Program::ExitsIgnoringSignals { after_ms, code }
}

/// What one simple command does.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Run {
    /// It exits with `code` after `after_ms`.
    Exits { after_ms: i64, code: i64 },
    /// It runs until it is signalled; `handles_term` when SIGTERM ends it.
    Forever { handles_term: bool },
    /// It is a shell running this script.
    Script(String),
    /// It allocates memory without bound.
    Hog,
}

/// How long the memory hog takes to reach an 8 MB limit: Engine 20.10 killed `sh -c 'x=a; while
/// true; do x=$x$x; done'` under `-m 8m` 83 ms after its start.
const HOG_MS: i64 = 80;

/// Whether `script` is the memory hog `x=a; while true; do x=$x$x; done` (any variable, any
/// start value, `true` or `:`, spaces as they come): a string doubled for ever.
fn is_memory_hog(script: &str) -> bool {
    let compact: String = script.split_whitespace().collect::<Vec<_>>().join(" ");
    let Some((var, rest)) = compact.split_once('=') else {
        return false;
    };
    let var_ok = !var.is_empty() && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let Some((_, rest)) = rest.split_once(';') else {
        return false;
    };
    let body = format!("{var}=${var}${var}");
    let loops = [
        format!("while true; do {body}; done"),
        format!("while :; do {body}; done"),
    ];
    let rest = rest.trim().trim_end_matches(';').trim();
    var_ok && loops.iter().any(|l| l == rest)
}

/// The program's name: the last part of its path.
fn program_name(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// Reads one simple command; `None` when it is not one berth reads.
fn run_simple(argv: &[String]) -> Option<Run> {
    let (first, args) = argv.split_first()?;
    let done = |code| Some(Run::Exits { after_ms: 0, code });
    match program_name(first) {
        "sleep" => sleep(args),
        "true" | ":" => done(0),
        "false" => done(1),
        "echo" | "printf" => done(0),
        "cat" if args.is_empty() => done(0),
        "top" => Some(Run::Forever { handles_term: true }),
        "sh" | "ash" => match args {
            [] => done(0),
            [flag, script, ..] if flag == "-c" => Some(Run::Script(script.clone())),
            _ => None,
        },
        "exit" => match args {
            [] => done(0),
            [code] => code.parse::<i64>().ok().map(|c| Run::Exits {
                after_ms: 0,
                code: c.rem_euclid(256),
            }),
            _ => None,
        },
        _ => None,
    }
}

/// busybox `sleep`: the sum of its durations, each a number with an optional suffix `s`, `m`,
/// `h` or `d`; `inf` or `infinity` sleeps for ever. A duration it cannot read ends it at once
/// with exit 1, as busybox does ("sleep: invalid number").
fn sleep(args: &[String]) -> Option<Run> {
    if args.is_empty() {
        return Some(Run::Exits {
            after_ms: 0,
            code: 1,
        });
    }
    let mut total_ms: i64 = 0;
    for arg in args {
        if matches!(arg.as_str(), "inf" | "infinity") {
            return Some(Run::Forever {
                handles_term: false,
            });
        }
        let (number, unit_ms) = match arg.char_indices().last() {
            Some((i, 's')) => (&arg[..i], 1_000.0),
            Some((i, 'm')) => (&arg[..i], 60_000.0),
            Some((i, 'h')) => (&arg[..i], 3_600_000.0),
            Some((i, 'd')) => (&arg[..i], 86_400_000.0),
            _ => (arg.as_str(), 1_000.0),
        };
        let plain = !number.is_empty()
            && number.chars().all(|c| c.is_ascii_digit() || c == '.')
            && number.matches('.').count() <= 1;
        match number.parse::<f64>() {
            Ok(n) if plain && n.is_finite() => {
                let ms = (n * unit_ms).round();
                if ms >= 1e15 {
                    return Some(Run::Forever {
                        handles_term: false,
                    });
                }
                total_ms = total_ms.saturating_add(ms as i64);
            }
            _ => {
                return Some(Run::Exits {
                    after_ms: 0,
                    code: 1,
                })
            }
        }
    }
    Some(Run::Exits {
        after_ms: total_ms,
        code: 0,
    })
}

/// How a command of a script is joined to the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Join {
    Then,
    And,
    Or,
}

/// Runs a `sh -c` script of simple commands joined by `;`, newlines, `&&` and `||`, noting
/// what it prints in `output`. One simple command alone is run in the shell's place. `Err`
/// names the part berth does not read.
fn run_script(script: &str, output: &mut Vec<Printed>) -> Result<Run, String> {
    if is_memory_hog(script) {
        return Ok(Run::Hog);
    }
    let parts = split_script(script)?;
    let mut elapsed: i64 = 0;
    let mut status: i64 = 0;
    for (join, words) in &parts {
        let skip = match join {
            Join::Then => false,
            Join::And => status != 0,
            Join::Or => status == 0,
        };
        if skip {
            continue;
        }
        let name = words.first().map(|w| program_name(w)).unwrap_or_default();
        if name == "trap" {
            // A handler that ignores signals changes nothing for PID 1, which ignores them
            // already; any other handler is not read.
            if words
                .get(1)
                .is_some_and(|action| action.is_empty() || action == "-")
            {
                status = 0;
                continue;
            }
            return Err(words.join(" "));
        }
        if name == "exit" {
            let code = match words.get(1..) {
                Some([]) | None => status,
                Some([code]) => code
                    .parse::<i64>()
                    .map_err(|_| words.join(" "))?
                    .rem_euclid(256),
                Some(_) => return Err(words.join(" ")),
            };
            return Ok(Run::Exits {
                after_ms: elapsed,
                code,
            });
        }
        match printed(words) {
            Ok(p) => output.extend(p.map(|p| Printed {
                at_ms: elapsed,
                ..p
            })),
            Err(()) => return Err(words.join(" ")),
        }
        match run_simple(words) {
            Some(Run::Exits { after_ms, code }) => {
                elapsed = elapsed.saturating_add(after_ms);
                status = code;
            }
            Some(Run::Forever { handles_term }) => {
                // One command alone runs in the shell's place, with its own handlers.
                return Ok(Run::Forever {
                    handles_term: handles_term && parts.len() == 1,
                });
            }
            // run_simple reads no hog; a nested script is not read.
            Some(Run::Script(_) | Run::Hog) | None => return Err(words.join(" ")),
        }
    }
    Ok(Run::Exits {
        after_ms: elapsed,
        code: status,
    })
}

/// Splits a script into its simple commands, each with the way it is joined to the previous one.
/// Quotes group as [`split_words`] reads them; anything else a shell gives meaning to (pipes,
/// redirections, substitutions, loops) is not read.
fn split_script(script: &str) -> Result<Vec<(Join, Vec<String>)>, String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut join = Join::Then;
    let mut quote: Option<char> = None;
    let mut chars = script.chars().peekable();
    let push = |text: &mut String, join: Join, parts: &mut Vec<(Join, Vec<String>)>| {
        let words = split_words(text);
        text.clear();
        if !words.is_empty() {
            parts.push((join, words));
        }
    };
    while let Some(c) = chars.next() {
        match (quote, c) {
            // An escaped character stays as it is, for split_words to read.
            (None | Some('"'), '\\') => {
                current.push(c);
                current.extend(chars.next());
            }
            (Some(q), c) if c == q => {
                quote = None;
                current.push(c);
            }
            (Some(_), c) => current.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                current.push(c);
            }
            (None, ';' | '\n') => {
                push(&mut current, join, &mut parts);
                join = Join::Then;
            }
            (None, '&') if chars.peek() == Some(&'&') => {
                chars.next();
                push(&mut current, join, &mut parts);
                join = Join::And;
            }
            (None, '|') if chars.peek() == Some(&'|') => {
                chars.next();
                push(&mut current, join, &mut parts);
                join = Join::Or;
            }
            (None, '|' | '&' | '<' | '>' | '`' | '$' | '(' | ')' | '{' | '}') => {
                return Err(script.to_owned())
            }
            (None, c) => current.push(c),
        }
    }
    if quote.is_some() {
        return Err(script.to_owned());
    }
    push(&mut current, join, &mut parts);
    let keywords = [
        "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac",
    ];
    if parts
        .iter()
        .any(|(_, words)| keywords.contains(&words[0].as_str()))
    {
        return Err(script.to_owned());
    }
    Ok(parts)
}

/// Splits a command line into words as a shell does for simple input: whitespace separates,
/// single and double quotes group (no escapes inside single quotes; inside double quotes `\`
/// escapes only `$`, `` ` ``, `"`, `\` and a newline; outside quotes it escapes any character).
pub fn split_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            // Inside double quotes a backslash escapes only `$`, `` ` ``, `"`, `\` and a newline.
            (Some('"'), '\\') => match chars.next() {
                Some(n @ ('$' | '`' | '"' | '\\' | '\n')) => word.push(n),
                Some(n) => {
                    word.push('\\');
                    word.push(n);
                }
                None => word.push('\\'),
            },
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                if let Some(n) = chars.next() {
                    word.push(n);
                    in_word = true;
                }
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}
