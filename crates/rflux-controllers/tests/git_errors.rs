#![allow(clippy::expect_used, clippy::unwrap_used)]
//! GitRepositories that cannot be fetched, seen as a user sees them (`kubectl get -o yaml`),
//! against the real servers of rflux-source's tests: OpenSSH's sshd (no `known_hosts`, an
//! unknown host, a changed host key, a revoked host key, a key the server refuses),
//! `git http-backend` over HTTPS behind basic auth (wrong password, no credentials, no CA),
//! a file:// repository (a branch, tag, commit or semver range that does not exist) and a server that accepts and
//! never answers (`spec.timeout`). Each must end Ready=False with Flux's reason, a message
//! that names the URL and what to fix and never a secret value, no artifact (or the previous
//! one, untouched), and a Warning event.

mod common;
#[path = "../../rflux-source/tests/common/mod.rs"]
mod git_servers;

use std::time::{Duration, Instant};

use common::{NS, WAIT, condition, wait_for};
use git_servers::{Sshd, TestPki, TestRepo};
use serde_json::{Value, json};

/// A GitRepository on `branch` of `url` with `extra` merged into its spec.
fn git_repository(name: &str, url: &str, extra: Value) -> Value {
    let mut object = common::git_repository(name, url);
    object["spec"]["ref"] = json!({"branch": "master"});
    if let (Some(spec), Some(extra)) = (object["spec"].as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            spec.insert(k.clone(), v.clone());
        }
    }
    object
}

/// A Secret in flux-system with `data` as `stringData`.
fn secret(name: &str, data: &[(&str, &str)]) -> Value {
    let data: serde_json::Map<String, Value> = data.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": NS},
        "type": "Opaque",
        "stringData": data
    })
}

/// Waits until GitRepository `name` has failed its fetch at its current generation (and at
/// or after `handled`, a `reconcile.fluxcd.io/requestedAt` stamp, when given); returns it.
async fn fetch_failed(env: &common::Env, name: &str, handled: Option<&str>) -> Value {
    wait_for(&format!("GitRepository {name} FetchFailed"), WAIT, || async {
        let repo = env.git_repository(name).await.ok_or("not found".to_string())?;
        let failed = condition(&repo, "FetchFailed").is_some_and(|c| c["status"] == "True");
        let ready = condition(&repo, "Ready").ok_or_else(|| format!("no Ready: {}", repo["status"]))?;
        let current = repo["status"]["observedGeneration"] == repo["metadata"]["generation"]
            && ready["observedGeneration"] == repo["metadata"]["generation"];
        let seen = handled.is_none_or(|stamp| repo["status"]["lastHandledReconcileAt"] == stamp);
        if failed && current && seen && ready["status"] == "False" {
            Ok(repo)
        } else {
            Err(format!("status: {}", repo["status"]))
        }
    })
    .await
}

/// Checks what a user sees on a failed GitRepository: Ready=False and FetchFailed=True with
/// `reason`, a message starting as Flux's and containing each of `contains`, none of
/// `secrets`, and a Warning event with the reason. Returns the message.
async fn assert_failed(env: &common::Env, repo: &Value, reason: &str, contains: &[&str], secrets: &[&str]) -> String {
    let name = repo["metadata"]["name"].as_str().unwrap();
    let ready = condition(repo, "Ready").unwrap();
    assert_eq!(ready["status"], "False", "{name}: {ready}");
    assert_eq!(ready["reason"], reason, "{name}: {ready}");
    let fetch = condition(repo, "FetchFailed").unwrap();
    assert_eq!(fetch["reason"], reason, "{name}: {fetch}");
    assert_eq!(fetch["message"], ready["message"], "{name}");
    let message = ready["message"].as_str().unwrap().to_string();
    for part in contains {
        assert!(
            message.contains(part),
            "{name}: the message should contain {part:?}: {message}"
        );
    }
    for secret in secrets {
        assert!(
            !message.contains(secret),
            "{name}: the message leaks a secret value: {message}"
        );
    }
    wait_for(&format!("a Warning event for {name}"), WAIT, || async {
        let events = env.events_for("GitRepository", name).await;
        if events
            .iter()
            .any(|(t, r, m)| t == "Warning" && r == reason && *m == message)
        {
            Ok(())
        } else {
            Err(format!("{events:?}"))
        }
    })
    .await;
    message
}

