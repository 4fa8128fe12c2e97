//! Facts about built-in kinds that the API server and kustomize rely on, checked against the
//! generated table (values as published in the Kubernetes 1.32 OpenAPI).

use rflux_schema::{ListType, MapType, Node, NodeType, definition, kind, kind_for_api_version, kinds, source};

fn at(group: &str, version: &str, kind_name: &str, path: &[&str]) -> Node {
    let root = kind(group, version, kind_name).unwrap_or_else(|| panic!("kind {group}/{version} {kind_name} missing"));
    root.at(path)
        .unwrap_or_else(|| panic!("{kind_name}: path {path:?} missing"))
}

#[test]
fn table_provenance() {
    let (package, schemas) = source();
    assert!(package.starts_with("kubernetes-validate "), "{package}");
    assert!(schemas.starts_with("v1.32."), "{schemas}");
}

#[test]
fn deployment_containers_are_a_list_map_keyed_by_name() {
    let containers = at("apps", "v1", "Deployment", &["spec", "template", "spec", "containers"]);
    assert_eq!(containers.ty(), NodeType::Array);
    assert_eq!(containers.list_type(), Some(ListType::Map));
    assert_eq!(containers.list_map_keys(), ["name"]);
    assert_eq!(containers.patch_strategy(), Some("merge"));
    assert_eq!(containers.patch_merge_key(), Some("name"));
    assert!(containers.patch_strategy_merge());
    assert_eq!(containers.effective_list_type(), Some(ListType::Map));
    assert_eq!(containers.effective_list_keys(), ["name"]);
    let container = containers.items().expect("items");
    assert_eq!(container.definition_name(), Some("io.k8s.api.core.v1.Container"));
    assert_eq!(container.required(), ["name"]);
}

#[test]
fn container_ports_env_and_volumes() {
    let spec = at("apps", "v1", "Deployment", &["spec", "template", "spec"]);
    let ports = spec.at(&["containers", "ports"]).expect("ports");
    assert_eq!(ports.list_type(), Some(ListType::Map));
    assert_eq!(ports.list_map_keys(), ["containerPort", "protocol"]);
    assert_eq!(ports.patch_merge_key(), Some("containerPort"));
    assert_eq!(ports.effective_list_keys(), ["containerPort", "protocol"]);
    assert_eq!(ports.patch_merge_keys(), ["containerPort", "protocol"]);
    let port = ports.items().expect("port items");
    assert_eq!(port.required(), ["containerPort"]);
    assert_eq!(port.field("containerPort").map(Node::ty), Some(NodeType::Integer));
    assert_eq!(port.field("containerPort").and_then(Node::format), Some("int32"));

    let env = spec.at(&["containers", "env"]).expect("env");
    assert_eq!(env.patch_merge_key(), Some("name"));
    assert_eq!(env.patch_strategy(), Some("merge"));
    assert_eq!(env.list_map_keys(), ["name"]);

    let volumes = spec.field("volumes").expect("volumes");
    assert_eq!(volumes.patch_merge_key(), Some("name"));
    assert_eq!(volumes.patch_strategy(), Some("merge,retainKeys"));
    assert!(volumes.patch_strategy_merge());
    assert!(volumes.patch_strategy_retain_keys());
    assert_eq!(volumes.effective_list_type(), Some(ListType::Map));

    let tolerations = spec.field("tolerations").expect("tolerations");
    assert_eq!(tolerations.list_type(), Some(ListType::Atomic));
    assert_eq!(tolerations.patch_strategy(), None);
    assert!(tolerations.patch_merge_keys().is_empty());

    let node_selector = spec.field("nodeSelector").expect("nodeSelector");
    assert!(node_selector.is_map());
    assert!(node_selector.map_type_atomic());
}

#[test]
fn resources_are_maps_of_quantities() {
    let limits = at(
        "apps",
        "v1",
        "Deployment",
        &["spec", "template", "spec", "containers", "resources", "limits"],
    );
    assert!(limits.is_map());
    let cpu = limits.field("cpu").expect("map value");
    assert_eq!(cpu.ty(), NodeType::String);
    assert_eq!(cpu.format(), Some("quantity"));
    assert_eq!(
        cpu.definition_name(),
        Some("io.k8s.apimachinery.pkg.api.resource.Quantity")
    );
}

