#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Git refs resolved and checked out from real servers: git daemon, git http-backend with
//! basic auth, sshd with known_hosts, and file:// URLs.

mod common;

use common::{
    GitDaemon, Sshd, TIMEOUT, TestRepo, git, git_http_server, git_http_server_with_bearer, git_https_server, list_files,
};
use rflux_source::git::{CheckoutOptions, GitAuth, GitError, GitRef, checkout, checkout_with, resolve};
use std::collections::BTreeMap;

fn branch(name: &str) -> GitRef {
    GitRef::Branch(name.into())
}

#[test]
fn branch_resolves_and_checks_out_over_git_daemon() {
    let repo = TestRepo::new();
    let head = repo.commit(
        &[("deploy/app.yaml", "kind: ConfigMap\n"), ("README.md", "hi\n")],
        "first",
    );
    let daemon = GitDaemon::start(repo.root.path());
    let url = daemon.url("repo");

    let resolved = resolve(&url, &branch("master"), &GitAuth::none(), TIMEOUT).unwrap();
    assert_eq!(resolved.revision, format!("master@sha1:{head}"));
    assert_eq!(resolved.commit, head);

    let dest = tempfile::tempdir().unwrap();
    let out = checkout(&url, &branch("master"), &GitAuth::none(), dest.path(), TIMEOUT).unwrap();
    assert_eq!(out.revision, format!("master@sha1:{head}"));
    assert_eq!(out.message.trim(), "first");
    assert_eq!(list_files(dest.path()), vec!["README.md", "deploy/app.yaml"]);
    assert!(!dest.path().join(".git").exists());
}

#[test]
fn a_new_commit_gives_a_new_revision() {
    let repo = TestRepo::new();
    let first = repo.commit(&[("a.yaml", "v: 1\n")], "one");
    let daemon = GitDaemon::start(repo.root.path());
    let url = daemon.url("repo");
    let before = resolve(&url, &branch("master"), &GitAuth::none(), TIMEOUT).unwrap();
    assert_eq!(before.commit, first);

    let second = repo.commit(&[("a.yaml", "v: 2\n")], "two");
    let after = resolve(&url, &branch("master"), &GitAuth::none(), TIMEOUT).unwrap();
    assert_ne!(after.revision, before.revision);
    assert_eq!(after.revision, format!("master@sha1:{second}"));

    let dest = tempfile::tempdir().unwrap();
    let out = checkout(&url, &branch("master"), &GitAuth::none(), dest.path(), TIMEOUT).unwrap();
    assert_eq!(out.revision, after.revision);
    assert_eq!(std::fs::read_to_string(dest.path().join("a.yaml")).unwrap(), "v: 2\n");
}

#[test]
fn other_branches_and_missing_branches() {
    let repo = TestRepo::new();
    repo.commit(&[("a", "master\n")], "m");
    git(&repo.path(), &["checkout", "-q", "-b", "feature/x"]);
    let feature = repo.commit(&[("a", "feature\n")], "f");
    let daemon = GitDaemon::start(repo.root.path());
    let url = daemon.url("repo");

    let dest = tempfile::tempdir().unwrap();
    let out = checkout(&url, &branch("feature/x"), &GitAuth::none(), dest.path(), TIMEOUT).unwrap();
    assert_eq!(out.revision, format!("feature/x@sha1:{feature}"));
    assert_eq!(std::fs::read_to_string(dest.path().join("a")).unwrap(), "feature\n");

    let err = resolve(&url, &branch("nope"), &GitAuth::none(), TIMEOUT).unwrap_err();
    assert!(matches!(err, GitError::RefNotFound { .. }), "{err}");
    let message = err.to_string();
    assert!(message.contains("branch 'nope'") && message.contains(&url), "{message}");

    let dest = tempfile::tempdir().unwrap();
    let err = checkout(&url, &branch("nope"), &GitAuth::none(), dest.path(), TIMEOUT).unwrap_err();
    assert!(matches!(err, GitError::RefNotFound { .. }), "{err}");
}

