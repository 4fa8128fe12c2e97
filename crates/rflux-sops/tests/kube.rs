//! The kustomize controller's use: decrypting built objects and generator files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rflux_sops::kube::{KubeDecryptOptions, decrypt_file_by_path, decrypt_objects};
use rflux_sops::{EncryptOptions, Format, Keyring, Recipient, RuleFields};

fn setup() -> (Keyring, EncryptOptions) {
    let (sk, r) = common::age_key();
    let mut k = Keyring::new();
    k.add_flux_secret_entry("identity.agekey", sk.as_bytes()).unwrap();
    assert_eq!(k.add_flux_secret_entry("ignored.txt", b"whatever").unwrap(), 0);
    let o = EncryptOptions {
        key_groups: vec![vec![Recipient::age(&r).unwrap()]],
        rules: RuleFields {
            encrypted_regex: Some("^(data|stringData)$".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    (k, o)
}

fn secret_yaml(name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\ntype: Opaque\nstringData:\n  password: hunter2\n  port: \"5432\"\ndata:\n  blob: aGVsbG8=\n"
    )
}

fn to_object(yaml_bytes: &[u8]) -> serde_json::Value {
    serde_saphyr::from_slice::<serde_json::Value>(yaml_bytes).unwrap()
}

#[test]
fn whole_object_secret_after_build() {
    let (k, o) = setup();
    let enc = rflux_sops::encrypt(secret_yaml("db").as_bytes(), Format::Yaml, &o).unwrap();
    let mut obj = to_object(&enc);
    // kustomize changes clear values (namePrefix); the MAC is not checked by default.
    obj["metadata"]["name"] = serde_json::json!("prefix-db");
    let mut disabled = obj.clone();
    disabled["metadata"]["annotations"] = serde_json::json!({"kustomize.toolkit.fluxcd.io/decrypt": "Disabled"});
    let plain =
        serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": "b"}});
    let mut objects = vec![obj.clone(), disabled.clone(), plain.clone()];
    let n = decrypt_objects(&mut objects, &k, &KubeDecryptOptions::default()).unwrap();
    assert_eq!(n, 1);
    assert_eq!(objects[0]["stringData"]["password"], "hunter2");
    assert_eq!(objects[0]["stringData"]["port"], "5432");
    assert_eq!(objects[0]["data"]["blob"], "aGVsbG8=");
    assert_eq!(objects[0]["metadata"]["name"], "prefix-db");
    assert!(objects[0].get("sops").is_none());
    assert_eq!(objects[1], disabled, "Disabled objects are left alone");
    assert_eq!(objects[2], plain);
    // With the MAC check on, the renamed object is refused.
    let mut again = vec![obj];
    let err = decrypt_objects(&mut again, &k, &KubeDecryptOptions { verify_mac: true }).unwrap_err();
    assert!(err.to_string().contains("MAC mismatch"), "{err}");
    assert!(err.to_string().contains("/prefix-db"), "{err}");
}

#[test]
fn secret_data_holding_whole_sops_documents() {
    let (k, mut o) = setup();
    o.rules = RuleFields::default();
    let json_doc = rflux_sops::encrypt(b"{\"user\": \"admin\"}", Format::Json, &o).unwrap();
    let bin_doc = rflux_sops::encrypt(b"raw-bytes", Format::Binary, &o).unwrap();
    let env_doc = rflux_sops::encrypt(b"A=1\n", Format::Dotenv, &o).unwrap();
    let mut obj = serde_json::json!({
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "inside"},
        "data": {
            "config.json": STANDARD.encode(&json_doc),
            "key": STANDARD.encode(&bin_doc),
            "app.env": STANDARD.encode(&env_doc),
            "untouched": STANDARD.encode(b"plain"),
            "not-base64": "%%%"
        }
    });
    let mut objs = vec![obj.clone()];
    assert_eq!(
        decrypt_objects(&mut objs, &k, &KubeDecryptOptions::default()).unwrap(),
        1
    );
    obj = objs.remove(0);
    let get = |k: &str| String::from_utf8(STANDARD.decode(obj["data"][k].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(get("config.json"), "{\n\t\"user\": \"admin\"\n}\n");
    assert_eq!(get("key"), "raw-bytes");
    assert_eq!(get("app.env"), "A=1\n");
    assert_eq!(get("untouched"), "plain");
    assert_eq!(obj["data"]["not-base64"], "%%%");
}

#[test]
fn generator_files() {
    let (k, mut o) = setup();
    o.rules = RuleFields::default();
    let env = rflux_sops::encrypt(b"USER=admin\nPASS=x\n", Format::Dotenv, &o).unwrap();
    // envs without a known extension are dotenv
    let out = decrypt_file_by_path("secrets.txt", &env, true, &k).unwrap().unwrap();
    assert_eq!(out, b"USER=admin\nPASS=x\n");
    let ini = rflux_sops::encrypt(b"[s]\nk = v\n", Format::Ini, &o).unwrap();
    let out = decrypt_file_by_path("conf.ini", &ini, false, &k).unwrap().unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "[s]\nk = v\n");
    assert!(decrypt_file_by_path("plain.env", b"A=1\n", true, &k).unwrap().is_none());
}
