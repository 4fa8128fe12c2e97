//! The cluster as the actions see it: dynamic discovery of resources (kind → resource and
//! scope, cached), objects built from manifest text (release namespace filled in, Helm's
//! ownership metadata added), and get/create/apply/patch/delete of any object by its JSON.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::GroupVersionKind;
use kube::discovery::Scope;
use serde_json::{Value, json};

use crate::error::Error;

/// How objects are written to the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApplyMethod {
    /// Server-side apply with the configured field manager (Helm v4's default; recorded
    /// as `ssa` in the release).
    #[default]
    ServerSide,
    /// Create, then a three-way patch between the previous release's manifest, the live
    /// object and the new manifest, strategic for built-in kinds and JSON merge for custom
    /// resources (Helm's client-side update; recorded as `csa`).
    ClientSide,
}

impl ApplyMethod {
    /// The `apply_method` value Helm v4 stores in a release record.
    pub fn record_value(self) -> &'static str {
        match self {
            ApplyMethod::ServerSide => "ssa",
            ApplyMethod::ClientSide => "csa",
        }
    }
}

/// The text of a kube error: the API server's message when there is one.
pub(crate) fn kube_message(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) if !s.message.is_empty() => s.message.clone(),
        other => other.to_string(),
    }
}

pub(crate) fn is_not_found(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 404)
}

/// Where an object lives: its resource and whether it is namespaced.
#[derive(Clone)]
pub(crate) struct Resolved {
    pub resource: ApiResource,
    pub namespaced: bool,
}

/// One object of a manifest, ready for the API.
#[derive(Clone, Debug)]
pub(crate) struct Object {
    pub body: Value,
    pub kind: String,
    pub api_version: String,
    pub name: String,
    /// Empty for cluster-scoped objects.
    pub namespace: String,
}

impl Object {
    /// `Kind "name"` with the namespace when there is one, as Helm names objects.
    pub fn describe(&self) -> String {
        if self.namespace.is_empty() {
            format!("{} \"{}\"", self.kind, self.name)
        } else {
            format!("{} \"{}\" in namespace \"{}\"", self.kind, self.name, self.namespace)
        }
    }

    /// Identity used to match objects across releases.
    pub fn key(&self) -> (String, String, String, String) {
        let group = self
            .api_version
            .rsplit_once('/')
            .map(|(g, _)| g)
            .unwrap_or("")
            .to_string();
        (group, self.kind.clone(), self.namespace.clone(), self.name.clone())
    }
}

/// A kube client with a discovery cache.
pub(crate) struct Cluster {
    pub client: kube::Client,
    cache: Mutex<HashMap<(String, String), Resolved>>,
}

