//! Release records in the cluster, as Helm's `secrets` driver keeps them: one Secret per
//! revision (`sh.helm.release.v1.NAME.vN`), created with a `createdAt` label, replaced
//! whole with a `modifiedAt` label on update, found by the labels `owner=helm,name=NAME`.

use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, ListParams, PostParams};
use serde_json::Value;

use super::cluster::{is_not_found, kube_message};
use crate::error::Error;
use crate::release::{Release, from_storage_object, storage_name, to_secret};

fn secrets(client: &kube::Client, namespace: &str) -> Api<DynamicObject> {
    let ar = ApiResource {
        group: String::new(),
        version: "v1".into(),
        api_version: "v1".into(),
        kind: "Secret".into(),
        plural: "secrets".into(),
    };
    Api::namespaced_with(client.clone(), namespace, &ar)
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn to_object(v: Value, what: &str) -> Result<DynamicObject, Error> {
    serde_json::from_value(v).map_err(|e| Error::Release(format!("{what}: {e}")))
}

/// Store a new revision (fails when it exists: Helm's pessimistic lock).
pub(crate) async fn create(client: &kube::Client, r: &Release) -> Result<(), Error> {
    let name = storage_name(&r.name, r.version);
    let obj = to_object(to_secret(r, unix_now())?, &name)?;
    secrets(client, &r.namespace)
        .create(&PostParams::default(), &obj)
        .await
        .map(|_| ())
        .map_err(|e| Error::Cluster(format!("create: failed to create: {} ({name})", kube_message(&e))))
}

/// Replace a stored revision (new status, description, hooks' last runs).
pub(crate) async fn update(client: &kube::Client, r: &Release) -> Result<(), Error> {
    let name = storage_name(&r.name, r.version);
    let mut secret = to_secret(r, 0)?;
    if let Some(labels) = secret.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) {
        labels.shift_remove("createdAt");
        labels.insert("modifiedAt".into(), Value::String(unix_now().to_string()));
    }
    let obj = to_object(secret, &name)?;
    secrets(client, &r.namespace)
        .replace(&name, &PostParams::default(), &obj)
        .await
        .map(|_| ())
        .map_err(|e| Error::Cluster(format!("update: failed to update: {} ({name})", kube_message(&e))))
}

/// Every stored revision of a release, oldest first.
pub(crate) async fn history(client: &kube::Client, namespace: &str, name: &str) -> Result<Vec<Release>, Error> {
    let lp = ListParams::default().labels(&format!("owner=helm,name={name}"));
    let list = secrets(client, namespace).list(&lp).await.map_err(|e| {
        Error::Cluster(format!(
            "query: failed to query with labels: owner=helm,name={name}: {}",
            kube_message(&e)
        ))
    })?;
    let mut out = Vec::new();
    for item in list.items {
        let secret_name = item.metadata.name.clone().unwrap_or_default();
        let v = serde_json::to_value(item).unwrap_or(Value::Null);
        let r = from_storage_object(&v).map_err(|e| Error::Release(format!("Secret {secret_name}: {e}")))?;
        out.push(r);
    }
    out.sort_by_key(|r| r.version);
    Ok(out)
}

/// Delete one stored revision.
pub(crate) async fn delete(client: &kube::Client, namespace: &str, name: &str, version: i64) -> Result<(), Error> {
    let secret = storage_name(name, version);
    match secrets(client, namespace)
        .delete(&secret, &DeleteParams::default())
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(Error::Cluster(format!(
            "delete: failed to delete {secret}: {}",
            kube_message(&e)
        ))),
    }
}
