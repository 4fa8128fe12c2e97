//! Release records in the cluster, as Helm's `secrets` (default) and `configmaps` drivers
//! keep them: one object per revision (`sh.helm.release.v1.NAME.vN`), created with a
//! `createdAt` label, replaced whole with a `modifiedAt` label on update, found by the
//! labels `owner=helm,name=NAME`.

use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, ListParams, PostParams};
use serde_json::Value;

use super::cluster::{is_not_found, kube_message};
use crate::error::Error;
use crate::release::{Release, from_storage_object, storage_name, to_config_map, to_secret};

/// Where release records are kept (Helm's `HELM_DRIVER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StorageDriver {
    /// Secrets of type `helm.sh/release.v1` (Helm's default).
    #[default]
    Secret,
    /// ConfigMaps.
    ConfigMap,
}

/// The records of one driver through one client.
pub(crate) struct Store<'a> {
    pub client: &'a kube::Client,
    pub driver: StorageDriver,
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

impl Store<'_> {
    /// Kind and resource of the records.
    fn kind_and_plural(&self) -> (&'static str, &'static str) {
        match self.driver {
            StorageDriver::Secret => ("Secret", "secrets"),
            StorageDriver::ConfigMap => ("ConfigMap", "configmaps"),
        }
    }

    fn api(&self, namespace: &str) -> Api<DynamicObject> {
        let (kind, plural) = self.kind_and_plural();
        let ar = ApiResource {
            group: String::new(),
            version: "v1".into(),
            api_version: "v1".into(),
            kind: kind.into(),
            plural: plural.into(),
        };
        Api::namespaced_with(self.client.clone(), namespace, &ar)
    }

    fn encode(&self, r: &Release, created_at: i64) -> Result<Value, Error> {
        match self.driver {
            StorageDriver::Secret => to_secret(r, created_at),
            StorageDriver::ConfigMap => to_config_map(r, created_at),
        }
    }

    /// Store a new revision (fails when it exists: Helm's pessimistic lock).
    pub async fn create(&self, r: &Release) -> Result<(), Error> {
        let name = storage_name(&r.name, r.version);
        let obj = to_object(self.encode(r, unix_now())?, &name)?;
        self.api(&r.namespace)
            .create(&PostParams::default(), &obj)
            .await
            .map(|_| ())
            .map_err(|e| Error::Cluster(format!("create: failed to create: {} ({name})", kube_message(&e))))
    }

    /// Replace a stored revision (new status, description, hooks' last runs).
    pub async fn update(&self, r: &Release) -> Result<(), Error> {
        let name = storage_name(&r.name, r.version);
        let mut object = self.encode(r, 0)?;
        if let Some(labels) = object.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) {
            labels.shift_remove("createdAt");
            labels.insert("modifiedAt".into(), Value::String(unix_now().to_string()));
        }
        let obj = to_object(object, &name)?;
        self.api(&r.namespace)
            .replace(&name, &PostParams::default(), &obj)
            .await
            .map(|_| ())
            .map_err(|e| Error::Cluster(format!("update: failed to update: {} ({name})", kube_message(&e))))
    }

    /// Every stored revision of a release, oldest first.
    pub async fn history(&self, namespace: &str, name: &str) -> Result<Vec<Release>, Error> {
        let lp = ListParams::default().labels(&format!("owner=helm,name={name}"));
        let list = self.api(namespace).list(&lp).await.map_err(|e| {
            Error::Cluster(format!(
                "query: failed to query with labels: owner=helm,name={name}: {}",
                kube_message(&e)
            ))
        })?;
        let mut out = Vec::new();
        for item in list.items {
            let object_name = item.metadata.name.clone().unwrap_or_default();
            let mut v = serde_json::to_value(item).unwrap_or(Value::Null);
            if let Some(m) = v.as_object_mut() {
                let (kind, _) = self.kind_and_plural();
                m.entry("kind").or_insert_with(|| Value::String(kind.into()));
            }
            let r = from_storage_object(&v).map_err(|e| Error::Release(format!("{object_name}: {e}")))?;
            out.push(r);
        }
        out.sort_by_key(|r| r.version);
        Ok(out)
    }

    /// Delete one stored revision.
    pub async fn delete(&self, namespace: &str, name: &str, version: i64) -> Result<(), Error> {
        let object = storage_name(name, version);
        match self.api(namespace).delete(&object, &DeleteParams::default()).await {
            Ok(_) => Ok(()),
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(Error::Cluster(format!(
                "delete: failed to delete {object}: {}",
                kube_message(&e)
            ))),
        }
    }
}
