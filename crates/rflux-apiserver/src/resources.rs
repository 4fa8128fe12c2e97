//! The resource types the server serves: the built-in kinds and those added by CRDs.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use serde_json::Value;

/// One served version of a resource.
#[derive(Debug, Clone)]
pub struct ServedVersion {
    pub name: String,
    /// `openAPIV3Schema` of a custom resource version; `None` for built-in kinds.
    pub schema: Option<Arc<Value>>,
    /// `additionalPrinterColumns` of a custom resource version.
    pub printer_columns: Vec<Value>,
}

/// A resource (`group/plural`) with its names, scope and subresources.
#[derive(Debug, Clone)]
pub struct ResourceType {
    pub group: String,
    pub plural: String,
    pub singular: String,
    pub kind: String,
    pub list_kind: String,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    pub namespaced: bool,
    pub has_status: bool,
    /// `(specReplicasPath, statusReplicasPath, labelSelectorPath)` for a scale subresource.
    pub scale: Option<(String, String, Option<String>)>,
    pub versions: Vec<ServedVersion>,
    pub storage_version: String,
    /// Whether `metadata.generation` is tracked (custom resources and kinds with a spec).
    pub tracks_generation: bool,
    /// Defined by a CustomResourceDefinition.
    pub custom: bool,
    /// A review: only `create`, answered and never stored (access and token reviews).
    pub create_only: bool,
}

impl ResourceType {
    /// The storage key prefix of this resource: `group/plural/`.
    pub fn key_prefix(&self) -> String {
        // events.k8s.io/v1 Events share the core/v1 store.
        if self.group == "events.k8s.io" && self.plural == "events" {
            return "core/events/".to_string();
        }
        let group = if self.group.is_empty() { "core" } else { &self.group };
        format!("{group}/{}/", self.plural)
    }

    pub fn key(&self, namespace: Option<&str>, name: &str) -> String {
        format!("{}{}/{}", self.key_prefix(), namespace.unwrap_or(""), name)
    }

    pub fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_string()
        } else {
            format!("{}/{version}", self.group)
        }
    }

    pub fn version(&self, version: &str) -> Option<&ServedVersion> {
        self.versions.iter().find(|v| v.name == version)
    }

    /// `plural.group`, as used in messages.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
}

struct Builtin {
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    kind: &'static str,
    namespaced: bool,
    status: bool,
    scale: bool,
    generation: bool,
    short: &'static [&'static str],
    categories: &'static [&'static str],
    review: bool,
}

const fn b(
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    kind: &'static str,
    namespaced: bool,
    status: bool,
    short: &'static [&'static str],
) -> Builtin {
    Builtin {
        group,
        version,
        plural,
        kind,
        namespaced,
        status,
        scale: false,
        generation: false,
        short,
        categories: &[],
        review: false,
    }
}

const fn workload(
    group: &'static str,
    plural: &'static str,
    kind: &'static str,
    short: &'static [&'static str],
    scale: bool,
) -> Builtin {
    Builtin {
        group,
        version: "v1",
        plural,
        kind,
        namespaced: true,
        status: true,
        scale,
        generation: true,
        short,
        categories: &["all"],
        review: false,
    }
}

const fn review(group: &'static str, plural: &'static str, kind: &'static str, namespaced: bool) -> Builtin {
    Builtin {
        review: true,
        ..b(group, "v1", plural, kind, namespaced, false, &[])
    }
}

