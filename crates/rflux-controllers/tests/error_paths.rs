#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Source objects that cannot work, seen as a user sees them (`kubectl get -o yaml`): a
//! HelmChart whose `sourceRef` is a Bucket (a kind rflux does not serve) and a HelmRepository
//! whose `certSecretRef` holds a certificate without its key. Each must end Ready=False with
//! Flux's reason and a message that names what to fix, and the controller must keep working.

mod common;

use std::net::TcpListener;

use common::{NS, WAIT, condition, wait_for};
use serde_json::{Value, json};

const SOURCE_API: &str = "source.toolkit.fluxcd.io/v1";

/// Waits until `kind`/`name` has Ready=False observed at its current generation; returns the
/// object.
async fn not_ready(env: &common::Env, kind: &str, name: &str) -> Value {
    wait_for(&format!("{kind} {name} Ready=False"), WAIT, || async {
        let object = env
            .get(SOURCE_API, kind, Some(NS), name)
            .await
            .ok_or("not found".to_string())?;
        let ready = condition(&object, "Ready").ok_or_else(|| format!("no Ready: {}", object["status"]))?;
        if ready["status"] != "False"
            || ready["observedGeneration"] != object["metadata"]["generation"]
            || object["status"]["observedGeneration"] != object["metadata"]["generation"]
        {
            return Err(format!("status: {}", object["status"]));
        }
        Ok(object)
    })
    .await
}

