//! Benchmarks of the ViewDB in the shapes of the reference's own (`container/view_test.go`:
//! `BenchmarkDBAdd100`, `BenchmarkDBGetByPrefix100/250/500`), plus what the dashboard leans on:
//! snapshots at any size, a save into a large database, a full listing, and the mirror
//! `Model` applying a realistic stream of engine events.
//!
//! Run: `cargo bench -p berth-core --bench viewdb`. Results and the Go reference figures are in
//! `docs/BENCHMARKS.md`.
//!
//! Criterion is a native-only dev-dependency: on wasm32 this is an empty program.

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::hint::black_box;

    use berth_core::events::Event;
    use berth_core::model::Model;
    use berth_core::sim::Rng;
    use berth_core::{Container, Time, ViewDb};
    use criterion::measurement::Measurement;
    use criterion::{BenchmarkId, Criterion, Throughput};

    fn ids(seed: u64, n: usize) -> Vec<String> {
        let mut rng = Rng::new(seed);
        (0..n).map(|_| rng.hex_id()).collect()
    }

    fn now() -> Time {
        Time::from_unix_secs(1_700_000_000)
    }

    /// A ViewDb holding `n` base containers with random IDs.
    fn filled(seed: u64, n: usize) -> (ViewDb, Vec<Container>) {
        let containers: Vec<Container> =
            ids(seed, n).into_iter().map(Container::new_base).collect();
        let mut db = ViewDb::new();
        for c in &containers {
            db.save(c, now()).expect("save only inserts");
        }
        (db, containers)
    }

    /// `BenchmarkDBAdd100`: 100 saves of fresh IDs into a new database, per iteration.
    fn db_add_100<M: Measurement + 'static>(c: &mut Criterion<M>) {
        let containers: Vec<Container> = ids(1, 100).into_iter().map(Container::new_base).collect();
        c.bench_function("DBAdd100", |b| {
            b.iter(|| {
                let mut db = ViewDb::new();
                for c in &containers {
                    db.save(black_box(c), now()).expect("save only inserts");
                }
                db
            })
        });
    }

    /// `BenchmarkDBGetByPrefix{100,250,500}`: one lookup of a 12–23 character prefix per ID, so
    /// one iteration is a batch of N lookups, as in the reference.
    fn db_get_by_prefix<M: Measurement + 'static>(c: &mut Criterion<M>) {
        let mut group = c.benchmark_group("DBGetByPrefix");
        for n in [100, 250, 500] {
            let (db, containers) = filled(2 + n as u64, n);
            let mut rng = Rng::new(7);
            let keys: Vec<String> = containers
                .iter()
                .map(|c| c.id[..12 + rng.below(12)].to_owned())
                .collect();
            group.bench_with_input(BenchmarkId::from_parameter(n), &keys, |b, keys| {
                b.iter(|| {
                    for k in keys {
                        black_box(db.get_by_prefix(black_box(k)).expect("a unique prefix"));
                    }
                })
            });
        }
        group.finish();
    }

    /// `snapshot()` must not grow with the size of the database.
    fn snapshot<M: Measurement + 'static>(c: &mut Criterion<M>) {
        let mut group = c.benchmark_group("Snapshot");
        for n in [100, 10_000, 100_000] {
            let (db, _) = filled(3, n);
            group.bench_with_input(BenchmarkId::from_parameter(n), &db, |b, db| {
                b.iter(|| black_box(db.snapshot()))
            });
        }
        group.finish();
    }

    /// One save (a replacement, so the size stays put) into a database of 10,000.
    fn save_into_10k<M: Measurement + 'static>(c: &mut Criterion<M>) {
        let (mut db, mut containers) = filled(4, 10_000);
        for (i, c) in containers.iter_mut().enumerate() {
            c.state.pid = i as i64;
        }
        let mut i = 0;
        c.bench_function("SaveInto10k", |b| {
            b.iter(|| {
                let c = &containers[i % containers.len()];
                i += 1;
                db.save(black_box(c), now()).expect("save only inserts");
            })
        });
    }

    /// One save into a database of 10,000 while the previous snapshot is still held, as the mirror
    /// does (it takes a view after every change): the save copies the path it writes, as the
    /// reference's go-memdb transaction always does.
    fn save_into_10k_with_snapshot<M: Measurement + 'static>(c: &mut Criterion<M>) {
        let (mut db, mut containers) = filled(8, 10_000);
        for (i, c) in containers.iter_mut().enumerate() {
            c.state.pid = i as i64;
        }
        let mut i = 0;
        let mut held = db.snapshot();
        c.bench_function("SaveInto10kSnapshotHeld", |b| {
            b.iter(|| {
                let c = &containers[i % containers.len()];
                i += 1;
                db.save(black_box(c), now()).expect("save only inserts");
                held = db.snapshot();
            })
        });
        black_box(held);
    }

    /// `View::all()` over 10,000 containers.
    fn all_10k<M: Measurement + 'static>(c: &mut Criterion<M>) {
        let (db, _) = filled(5, 10_000);
        let view = db.snapshot();
        c.bench_function("All10k", |b| b.iter(|| black_box(view.all())));
    }

    /// One millisecond later.
    fn tick(t: &mut Time) -> Time {
        *t = t.add(berth_core::Duration::from_millis(1));
        *t
    }

    /// The events one round of the mix sends: for each running container a health probe (three
    /// exec events), and for every tenth one a health flip; every twentieth dies and starts again
    /// (die, start); and a short-lived container is created and destroyed every fiftieth.
    fn event_mix(ids: &[String], churn: &[String], t0: Time, round: usize) -> Vec<Event> {
        let mut out = Vec::new();
        let mut t = t0;
        for (i, id) in ids.iter().enumerate() {
            let exec = format!("{round:032x}{i:032x}");
            out.push(
                Event::container("exec_create: /bin/sh -c true", id, tick(&mut t))
                    .with_attribute("execID", &exec)
                    .with_attribute("name", format!("c{i}")),
            );
            out.push(
                Event::container("exec_start: /bin/sh -c true", id, tick(&mut t))
                    .with_attribute("execID", &exec),
            );
            out.push(
                Event::container("exec_die", id, tick(&mut t))
                    .with_attribute("execID", &exec)
                    .with_attribute("exitCode", "0"),
            );
            if i % 10 == 0 {
                // Alternate rounds flip the status back, so every flip is a change.
                let status = if (i / 10 + round) % 2 == 0 {
                    "unhealthy"
                } else {
                    "healthy"
                };
                out.push(Event::container(
                    format!("health_status: {status}"),
                    id,
                    tick(&mut t),
                ));
            }
            if i % 20 == 5 {
                out.push(Event::container("die", id, tick(&mut t)).with_attribute("exitCode", "1"));
                out.push(Event::container("start", id, tick(&mut t)));
            }
            if i % 50 == 0 {
                let cid = &churn[i / 50];
                out.push(
                    Event::container("create", cid, tick(&mut t))
                        .with_attribute("name", format!("tmp{i}"))
                        .with_attribute("image", "busybox"),
                );
                out.push(Event::container("start", cid, tick(&mut t)));
                out.push(
                    Event::container("die", cid, tick(&mut t)).with_attribute("exitCode", "0"),
                );
                out.push(Event::container("destroy", cid, tick(&mut t)));
            }
        }
        out
    }

    /// The mirror applying pre-parsed events to a model of 1,000 running containers with health
    /// checks; reported as events per second.
    fn model_apply<M: Measurement + 'static>(c: &mut Criterion<M>) {
        let ids = ids(6, 1_000);
        let churn = self::ids(7, 1_000 / 50 + 1);
        let t0 = now();
        let mut model = Model::new();
        for (i, id) in ids.iter().enumerate() {
            model.apply(
                &Event::container("create", id, t0)
                    .with_attribute("name", format!("c{i}"))
                    .with_attribute("image", "busybox"),
            );
            model.apply(&Event::container("start", id, t0));
            model.apply(&Event::container("health_status: healthy", id, t0));
        }
        let mut events = event_mix(&ids, &churn, t0.add(berth_core::Duration::from_secs(1)), 0);
        events.extend(event_mix(
            &ids,
            &churn,
            t0.add(berth_core::Duration::from_secs(2)),
            1,
        ));
        let mut group = c.benchmark_group("ModelApply");
        group.throughput(Throughput::Elements(events.len() as u64));
        group.bench_function(
            BenchmarkId::new("mix", format!("{}events", events.len())),
            |b| {
                b.iter(|| {
                    for ev in &events {
                        black_box(model.apply(black_box(ev)));
                    }
                })
            },
        );
        group.finish();
        assert_eq!(model.len(), 1_000, "the churn containers are gone again");
    }

    /// Every benchmark, with the clock `c` measures by.
    pub fn all<M: Measurement + 'static>(c: &mut Criterion<M>) {
        db_add_100(c);
        db_get_by_prefix(c);
        snapshot(c);
        save_into_10k(c);
        save_into_10k_with_snapshot(c);
        all_10k(c);
        model_apply(c);
    }

    /// The calling thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`): on a machine shared with other
    /// work, what the code costs, without the time the scheduler gave to others.
    #[cfg(unix)]
    pub struct ThreadCpuTime;

    #[cfg(unix)]
    fn thread_cpu_now() -> std::time::Duration {
        let ts = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
        std::time::Duration::new(
            u64::try_from(ts.tv_sec).unwrap_or(0),
            u32::try_from(ts.tv_nsec).unwrap_or(0),
        )
    }

    /// Durations print as criterion's wall-clock ones do.
    #[cfg(unix)]
    static DURATIONS: criterion::measurement::WallTime = criterion::measurement::WallTime;

    #[cfg(unix)]
    impl Measurement for ThreadCpuTime {
        type Intermediate = std::time::Duration;
        type Value = std::time::Duration;

        fn start(&self) -> Self::Intermediate {
            thread_cpu_now()
        }
        fn end(&self, started: Self::Intermediate) -> Self::Value {
            thread_cpu_now().saturating_sub(started)
        }
        fn add(&self, a: &Self::Value, b: &Self::Value) -> Self::Value {
            *a + *b
        }
        fn zero(&self) -> Self::Value {
            std::time::Duration::ZERO
        }
        fn to_f64(&self, value: &Self::Value) -> f64 {
            value.as_nanos() as f64
        }
        fn formatter(&self) -> &dyn criterion::measurement::ValueFormatter {
            DURATIONS.formatter()
        }
    }
}

/// Wall-clock time by default; `BERTH_BENCH_CLOCK=cpu` measures the thread's CPU time instead.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let cpu = std::env::var("BERTH_BENCH_CLOCK").is_ok_and(|v| v == "cpu");
    #[cfg(unix)]
    if cpu {
        let mut c = criterion::Criterion::default()
            .with_measurement(native::ThreadCpuTime)
            .configure_from_args();
        native::all(&mut c);
        c.final_summary();
        return;
    }
    if cpu {
        eprintln!("BERTH_BENCH_CLOCK=cpu needs a unix thread clock; measuring wall-clock time");
    }
    let mut c = criterion::Criterion::default().configure_from_args();
    native::all(&mut c);
    c.final_summary();
}

#[cfg(target_arch = "wasm32")]
fn main() {}
