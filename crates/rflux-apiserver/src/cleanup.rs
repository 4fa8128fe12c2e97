//! The server's own controllers for deletion: namespaces empty themselves before they go,
//! a deleted CRD takes its custom resources with it, and objects whose owner is gone are
//! garbage collected (background propagation).

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::{broadcast, watch};

use crate::api::{Api, Target};
use crate::store::{Change, Event, EventType};

fn meta_str<'a>(obj: &'a Value, field: &str) -> Option<&'a str> {
    obj.get("metadata").and_then(|m| m.get(field)).and_then(Value::as_str)
}

fn deleting(obj: &Value) -> bool {
    obj.pointer("/metadata/deletionTimestamp").is_some()
}

pub async fn run(api: Arc<Api>, mut shutdown: watch::Receiver<bool>) {
    let (_, mut rx) = api.store.subscribe();
    sweep(&api);
    let mut expiry = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = expiry.tick() => expire_events(&api),
            received = rx.recv() => match received {
                Ok(event) => handle(&api, &event),
                Err(broadcast::error::RecvError::Lagged(_)) => sweep(&api),
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = shutdown.changed() => return,
        }
    }
}

/// Deletes events last seen more than an hour ago.
pub fn expire_events(api: &Api) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let (_, old, _) = api.store.list("core/events/", None, None, |obj| {
        crate::events::last_seen(obj).is_some_and(|t| now - t > crate::events::TTL_SECONDS)
    });
    for entry in old {
        let ns = meta_str(&entry.obj, "namespace").unwrap_or("");
        let name = meta_str(&entry.obj, "name").unwrap_or("");
        let key = format!("core/events/{ns}/{name}");
        let _ = api
            .store
            .mutate(&key, false, |current| Ok(current.map(|_| Change::Delete)));
    }
}

/// Re-checks everything that may be waiting for cleanup.
fn sweep(api: &Api) {
    let (_, namespaces, _) = api.store.list("core/namespaces/", None, None, deleting);
    for ns in namespaces {
        drain_namespace(api, meta_str(&ns.obj, "name").unwrap_or(""));
    }
    let (_, crds, _) = api
        .store
        .list("apiextensions.k8s.io/customresourcedefinitions/", None, None, deleting);
    for crd in crds {
        drain_crd(api, &crd.obj);
    }
}

fn handle(api: &Api, event: &Event) {
    let key = &*event.key;
    if key.starts_with("core/namespaces/") {
        if event.ty != EventType::Deleted && deleting(&event.obj) {
            drain_namespace(api, meta_str(&event.obj, "name").unwrap_or(""));
        }
        return;
    }
    if key.starts_with("apiextensions.k8s.io/customresourcedefinitions/") {
        if event.ty != EventType::Deleted && deleting(&event.obj) {
            drain_crd(api, &event.obj);
        }
        return;
    }
    if event.ty != EventType::Deleted && deleting(&event.obj) {
        finalize_dependents(api, &event.obj);
    }
    if event.ty == EventType::Deleted {
        if let Some(ns) = meta_str(&event.obj, "namespace")
            && api
                .store
                .get(&format!("core/namespaces//{ns}"))
                .is_some_and(|e| deleting(&e.obj))
        {
            drain_namespace(api, ns);
        }
        if let Some(group) = event
            .obj
            .get("apiVersion")
            .and_then(Value::as_str)
            .and_then(|a| a.split_once('/'))
            .map(|(g, _)| g.to_string())
            && let Some(rt) = api
                .registry
                .by_kind(&group, event.obj.get("kind").and_then(Value::as_str).unwrap_or(""))
            && rt.custom
        {
            let crd_key = format!(
                "apiextensions.k8s.io/customresourcedefinitions//{}.{}",
                rt.plural, rt.group
            );
            if let Some(crd) = api.store.get(&crd_key).filter(|e| deleting(&e.obj)) {
                drain_crd(api, &crd.obj);
            }
        }
        if let Some(uid) = meta_str(&event.obj, "uid") {
            collect_dependents(api, uid);
        }
        // A dependent going away may release an owner waiting in foreground deletion.
        for owner in event
            .obj
            .pointer("/metadata/ownerReferences")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let api_version = owner.get("apiVersion").and_then(Value::as_str).unwrap_or("");
            let group = api_version.split_once('/').map_or("", |(g, _)| g);
            let kind = owner.get("kind").and_then(Value::as_str).unwrap_or("");
            let name = owner.get("name").and_then(Value::as_str).unwrap_or("");
            if let Some(rt) = api.registry.by_kind(group, kind) {
                let key = rt.key(meta_str(&event.obj, "namespace").filter(|_| rt.namespaced), name);
                if let Some(e) = api.store.get(&key).filter(|e| deleting(&e.obj)) {
                    finalize_dependents(api, &e.obj);
                }
            }
        }
    }
}

fn delete_object(api: &Api, obj: &Value) {
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let Some(rt) = api.registry.by_kind(group, kind) else {
        return;
    };
    let target = Target {
        version: version.to_string(),
        namespace: meta_str(obj, "namespace").map(str::to_string),
        name: meta_str(obj, "name").map(str::to_string),
        subresource: None,
        rt,
    };
    if let Err(e) = api.delete(&target, &json!({}), false)
        && e.code != 404
    {
        tracing::warn!(error = %e, "cleanup could not delete an object");
    }
}