#[test]
fn deployment_selector_and_strategy() {
    let selector = at("apps", "v1", "Deployment", &["spec", "selector"]);
    assert_eq!(
        selector.definition_name(),
        Some("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector")
    );
    assert!(selector.map_type_atomic());
    assert_eq!(selector.map_type(), Some(MapType::Atomic));
    let match_labels = selector.field("matchLabels").expect("matchLabels");
    assert!(match_labels.is_map());
    assert_eq!(match_labels.map_values().map(Node::ty), Some(NodeType::String));

    let strategy = at("apps", "v1", "Deployment", &["spec", "strategy"]);
    assert_eq!(strategy.patch_strategy(), Some("retainKeys"));
    assert_eq!(strategy.ty(), NodeType::Object);
    let max_surge = strategy.at(&["rollingUpdate", "maxSurge"]).expect("maxSurge");
    assert_eq!(max_surge.ty(), NodeType::IntOrString);

    let spec = at("apps", "v1", "Deployment", &["spec"]);
    assert_eq!(spec.required(), ["selector", "template"]);
}

#[test]
fn object_meta_facts() {
    let meta = at("", "v1", "ConfigMap", &["metadata"]);
    let labels = meta.field("labels").expect("labels");
    assert_eq!(labels.ty(), NodeType::Object);
    assert!(labels.is_map());
    assert!(!labels.map_type_atomic());
    assert_eq!(
        labels.field("app.kubernetes.io/name").map(Node::ty),
        Some(NodeType::String)
    );
    assert_eq!(labels.properties().count(), 0);

    let finalizers = meta.field("finalizers").expect("finalizers");
    assert_eq!(finalizers.list_type(), Some(ListType::Set));
    assert_eq!(finalizers.patch_strategy(), Some("merge"));
    assert_eq!(finalizers.patch_merge_key(), None);
    assert_eq!(finalizers.effective_list_type(), Some(ListType::Set));
    assert!(finalizers.effective_list_keys().is_empty());
    assert!(finalizers.patch_merge_keys().is_empty());

    let owners = meta.field("ownerReferences").expect("ownerReferences");
    assert_eq!(owners.list_map_keys(), ["uid"]);
    assert_eq!(owners.list_type(), Some(ListType::Map));

    let managed = meta.field("managedFields").expect("managedFields");
    assert_eq!(managed.list_type(), Some(ListType::Atomic));
    let fields_v1 = managed.at(&["fieldsV1"]).expect("fieldsV1");
    assert_eq!(fields_v1.ty(), NodeType::Any);
    assert!(fields_v1.preserves_unknown());
    assert_eq!(fields_v1.field("f:metadata").map(Node::ty), Some(NodeType::Any));

    assert_eq!(
        meta.field("creationTimestamp").and_then(Node::format),
        Some("date-time")
    );
    assert!(meta.field("nonsense").is_none());
}

#[test]
fn service_ports() {
    let ports = at("", "v1", "Service", &["spec", "ports"]);
    assert_eq!(ports.list_type(), Some(ListType::Map));
    assert_eq!(ports.list_map_keys(), ["port", "protocol"]);
    assert_eq!(ports.patch_merge_key(), Some("port"));
    let target_port = ports.items().and_then(|p| p.field("targetPort")).expect("targetPort");
    assert_eq!(target_port.ty(), NodeType::IntOrString);
    assert_eq!(target_port.format(), Some("int-or-string"));
}

#[test]
fn cron_job_reaches_the_pod_template() {
    let cron = kind("batch", "v1", "CronJob").expect("CronJob");
    assert_eq!(cron.definition_name(), Some("io.k8s.api.batch.v1.CronJob"));
    assert_eq!(
        cron.at(&["spec"]).map(Node::required),
        Some(&["schedule", "jobTemplate"][..])
    );
    let containers = cron
        .at(&["spec", "jobTemplate", "spec", "template", "spec", "containers"])
        .expect("containers");
    assert_eq!(containers.list_map_keys(), ["name"]);
    let schedule = cron.at(&["spec", "schedule"]).expect("schedule");
    assert_eq!(schedule.ty(), NodeType::String);
}