#[test]
fn tags_lightweight_and_annotated_point_at_the_commit() {
    let repo = TestRepo::new();
    let c1 = repo.commit(&[("v", "1\n")], "one");
    repo.tag("light");
    let c2 = repo.commit(&[("v", "2\n")], "two");
    repo.annotated_tag("heavy");
    repo.commit(&[("v", "3\n")], "three");
    let daemon = GitDaemon::start(repo.root.path());
    let url = daemon.url("repo");

    let light = GitRef::Tag("light".into());
    let heavy = GitRef::Tag("heavy".into());
    assert_eq!(
        resolve(&url, &light, &GitAuth::none(), TIMEOUT).unwrap().revision,
        format!("light@sha1:{c1}")
    );
    assert_eq!(
        resolve(&url, &heavy, &GitAuth::none(), TIMEOUT).unwrap().revision,
        format!("heavy@sha1:{c2}")
    );
    let dest = tempfile::tempdir().unwrap();
    let out = checkout(&url, &heavy, &GitAuth::none(), dest.path(), TIMEOUT).unwrap();
    assert_eq!(out.revision, format!("heavy@sha1:{c2}"));
    assert_eq!(std::fs::read_to_string(dest.path().join("v")).unwrap(), "2\n");
}

#[test]
fn semver_takes_the_highest_matching_tag() {
    let repo = TestRepo::new();
    repo.commit(&[("v", "1.0.0\n")], "a");
    repo.tag("v1.0.0");
    let c12 = repo.commit(&[("v", "1.2.0\n")], "b");
    repo.annotated_tag("v1.2.0");
    repo.commit(&[("v", "1.3.0-rc.1\n")], "c");
    repo.tag("v1.3.0-rc.1");
    repo.commit(&[("v", "2.0.0\n")], "d");
    repo.tag("2.0.0");
    repo.tag("latest");
    let daemon = GitDaemon::start(repo.root.path());
    let url = daemon.url("repo");

    let range = GitRef::Semver(">=1.0.0 <2.0.0".into());
    let resolved = resolve(&url, &range, &GitAuth::none(), TIMEOUT).unwrap();
    assert_eq!(resolved.revision, format!("v1.2.0@sha1:{c12}"));
    let dest = tempfile::tempdir().unwrap();
    let out = checkout(&url, &range, &GitAuth::none(), dest.path(), TIMEOUT).unwrap();
    assert_eq!(out.revision, resolved.revision);
    assert_eq!(std::fs::read_to_string(dest.path().join("v")).unwrap(), "1.2.0\n");

    let err = resolve(&url, &GitRef::Semver(">=5.0.0".into()), &GitAuth::none(), TIMEOUT).unwrap_err();
    assert!(matches!(err, GitError::NoSemverMatch { .. }), "{err}");
}

/// Flux reads tags with `version.ParseVersion` (Masterminds' strict reader, one leading `v`
/// allowed), so date-like tags with leading zeros, partial versions and pre-releases before
/// the third number are skipped, however high they would sort.
#[test]
fn semver_skips_tags_flux_does_not_read() {
    let repo = TestRepo::new();
    let c11 = repo.commit(&[("v", "1.1.0\n")], "a");
    repo.tag("v1.1.0");
    repo.commit(&[("v", "odd\n")], "b");
    for tag in ["v01.2.3", "1.2", "1.3-rc.1", "1-rc.2.3", "v1.4+b.3", "2024.01.15"] {
        repo.tag(tag);
    }
    let c2023 = repo.commit(&[("v", "2023.12.1\n")], "c");
    repo.tag("2023.12.1");
    let daemon = GitDaemon::start(repo.root.path());
    let url = daemon.url("repo");

    let ones = GitRef::Semver("^1.0.0-0".into());
    assert_eq!(
        resolve(&url, &ones, &GitAuth::none(), TIMEOUT).unwrap().revision,
        format!("v1.1.0@sha1:{c11}")
    );
    let any = GitRef::Semver("*".into());
    assert_eq!(
        resolve(&url, &any, &GitAuth::none(), TIMEOUT).unwrap().revision,
        format!("2023.12.1@sha1:{c2023}")
    );
}

