//! Specification of `CreateDaemonEnvironment` and `InitDNSHostConfig`. The reference has no unit
//! test of either; these are their semantics as tables.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use berth_core::daemon_env::DEFAULT_PATH_ENV;
use berth_core::Container;

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn create_daemon_environment() {
    let path = format!("PATH={DEFAULT_PATH_ENV}");
    // (description, OS, tty, linked env, config env, expected)
    type Case<'a> = (
        &'a str,
        &'a str,
        bool,
        &'a [&'a str],
        &'a [&'a str],
        Vec<String>,
    );
    let cases: &[Case<'_>] = &[
        (
            "defaults only",
            "",
            false,
            &[],
            &[],
            vec![path.clone(), "HOSTNAME=abc".into()],
        ),
        (
            "tty adds TERM",
            "",
            true,
            &[],
            &[],
            vec![path.clone(), "HOSTNAME=abc".into(), "TERM=xterm".into()],
        ),
        (
            "links after the defaults, config after them",
            "",
            false,
            &["DB_PORT=tcp://172.17.0.2:5432"],
            &["FOO=bar"],
            vec![
                path.clone(),
                "HOSTNAME=abc".into(),
                "DB_PORT=tcp://172.17.0.2:5432".into(),
                "FOO=bar".into(),
            ],
        ),
        (
            "the config overrides in place",
            "",
            true,
            &["DB_PORT=tcp://172.17.0.2:5432"],
            &["TERM=dumb", "PATH=/bin", "DB_PORT=x"],
            vec![
                "PATH=/bin".into(),
                "HOSTNAME=abc".into(),
                "TERM=dumb".into(),
                "DB_PORT=x".into(),
            ],
        ),
        (
            "a bare key removes",
            "",
            true,
            &[],
            &["TERM"],
            vec![path.clone(), "HOSTNAME=abc".into()],
        ),
        (
            "a Windows container has no default PATH",
            "windows",
            false,
            &[],
            &[],
            vec!["PATH=".into(), "HOSTNAME=abc".into()],
        ),
    ];
    for (desc, os, tty, linked, env, want) in cases {
        let mut c = Container::new_base("id");
        c.os = (*os).to_owned();
        c.config.hostname = "abc".into();
        c.config.env = Some(strings(env));
        assert_eq!(
            c.create_daemon_environment(*tty, &strings(linked)),
            *want,
            "{desc}"
        );
    }
}

#[test]
fn init_dns_host_config() {
    let mut c = Container::new_base("id");
    c.host_config.dns_search = Some(strings(&["example.com"]));
    c.init_dns_host_config();
    assert_eq!(c.host_config.dns, Some(vec![]));
    assert_eq!(c.host_config.dns_options, Some(vec![]));
    assert_eq!(c.host_config.dns_search, Some(strings(&["example.com"])));

    // As JSON: empty lists, not null.
    let json = serde_json::to_value(&c.host_config).unwrap();
    assert_eq!(json["Dns"], serde_json::json!([]));
    assert_eq!(json["DnsOptions"], serde_json::json!([]));

    // Null on the wire reads as None.
    let h: berth_core::HostConfig =
        serde_json::from_str(r#"{"Dns":null,"DnsOptions":[],"DnsSearch":null}"#).unwrap();
    assert_eq!(
        (h.dns, h.dns_options, h.dns_search),
        (None, Some(vec![]), None)
    );
}