#[test]
fn cluster_role_rules_are_atomic() {
    let rules = at("rbac.authorization.k8s.io", "v1", "ClusterRole", &["rules"]);
    assert_eq!(rules.list_type(), Some(ListType::Atomic));
    assert_eq!(rules.effective_list_type(), Some(ListType::Atomic));
    assert!(rules.effective_list_keys().is_empty());
    let verbs = rules.items().and_then(|r| r.field("verbs")).expect("verbs");
    assert_eq!(verbs.list_type(), Some(ListType::Atomic));
    assert_eq!(verbs.items().map(Node::ty), Some(NodeType::String));
    assert_eq!(rules.items().map(Node::required), Some(&["verbs"][..]));
}

#[test]
fn ingress_lists_are_atomic() {
    let spec = at("networking.k8s.io", "v1", "Ingress", &["spec"]);
    assert_eq!(spec.field("rules").and_then(Node::list_type), Some(ListType::Atomic));
    assert_eq!(spec.field("tls").and_then(Node::list_type), Some(ListType::Atomic));
    let paths = spec.at(&["rules", "http", "paths"]).expect("paths");
    assert_eq!(paths.list_type(), Some(ListType::Atomic));
    let path_type = paths.items().and_then(|p| p.field("pathType")).expect("pathType");
    assert_eq!(path_type.ty(), NodeType::String);
}

#[test]
fn pod_disruption_budget_selector_is_replaced() {
    let spec = at("policy", "v1", "PodDisruptionBudget", &["spec"]);
    let selector = spec.field("selector").expect("selector");
    assert_eq!(selector.patch_strategy(), Some("replace"));
    // The property's own extension wins; the definition's map type still shows through.
    assert!(selector.map_type_atomic());
    assert_eq!(spec.field("minAvailable").map(Node::ty), Some(NodeType::IntOrString));
}

#[test]
fn property_extension_overrides_the_definition() {
    let claim_ref = at("", "v1", "PersistentVolume", &["spec", "claimRef"]);
    assert_eq!(claim_ref.map_type(), Some(MapType::Granular));
    let object_reference = definition("io.k8s.api.core.v1.ObjectReference").expect("definition");
    assert_eq!(object_reference.map_type(), Some(MapType::Atomic));
}

#[test]
fn explicit_list_type_wins_over_merge_key() {
    // JobStatus.conditions: strategic merge patch merges by `type`, server-side apply
    // replaces the list (explicit `atomic`).
    let conditions = at("batch", "v1", "Job", &["status", "conditions"]);
    assert_eq!(conditions.patch_merge_key(), Some("type"));
    assert_eq!(conditions.list_type(), Some(ListType::Atomic));
    assert_eq!(conditions.effective_list_type(), Some(ListType::Atomic));
    assert_eq!(conditions.patch_merge_keys(), ["type"]);
}

#[test]
fn list_map_without_patch_strategy() {
    // ResourceRequirements.claims: server-side apply merges by `name`, strategic merge patch
    // replaces the list (no patch strategy).
    let claims = at(
        "apps",
        "v1",
        "Deployment",
        &["spec", "template", "spec", "containers", "resources", "claims"],
    );
    assert_eq!(claims.effective_list_type(), Some(ListType::Map));
    assert_eq!(claims.effective_list_keys(), ["name"]);
    assert_eq!(claims.patch_strategy(), None);
    assert_eq!(claims.patch_merge_key(), None);
    assert!(claims.patch_merge_keys().is_empty());
}

#[test]
fn lists_without_extensions_are_atomic() {
    let items = definition("io.k8s.api.apps.v1.DeploymentList")
        .and_then(|list| list.field("items"))
        .expect("DeploymentList.items");
    assert_eq!(items.list_type(), None);
    assert_eq!(items.effective_list_type(), Some(ListType::Atomic));
    assert_eq!(
        items.items().and_then(Node::definition_name),
        Some("io.k8s.api.apps.v1.Deployment")
    );
    let not_a_list = at("apps", "v1", "Deployment", &["spec"]);
    assert_eq!(not_a_list.effective_list_type(), None);
}

#[test]
fn untyped_values_accept_anything() {
    let raw = definition("io.k8s.apimachinery.pkg.runtime.RawExtension").expect("RawExtension");
    assert_eq!(raw.ty(), NodeType::Any);
    assert!(raw.preserves_unknown());
    let any = raw.at(&["a", "b", "c"]).expect("any below any");
    assert_eq!(any.ty(), NodeType::Any);
    assert_eq!(any.items().map(Node::ty), Some(NodeType::Any));

    let crd_default = at(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        &["spec", "versions", "schema", "openAPIV3Schema", "default"],
    );
    assert_eq!(crd_default.ty(), NodeType::Any);

    // An empty struct is not untyped: it has no fields.
    let empty = definition("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceSubresourceStatus")
        .expect("CustomResourceSubresourceStatus");
    assert_eq!(empty.ty(), NodeType::Object);
    assert!(empty.field("anything").is_none());
}