/// What a namespace holds, each stored object once (events.k8s.io and core Events share a store).
fn namespace_contents(api: &Api, ns: &str) -> Vec<(Arc<crate::resources::ResourceType>, crate::store::Entry)> {
    let mut prefixes = std::collections::HashSet::new();
    api.registry
        .all()
        .into_iter()
        .filter(|rt| rt.namespaced && prefixes.insert(rt.key_prefix()))
        .flat_map(|rt| {
            let (_, objects, _) = api
                .store
                .list(&format!("{}{ns}/", rt.key_prefix()), None, None, |_| true);
            objects.into_iter().map(move |e| (rt.clone(), e))
        })
        .collect()
}

/// Deletes what a terminating namespace holds; removes the namespace once it is empty.
fn drain_namespace(api: &Api, ns: &str) {
    if ns.is_empty() {
        return;
    }
    let contents = namespace_contents(api, ns);
    for (rt, entry) in &contents {
        if !deleting(&entry.obj) {
            delete_object(api, &api.present(rt, &rt.storage_version, &entry.obj));
        }
    }
    // Objects held by finalizers are still there; their deletion events bring us back.
    if !contents.is_empty() && !namespace_contents(api, ns).is_empty() {
        return;
    }
    let key = format!("core/namespaces//{ns}");
    let _ = api.store.mutate(&key, false, |current| match current {
        Some(e) if deleting(&e.obj) => Ok(Some(Change::Delete)),
        _ => Ok(None),
    });
}

/// Deletes the custom resources of a terminating CRD; removes the CRD once none are left.
fn drain_crd(api: &Api, crd: &Value) {
    let (Some(group), Some(plural)) = (
        crd.pointer("/spec/group").and_then(Value::as_str),
        crd.pointer("/spec/names/plural").and_then(Value::as_str),
    ) else {
        return;
    };
    let prefix = format!("{group}/{plural}/");
    let (_, objects, _) = api.store.list(&prefix, None, None, |_| true);
    if let Some(rt) = api.registry.lookup_any_version(group, plural) {
        for entry in &objects {
            if !deleting(&entry.obj) {
                let presented = api.present(&rt, &rt.storage_version, &entry.obj);
                delete_object(api, &presented);
            }
        }
    }
    let (_, left, _) = api.store.list(&prefix, None, None, |_| true);
    if !left.is_empty() {
        return;
    }
    let key = format!("apiextensions.k8s.io/customresourcedefinitions//{plural}.{group}");
    let removed = api.store.mutate(&key, false, |current| match current {
        Some(e)
            if deleting(&e.obj)
                && e.obj
                    .pointer("/metadata/finalizers")
                    .and_then(Value::as_array)
                    .is_none_or(|f| f.is_empty()) =>
        {
            Ok(Some(Change::Delete))
        }
        _ => Ok(None),
    });
    if let Ok(Some(entry)) = removed
        && api.store.get(&key).is_none()
    {
        let _ = entry;
        api.registry.remove_custom(group, plural);
    }
}

fn has_finalizer(obj: &Value, name: &str) -> bool {
    obj.pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .is_some_and(|f| f.iter().any(|x| x == name))
}

fn dependents_of(api: &Api, uid: &str) -> Vec<crate::store::Entry> {
    api.store
        .list("", None, None, |obj| {
            obj.pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .is_some_and(|refs| refs.iter().any(|r| r.get("uid").and_then(Value::as_str) == Some(uid)))
        })
        .1
}

/// Orphan and Foreground deletion: release or delete the dependents, then drop the finalizer.
fn finalize_dependents(api: &Api, owner: &Value) {
    let Some(uid) = meta_str(owner, "uid") else { return };
    let finalizer = if has_finalizer(owner, "orphan") {
        "orphan"
    } else if has_finalizer(owner, "foregroundDeletion") {
        "foregroundDeletion"
    } else {
        return;
    };
    let dependents = dependents_of(api, uid);
    if finalizer == "orphan" {
        for dep in &dependents {
            let key = entry_key(api, &dep.obj);
            let _ = api.store.mutate(&key, false, |current| {
                let Some(current) = current else { return Ok(None) };
                let mut obj = (*current.obj).clone();
                if let Some(refs) = obj
                    .pointer_mut("/metadata/ownerReferences")
                    .and_then(Value::as_array_mut)
                {
                    refs.retain(|r| r.get("uid").and_then(Value::as_str) != Some(uid));
                }
                Ok(Some(Change::Put(obj)))
            });
        }
    } else {
        let mut waiting = false;
        for dep in &dependents {
            waiting = true;
            if !deleting(&dep.obj) {
                delete_object(api, &dep.obj);
            }
        }
        if waiting && !dependents_of(api, uid).is_empty() {
            return;
        }
    }
    // Every dependent is released or gone: drop our finalizer (the object goes if it was the last).
    let key = entry_key(api, owner);
    let _ = api.store.mutate(&key, false, |current| {
        let Some(current) = current else { return Ok(None) };
        let mut obj = (*current.obj).clone();
        if let Some(list) = obj.pointer_mut("/metadata/finalizers").and_then(Value::as_array_mut) {
            list.retain(|f| f != finalizer);
            if list.is_empty() {
                return Ok(Some(Change::Delete));
            }
        }
        Ok(Some(Change::Put(obj)))
    });
}

/// The storage key of a stored object.
fn entry_key(api: &Api, obj: &Value) -> String {
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let group = api_version.split_once('/').map_or("", |(g, _)| g);
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    match api.registry.by_kind(group, kind) {
        Some(rt) => rt.key(
            meta_str(obj, "namespace").filter(|_| rt.namespaced),
            meta_str(obj, "name").unwrap_or(""),
        ),
        None => String::new(),
    }
}

/// Deletes objects owned by the object with this uid (background propagation).
fn collect_dependents(api: &Api, uid: &str) {
    for entry in dependents_of(api, uid) {
        if !deleting(&entry.obj) {
            delete_object(api, &entry.obj);
        }
    }
}
