//! `rflux kustomize build` and `rflux sops encrypt|decrypt` as a user runs them.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::process::Command;

fn rflux(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rflux"))
        .args(args)
        .output()
        .expect("rflux runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn kustomize_build_prints_what_kubectl_kustomize_prints() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("kustomization.yaml"), "namespace: apps\nnamePrefix: dev-\nresources: [deploy.yaml]\nconfigMapGenerator:\n- name: settings\n  literals: [mode=fast]\n").unwrap();
    std::fs::write(
        p.join("deploy.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: web\n        image: nginx\n        envFrom: [{configMapRef: {name: settings}}]\n",
    )
    .unwrap();
    let (ok, ours, err) = rflux(&["kustomize", "build", p.to_str().unwrap()]);
    assert!(ok, "{err}");
    let reference = Command::new("kubectl")
        .args(["kustomize", "--load-restrictor", "LoadRestrictionsNone"])
        .arg(p)
        .output()
        .unwrap();
    assert!(reference.status.success());
    assert_eq!(ours, String::from_utf8_lossy(&reference.stdout));

    let (ok, _, err) = rflux(&["kustomize", "build", p.join("missing").to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("missing"), "{err}");
}

#[test]
fn sops_encrypt_then_decrypt_with_an_age_key() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("age.agekey");
    let made = Command::new("age-keygen")
        .arg("-o")
        .arg(&key)
        .output()
        .expect("age-keygen runs (Debian package age)");
    assert!(made.status.success());
    let text = std::fs::read_to_string(&key).unwrap();
    let recipient = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap()
        .to_string();
    let plain = dir.path().join("secret.yaml");
    std::fs::write(
        &plain,
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: demo\nstringData:\n  password: hunter2\n",
    )
    .unwrap();

    let (ok, encrypted, err) = rflux(&[
        "sops",
        "encrypt",
        "--age",
        &recipient,
        "--encrypted-regex",
        "^(data|stringData)$",
        plain.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(
        !encrypted.contains("hunter2") && encrypted.contains("ENC[AES256_GCM,") && encrypted.contains("name: demo"),
        "{encrypted}"
    );
    let sealed = dir.path().join("secret.enc.yaml");
    std::fs::write(&sealed, &encrypted).unwrap();

    let (ok, decrypted, err) = rflux(&[
        "sops",
        "decrypt",
        "--age-key-file",
        key.to_str().unwrap(),
        sealed.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    // sops writes YAML with go-yaml v3's four-space indentation; the content is the same.
    let parse = |t: &str| serde_saphyr::from_str::<serde_json::Value>(t).unwrap();
    assert_eq!(parse(&decrypted), parse(&std::fs::read_to_string(&plain).unwrap()));

    // Without the key: a clear error, no plaintext.
    let (ok, out, err) = rflux(&["sops", "decrypt", sealed.to_str().unwrap()]);
    assert!(
        !ok && !out.contains("hunter2") && !err.contains("hunter2"),
        "{out}{err}"
    );
    // Tampered MAC: refused.
    let tampered = encrypted.replacen("mac: ENC[AES256_GCM,data:", "mac: ENC[AES256_GCM,data:A", 1);
    std::fs::write(&sealed, tampered).unwrap();
    let (ok, _, err) = rflux(&[
        "sops",
        "decrypt",
        "--age-key-file",
        key.to_str().unwrap(),
        sealed.to_str().unwrap(),
    ]);
    assert!(!ok, "a tampered file must not decrypt: {err}");
}

#[test]
fn template_renders_a_chart_as_helm_template_prints_it() {
    let chart = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/charts/hello");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rflux"))
        .args(["template", "--name", "hello", "--set", "greeting=hi"])
        .arg(&chart)
        .output()
        .expect("rflux template runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text,
        "---\n# Source: hello/templates/configmap.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hello-greeting\n  labels:\n    app.kubernetes.io/name: hello\n    app.kubernetes.io/instance: hello\ndata:\n  greeting: \"hi\"\n"
    );
    let missing = std::process::Command::new(env!("CARGO_BIN_EXE_rflux"))
        .args(["template", "/nonexistent-chart"])
        .output()
        .expect("rflux template runs");
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent-chart"));

    // `helm template NAME CHART` works the same way.
    let helm_style = std::process::Command::new(env!("CARGO_BIN_EXE_rflux"))
        .args(["template", "hello"])
        .arg(&chart)
        .args(["--set", "greeting=hi"])
        .output()
        .expect("rflux template runs");
    assert!(
        helm_style.status.success(),
        "{}",
        String::from_utf8_lossy(&helm_style.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&helm_style.stdout), text);
    let twice = std::process::Command::new(env!("CARGO_BIN_EXE_rflux"))
        .args(["template", "hello", "--name", "other"])
        .arg(&chart)
        .output()
        .expect("rflux template runs");
    assert_eq!(twice.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&twice.stderr).contains("the release name is given twice"),
        "{}",
        String::from_utf8_lossy(&twice.stderr)
    );
}