/// Asks for a reconcile as `flux reconcile` does and waits until it was handled; returns the
/// object as that reconcile left it.
async fn reconcile_now(env: &common::Env, kind: &str, name: &str) -> Value {
    let stamp = env.request_reconcile(kind, name).await;
    wait_for(&format!("{kind} {name} handled {stamp}"), WAIT, || async {
        let object = env
            .get(SOURCE_API, kind, Some(NS), name)
            .await
            .ok_or("not found".to_string())?;
        if object["status"]["lastHandledReconcileAt"] != stamp.as_str() {
            return Err(format!("status: {}", object["status"]));
        }
        Ok(object)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_helm_chart_from_a_bucket_is_not_ready_and_names_the_unsupported_kind() {
    let env = common::start().await;
    env.apply(vec![json!({
        "apiVersion": SOURCE_API,
        "kind": "HelmChart",
        "metadata": {"name": "from-bucket", "namespace": NS},
        "spec": {
            "interval": "1h",
            "chart": "./charts/podinfo",
            "sourceRef": {"kind": "Bucket", "name": "charts"}
        }
    })])
    .await;

    let chart = not_ready(&env, "HelmChart", "from-bucket").await;
    let ready = condition(&chart, "Ready").unwrap();
    // Flux's reason when the chart's source cannot be had.
    assert_eq!(ready["reason"], "SourceUnavailable", "{ready}");
    let message = ready["message"].as_str().unwrap();
    assert!(
        message.contains("unsupported source kind 'Bucket'") && message.contains(&format!("'{NS}/charts'")),
        "the message names the kind and the referenced source: {message}"
    );
    let fetch_failed = condition(&chart, "FetchFailed").expect("FetchFailed is set");
    assert_eq!(fetch_failed["status"], "True", "{fetch_failed}");
    assert_eq!(fetch_failed["reason"], "SourceUnavailable", "{fetch_failed}");
    assert!(
        chart["status"].get("artifact").is_none(),
        "no artifact: {}",
        chart["status"]
    );

    // The reconciler is still alive: another reconcile is handled and reports the same.
    let again = reconcile_now(&env, "HelmChart", "from-bucket").await;
    let ready = condition(&again, "Ready").unwrap();
    assert_eq!(ready["status"], "False", "{ready}");
    assert_eq!(ready["reason"], "SourceUnavailable", "{ready}");

    // And charts from sources rflux has still build next to it.
    let repo = common::GitRepo::new();
    repo.write(
        "charts/hello/Chart.yaml",
        "apiVersion: v2\nname: hello\nversion: 0.1.0\n",
    )
    .write(
        "charts/hello/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hello\n",
    );
    repo.commit("chart");
    env.apply(vec![
        common::git_repository("charts", &repo.url()),
        json!({
            "apiVersion": SOURCE_API,
            "kind": "HelmChart",
            "metadata": {"name": "from-git", "namespace": NS},
            "spec": {
                "interval": "1h",
                "chart": "./charts/hello",
                "sourceRef": {"kind": "GitRepository", "name": "charts"}
            }
        }),
    ])
    .await;
    let from_git = wait_for("HelmChart from-git Ready", WAIT, || async {
        let chart = env
            .get(SOURCE_API, "HelmChart", Some(NS), "from-git")
            .await
            .ok_or("not found".to_string())?;
        common::ready_at_generation(&chart)?;
        Ok(chart)
    })
    .await;
    assert_eq!(
        from_git["status"]["artifact"]["revision"], "0.1.0",
        "{}",
        from_git["status"]
    );

    // A source that does not exist: Flux's reason and wording.
    env.apply(vec![json!({
        "apiVersion": SOURCE_API,
        "kind": "HelmChart",
        "metadata": {"name": "from-nowhere", "namespace": NS},
        "spec": {
            "interval": "1h",
            "chart": "./charts/hello",
            "sourceRef": {"kind": "GitRepository", "name": "nope"}
        }
    })])
    .await;
    let missing = not_ready(&env, "HelmChart", "from-nowhere").await;
    let ready = condition(&missing, "Ready").unwrap();
    assert_eq!(ready["reason"], "SourceUnavailable", "{ready}");
    assert_eq!(
        ready["message"],
        format!("failed to get source: GitRepository '{NS}/nope' not found"),
        "{ready}"
    );

    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_helm_repository_whose_cert_secret_lacks_tls_key_is_not_ready_and_names_the_secret() {
    // Where the repository is: a listener that only counts who comes, to show the bad Secret
    // is caught before any connection is made.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());

    let env = common::start().await;
    env.apply(vec![
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "client-cert", "namespace": NS},
            "type": "Opaque",
            "stringData": {
                "tls.crt": "-----BEGIN CERTIFICATE-----\nMIIBdzCCAR2gAwIBAgIUQ2xpZW50IGNlcnQgd2l0aG91dCBrZXkwCgYIKoZIzj0E\n-----END CERTIFICATE-----\n"
            }
        }),
        json!({
            "apiVersion": SOURCE_API,
            "kind": "HelmRepository",
            "metadata": {"name": "tls-repo", "namespace": NS},
            "spec": {
                "interval": "1h",
                "url": url,
                "timeout": "5s",
                "certSecretRef": {"name": "client-cert"}
            }
        }),
    ])
    .await;

    let repo = not_ready(&env, "HelmRepository", "tls-repo").await;
    let ready = condition(&repo, "Ready").unwrap();
    // Flux's reason for unusable TLS or credentials material.
    assert_eq!(ready["reason"], "AuthenticationFailed", "{ready}");
    let message = ready["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("Secret '{NS}/client-cert'")),
        "the message names the Secret: {message}"
    );
    assert!(
        message.contains("certSecretRef") && message.contains("'tls.crt' and 'tls.key' must be given together"),
        "the message says which field and that the pair is incomplete: {message}"
    );
    let fetch_failed = condition(&repo, "FetchFailed").expect("FetchFailed is set");
    assert_eq!(fetch_failed["status"], "True", "{fetch_failed}");
    assert_eq!(fetch_failed["reason"], "AuthenticationFailed", "{fetch_failed}");
    assert!(
        repo["status"].get("artifact").is_none(),
        "no artifact: {}",
        repo["status"]
    );

    // A second reconcile says the same, and still nobody knocked at the repository.
    let again = reconcile_now(&env, "HelmRepository", "tls-repo").await;
    let ready = condition(&again, "Ready").unwrap();
    assert_eq!(ready["status"], "False", "{ready}");
    assert_eq!(ready["reason"], "AuthenticationFailed", "{ready}");
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        Ok((_, peer)) => panic!("the controller connected to the repository from {peer} despite the bad Secret"),
        Err(e) => panic!("accept: {e}"),
    }

    env.stop().await;
}
