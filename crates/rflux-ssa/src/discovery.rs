//! Which REST resource serves a kind: a cache from `apiVersion` + `kind` to the resource's
//! plural and scope, filled one group-version at a time and refreshed when a kind is unknown
//! (as right after its CRD was applied).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use kube::core::GroupVersion;
use kube::discovery::Scope;

use crate::object::split_api_version;

/// Why a kind could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    /// The cluster serves no such kind.
    #[error("no matches for kind \"{kind}\" in version \"{api_version}\"")]
    UnknownKind { api_version: String, kind: String },
    /// Discovery itself failed.
    #[error("discovery of {api_version} failed: {source}")]
    Request {
        api_version: String,
        #[source]
        source: Box<kube::Error>,
    },
}

/// The REST resource of a kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub group: String,
    pub version: String,
    pub kind: String,
    /// Plural resource name (`deployments`).
    pub plural: String,
    pub namespaced: bool,
}

impl Resource {
    /// URL path of the collection, in `namespace` when the resource is namespaced.
    pub fn collection_path(&self, namespace: &str) -> String {
        let base = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        if self.namespaced && !namespace.is_empty() {
            format!("{base}/namespaces/{namespace}/{}", self.plural)
        } else {
            format!("{base}/{}", self.plural)
        }
    }
}

type Key = (String, String);

/// Cached discovery of the kinds a cluster serves.
pub struct DiscoveryCache {
    client: kube::Client,
    resources: RwLock<HashMap<Key, Arc<Resource>>>,
}

impl DiscoveryCache {
    pub fn new(client: kube::Client) -> DiscoveryCache {
        DiscoveryCache {
            client,
            resources: RwLock::new(HashMap::new()),
        }
    }

    /// The resource serving `kind` in `api_version`, asking the cluster when not cached.
    pub async fn resolve(&self, api_version: &str, kind: &str) -> Result<Arc<Resource>, DiscoveryError> {
        let key = (api_version.to_string(), kind.to_string());
        if let Some(found) = self.cached(&key) {
            return Ok(found);
        }
        self.refresh(api_version).await?;
        self.cached(&key).ok_or_else(|| DiscoveryError::UnknownKind {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
        })
    }

    fn cached(&self, key: &Key) -> Option<Arc<Resource>> {
        self.resources
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()
    }

    /// Reads every resource of one group-version from the cluster into the cache.
    async fn refresh(&self, api_version: &str) -> Result<(), DiscoveryError> {
        let (group, version) = split_api_version(api_version);
        let gv = GroupVersion::gv(group, version);
        let found = match kube::discovery::pinned_group(&self.client, &gv).await {
            Ok(found) => found,
            Err(kube::Error::Api(status)) if status.code == 404 => return Ok(()),
            Err(source) => {
                return Err(DiscoveryError::Request {
                    api_version: api_version.to_string(),
                    source: Box::new(source),
                });
            }
        };
        let mut map = self.resources.write().unwrap_or_else(|e| e.into_inner());
        map.retain(|(av, _), _| av != api_version);
        for (ar, caps) in found.versioned_resources(version) {
            let resource = Resource {
                group: ar.group.clone(),
                version: ar.version.clone(),
                kind: ar.kind.clone(),
                plural: ar.plural.clone(),
                namespaced: caps.scope == Scope::Namespaced,
            };
            map.insert((api_version.to_string(), ar.kind), Arc::new(resource));
        }
        tracing::debug!(api_version, kinds = map.len(), "discovery refreshed");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collection_paths() {
        let mut r = Resource {
            group: "apps".into(),
            version: "v1".into(),
            kind: "Deployment".into(),
            plural: "deployments".into(),
            namespaced: true,
        };
        assert_eq!(
            r.collection_path("default"),
            "/apis/apps/v1/namespaces/default/deployments"
        );
        r.group = String::new();
        r.plural = "namespaces".into();
        r.namespaced = false;
        assert_eq!(r.collection_path("ignored"), "/api/v1/namespaces");
    }
}
