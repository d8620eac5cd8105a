//! The core's operations ([`Op`]) sent to a real private dockerd through berth's Docker engine
//! (`adapter/src/engine/docker.rs`): each one's Engine API request makes the engine do what the
//! simulated engine does with it, and the engine's answers come back in berth's terms.

use berth::engine::docker::DockerEngine;
use berth::engine::{Answer, Engine, EngineError, Outcome};
use berth_core::ops::Op;
use berth_core::restart::RestartPolicy;
use berth_core::sim::CreateSpec;
use berth_core::wait::WaitCondition;
use berth_tests::{skip_unless, Need, PrivateDaemon, IMAGE};

fn t(s: &str) -> String {
    s.to_owned()
}

async fn outcome(engine: &DockerEngine, op: Op) -> Result<Outcome, EngineError> {
    match engine.apply(&op).await? {
        Answer::Outcome(o) => Ok(o),
        other => panic!("{op:?} answered {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_do_on_a_real_engine_what_they_say() {
    if skip_unless(&[Need::Engine]) {
        return;
    }
    let daemon = PrivateDaemon::start();
    let api = daemon.api();
    let engine = DockerEngine::connect(&daemon.host())
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));

    // create: the request's body makes the container the spec describes, on network none.
    let spec = CreateSpec::new(IMAGE, &["sh", "-c", "sleep 1; exit 3"])
        .named("opjob")
        .restart(RestartPolicy::on_failure(1));
    let id = match engine
        .apply(&Op::Create {
            spec: Box::new(spec),
        })
        .await
    {
        Ok(Answer::Created(id)) => id,
        other => panic!("create answered {other:?}"),
    };
    let doc = api.inspect(&id).await;
    assert_eq!(doc["Name"], "/opjob");
    assert_eq!(doc["HostConfig"]["NetworkMode"], "none");
    assert_eq!(doc["HostConfig"]["RestartPolicy"]["Name"], "on-failure");
    assert_eq!(doc["HostConfig"]["RestartPolicy"]["MaximumRetryCount"], 1);
    assert_eq!(doc["Config"]["Cmd"][2], "sleep 1; exit 3");

    // update: docker update --restart no.
    let updated = outcome(
        &engine,
        Op::Update {
            target: t("opjob"),
            restart: RestartPolicy::no(),
        },
    )
    .await;
    assert_eq!(updated, Ok(Outcome::Done));
    assert_eq!(
        api.inspect(&id).await["HostConfig"]["RestartPolicy"]["Name"],
        "no"
    );

    // start, then wait for the next exit: 3, and no restart (the policy is no now).
    assert_eq!(
        outcome(&engine, Op::Start { target: t("opjob") }).await,
        Ok(Outcome::Done)
    );
    let waited = engine
        .apply(&Op::Wait {
            target: t("opjob"),
            condition: WaitCondition::NotRunning,
            timeout_ms: None,
        })
        .await;
    match waited {
        Ok(Answer::Waited(w)) => assert_eq!(w.status_code, 3, "{w:?}"),
        other => panic!("wait answered {other:?}"),
    }
    let doc = api.inspect(&id).await;
    assert_eq!(doc["State"]["Status"], "exited");
    assert_eq!(doc["RestartCount"], 0);

    // A stop of a stopped container: nothing to do (304). A kill: the engine's 409.
    assert_eq!(
        outcome(
            &engine,
            Op::Stop {
                target: t("opjob"),
                timeout: Some(1)
            }
        )
        .await,
        Ok(Outcome::NotModified)
    );
    let refused = outcome(
        &engine,
        Op::Kill {
            target: t("opjob"),
            signal: None,
        },
    )
    .await
    .expect_err("kill of a stopped container");
    assert_eq!(refused.status(), 409, "{refused}");

    // rename, then remove.
    assert_eq!(
        outcome(
            &engine,
            Op::Rename {
                target: t("opjob"),
                name: t("renamed")
            }
        )
        .await,
        Ok(Outcome::Done)
    );
    assert_eq!(api.inspect(&id).await["Name"], "/renamed");
    assert_eq!(
        outcome(
            &engine,
            Op::Remove {
                target: t("renamed"),
                force: false
            }
        )
        .await,
        Ok(Outcome::Done)
    );
    let gone = outcome(
        &engine,
        Op::Start {
            target: t("renamed"),
        },
    )
    .await
    .expect_err("a removed container");
    assert!(gone.is_not_found(), "{gone}");
}