/// Asks for a reconcile as `flux reconcile source git` does; returns the stamp.
async fn reconcile_now(env: &common::Env, name: &str) -> String {
    env.request_reconcile("GitRepository", name).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssh_host_key_and_key_problems_are_reported_with_flux_reasons() {
    let repo = TestRepo::new();
    let head = repo.commit(&[("cm.yaml", "kind: ConfigMap\n")], "over ssh");
    let sshd = Sshd::start();
    let url = sshd.url(&repo.path());
    let host = format!("[127.0.0.1]:{}", sshd.port);
    let identity = sshd.identity.as_str();
    // A private key sshd does not authorize.
    let stranger = std::fs::read_to_string(sshd.dir.path().join("other_host_key")).unwrap();
    let revoked = format!("@revoked {}", sshd.known_hosts);

    let env = common::start().await;
    let secret_ref = |name: &str| json!({"secretRef": {"name": name}});
    env.apply(vec![
        secret(
            "ssh-good",
            &[("identity", identity), ("known_hosts", &sshd.known_hosts)],
        ),
        secret("ssh-no-known-hosts", &[("identity", identity)]),
        secret(
            "ssh-unknown-host",
            &[
                ("identity", identity),
                ("known_hosts", &sshd.known_hosts.replace("127.0.0.1", "git.example.org")),
            ],
        ),
        secret("ssh-revoked", &[("identity", identity), ("known_hosts", &revoked)]),
        secret(
            "ssh-stranger",
            &[("identity", &stranger), ("known_hosts", &sshd.known_hosts)],
        ),
        git_repository("ssh-good", &url, secret_ref("ssh-good")),
        git_repository("ssh-no-known-hosts", &url, secret_ref("ssh-no-known-hosts")),
        git_repository("ssh-unknown-host", &url, secret_ref("ssh-unknown-host")),
        git_repository("ssh-revoked", &url, secret_ref("ssh-revoked")),
        git_repository("ssh-stranger", &url, secret_ref("ssh-stranger")),
    ])
    .await;

    // The server and the good secret work: the failures below are the secrets' doing.
    let good = env.git_repository_ready("ssh-good").await;
    let revision = format!("master@sha1:{head}");
    assert_eq!(good["status"]["artifact"]["revision"], revision.as_str());

    let private_key_line = identity.lines().nth(1).unwrap();
    // Flux refuses an ssh secret without known_hosts as an authentication problem, before
    // any host key could be trusted.
    let failed = fetch_failed(&env, "ssh-no-known-hosts", None).await;
    let message = assert_failed(
        &env,
        &failed,
        "AuthenticationFailed",
        &["known_hosts", &url, &host],
        &[private_key_line],
    )
    .await;
    assert!(
        message.starts_with("failed to configure authentication options: "),
        "Flux's prefix: {message}"
    );
    assert!(failed["status"]["artifact"].is_null(), "{}", failed["status"]);

    let failed = fetch_failed(&env, "ssh-unknown-host", None).await;
    assert_failed(
        &env,
        &failed,
        "GitOperationFailed",
        &[
            "failed to checkout and determine revision",
            &format!("unknown host key for {host}"),
            "not in known_hosts",
            &url,
        ],
        &[private_key_line],
    )
    .await;
    assert!(failed["status"]["artifact"].is_null(), "{}", failed["status"]);

    let failed = fetch_failed(&env, "ssh-revoked", None).await;
    assert_failed(
        &env,
        &failed,
        "GitOperationFailed",
        &[&format!("host key for {host}"), "is revoked in known_hosts", &url],
        &[private_key_line],
    )
    .await;
    assert!(failed["status"]["artifact"].is_null(), "{}", failed["status"]);

    let failed = fetch_failed(&env, "ssh-stranger", None).await;
    let stranger_line = stranger.lines().nth(1).unwrap();
    assert_failed(
        &env,
        &failed,
        "GitOperationFailed",
        &["authentication failed", &url, "rejected the credentials"],
        &[stranger_line],
    )
    .await;
    assert!(failed["status"]["artifact"].is_null(), "{}", failed["status"]);

    // The server's host key changes (known_hosts now holds another key for the host): the
    // repository stops trusting it, says so, and keeps serving the artifact it had.
    env.apply(vec![secret(
        "ssh-good",
        &[("identity", identity), ("known_hosts", &sshd.wrong_known_hosts)],
    )])
    .await;
    let stamp = reconcile_now(&env, "ssh-good").await;
    let failed = fetch_failed(&env, "ssh-good", Some(&stamp)).await;
    assert_failed(
        &env,
        &failed,
        "GitOperationFailed",
        &[
            &format!("host key mismatch for {host}"),
            "does not match known_hosts",
            &url,
        ],
        &[private_key_line],
    )
    .await;
    assert_eq!(failed["status"]["artifact"], good["status"]["artifact"]);
    let served = reqwest::get(good["status"]["artifact"]["url"].as_str().unwrap())
        .await
        .unwrap();
    assert!(served.status().is_success(), "{}", served.status());

    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_basic_auth_refused_credentials_are_reported_without_the_password() {
    let repo = TestRepo::new();
    let head = repo.commit(&[("cm.yaml", "kind: ConfigMap\n")], "over https");
    let pki = TestPki::new("rflux test CA");
    let server = git_servers::git_https_server_with_basic_auth(repo.root.path(), &pki, "flux", "s3cret-pass");
    let url = server.https_url("repo");

    let env = common::start().await;
    let secret_ref = |name: &str| json!({"secretRef": {"name": name}});
    env.apply(vec![
        secret(
            "https-good",
            &[
                ("username", "flux"),
                ("password", "s3cret-pass"),
                ("ca.crt", &pki.ca_pem),
            ],
        ),
        secret(
            "https-wrong",
            &[
                ("username", "flux"),
                ("password", "wr0ng-pass"),
                ("ca.crt", &pki.ca_pem),
            ],
        ),
        secret("https-anonymous", &[("ca.crt", &pki.ca_pem)]),
        secret("https-no-ca", &[("username", "flux"), ("password", "s3cret-pass")]),
        git_repository("https-good", &url, secret_ref("https-good")),
        git_repository("https-wrong", &url, secret_ref("https-wrong")),
        git_repository("https-anonymous", &url, secret_ref("https-anonymous")),
        git_repository("https-no-ca", &url, secret_ref("https-no-ca")),
    ])
    .await;

    let good = env.git_repository_ready("https-good").await;
    assert_eq!(good["status"]["artifact"]["revision"], format!("master@sha1:{head}"));

    let failed = fetch_failed(&env, "https-wrong", None).await;
    assert_failed(
        &env,
        &failed,
        "GitOperationFailed",
        &[
            "failed to checkout and determine revision",
            "authentication failed",
            &url,
            "branch 'master'",
        ],
        &["wr0ng-pass", "s3cret-pass"],
    )
    .await;
    assert!(failed["status"]["artifact"].is_null(), "{}", failed["status"]);

    let failed = fetch_failed(&env, "https-anonymous", None).await;
    assert_failed(
        &env,
        &failed,
        "GitOperationFailed",
        &["authentication failed", &url, "no username/password"],
        &["s3cret-pass"],
    )
    .await;
    assert!(failed["status"]["artifact"].is_null(), "{}", failed["status"]);

    // Right credentials, but the server's certificate is signed by a CA nobody trusts.
    let failed = fetch_failed(&env, "https-no-ca", None).await;
    assert_failed(
        &env,
        &failed,
        "GitOperationFailed",
        &["TLS certificate", "not trusted", &url],
        &["s3cret-pass"],
    )
    .await;
    assert!(failed["status"]["artifact"].is_null(), "{}", failed["status"]);

    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refs_that_do_not_exist_are_named_in_the_message() {
    let repo = TestRepo::new();
    let head = repo.commit(&[("cm.yaml", "kind: ConfigMap\n")], "one");
    repo.tag("v1.0.0");
    // Flux's CRD allows http(s), ssh and file URLs: git daemon's git:// is refused.
    let url = repo.file_url();
    let missing_commit = "0123456789abcdef0123456789abcdef01234567";

    let env = common::start().await;
    env.apply(vec![
        git_repository("no-branch", &url, json!({"ref": {"branch": "nope"}})),
        git_repository("no-tag", &url, json!({"ref": {"tag": "v9.9.9"}})),
        git_repository("no-commit", &url, json!({"ref": {"commit": missing_commit}})),
        git_repository(
            "no-commit-on-branch",
            &url,
            json!({"ref": {"branch": "master", "commit": missing_commit}}),
        ),
        git_repository("no-semver", &url, json!({"ref": {"semver": ">=2.0.0"}})),
        git_repository("tagged", &url, json!({"ref": {"tag": "v1.0.0"}})),
    ])
    .await;

    let tagged = env.git_repository_ready("tagged").await;
    assert_eq!(tagged["status"]["artifact"]["revision"], format!("v1.0.0@sha1:{head}"));

    for (name, what) in [
        ("no-branch", "branch 'nope' not found".to_string()),
        ("no-tag", "tag 'v9.9.9' not found".to_string()),
        ("no-commit", format!("commit '{missing_commit}' not found")),
        (
            "no-commit-on-branch",
            format!("commit '{missing_commit}' on branch 'master' not found"),
        ),
    ] {
        let failed = fetch_failed(&env, name, None).await;
        assert_failed(
            &env,
            &failed,
            "GitOperationFailed",
            &["failed to checkout and determine revision", &what, &url],
            &[],
        )
        .await;
        assert!(failed["status"]["artifact"].is_null(), "{name}: {}", failed["status"]);
    }
    // No tag in the range: the message names the range (Flux's own wording names no URL).
    let failed = fetch_failed(&env, "no-semver", None).await;
    assert_failed(
        &env,
        &failed,
        "GitOperationFailed",
        &["failed to checkout and determine revision", "semver", ">=2.0.0"],
        &[],
    )
    .await;
    assert!(failed["status"]["artifact"].is_null(), "{}", failed["status"]);
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_fails_after_spec_timeout() {
    // Accepts connections (the kernel completes the handshake) and never says a word.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/repo.git");

    let env = common::start().await;
    let started = Instant::now();
    env.apply(vec![git_repository("silent", &url, json!({"timeout": "2s"}))])
        .await;
    let failed = fetch_failed(&env, "silent", None).await;
    let took = started.elapsed();
    assert_failed(
        &env,
        &failed,
        "GitOperationFailed",
        &[
            "failed to checkout and determine revision",
            &url,
            "branch 'master'",
            "timed out after 2s",
        ],
        &[],
    )
    .await;
    assert!(failed["status"]["artifact"].is_null(), "{}", failed["status"]);
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(15),
        "the fetch gave up after {took:?}, not after spec.timeout"
    );

    // The same through ssh with a timeout shorter than the handshake: the message still says
    // which timeout passed.
    let repo = TestRepo::new();
    repo.commit(&[("cm.yaml", "kind: ConfigMap\n")], "over ssh");
    let sshd = Sshd::start();
    let ssh_url = sshd.url(&repo.path());
    env.apply(vec![
        secret(
            "ssh",
            &[("identity", &sshd.identity), ("known_hosts", &sshd.known_hosts)],
        ),
        git_repository(
            "hasty",
            &ssh_url,
            json!({"timeout": "1ms", "secretRef": {"name": "ssh"}}),
        ),
    ])
    .await;
    let failed = fetch_failed(&env, "hasty", None).await;
    assert_failed(
        &env,
        &failed,
        "GitOperationFailed",
        &[&ssh_url, "timed out after 1ms"],
        &[],
    )
    .await;
    drop(listener);
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_that_does_not_exist_is_named() {
    let repo = TestRepo::new();
    repo.commit(&[("cm.yaml", "kind: ConfigMap\n")], "one");
    let env = common::start().await;
    env.apply(vec![git_repository(
        "no-secret",
        &repo.file_url(),
        json!({"secretRef": {"name": "missing"}}),
    )])
    .await;
    let failed = fetch_failed(&env, "no-secret", None).await;
    let message = assert_failed(&env, &failed, "AuthenticationFailed", &[], &[]).await;
    assert!(
        message.starts_with(&format!("failed to get secret '{NS}/missing'")),
        "{message}"
    );
    assert!(failed["status"]["artifact"].is_null(), "{}", failed["status"]);
    env.stop().await;
}