const BUILTINS: &[Builtin] = &[
    b("", "v1", "namespaces", "Namespace", false, true, &["ns"]),
    b("", "v1", "configmaps", "ConfigMap", true, false, &["cm"]),
    b("", "v1", "secrets", "Secret", true, false, &[]),
    b("", "v1", "serviceaccounts", "ServiceAccount", true, false, &["sa"]),
    Builtin {
        categories: &["all"],
        ..b("", "v1", "services", "Service", true, true, &["svc"])
    },
    b("", "v1", "endpoints", "Endpoints", true, false, &["ep"]),
    Builtin {
        categories: &["all"],
        ..b("", "v1", "pods", "Pod", true, true, &["po"])
    },
    b(
        "",
        "v1",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        true,
        true,
        &["pvc"],
    ),
    b("", "v1", "persistentvolumes", "PersistentVolume", false, true, &["pv"]),
    b("", "v1", "events", "Event", true, false, &["ev"]),
    b("", "v1", "resourcequotas", "ResourceQuota", true, true, &["quota"]),
    b("", "v1", "limitranges", "LimitRange", true, false, &["limits"]),
    b("", "v1", "nodes", "Node", false, true, &["no"]),
    workload("apps", "deployments", "Deployment", &["deploy"], true),
    workload("apps", "statefulsets", "StatefulSet", &["sts"], true),
    workload("apps", "daemonsets", "DaemonSet", &["ds"], false),
    workload("apps", "replicasets", "ReplicaSet", &["rs"], true),
    b(
        "apps",
        "v1",
        "controllerrevisions",
        "ControllerRevision",
        true,
        false,
        &[],
    ),
    workload("batch", "jobs", "Job", &[], false),
    workload("batch", "cronjobs", "CronJob", &["cj"], false),
    Builtin {
        generation: true,
        ..b("networking.k8s.io", "v1", "ingresses", "Ingress", true, true, &["ing"])
    },
    b(
        "networking.k8s.io",
        "v1",
        "ingressclasses",
        "IngressClass",
        false,
        false,
        &[],
    ),
    Builtin {
        generation: true,
        ..b(
            "networking.k8s.io",
            "v1",
            "networkpolicies",
            "NetworkPolicy",
            true,
            false,
            &["netpol"],
        )
    },
    b("rbac.authorization.k8s.io", "v1", "roles", "Role", true, false, &[]),
    b(
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "RoleBinding",
        true,
        false,
        &[],
    ),
    b(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
        false,
        false,
        &[],
    ),
    b(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        false,
        false,
        &[],
    ),
    Builtin {
        generation: true,
        ..b(
            "policy",
            "v1",
            "poddisruptionbudgets",
            "PodDisruptionBudget",
            true,
            true,
            &["pdb"],
        )
    },
    Builtin {
        generation: true,
        categories: &["all"],
        ..b(
            "autoscaling",
            "v2",
            "horizontalpodautoscalers",
            "HorizontalPodAutoscaler",
            true,
            true,
            &["hpa"],
        )
    },
    b(
        "storage.k8s.io",
        "v1",
        "storageclasses",
        "StorageClass",
        false,
        false,
        &["sc"],
    ),
    Builtin {
        generation: true,
        ..b(
            "admissionregistration.k8s.io",
            "v1",
            "mutatingwebhookconfigurations",
            "MutatingWebhookConfiguration",
            false,
            false,
            &[],
        )
    },
    Builtin {
        generation: true,
        ..b(
            "admissionregistration.k8s.io",
            "v1",
            "validatingwebhookconfigurations",
            "ValidatingWebhookConfiguration",
            false,
            false,
            &[],
        )
    },
    b("coordination.k8s.io", "v1", "leases", "Lease", true, false, &[]),
    b("events.k8s.io", "v1", "events", "Event", true, false, &["ev"]),
    Builtin {
        generation: true,
        ..b(
            "apiextensions.k8s.io",
            "v1",
            "customresourcedefinitions",
            "CustomResourceDefinition",
            false,
            true,
            &["crd", "crds"],
        )
    },
    b(
        "scheduling.k8s.io",
        "v1",
        "priorityclasses",
        "PriorityClass",
        false,
        false,
        &["pc"],
    ),
    b(
        "discovery.k8s.io",
        "v1",
        "endpointslices",
        "EndpointSlice",
        true,
        false,
        &[],
    ),
    review(
        "authorization.k8s.io",
        "selfsubjectaccessreviews",
        "SelfSubjectAccessReview",
        false,
    ),
    review(
        "authorization.k8s.io",
        "selfsubjectrulesreviews",
        "SelfSubjectRulesReview",
        false,
    ),
    review(
        "authorization.k8s.io",
        "subjectaccessreviews",
        "SubjectAccessReview",
        false,
    ),
    review(
        "authorization.k8s.io",
        "localsubjectaccessreviews",
        "LocalSubjectAccessReview",
        true,
    ),
    review(
        "authentication.k8s.io",
        "selfsubjectreviews",
        "SelfSubjectReview",
        false,
    ),
    review("authentication.k8s.io", "tokenreviews", "TokenReview", false),
];