#[test]
fn kind_and_api_version_lookups() {
    let by_api_version = kind_for_api_version("apps/v1", "Deployment");
    assert_eq!(by_api_version, kind("apps", "v1", "Deployment"));
    assert_eq!(kind_for_api_version("v1", "Pod"), kind("", "v1", "Pod"));
    assert!(kind("", "v1", "Pod").is_some());
    let api_version = kind("", "v1", "Pod")
        .and_then(|p| p.field("apiVersion"))
        .expect("apiVersion");
    assert_eq!(api_version.enum_values(), ["v1"]);

    assert!(kind("apps", "v1", "Nope").is_none());
    assert!(kind("", "v1", "Deployment").is_none());
    assert!(kind("kustomize.toolkit.fluxcd.io", "v1", "Kustomization").is_none());
    assert!(kind_for_api_version("apps/v1/extra", "Deployment").is_none());
    assert!(definition("io.k8s.api.core.v1.Nope").is_none());
    assert!(definition("").is_none());
}

#[test]
fn every_kind_has_an_object_root() {
    let mut count = 0;
    let mut previous = None;
    for (gvk, node) in kinds() {
        assert!(previous < Some(gvk), "kinds not sorted at {gvk:?}");
        previous = Some(gvk);
        count += 1;
        assert_eq!(node.ty(), NodeType::Object, "{gvk:?}");
        // WatchEvent is registered in every group version but is an envelope, not an object.
        if gvk.kind != "WatchEvent" {
            assert!(node.property("kind").is_some(), "{gvk:?} has no kind");
        }
        assert_eq!(kind(gvk.group, gvk.version, gvk.kind), Some(node));
    }
    assert!(count > 200, "only {count} kinds");
}

#[test]
fn properties_are_sorted_and_resolvable() {
    let pod_spec = definition("io.k8s.api.core.v1.PodSpec").expect("PodSpec");
    let names: Vec<&str> = pod_spec.properties().map(|(name, _)| name).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    assert!(names.contains(&"containers"));
    for (name, node) in pod_spec.properties() {
        assert_eq!(pod_spec.field(name), Some(node));
    }
    assert_eq!(pod_spec.required(), ["containers"]);
}

#[test]
fn every_reachable_node_answers_every_question() {
    use std::collections::HashSet;
    let mut seen = HashSet::new();
    let mut stack: Vec<Node> = kinds().map(|(_, node)| node).collect();
    while let Some(node) = stack.pop() {
        if !seen.insert(node) {
            continue;
        }
        let _ = (node.ty(), node.format(), node.definition_name(), node.is_map());
        let _ = (node.list_type(), node.list_map_keys(), node.map_type());
        let _ = (node.patch_strategy(), node.patch_merge_key(), node.patch_merge_keys());
        let _ = (node.required(), node.enum_values(), node.preserves_unknown());
        let keys = node.effective_list_keys();
        match node.effective_list_type() {
            Some(ListType::Map) => assert!(!keys.is_empty(), "{node:?} map without keys"),
            _ => assert!(keys.is_empty(), "{node:?} keys without map"),
        }
        if node.ty() == NodeType::Array {
            assert!(node.items().is_some(), "{node:?} array without items");
        }
        let item = node.items();
        // Upstream quirk kept as published: StorageVersionMigrationList.items carries the
        // list markers of the conditions list (keyed by `type`, which the item lacks).
        let quirk = item.and_then(Node::definition_name)
            == Some("io.k8s.api.storagemigration.v1alpha1.StorageVersionMigration");
        for key in node.list_map_keys() {
            let item = item.expect("list map has items");
            assert!(
                quirk || item.property(key).is_some(),
                "{node:?} key {key} not a property"
            );
        }
        stack.extend(node.properties().map(|(_, child)| child));
        stack.extend(node.items());
        stack.extend(node.map_values());
    }
    assert!(seen.len() > 1000, "walked only {} nodes", seen.len());
}