impl Cluster {
    pub fn new(client: kube::Client) -> Cluster {
        Cluster {
            client,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Forget what discovery found (after CRDs were installed).
    pub fn forget(&self) {
        if let Ok(mut c) = self.cache.lock() {
            c.clear();
        }
    }

    pub async fn resolve(&self, api_version: &str, kind: &str) -> Result<Option<Resolved>, Error> {
        let key = (api_version.to_string(), kind.to_string());
        if let Some(r) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(Some(r));
        }
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let gvk = GroupVersionKind::gvk(group, version, kind);
        match kube::discovery::pinned_kind(&self.client, &gvk).await {
            Ok((resource, caps)) => {
                let r = Resolved {
                    resource,
                    namespaced: caps.scope == Scope::Namespaced,
                };
                if let Ok(mut c) = self.cache.lock() {
                    c.insert(key, r.clone());
                }
                Ok(Some(r))
            }
            Err(kube::Error::Discovery(_)) => Ok(None),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(Error::Cluster(format!(
                "discovering {kind} in {api_version}: {}",
                kube_message(&e)
            ))),
        }
    }

    /// Parse manifest documents into objects; namespaced objects without a namespace get
    /// `namespace`. With `owner`, Helm's ownership label and annotations are added.
    pub async fn build(
        &self,
        docs: &[String],
        namespace: &str,
        owner: Option<(&str, &str)>,
    ) -> Result<Vec<Object>, Error> {
        let mut out = Vec::new();
        for doc in docs {
            let mut body = crate::yaml::parse(doc).map_err(|e| {
                Error::Manifest(format!(
                    "unable to build kubernetes objects from release manifest: error parsing: {e}"
                ))
            })?;
            whole_numbers(&mut body);
            if body.is_null() || body.as_object().is_some_and(|o| o.is_empty()) {
                continue;
            }
            let kind = body.get("kind").and_then(Value::as_str).unwrap_or_default().to_string();
            let api_version = body
                .get("apiVersion")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let name = body
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if kind.is_empty() || api_version.is_empty() {
                return Err(Error::Manifest(format!(
                    "unable to build kubernetes objects from release manifest: object {name:?} is missing apiVersion or kind"
                )));
            }
            let Some(resolved) = self.resolve(&api_version, &kind).await? else {
                let ns = body
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                return Err(Error::Manifest(format!(
                    "unable to build kubernetes objects from release manifest: resource mapping not found for name: \"{name}\" namespace: \"{ns}\" from \"\": no matches for kind \"{kind}\" in version \"{api_version}\"\nensure CRDs are installed first"
                )));
            };
            let mut ns = String::new();
            if resolved.namespaced {
                ns = body
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .filter(|n| !n.is_empty())
                    .unwrap_or(namespace)
                    .to_string();
                set_path(&mut body, &["metadata", "namespace"], Value::String(ns.clone()));
            }
            if let Some((release, release_ns)) = owner {
                set_path(
                    &mut body,
                    &["metadata", "labels", "app.kubernetes.io/managed-by"],
                    json!("Helm"),
                );
                set_path(
                    &mut body,
                    &["metadata", "annotations", "meta.helm.sh/release-name"],
                    json!(release),
                );
                set_path(
                    &mut body,
                    &["metadata", "annotations", "meta.helm.sh/release-namespace"],
                    json!(release_ns),
                );
            }
            out.push(Object {
                body,
                kind,
                api_version,
                name,
                namespace: ns,
            });
        }
        Ok(out)
    }

    async fn api(&self, o: &Object) -> Result<Api<DynamicObject>, Error> {
        let r = self.resolve(&o.api_version, &o.kind).await?.ok_or_else(|| {
            Error::Cluster(format!(
                "no matches for kind \"{}\" in version \"{}\"",
                o.kind, o.api_version
            ))
        })?;
        Ok(if r.namespaced {
            Api::namespaced_with(self.client.clone(), &o.namespace, &r.resource)
        } else {
            Api::all_with(self.client.clone(), &r.resource)
        })
    }

    pub async fn get(&self, o: &Object) -> Result<Option<Value>, Error> {
        let api = self.api(o).await?;
        match api.get_opt(&o.name).await {
            Ok(v) => Ok(v.map(|d| serde_json::to_value(d).unwrap_or(Value::Null))),
            Err(e) => Err(Error::Cluster(format!(
                "getting {}: {}",
                o.describe(),
                kube_message(&e)
            ))),
        }
    }

    pub async fn create(&self, o: &Object) -> Result<(), Error> {
        let api = self.api(o).await?;
        let obj = to_dynamic(o)?;
        sent(o, "creating", api.create(&PostParams::default(), &obj).await)
    }

    pub async fn replace(&self, o: &Object, resource_version: &str) -> Result<(), Error> {
        let api = self.api(o).await?;
        let mut body = o.body.clone();
        set_path(&mut body, &["metadata", "resourceVersion"], json!(resource_version));
        let obj: DynamicObject = serde_json::from_value(body)
            .map_err(|e| Error::Manifest(format!("{}: not a Kubernetes object: {e}", o.describe())))?;
        sent(o, "replacing", api.replace(&o.name, &PostParams::default(), &obj).await)
    }

    /// Server-side apply of the whole object.
    pub async fn apply(&self, o: &Object, field_manager: &str, force: bool) -> Result<(), Error> {
        let api = self.api(o).await?;
        let mut pp = PatchParams::apply(field_manager);
        pp.force = force;
        sent(o, "applying", api.patch(&o.name, &pp, &Patch::Apply(&o.body)).await)
    }

    /// A JSON merge patch, or a strategic merge patch when `strategic`.
    pub async fn merge_patch(
        &self,
        o: &Object,
        patch: &Value,
        strategic: bool,
        field_manager: &str,
    ) -> Result<(), Error> {
        let api = self.api(o).await?;
        let pp = PatchParams {
            field_manager: Some(field_manager.to_string()),
            ..PatchParams::default()
        };
        let body = if strategic {
            Patch::Strategic(patch)
        } else {
            Patch::Merge(patch)
        };
        sent(o, "patching", api.patch(&o.name, &pp, &body).await)
    }

    /// Delete with background propagation; `false` when it was already gone.
    pub async fn delete(&self, o: &Object) -> Result<bool, Error> {
        let api = self.api(o).await?;
        match api.delete(&o.name, &DeleteParams::background()).await {
            Ok(_) => Ok(true),
            Err(e) if is_not_found(&e) => Ok(false),
            Err(e) => Err(Error::Cluster(format!(
                "deleting {}: {}",
                o.describe(),
                kube_message(&e)
            ))),
        }
    }

    /// Delete and wait until the object is gone (or `timeout` passes).
    pub async fn delete_and_wait(&self, o: &Object, timeout: Duration) -> Result<(), Error> {
        if !self.delete(o).await? {
            return Ok(());
        }
        self.wait_gone(o, tokio::time::Instant::now() + timeout).await
    }

    /// Poll until `o` no longer exists, or fail at `deadline`.
    pub async fn wait_gone(&self, o: &Object, deadline: tokio::time::Instant) -> Result<(), Error> {
        while self.get(o).await?.is_some() {
            if tokio::time::Instant::now() >= deadline {
                return Err(Error::Action(format!(
                    "timed out waiting for {} to be deleted",
                    o.describe()
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }
}

fn to_dynamic(o: &Object) -> Result<DynamicObject, Error> {
    serde_json::from_value(o.body.clone())
        .map_err(|e| Error::Manifest(format!("{}: not a Kubernetes object: {e}", o.describe())))
}

/// Numbers without a fraction as integers, as YAML-to-JSON conversion writes them (the
/// YAML reader yields every number as a float, as Helm's values are).
fn whole_numbers(v: &mut Value) {
    match v {
        Value::Number(n) => {
            if let Some(f) = n.as_f64()
                && !n.is_i64()
                && !n.is_u64()
                && f.fract() == 0.0
                && f.abs() < 9.0e18
            {
                *v = Value::Number(serde_json::Number::from(f as i64));
            }
        }
        Value::Array(a) => a.iter_mut().for_each(whole_numbers),
        Value::Object(o) => o.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// The outcome of a write: the server's reply is not needed, its error names the object.
fn sent<T>(o: &Object, verb: &str, reply: Result<T, kube::Error>) -> Result<(), Error> {
    reply
        .map(|_| ())
        .map_err(|e| Error::Cluster(format!("{verb} {}: {}", o.describe(), kube_message(&e))))
}

/// Set a nested member, creating (or replacing non-object) parents.
pub(crate) fn set_path(v: &mut Value, path: &[&str], val: Value) {
    let mut cur = v;
    for (i, key) in path.iter().enumerate() {
        if !cur.is_object() {
            *cur = Value::Object(serde_json::Map::new());
        }
        let Value::Object(m) = cur else { return };
        if i + 1 == path.len() {
            m.insert((*key).to_string(), val);
            return;
        }
        cur = m
            .entry((*key).to_string())
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
    }
}
