//! Reading `postBuild.substituteFrom` from the cluster: the ConfigMaps' data and the
//! Secrets' decoded data, merged in order, as kustomize-controller reads them. Shared by the
//! reconciler and `rflux build kustomization`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::Api;
use rflux_api::types::{SubstituteReference, ValuesReferenceKind};

/// The variables of `references` in `namespace`, later ones overriding earlier ones. A
/// missing object that is not `optional`, or a failed read, is an error naming it.
pub async fn substitute_from(
    client: &kube::Client,
    references: &[SubstituteReference],
    namespace: &str,
) -> Result<BTreeMap<String, String>, String> {
    let mut vars = BTreeMap::new();
    for reference in references {
        let found = match reference.kind {
            ValuesReferenceKind::ConfigMap => {
                let api: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
                api.get_opt(&reference.name)
                    .await
                    .map(|cm| cm.map(|cm| cm.data.unwrap_or_default()))
            }
            ValuesReferenceKind::Secret => {
                let api: Api<Secret> = Api::namespaced(client.clone(), namespace);
                api.get_opt(&reference.name).await.map(|s| {
                    s.map(|s| {
                        s.data
                            .unwrap_or_default()
                            .into_iter()
                            .map(|(k, v)| (k, String::from_utf8_lossy(&v.0).into_owned()))
                            .collect()
                    })
                })
            }
        };
        let what = format!("{}/{namespace}/{}", reference.kind, reference.name);
        match found {
            Ok(Some(data)) => vars.extend(data),
            Ok(None) if reference.optional => {}
            Ok(None) => return Err(format!("substitute from '{what}' failed: not found")),
            Err(e) => {
                return Err(format!(
                    "substitute from '{what}' failed: {}",
                    rflux_ssa::error::message_of(&e)
                ));
            }
        }
    }
    Ok(vars)
}
