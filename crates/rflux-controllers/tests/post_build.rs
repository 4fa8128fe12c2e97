//! What happens between build and apply: post-build variable substitution from the spec and
//! from ConfigMaps and Secrets, and SOPS decryption with an age key from a Secret.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::{GitRepo, NS, kustomization};
use rflux_sops::{EncryptOptions, Format, Recipient, RuleFields};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn substitutes_variables_from_the_spec_and_from_config_maps() {
    let env = common::start().await;
    let git = GitRepo::new();
    git.write(
        "app/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n  \
         greeting: \"${greeting}\"\n  region: \"${region}\"\n  overridden: \"${shared}\"\n  \
         fallback: \"${unset_var:=plan-b}\"\n",
    );
    let revision = git.commit("templated settings");
    env.apply(vec![
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "cluster-vars", "namespace": NS},
            "data": {"region": "eu-west-1", "shared": "from-config-map"}}),
        common::git_repository("app", &git.url()),
        kustomization(
            "app",
            "app",
            "./app",
            json!({"postBuild": {
                "substitute": {"greeting": "hello", "shared": "from-spec"},
                "substituteFrom": [
                    {"kind": "ConfigMap", "name": "cluster-vars"},
                    {"kind": "Secret", "name": "not-there", "optional": true}
                ]
            }}),
        ),
    ])
    .await;
    env.kustomization_applied("app", &revision).await;
    let cm = env.config_map("default", "settings").await.expect("ConfigMap applied");
    assert_eq!(cm["data"]["greeting"], "hello");
    assert_eq!(cm["data"]["region"], "eu-west-1");
    assert_eq!(
        cm["data"]["overridden"], "from-spec",
        "substitute wins over substituteFrom"
    );
    assert_eq!(cm["data"]["fallback"], "plan-b");

    // A required reference that does not exist fails the build and names it.
    env.apply(vec![kustomization(
        "strict",
        "app",
        "./app",
        json!({"postBuild": {"substituteFrom": [{"kind": "Secret", "name": "not-there"}]}}),
    )])
    .await;
    let ready = env
        .kustomization_condition("strict", "Ready", "False", "BuildFailed")
        .await;
    let message = ready["message"].as_str().unwrap();
    assert!(message.contains("not-there"), "{message}");
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decrypts_sops_secrets_with_an_age_key_from_a_secret() {
    let env = common::start().await;
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("age.agekey");
    let out = Command::new("age-keygen")
        .arg("-o")
        .arg(&key_file)
        .output()
        .expect("age-keygen runs (is the age package installed?)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let identity = std::fs::read_to_string(&key_file).unwrap();
    let public = identity
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .expect("age-keygen writes the public key")
        .to_string();

    let plain = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: default\ntype: Opaque\nstringData:\n  password: s3cr3t-value\n";
    let options = EncryptOptions {
        key_groups: vec![vec![Recipient::age(&public).unwrap()]],
        shamir_threshold: 0,
        rules: RuleFields {
            encrypted_regex: Some("^(data|stringData)$".into()),
            ..RuleFields::default()
        },
        indent: Default::default(),
    };
    let encrypted = String::from_utf8(rflux_sops::encrypt(plain.as_bytes(), Format::Yaml, &options).unwrap()).unwrap();
    assert!(!encrypted.contains("s3cr3t-value"));

    let git = GitRepo::new();
    git.write("secrets/db.yaml", &encrypted);
    let revision = git.commit("encrypted secret");
    env.apply(vec![
        json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "sops-age", "namespace": NS},
            "type": "Opaque",
            "stringData": {"age.agekey": identity}}),
        common::git_repository("app", &git.url()),
        kustomization(
            "secrets",
            "app",
            "./secrets",
            json!({"decryption": {"provider": "sops", "secretRef": {"name": "sops-age"}}}),
        ),
    ])
    .await;
    env.kustomization_applied("secrets", &revision).await;
    let secret = env
        .get("v1", "Secret", Some("default"), "db")
        .await
        .expect("Secret applied");
    // base64 of "s3cr3t-value"
    assert_eq!(secret["data"]["password"], "czNjcjN0LXZhbHVl", "{}", secret["data"]);
    assert!(secret["metadata"]["annotations"].get("sops").is_none());

    // Without the key the same manifest fails to decrypt.
    env.apply(vec![kustomization(
        "no-key",
        "app",
        "./secrets",
        json!({"decryption": {"provider": "sops"}}),
    )])
    .await;
    let ready = env
        .kustomization_condition("no-key", "Ready", "False", "BuildFailed")
        .await;
    let message = ready["message"].as_str().unwrap();
    assert!(message.contains("Secret/default/db"), "{message}");
    assert!(!message.contains("s3cr3t-value"));
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decrypts_sops_encrypted_secret_generator_inputs() {
    let env = common::start().await;
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("age.agekey");
    let out = Command::new("age-keygen")
        .arg("-o")
        .arg(&key_file)
        .output()
        .expect("age-keygen runs (is the age package installed?)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let identity = std::fs::read_to_string(&key_file).unwrap();
    let public = identity
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap()
        .to_string();
    let options = EncryptOptions {
        key_groups: vec![vec![Recipient::age(&public).unwrap()]],
        shamir_threshold: 0,
        rules: RuleFields::default(),
        indent: Default::default(),
    };
    let encrypted =
        String::from_utf8(rflux_sops::encrypt(b"TOKEN=generated-s3cret\n", Format::Dotenv, &options).unwrap()).unwrap();
    assert!(!encrypted.contains("generated-s3cret"));

    let git = GitRepo::new();
    git.write("app/secret.env", &encrypted);
    git.write(
        "app/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: default\n\
         secretGenerator:\n  - name: api-token\n    envs:\n      - secret.env\n\
         generatorOptions:\n  disableNameSuffixHash: true\n",
    );
    let revision = git.commit("generated secret");
    env.apply(vec![
        json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "sops-age", "namespace": NS},
            "stringData": {"age.agekey": identity}}),
        common::git_repository("app", &git.url()),
        kustomization(
            "app",
            "app",
            "./app",
            json!({"decryption": {"provider": "sops", "secretRef": {"name": "sops-age"}}}),
        ),
    ])
    .await;
    env.kustomization_applied("app", &revision).await;
    let secret = env
        .get("v1", "Secret", Some("default"), "api-token")
        .await
        .expect("generated Secret applied");
    // base64 of "generated-s3cret"
    assert_eq!(
        secret["data"]["TOKEN"], "Z2VuZXJhdGVkLXMzY3JldA==",
        "{}",
        secret["data"]
    );
    env.stop().await;
}
