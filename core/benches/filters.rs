//! `docker ps` filters over 5,000 snapshots, as the dashboard re-filters on every keystroke:
//! compiling a filter against a view, and listing with it.
//!
//! Criterion is a native-only dev-dependency: on wasm32 this is an empty program.

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::collections::BTreeMap;
    use std::hint::black_box;

    use berth_core::filters::{list, Filters, ListOptions};
    use berth_core::{Container, ExitStatus, Time, View, ViewDb};
    use criterion::{criterion_group, Criterion};

    const N: usize = 5_000;

    fn view() -> View {
        let mut db = ViewDb::new();
        for i in 0..N {
            let id = format!("{:064x}", i * 7919 + 1);
            let mut c = Container::new_base(id.clone());
            c.name = format!("/{}-{i}", ["web", "db", "job", "cache"][i % 4]);
            c.created = Time::from_unix_secs(1_600_000_000 + i as i64);
            c.config.image = ["busybox", "nginx:1.25", "postgres"][i % 3].to_owned();
            c.image_id = format!("sha256:{:064x}", i % 3);
            c.config.labels = BTreeMap::from([
                ("app".to_owned(), format!("app{}", i % 10)),
                ("tier".to_owned(), ["front", "back"][i % 2].to_owned()),
            ]);
            let started = Time::from_unix_secs(1_600_000_100 + i as i64);
            c.state.set_running(1000 + i as i64, true, started);
            if i % 3 == 0 {
                c.state
                    .set_stopped(ExitStatus::new((i % 5) as i64, started), started);
            }
            db.reserve_name(&c.name, &id).unwrap();
            db.save(&c, Time::from_unix_secs(1_700_000_000)).unwrap();
        }
        db.snapshot()
    }

    fn filters(c: &mut Criterion) {
        let view = view();
        let cases = [
            ("none", ""),
            ("name", "name=^web-1"),
            ("status_label", "status=exited label=tier=front"),
            ("ancestor", "ancestor=nginx:1.25"),
            ("exited_before", "exited=0 exited=3 before=db-4001"),
        ];
        for (label, query) in cases {
            let f = Filters::parse_cli(query).unwrap();
            c.bench_function(&format!("filters/compile/{label}"), |b| {
                b.iter(|| black_box(f.compile(&view).unwrap()))
            });
            let opts = ListOptions {
                all: true,
                limit: None,
                filters: f.clone(),
            };
            c.bench_function(&format!("filters/list/{label}"), |b| {
                b.iter(|| black_box(list(&view, &opts).unwrap().len()))
            });
            let compiled = f.compile(&view).unwrap();
            c.bench_function(&format!("filters/matches/{label}"), |b| {
                b.iter(|| black_box(view.iter().filter(|s| compiled.matches(s)).count()))
            });
        }
    }

    criterion_group!(benches, filters);
}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(native::benches);

#[cfg(target_arch = "wasm32")]
fn main() {}