fn builtin_type(def: &Builtin) -> ResourceType {
    let scale = def.scale.then(|| {
        (
            ".spec.replicas".to_string(),
            ".status.replicas".to_string(),
            Some(".status.selector".to_string()),
        )
    });
    ResourceType {
        group: def.group.to_string(),
        plural: def.plural.to_string(),
        singular: def.kind.to_lowercase(),
        kind: def.kind.to_string(),
        list_kind: format!("{}List", def.kind),
        short_names: def.short.iter().map(|s| s.to_string()).collect(),
        categories: def.categories.iter().map(|s| s.to_string()).collect(),
        namespaced: def.namespaced,
        has_status: def.status,
        scale,
        versions: vec![ServedVersion {
            name: def.version.to_string(),
            schema: None,
            printer_columns: Vec::new(),
        }],
        storage_version: def.version.to_string(),
        tracks_generation: def.generation,
        custom: false,
        create_only: def.review,
    }
}

/// The set of served resources; built-ins are fixed, CRDs come and go.
#[derive(Clone)]
pub struct Registry {
    inner: Arc<RwLock<TypeMap>>,
}

/// `(group, plural)` → resource.
type TypeMap = BTreeMap<(String, String), Arc<ResourceType>>;

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    pub fn new() -> Self {
        let mut map = BTreeMap::new();
        for def in BUILTINS {
            let rt = builtin_type(def);
            map.insert((rt.group.clone(), rt.plural.clone()), Arc::new(rt));
        }
        Registry {
            inner: Arc::new(RwLock::new(map)),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, TypeMap> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The resource served at `group/version/plural`.
    pub fn lookup(&self, group: &str, version: &str, plural: &str) -> Option<Arc<ResourceType>> {
        let map = self.read();
        let rt = map.get(&(group.to_string(), plural.to_string()))?;
        rt.version(version).is_some().then(|| rt.clone())
    }

    /// The resource of `group` with this kind.
    pub fn by_kind(&self, group: &str, kind: &str) -> Option<Arc<ResourceType>> {
        self.read()
            .values()
            .find(|rt| rt.group == group && rt.kind == kind)
            .cloned()
    }

    pub fn all(&self) -> Vec<Arc<ResourceType>> {
        self.read().values().cloned().collect()
    }

    pub fn is_builtin_group(group: &str) -> bool {
        BUILTINS.iter().any(|b| b.group == group)
    }

    /// Adds or replaces a custom resource type. Refuses to shadow a built-in kind.
    pub fn put_custom(&self, rt: ResourceType) {
        let mut map = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let key = (rt.group.clone(), rt.plural.clone());
        if map.get(&key).is_some_and(|old| !old.custom) {
            return;
        }
        map.insert(key, Arc::new(rt));
    }

    pub fn remove_custom(&self, group: &str, plural: &str) {
        let mut map = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let key = (group.to_string(), plural.to_string());
        if map.get(&key).is_some_and(|rt| rt.custom) {
            map.remove(&key);
        }
    }
}

impl Registry {
    /// The resource `group/plural`, whatever versions it serves.
    pub fn lookup_any_version(&self, group: &str, plural: &str) -> Option<Arc<ResourceType>> {
        self.read().get(&(group.to_string(), plural.to_string())).cloned()
    }
}