/// `spec.ref.semver` reads ranges as Flux does (Masterminds): a range naming a pre-release
/// admits pre-release tags of any version, and `!=` works. node-semver would have picked
/// `v1.4.0` for the first range and rejected the second.
#[test]
fn semver_ranges_follow_masterminds() {
    let repo = TestRepo::new();
    repo.commit(&[("v", "1.0.0\n")], "a");
    repo.tag("v1.0.0");
    let c14 = repo.commit(&[("v", "1.4.0\n")], "b");
    repo.tag("v1.4.0");
    let c15rc = repo.commit(&[("v", "1.5.0-rc.1\n")], "c");
    repo.annotated_tag("v1.5.0-rc.1");
    let c20 = repo.commit(&[("v", "2.0.0\n")], "d");
    repo.tag("v2.0.0");
    repo.commit(&[("v", "2.1.0\n")], "e");
    repo.tag("v2.1.0");
    let daemon = GitDaemon::start(repo.root.path());
    let url = daemon.url("repo");

    let pre = GitRef::Semver(">=1.0.0-0 <2.0.0".into());
    assert_eq!(
        resolve(&url, &pre, &GitAuth::none(), TIMEOUT).unwrap().revision,
        format!("v1.5.0-rc.1@sha1:{c15rc}")
    );
    let dest = tempfile::tempdir().unwrap();
    let out = checkout(&url, &pre, &GitAuth::none(), dest.path(), TIMEOUT).unwrap();
    assert_eq!(out.revision, format!("v1.5.0-rc.1@sha1:{c15rc}"));
    assert_eq!(std::fs::read_to_string(dest.path().join("v")).unwrap(), "1.5.0-rc.1\n");

    // Without a pre-release in the range, pre-release tags stay out.
    let release = GitRef::Semver(">=1.0.0 <2.0.0".into());
    assert_eq!(
        resolve(&url, &release, &GitAuth::none(), TIMEOUT).unwrap().revision,
        format!("v1.4.0@sha1:{c14}")
    );

    let not_equal = GitRef::Semver(">=1.0.0, !=2.1.0".into());
    assert_eq!(
        resolve(&url, &not_equal, &GitAuth::none(), TIMEOUT).unwrap().revision,
        format!("v2.0.0@sha1:{c20}")
    );

    // Flux's wording for both failures.
    let err = resolve(&url, &GitRef::Semver(">=5.0.0".into()), &GitAuth::none(), TIMEOUT).unwrap_err();
    assert!(matches!(err, GitError::NoSemverMatch { .. }), "{err}");
    assert_eq!(err.to_string(), "no match found for semver: >=5.0.0");
    let err = resolve(&url, &GitRef::Semver(">=abc".into()), &GitAuth::none(), TIMEOUT).unwrap_err();
    assert!(matches!(err, GitError::InvalidSemver { .. }), "{err}");
    assert_eq!(err.to_string(), r#"semver parse error: improper constraint: ">=abc""#);
}

#[test]
fn commit_refs_with_and_without_branch() {
    let repo = TestRepo::new();
    let old = repo.commit(&[("v", "old\n")], "old");
    repo.commit(&[("v", "new\n")], "new");
    let daemon = GitDaemon::start(repo.root.path());
    let url = daemon.url("repo");

    let bare = GitRef::Commit {
        commit: old.clone(),
        branch: None,
    };
    let dest = tempfile::tempdir().unwrap();
    let out = checkout(&url, &bare, &GitAuth::none(), dest.path(), TIMEOUT).unwrap();
    assert_eq!(out.revision, format!("sha1:{old}"));
    assert_eq!(std::fs::read_to_string(dest.path().join("v")).unwrap(), "old\n");
    assert_eq!(
        resolve(&url, &bare, &GitAuth::none(), TIMEOUT).unwrap().revision,
        format!("sha1:{old}")
    );

    let on_branch = GitRef::Commit {
        commit: old.clone(),
        branch: Some("master".into()),
    };
    let dest = tempfile::tempdir().unwrap();
    let out = checkout(&url, &on_branch, &GitAuth::none(), dest.path(), TIMEOUT).unwrap();
    assert_eq!(out.revision, format!("master@sha1:{old}"));

    let missing = GitRef::Commit {
        commit: "0123456789abcdef0123456789abcdef01234567".into(),
        branch: None,
    };
    let dest = tempfile::tempdir().unwrap();
    let err = checkout(&url, &missing, &GitAuth::none(), dest.path(), TIMEOUT).unwrap_err();
    assert!(matches!(err, GitError::RefNotFound { .. }), "{err}");
}

#[test]
fn name_refs_keep_the_full_ref_in_the_revision() {
    let repo = TestRepo::new();
    let main = repo.commit(&[("v", "main\n")], "main");
    let pr = repo.commit(&[("v", "pr\n")], "pr");
    git(&repo.path(), &["update-ref", "refs/pull/1/head", &pr]);
    git(&repo.path(), &["reset", "-q", "--hard", &main]);
    let daemon = GitDaemon::start(repo.root.path());
    let url = daemon.url("repo");

    let heads = GitRef::Name("refs/heads/master".into());
    assert_eq!(
        resolve(&url, &heads, &GitAuth::none(), TIMEOUT).unwrap().revision,
        format!("refs/heads/master@sha1:{main}")
    );
    let pull = GitRef::Name("refs/pull/1/head".into());
    let dest = tempfile::tempdir().unwrap();
    let out = checkout(&url, &pull, &GitAuth::none(), dest.path(), TIMEOUT).unwrap();
    assert_eq!(out.revision, format!("refs/pull/1/head@sha1:{pr}"));
    assert_eq!(std::fs::read_to_string(dest.path().join("v")).unwrap(), "pr\n");
}

#[test]
fn file_urls_work() {
    let repo = TestRepo::new();
    let head = repo.commit(&[("x.yaml", "x: 1\n")], "x");
    let dest = tempfile::tempdir().unwrap();
    let out = checkout(
        &repo.file_url(),
        &branch("master"),
        &GitAuth::none(),
        dest.path(),
        TIMEOUT,
    )
    .unwrap();
    assert_eq!(out.revision, format!("master@sha1:{head}"));
    assert_eq!(list_files(dest.path()), vec!["x.yaml"]);
    let resolved = resolve(&repo.file_url(), &branch("master"), &GitAuth::none(), TIMEOUT).unwrap();
    assert_eq!(resolved.commit, head);
}

fn basic_auth(user: &str, password: &str) -> GitAuth {
    let mut data = BTreeMap::new();
    data.insert("username".to_string(), user.as_bytes().to_vec());
    data.insert("password".to_string(), password.as_bytes().to_vec());
    GitAuth::from_secret_data(&data).unwrap()
}

#[test]
fn smart_http_with_basic_auth() {
    let repo = TestRepo::new();
    let head = repo.commit(&[("app.yaml", "a: 1\n")], "http");
    let server = git_http_server(repo.root.path(), Some(("flux", "s3cret")));
    let url = server.url("repo");

    let auth = basic_auth("flux", "s3cret");
    let resolved = resolve(&url, &branch("master"), &auth, TIMEOUT).unwrap();
    assert_eq!(resolved.revision, format!("master@sha1:{head}"));
    let dest = tempfile::tempdir().unwrap();
    let out = checkout(&url, &branch("master"), &auth, dest.path(), TIMEOUT).unwrap();
    assert_eq!(out.commit, head);
    assert_eq!(list_files(dest.path()), vec!["app.yaml"]);

    let wrong = basic_auth("flux", "not-the-password");
    let err = resolve(&url, &branch("master"), &wrong, TIMEOUT).unwrap_err();
    assert!(matches!(err, GitError::AuthenticationFailed { .. }), "{err}");
    assert!(!err.to_string().contains("not-the-password"));
    let dest = tempfile::tempdir().unwrap();
    let err = checkout(&url, &branch("master"), &wrong, dest.path(), TIMEOUT).unwrap_err();
    assert!(matches!(err, GitError::AuthenticationFailed { .. }), "{err}");

    let err = resolve(&url, &branch("master"), &GitAuth::none(), TIMEOUT).unwrap_err();
    assert!(matches!(err, GitError::AuthenticationFailed { .. }), "{err}");
}

fn ssh_auth(sshd: &Sshd, known_hosts: &str) -> GitAuth {
    let mut data = BTreeMap::new();
    data.insert("identity".to_string(), sshd.identity.as_bytes().to_vec());
    data.insert("known_hosts".to_string(), known_hosts.as_bytes().to_vec());
    GitAuth::from_secret_data(&data).unwrap()
}

#[test]
fn ssh_with_known_hosts() {
    let repo = TestRepo::new();
    let head = repo.commit(&[("ssh.yaml", "s: 1\n")], "ssh");
    let sshd = Sshd::start();
    let url = sshd.url(&repo.path());

    let auth = ssh_auth(&sshd, &sshd.known_hosts);
    let resolved = resolve(&url, &branch("master"), &auth, TIMEOUT).unwrap();
    assert_eq!(resolved.revision, format!("master@sha1:{head}"));
    let dest = tempfile::tempdir().unwrap();
    let out = checkout(&url, &branch("master"), &auth, dest.path(), TIMEOUT).unwrap();
    assert_eq!(out.commit, head);
    assert_eq!(list_files(dest.path()), vec!["ssh.yaml"]);
}

#[test]
fn ssh_host_key_mismatch_and_unknown_host_are_refused() {
    let repo = TestRepo::new();
    repo.commit(&[("ssh.yaml", "s: 1\n")], "ssh");
    let sshd = Sshd::start();
    let url = sshd.url(&repo.path());

    let wrong = ssh_auth(&sshd, &sshd.wrong_known_hosts);
    let err = resolve(&url, &branch("master"), &wrong, TIMEOUT).unwrap_err();
    assert!(matches!(err, GitError::HostKeyMismatch { .. }), "{err}");
    assert!(err.to_string().contains("does not match known_hosts"), "{err}");

    let other_host = ssh_auth(&sshd, &sshd.known_hosts.replace("127.0.0.1", "example.org"));
    let dest = tempfile::tempdir().unwrap();
    let err = checkout(&url, &branch("master"), &other_host, dest.path(), TIMEOUT).unwrap_err();
    assert!(matches!(err, GitError::UnknownHostKey { .. }), "{err}");
    assert!(err.to_string().contains("unknown host key"), "{err}");
}

#[test]
fn connection_refused_is_reported_clearly() {
    let port = common::free_port();
    let url = format!("git://127.0.0.1:{port}/repo");
    let err = resolve(&url, &branch("main"), &GitAuth::none(), TIMEOUT).unwrap_err();
    assert!(matches!(err, GitError::Connection { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains(&url) && message.to_lowercase().contains("refused"),
        "{message}"
    );
}

#[test]
fn unsupported_urls_are_rejected_without_leaking_passwords() {
    let err = resolve("ftp://u:pw@host/x", &branch("main"), &GitAuth::none(), TIMEOUT).unwrap_err();
    assert!(matches!(err, GitError::UnsupportedUrl { .. }), "{err}");
    assert!(!err.to_string().contains("pw@"), "{err}");
}

#[test]
fn missing_repositories_are_reported_as_such() {
    let repo = TestRepo::new();
    repo.commit(&[("a", "b\n")], "a");
    let daemon = GitDaemon::start(repo.root.path());
    let server = git_http_server(repo.root.path(), None);
    let missing_path = repo.root.path().join("nope");
    for url in [
        daemon.url("nope"),
        server.url("nope"),
        format!("file://{}", missing_path.display()),
    ] {
        let err = resolve(&url, &branch("master"), &GitAuth::none(), TIMEOUT).unwrap_err();
        assert!(matches!(err, GitError::RepositoryNotFound { .. }), "{url}: {err}");
        assert!(err.to_string().contains(&url), "{err}");
    }
}

#[test]
fn a_silent_server_times_out() {
    // Accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let url = format!("git://127.0.0.1:{port}/repo");
    let timeout = std::time::Duration::from_millis(300);
    let err = resolve(&url, &branch("master"), &GitAuth::none(), timeout).unwrap_err();
    assert!(matches!(err, GitError::Timeout { .. }), "{err}");
    assert!(err.to_string().contains("timed out"), "{err}");
    // The worker is still blocked on the silent server: no second one is started.
    let started = std::time::Instant::now();
    let err = resolve(&url, &branch("master"), &GitAuth::none(), timeout).unwrap_err();
    assert!(matches!(err, GitError::EarlierOperationStuck { .. }), "{err}");
    assert!(started.elapsed() < timeout, "refused at once");
    assert!(
        err.to_string()
            .contains(&format!("'{url}' timed out and has not ended yet")),
        "{err}"
    );
    // Closing the server ends the blocked worker; then operations start again (and fail for
    // what they are: nobody listens any more).
    drop(listener);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let err = resolve(&url, &branch("master"), &GitAuth::none(), timeout).unwrap_err();
        if !matches!(err, GitError::EarlierOperationStuck { .. }) {
            assert!(!matches!(err, GitError::Timeout { .. }), "{err}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the blocked worker never ended");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn submodules_are_checked_out_when_asked() {
    let repo = TestRepo::new();
    repo.commit(&[("main.yaml", "m: 1\n")], "main");
    let sub = repo.root.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    git(&sub, &["init", "-q", "-b", "master"]);
    std::fs::write(sub.join("lib.yaml"), "l: 1\n").unwrap();
    git(&sub, &["add", "-A"]);
    git(&sub, &["commit", "-q", "-m", "lib"]);
    git(
        &repo.path(),
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "-q",
            "add",
            "../sub",
            "vendor/sub",
        ],
    );
    git(&repo.path(), &["commit", "-q", "-m", "add submodule"]);
    // A later commit in the submodule must not be picked up: the gitlink pins the commit.
    std::fs::write(sub.join("lib.yaml"), "l: 2\n").unwrap();
    git(&sub, &["commit", "-q", "-am", "lib 2"]);
    let daemon = GitDaemon::start(repo.root.path());
    let url = daemon.url("repo");

    let plain = tempfile::tempdir().unwrap();
    checkout(&url, &branch("master"), &GitAuth::none(), plain.path(), TIMEOUT).unwrap();
    assert_eq!(list_files(plain.path()), vec![".gitmodules", "main.yaml"]);

    let options = CheckoutOptions {
        timeout: TIMEOUT,
        recurse_submodules: true,
    };
    let full = tempfile::tempdir().unwrap();
    checkout_with(&url, &branch("master"), &GitAuth::none(), full.path(), &options).unwrap();
    assert_eq!(
        list_files(full.path()),
        vec![".gitmodules", "main.yaml", "vendor/sub/lib.yaml"]
    );
    assert_eq!(
        std::fs::read_to_string(full.path().join("vendor/sub/lib.yaml")).unwrap(),
        "l: 1\n"
    );
}

#[test]
fn smart_http_with_a_bearer_token() {
    let repo = TestRepo::new();
    let head = repo.commit(&[("t.yaml", "t: 1\n")], "token");
    let server = git_http_server_with_bearer(repo.root.path(), "tok-123");
    let url = server.url("repo");
    let token = |t: &str| {
        let mut data = BTreeMap::new();
        data.insert("bearerToken".to_string(), t.as_bytes().to_vec());
        GitAuth::from_secret_data(&data).unwrap()
    };
    let resolved = resolve(&url, &branch("master"), &token("tok-123"), TIMEOUT).unwrap();
    assert_eq!(resolved.commit, head);
    let dest = tempfile::tempdir().unwrap();
    let out = checkout(&url, &branch("master"), &token("tok-123"), dest.path(), TIMEOUT).unwrap();
    assert_eq!(out.commit, head);
    let err = resolve(&url, &branch("master"), &token("wrong"), TIMEOUT).unwrap_err();
    assert!(matches!(err, GitError::AuthenticationFailed { .. }), "{err}");
    assert!(!format!("{err} {err:?}").contains("wrong"), "{err}");
}

#[test]
fn https_trusts_the_secret_ca_and_nothing_else() {
    let repo = TestRepo::new();
    let head = repo.commit(&[("tls.yaml", "t: 1\n")], "tls");
    let pki = common::TestPki::new("rflux-test-ca");
    let server = git_https_server(repo.root.path(), &pki);
    let url = server.https_url("repo");
    let with_ca = |ca: &str| {
        let mut data = BTreeMap::new();
        data.insert("ca.crt".to_string(), ca.as_bytes().to_vec());
        GitAuth::from_secret_data(&data).unwrap()
    };

    let auth = with_ca(&pki.ca_pem);
    assert_eq!(resolve(&url, &branch("master"), &auth, TIMEOUT).unwrap().commit, head);
    let dest = tempfile::tempdir().unwrap();
    let out = checkout(&url, &branch("master"), &auth, dest.path(), TIMEOUT).unwrap();
    assert_eq!(out.commit, head);

    let err = resolve(&url, &branch("master"), &GitAuth::none(), TIMEOUT).unwrap_err();
    assert!(matches!(err, GitError::Certificate { .. }), "{err}");
    let other = common::TestPki::new("another-ca");
    let err = resolve(&url, &branch("master"), &with_ca(&other.ca_pem), TIMEOUT).unwrap_err();
    assert!(matches!(err, GitError::Certificate { .. }), "{err}");
}
