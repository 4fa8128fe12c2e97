//! The REST semantics of the server, independent of HTTP: create, get, list, update, patch,
//! delete and deletecollection with Kubernetes' rules for metadata, namespaces, generation,
//! status subresources, finalizers, preconditions and dry runs.

use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};

use crate::crd;
use crate::error::{ApiError, ApiResult, Cause};
use crate::fieldmanager;
use crate::fieldvalidation::{self, FieldValidation};
use crate::meta;
use crate::patch;
use crate::resources::{Registry, ResourceType};
use crate::selector::{FieldSelector, LabelSelector};
use crate::store::{Change, Entry, Store};

/// Objects larger than this are refused (413), as etcd's default request limit does.
pub const MAX_OBJECT_BYTES: usize = 3 * 1024 * 1024;

/// Namespaces kube-apiserver refuses to delete.
pub const IMMORTAL_NAMESPACES: [&str; 3] = ["default", "kube-system", "kube-public"];

/// What a request addresses.
#[derive(Debug, Clone)]
pub struct Target {
    pub rt: Arc<ResourceType>,
    pub version: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

impl Target {
    fn key(&self, name: &str) -> String {
        self.rt
            .key(self.namespace.as_deref().filter(|_| self.rt.namespaced), name)
    }

    fn name(&self) -> ApiResult<&str> {
        self.name
            .as_deref()
            .ok_or_else(|| ApiError::method_not_allowed("a resource name is required"))
    }

    fn not_found(&self, name: &str) -> ApiError {
        ApiError::not_found(&self.rt.group, &self.rt.plural, name)
    }
}

/// Options every write takes.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    pub dry_run: bool,
    pub field_manager: Option<String>,
    pub force: bool,
    /// The manager derived from the User-Agent when `fieldManager` is not given.
    pub default_manager: String,
    pub field_validation: FieldValidation,
    /// Warnings for the client (`Warning: 299` headers), collected while writing.
    pub warnings: Arc<Mutex<Vec<String>>>,
}

impl WriteOptions {
    pub fn warn(&self, message: String) {
        self.warnings.lock().unwrap_or_else(|e| e.into_inner()).push(message);
    }

    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn manager(&self) -> String {
        self.field_manager
            .clone()
            .unwrap_or_else(|| self.default_manager.clone())
    }
}

/// Options of a list.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
    pub limit: Option<usize>,
    pub continue_token: Option<String>,
}

/// Patch formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    Json,
    Merge,
    Strategic,
    Apply,
}

/// events.k8s.io/v1 Events, stored as core/v1 Events.
fn is_events_api(rt: &ResourceType) -> bool {
    rt.group == "events.k8s.io" && rt.kind == "Event"
}

/// An object as it is stored (only events.k8s.io/v1 Events differ from what clients send).
fn to_storage(rt: &ResourceType, obj: Value) -> Value {
    if is_events_api(rt) {
        crate::events::to_core(&obj)
    } else {
        obj
    }
}

/// One page of a list: the stored objects, shared, and what the list's metadata says.
pub struct ListPage {
    pub api_version: String,
    pub kind: String,
    pub list_kind: String,
    pub resource_version: u64,
    pub continue_token: Option<String>,
    pub items: Vec<Arc<Value>>,
}

impl ListPage {
    /// An item as the client asked for it (apiVersion of the requested version).
    pub fn item(&self, obj: &Value) -> Value {
        let mut out = if self.api_version == "events.k8s.io/v1" {
            crate::events::from_core(obj)
        } else {
            obj.clone()
        };
        if let Some(o) = out.as_object_mut() {
            o.insert("apiVersion".into(), Value::String(self.api_version.clone()));
            o.insert("kind".into(), Value::String(self.kind.clone()));
        }
        out
    }

    fn metadata(&self) -> Value {
        let mut metadata = json!({"resourceVersion": self.resource_version.to_string()});
        if let Some(c) = &self.continue_token {
            metadata["continue"] = Value::String(c.clone());
        }
        metadata
    }

    /// The list as JSON, written straight from the stored objects (no copies of them).
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.items.len() * 512);
        let head = json!({"apiVersion": self.api_version, "kind": self.list_kind, "metadata": self.metadata()});
        let head = serde_json::to_vec(&head).unwrap_or_default();
        // `{...}` without its closing brace, then the items.
        out.extend_from_slice(&head[..head.len().saturating_sub(1)]);
        out.extend_from_slice(b",\"items\":[");
        for (i, obj) in self.items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let same_version = obj.get("apiVersion").and_then(Value::as_str) == Some(self.api_version.as_str())
                && obj.get("kind").and_then(Value::as_str) == Some(self.kind.as_str());
            let written = if same_version {
                serde_json::to_writer(&mut out, &**obj)
            } else {
                serde_json::to_writer(&mut out, &self.item(obj))
            };
            if written.is_err() {
                out.extend_from_slice(b"null");
            }
        }
        out.extend_from_slice(b"]}");
        out
    }
}

/// The API: the store, the served resources, and the rules between them.
pub struct Api {
    pub store: Arc<Store>,
    pub registry: Registry,
}

fn obj_meta(obj: &Value) -> Option<&Map<String, Value>> {
    obj.get("metadata").and_then(Value::as_object)
}

fn meta_mut(obj: &mut Value) -> ApiResult<&mut Map<String, Value>> {
    let o = obj
        .as_object_mut()
        .ok_or_else(|| ApiError::bad_request("the body must be a JSON object"))?;
    let meta = o.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
    if meta.is_null() {
        *meta = Value::Object(Map::new());
    }
    meta.as_object_mut()
        .ok_or_else(|| ApiError::bad_request("metadata must be an object"))
}

fn meta_str<'a>(obj: &'a Value, field: &str) -> Option<&'a str> {
    obj_meta(obj).and_then(|m| m.get(field)).and_then(Value::as_str)
}

/// Encodes a continue token: the snapshot revision and the last key returned.
fn encode_continue(rev: u64, key: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json!({"rv": rev, "start": key}).to_string())
}

fn decode_continue(token: &str) -> ApiResult<(u64, String)> {
    use base64::Engine;
    let bad = || {
        ApiError::bad_request(
            "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        )
    };
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
    let rev = v.get("rv").and_then(Value::as_u64).ok_or_else(bad)?;
    let start = v.get("start").and_then(Value::as_str).ok_or_else(bad)?.to_string();
    Ok((rev, start))
}

impl Api {
    pub fn new(store: Arc<Store>) -> Api {
        let api = Api {
            store,
            registry: Registry::new(),
        };
        api.load_crds();
        api
    }

    /// Registers the CRDs already stored (after a restart).
    fn load_crds(&self) {
        let (_, crds, _) = self
            .store
            .list("apiextensions.k8s.io/customresourcedefinitions/", None, None, |_| true);
        for entry in crds {
            if let Ok(rt) = crd::resource_type(&entry.obj) {
                self.registry.put_custom(rt);
            }
        }
    }

    /// Presents a stored object in the requested version.
    pub fn present(&self, rt: &ResourceType, version: &str, obj: &Value) -> Value {
        let mut out = if is_events_api(rt) {
            crate::events::from_core(obj)
        } else {
            obj.clone()
        };
        if let Some(o) = out.as_object_mut() {
            o.insert("apiVersion".into(), Value::String(rt.api_version(version)));
            o.insert("kind".into(), Value::String(rt.kind.clone()));
        }
        out
    }

    /// The body's kind and apiVersion must be those of the URL. Missing ones are taken from the
    /// URL when `fill_missing` is set, as kube-apiserver's decoder does for create and update.
    fn check_type(&self, target: &Target, body: &mut Value, fill_missing: bool) -> ApiResult<()> {
        let want = target.rt.api_version(&target.version);
        if fill_missing && let Some(o) = body.as_object_mut() {
            if o.get("kind").and_then(Value::as_str).is_none_or(str::is_empty) {
                o.insert("kind".into(), Value::String(target.rt.kind.clone()));
            }
            if o.get("apiVersion").and_then(Value::as_str).is_none_or(str::is_empty) {
                o.insert("apiVersion".into(), Value::String(want.clone()));
            }
        }
        let kind = body.get("kind").and_then(Value::as_str).unwrap_or("");
        let api_version = body.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        if kind.is_empty() {
            return Err(ApiError::bad_request(format!(
                "Object 'Kind' is missing in '{}'",
                truncate(&body.to_string())
            )));
        }
        if api_version.is_empty() {
            return Err(ApiError::bad_request(format!(
                "Object 'apiVersion' is missing in '{}'",
                truncate(&body.to_string())
            )));
        }
        if api_version != want {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({api_version}) does not match the expected API version ({want})"
            )));
        }
        if kind != target.rt.kind {
            return Err(ApiError::bad_request(format!(
                "the kind in the data ({kind}) does not match the expected kind ({})",
                target.rt.kind
            )));
        }
        Ok(())
    }

    fn check_namespace_in_body(&self, target: &Target, body: &mut Value) -> ApiResult<()> {
        let meta = meta_mut(body)?;
        if target.rt.namespaced {
            let ns = target.namespace.clone().unwrap_or_default();
            match meta.get("namespace").and_then(Value::as_str) {
                Some(body_ns) if !body_ns.is_empty() && body_ns != ns => {
                    return Err(ApiError::bad_request(
                        "the namespace of the provided object does not match the namespace sent on the request",
                    ));
                }
                _ => {
                    meta.insert("namespace".into(), Value::String(ns));
                }
            }
        } else {
            meta.remove("namespace");
        }
        Ok(())
    }

    /// A namespaced write needs its namespace to exist and not be terminating.
    fn check_namespace_exists(&self, target: &Target, creating: bool) -> ApiResult<()> {
        if !target.rt.namespaced {
            return Ok(());
        }
        let ns = target.namespace.as_deref().unwrap_or("");
        if ns.is_empty() {
            return Err(ApiError::bad_request("a namespace is required for this resource"));
        }
        let Some(entry) = self.store.get(&format!("core/namespaces//{ns}")) else {
            return Err(ApiError::not_found("", "namespaces", ns));
        };
        if creating && obj_meta(&entry.obj).is_some_and(|m| m.contains_key("deletionTimestamp")) {
            return Err(ApiError::forbidden(format!(
                "{} \"{}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated",
                target.rt.plural,
                target.name.as_deref().unwrap_or("")
            )));
        }
        Ok(())
    }

    /// Validation shared by create and update: names, metadata, custom resource schemas.
    fn validate(&self, target: &Target, obj: &mut Value, opts: &WriteOptions) -> ApiResult<()> {
        let unknown = fieldvalidation::prune_unknown(crate::schema::Schema::for_type(&target.rt, &target.version), obj);
        if !unknown.is_empty() {
            let listed: Vec<String> = unknown.iter().map(|f| format!("unknown field \"{f}\"")).collect();
            match opts.field_validation {
                FieldValidation::Strict => {
                    let kind = &target.rt.kind;
                    return Err(ApiError::bad_request(format!(
                        "{kind} in version \"{}\" cannot be handled as a {kind}: strict decoding error: {}",
                        target.version,
                        listed.join(", ")
                    )));
                }
                FieldValidation::Warn => listed.into_iter().for_each(|w| opts.warn(w)),
                FieldValidation::Ignore => {}
            }
        }
        let name = meta_str(obj, "name").unwrap_or("").to_string();
        let mut causes = Vec::new();
        if let Some(problem) = meta::name_problem(&target.rt, &name) {
            causes.push(Cause::new(
                "FieldValueInvalid",
                format!("Invalid value: \"{name}\": {problem}"),
                "metadata.name",
            ));
        }
        if let Some(meta) = obj_meta(obj) {
            causes.extend(meta::validate_metadata(meta, !target.rt.custom));
        }
        if target.rt.custom {
            if let Some(schema) = target.rt.version(&target.version).and_then(|v| v.schema.clone()) {
                causes.extend(crd::validate_and_default(&schema, obj, target.rt.has_status));
            }
        } else if target.rt.group == "apiextensions.k8s.io" {
            causes.extend(crd::validate_definition(obj));
        }
        if causes.is_empty() {
            Ok(())
        } else {
            Err(ApiError::invalid(&target.rt.group, &target.rt.kind, &name, causes))
        }
    }

    pub fn get(&self, target: &Target) -> ApiResult<Value> {
        let name = target.name()?;
        if target.rt.namespaced && target.namespace.is_none() {
            return Err(ApiError::not_found(&target.rt.group, &target.rt.plural, name));
        }
        let entry = self
            .store
            .get(&target.key(name))
            .ok_or_else(|| target.not_found(name))?;
        if target.subresource.as_deref() == Some("scale") {
            return scale_of(&target.rt, &entry.obj);
        }
        Ok(self.present(&target.rt, &target.version, &entry.obj))
    }

    pub fn list(&self, target: &Target, opts: &ListOptions) -> ApiResult<ListPage> {
        let labels = LabelSelector::parse(opts.label_selector.as_deref().unwrap_or(""))?;
        let fields = FieldSelector::parse(
            opts.field_selector.as_deref().unwrap_or(""),
            &target.rt.group,
            &target.rt.kind,
        )?;
        let mut prefix = target.rt.key_prefix();
        if target.rt.namespaced
            && let Some(ns) = &target.namespace
        {
            prefix.push_str(ns);
            prefix.push('/');
        }
        let (snapshot_rev, start) = match &opts.continue_token {
            Some(token) if !token.is_empty() => {
                let (rev, start) = decode_continue(token)?;
                if rev < self.store.compacted() {
                    return Err(ApiError::expired(
                        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
                    ));
                }
                (Some(rev), Some(start))
            }
            _ => (None, None),
        };
        let limit = opts.limit.filter(|l| *l > 0);
        let (rev, entries, more) = self.store.list(&prefix, start.as_deref(), limit, |obj| {
            labels.matches(obj) && fields.matches(obj)
        });
        let rev = snapshot_rev.unwrap_or(rev);
        Ok(ListPage {
            api_version: target.rt.api_version(&target.version),
            kind: target.rt.kind.clone(),
            list_kind: target.rt.list_kind.clone(),
            resource_version: rev,
            continue_token: more.map(|last| encode_continue(rev, &last)),
            items: entries.into_iter().map(|e| e.obj).collect(),
        })
    }

    pub fn create(&self, target: &Target, mut body: Value, opts: &WriteOptions) -> ApiResult<Value> {
        if target.subresource.is_some() {
            return Err(ApiError::method_not_allowed("create is not supported on subresources"));
        }
        self.check_type(target, &mut body, true)?;
        if target.rt.create_only {
            return Ok(crate::reviews::answer(&target.rt, body));
        }
        self.check_namespace_in_body(target, &mut body)?;
        let meta = meta_mut(&mut body)?;
        if meta
            .get("resourceVersion")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
        {
            return Err(ApiError::bad_request(
                "resourceVersion should not be set on objects to be created",
            ));
        }
        let name = match meta.get("name").and_then(Value::as_str).filter(|s| !s.is_empty()) {
            Some(n) => n.to_string(),
            None => match meta
                .get("generateName")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
            {
                Some(prefix) => {
                    let name = format!("{prefix}{}", meta::random_suffix());
                    meta.insert("name".into(), Value::String(name.clone()));
                    name
                }
                None => {
                    return Err(ApiError::invalid(
                        &target.rt.group,
                        &target.rt.kind,
                        "",
                        vec![Cause::new(
                            "FieldValueRequired",
                            "Required value: name or generateName is required",
                            "metadata.name",
                        )],
                    ));
                }
            },
        };
        let target = Target {
            name: Some(name.clone()),
            ..target.clone()
        };
        self.check_namespace_exists(&target, true)?;
        self.prepare_new(&target, &mut body)?;
        self.validate(&target, &mut body, opts)?;
        let mut body = to_storage(&target.rt, body);
        let manager = opts.manager();
        fieldmanager::record_update(&target.rt, &target.version, &manager, None, &mut body, None)?;
        check_size(&body)?;
        let key = target.key(&name);
        let entry = self.store.mutate(&key, opts.dry_run, |current| match current {
            Some(_) => Err(ApiError::already_exists(&target.rt.group, &target.rt.plural, &name)),
            None => Ok(Some(Change::Put(body))),
        })?;
        let entry = entry.ok_or_else(|| ApiError::internal("create wrote nothing"))?;
        if !opts.dry_run {
            self.after_write(&target.rt, &entry.obj);
        }
        Ok(self.present(&target.rt, &target.version, &entry.obj))
    }

    /// Sets what the server owns on a new object: uid, creation time, generation, status.
    fn prepare_new(&self, target: &Target, body: &mut Value) -> ApiResult<()> {
        let rt = &target.rt;
        if rt.has_status
            && let Some(o) = body.as_object_mut()
        {
            o.remove("status");
        }
        let meta = meta_mut(body)?;
        for field in meta::SYSTEM_FIELDS {
            meta.remove(*field);
        }
        meta.insert("uid".into(), Value::String(uuid::Uuid::new_v4().to_string()));
        meta.insert("creationTimestamp".into(), Value::String(meta::now()));
        if rt.tracks_generation || rt.custom {
            meta.insert("generation".into(), json!(1));
        }
        builtin_defaults(rt, body);
        if !rt.custom {
            crate::defaults::apply(&rt.group, &rt.kind, body);
        }
        if rt.group == "apiextensions.k8s.io" {
            crd::set_status(body);
        }
        Ok(())
    }

    pub fn update(&self, target: &Target, mut body: Value, opts: &WriteOptions) -> ApiResult<Value> {
        let name = target.name()?.to_string();
        if target.subresource.as_deref() == Some("scale") {
            return self.update_scale(target, body, opts);
        }
        self.check_type(target, &mut body, true)?;
        self.check_namespace_in_body(target, &mut body)?;
        match meta_str(&body, "name") {
            Some(n) if n != name => {
                return Err(ApiError::bad_request(format!(
                    "the name of the object ({n}) does not match the name on the URL ({name})"
                )));
            }
            None => {
                meta_mut(&mut body)?.insert("name".into(), Value::String(name.clone()));
            }
            _ => {}
        }
        let wanted_rv = meta_str(&body, "resourceVersion")
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        self.write_existing(target, opts, move |current| {
            if let Some(rv) = &wanted_rv
                && *rv != current.rev.to_string()
            {
                return Err(ApiError::conflict(
                    &target.rt.group,
                    &target.rt.plural,
                    &name,
                    "the object has been modified; please apply your changes to the latest version and try again",
                ));
            }
            Ok(body)
        })
    }

    pub fn patch(&self, target: &Target, ty: PatchType, body: &[u8], opts: &WriteOptions) -> ApiResult<Value> {
        let name = target.name()?.to_string();
        if ty == PatchType::Strategic && target.rt.custom {
            return Err(ApiError::unsupported_media_type(
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
            ));
        }
        if ty == PatchType::Apply {
            return self.apply(target, body, opts);
        }
        if target.subresource.as_deref() == Some("scale") {
            let current = self.get(target)?;
            let patched = patch::apply_patch(ty, &current, body, None)?;
            return self.update_scale(target, patched, opts);
        }
        let rt = target.rt.clone();
        let version = target.version.clone();
        self.write_existing(target, opts, |current| {
            let presented = self.present(&rt, &version, &current.obj);
            let schema = crate::schema::Schema::for_type(&rt, &version);
            let patched = patch::apply_patch(ty, &presented, body, Some(schema))?;
            // A patch that names a resourceVersion is a precondition.
            if let Some(rv) = meta_str(&patched, "resourceVersion")
                && rv != current.rev.to_string()
            {
                return Err(ApiError::conflict(
                    &rt.group,
                    &rt.plural,
                    &name,
                    "the object has been modified; please apply your changes to the latest version and try again",
                ));
            }
            Ok(patched)
        })
    }

    fn apply(&self, target: &Target, body: &[u8], opts: &WriteOptions) -> ApiResult<Value> {
        let name = target.name()?.to_string();
        let manager = opts.field_manager.clone().filter(|m| !m.is_empty()).ok_or_else(|| {
            ApiError::bad_request("PATCH, application/apply-patch+yaml requires fieldManager to be set")
        })?;
        let mut applied = patch::decode_body(body)?;
        self.check_type(target, &mut applied, false)?;
        self.check_namespace_in_body(target, &mut applied)?;
        match meta_str(&applied, "name") {
            Some(n) if n != name => {
                return Err(ApiError::bad_request(format!(
                    "the name of the object ({n}) does not match the name on the URL ({name})"
                )));
            }
            None => {
                meta_mut(&mut applied)?.insert("name".into(), Value::String(name.clone()));
            }
            _ => {}
        }
        let key = target.key(&name);
        if self.store.get(&key).is_none() && target.subresource.is_none() {
            // Apply to a missing object creates it.
            self.check_namespace_exists(target, true)?;
            let mut obj = applied.clone();
            self.prepare_new(target, &mut obj)?;
            fieldmanager::strip_for_apply(&mut obj);
            self.validate(target, &mut obj, opts)?;
            let mut obj = to_storage(&target.rt, obj);
            fieldmanager::record_apply(&target.rt, &target.version, &manager, &applied, &mut obj, None)?;
            check_size(&obj)?;
            let created = self.store.mutate(&key, opts.dry_run, |current| match current {
                Some(_) => Err(ApiError::conflict(
                    &target.rt.group,
                    &target.rt.plural,
                    &name,
                    "the object was created concurrently; try again",
                )),
                None => Ok(Some(Change::Put(obj))),
            })?;
            let entry = created.ok_or_else(|| ApiError::internal("apply wrote nothing"))?;
            if !opts.dry_run {
                self.after_write(&target.rt, &entry.obj);
            }
            return Ok(self.present(&target.rt, &target.version, &entry.obj));
        }
        let rt = target.rt.clone();
        let version = target.version.clone();
        let force = opts.force;
        let subresource = target.subresource.clone();
        self.write_existing_with(target, opts, true, |current| {
            let live = self.present(&rt, &version, &current.obj);
            fieldmanager::apply(&rt, &version, &manager, &live, &applied, force, subresource.as_deref())
        })
    }

    /// Read-modify-write of an existing object. `compute` gets the stored entry and returns the
    /// object the client asked for; the server's rules are then applied to it.
    fn write_existing(
        &self,
        target: &Target,
        opts: &WriteOptions,
        compute: impl FnOnce(&Entry) -> ApiResult<Value>,
    ) -> ApiResult<Value> {
        self.write_existing_with(target, opts, false, compute)
    }

    fn write_existing_with(
        &self,
        target: &Target,
        opts: &WriteOptions,
        managed_by_apply: bool,
        compute: impl FnOnce(&Entry) -> ApiResult<Value>,
    ) -> ApiResult<Value> {
        let name = target.name()?.to_string();
        self.check_namespace_exists(target, false)?;
        let key = target.key(&name);
        let rt = target.rt.clone();
        let status_only = target.subresource.as_deref() == Some("status");
        let manager = opts.manager();
        let mut deleted = false;
        let entry = self.store.mutate(&key, opts.dry_run, |current| {
            let current = current.ok_or_else(|| target.not_found(&name))?;
            let old = &*current.obj;
            let requested = compute(current)?;
            let mut new = merge_system_fields(&rt, old, requested, status_only)?;
            if !rt.custom {
                crate::defaults::apply(&rt.group, &rt.kind, &mut new);
            }
            if !rt.custom && rt.group == "apiextensions.k8s.io" {
                crd::set_status(&mut new);
            }
            if !status_only && !rt.custom {
                crate::immutable::check(&rt, old, &new)?;
            }
            self.validate(target, &mut new, opts)?;
            let mut new = to_storage(&rt, new);
            bump_generation(&rt, old, &mut new);
            if !managed_by_apply {
                fieldmanager::record_update(
                    &rt,
                    &target.version,
                    &manager,
                    Some(old),
                    &mut new,
                    target.subresource.as_deref(),
                )?;
            }
            if same_ignoring_rv(old, &new) {
                return Ok(None);
            }
            check_size(&new)?;
            let terminating = obj_meta(&new).is_some_and(|m| m.contains_key("deletionTimestamp"));
            let finalizers_left = obj_meta(&new)
                .and_then(|m| m.get("finalizers"))
                .and_then(Value::as_array)
                .is_some_and(|f| !f.is_empty());
            if terminating && !finalizers_left {
                deleted = true;
                return Ok(Some(Change::Delete));
            }
            Ok(Some(Change::Put(new)))
        })?;
        let entry = entry.ok_or_else(|| target.not_found(&name))?;
        if !opts.dry_run {
            if deleted {
                self.after_delete(&rt, &entry.obj);
            } else {
                self.after_write(&rt, &entry.obj);
            }
        }
        Ok(self.present(&rt, &target.version, &entry.obj))
    }

    fn update_scale(&self, target: &Target, body: Value, opts: &WriteOptions) -> ApiResult<Value> {
        let replicas = body
            .pointer("/spec/replicas")
            .and_then(Value::as_i64)
            .ok_or_else(|| ApiError::bad_request("spec.replicas is required in a Scale"))?;
        let rt = target.rt.clone();
        let spec_path = rt
            .scale
            .as_ref()
            .map(|s| s.0.clone())
            .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, "scale"))?;
        let main = Target {
            subresource: None,
            ..target.clone()
        };
        let version = target.version.clone();
        self.write_existing(&main, opts, |current| {
            let mut obj = self.present(&rt, &version, &current.obj);
            set_dotted(&mut obj, &spec_path, json!(replicas));
            Ok(obj)
        })?;
        self.get(target)
    }

    pub fn delete(&self, target: &Target, options: &Value, dry_run: bool) -> ApiResult<Value> {
        let name = target.name()?.to_string();
        let key = target.key(&name);
        let rt = target.rt.clone();
        // kube-apiserver's NamespaceLifecycle admission keeps these namespaces forever.
        if rt.group.is_empty() && rt.plural == "namespaces" && IMMORTAL_NAMESPACES.contains(&name.as_str()) {
            return Err(ApiError::forbidden(format!(
                "namespaces \"{name}\" is forbidden: this namespace may not be deleted"
            )));
        }
        let mut removed = false;
        let entry = self.store.mutate(&key, dry_run, |current| {
            let current = current.ok_or_else(|| target.not_found(&name))?;
            check_preconditions(&rt, &name, &current.obj, options)?;
            let meta = obj_meta(&current.obj);
            let has_finalizers = meta
                .and_then(|m| m.get("finalizers"))
                .and_then(Value::as_array)
                .is_some_and(|f| !f.is_empty());
            let is_namespace = rt.group.is_empty() && rt.plural == "namespaces";
            let is_crd = rt.group == "apiextensions.k8s.io";
            // Orphan and Foreground propagation hold the object with a finalizer until the
            // garbage collector has dealt with its dependents.
            let gc_finalizer = match propagation_policy(options) {
                Some("Orphan") => Some("orphan"),
                Some("Foreground") => Some("foregroundDeletion"),
                _ => None,
            };
            if has_finalizers || is_namespace || is_crd || gc_finalizer.is_some() {
                if meta.is_some_and(|m| m.contains_key("deletionTimestamp")) {
                    return Ok(None);
                }
                let mut obj = (*current.obj).clone();
                let m = meta_mut(&mut obj)?;
                if let Some(f) = gc_finalizer {
                    let list = m.entry("finalizers").or_insert_with(|| json!([]));
                    if let Some(list) = list.as_array_mut()
                        && !list.iter().any(|x| x == f)
                    {
                        list.push(json!(f));
                    }
                }
                m.insert("deletionTimestamp".into(), Value::String(meta::now()));
                m.insert("deletionGracePeriodSeconds".into(), json!(0));
                if let Some(g) = m.get("generation").and_then(Value::as_i64) {
                    m.insert("generation".into(), json!(g + 1));
                }
                if is_namespace {
                    obj["status"] = json!({"phase": "Terminating"});
                }
                return Ok(Some(Change::Put(obj)));
            }
            removed = true;
            Ok(Some(Change::Delete))
        })?;
        let entry = entry.ok_or_else(|| target.not_found(&name))?;
        if !dry_run {
            if removed {
                self.after_delete(&rt, &entry.obj);
            } else {
                self.after_write(&rt, &entry.obj);
            }
        }
        Ok(self.present(&rt, &target.version, &entry.obj))
    }

    pub fn delete_collection(
        &self,
        target: &Target,
        opts: &ListOptions,
        options: &Value,
        dry_run: bool,
    ) -> ApiResult<Value> {
        let list = self.list(target, opts)?;
        let mut items = Vec::new();
        for item in list.items.iter().map(|i| &**i) {
            let name = meta_str(item, "name").unwrap_or("").to_string();
            let ns = meta_str(item, "namespace").map(str::to_string);
            if target.rt.group.is_empty()
                && target.rt.plural == "namespaces"
                && IMMORTAL_NAMESPACES.contains(&name.as_str())
            {
                continue;
            }
            let t = Target {
                name: Some(name),
                namespace: ns,
                ..target.clone()
            };
            match self.delete(&t, options, dry_run) {
                Ok(obj) => items.push(obj),
                Err(e) if e.code == 404 => {}
                Err(e) => return Err(e),
            }
        }
        Ok(json!({
            "apiVersion": target.rt.api_version(&target.version),
            "kind": target.rt.list_kind,
            "metadata": {"resourceVersion": self.store.revision().to_string()},
            "items": items,
        }))
    }

    /// Side effects of a stored write: CRDs become served resources.
    fn after_write(&self, rt: &ResourceType, obj: &Value) {
        if rt.group == "apiextensions.k8s.io" && !rt.custom {
            match crd::resource_type(obj) {
                Ok(new) => self.registry.put_custom(new),
                Err(e) => tracing::warn!(error = %e, "stored CRD could not be served"),
            }
        }
    }

    /// Side effects of an object going away: a CRD stops being served.
    fn after_delete(&self, rt: &ResourceType, obj: &Value) {
        if rt.group == "apiextensions.k8s.io"
            && !rt.custom
            && let (Some(group), Some(plural)) = (
                obj.pointer("/spec/group").and_then(Value::as_str),
                obj.pointer("/spec/names/plural").and_then(Value::as_str),
            )
        {
            self.registry.remove_custom(group, plural);
        }
    }
}

fn truncate(s: &str) -> String {
    if s.len() > 200 {
        format!("{}...", &s[..s.floor_char_boundary(200)])
    } else {
        s.to_string()
    }
}

fn check_size(obj: &Value) -> ApiResult<()> {
    let size = serde_json::to_vec(obj).map(|v| v.len()).unwrap_or(0);
    if size > MAX_OBJECT_BYTES {
        return Err(ApiError::too_large(format!(
            "Request entity too large: limit is {MAX_OBJECT_BYTES}"
        )));
    }
    Ok(())
}

/// `propagationPolicy` of DeleteOptions (or the legacy `orphanDependents: true`).
fn propagation_policy(options: &Value) -> Option<&str> {
    if options.get("orphanDependents").and_then(Value::as_bool) == Some(true) {
        return Some("Orphan");
    }
    options.get("propagationPolicy").and_then(Value::as_str)
}

fn check_preconditions(rt: &ResourceType, name: &str, obj: &Value, options: &Value) -> ApiResult<()> {
    if let Some(uid) = options.pointer("/preconditions/uid").and_then(Value::as_str)
        && meta_str(obj, "uid") != Some(uid)
    {
        return Err(ApiError::conflict(
            &rt.group,
            &rt.plural,
            name,
            &format!(
                "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                meta_str(obj, "uid").unwrap_or("")
            ),
        ));
    }
    if let Some(rv) = options
        .pointer("/preconditions/resourceVersion")
        .and_then(Value::as_str)
        && meta_str(obj, "resourceVersion") != Some(rv)
    {
        return Err(ApiError::conflict(
            &rt.group,
            &rt.plural,
            name,
            &format!(
                "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {}",
                meta_str(obj, "resourceVersion").unwrap_or("")
            ),
        ));
    }
    Ok(())
}

/// Keeps what the server owns from the stored object: system metadata, and either the status
/// (main endpoint of a kind with a status subresource) or everything but the status (`/status`).
fn merge_system_fields(rt: &ResourceType, old: &Value, requested: Value, status_only: bool) -> ApiResult<Value> {
    let mut new = if status_only {
        let mut new = old.clone();
        match requested.get("status") {
            Some(status) => new["status"] = status.clone(),
            None => {
                if let Some(o) = new.as_object_mut() {
                    o.remove("status");
                }
            }
        }
        // Metadata changes through /status are ignored, except managedFields bookkeeping.
        new
    } else {
        let mut new = requested;
        if rt.has_status {
            let o = new
                .as_object_mut()
                .ok_or_else(|| ApiError::bad_request("the body must be a JSON object"))?;
            match old.get("status") {
                Some(status) => {
                    o.insert("status".into(), status.clone());
                }
                None => {
                    o.remove("status");
                }
            }
        }
        new
    };
    let old_meta = obj_meta(old).cloned().unwrap_or_default();
    let meta = meta_mut(&mut new)?;
    for field in meta::SYSTEM_FIELDS.iter().chain(["name", "namespace"].iter()) {
        match old_meta.get(*field) {
            Some(v) => {
                meta.insert((*field).to_string(), v.clone());
            }
            None => {
                meta.remove(*field);
            }
        }
    }
    if !meta.contains_key("managedFields")
        && let Some(mf) = old_meta.get("managedFields")
    {
        meta.insert("managedFields".into(), mf.clone());
    }
    meta.remove("resourceVersion");
    // A deleting object may lose finalizers but not gain new ones.
    if old_meta.contains_key("deletionTimestamp") {
        let old_f: Vec<Value> = old_meta
            .get("finalizers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if let Some(new_f) = meta.get("finalizers").and_then(Value::as_array)
            && new_f.iter().any(|f| !old_f.contains(f))
        {
            return Err(ApiError::forbidden(
                "no new finalizers can be added if the object is being deleted",
            ));
        }
    }
    if rt.group.is_empty()
        && rt.plural == "namespaces"
        && !status_only
        && let Some(status) = old.get("status")
    {
        new["status"] = status.clone();
    }
    if rt.group.is_empty() && rt.plural == "secrets" {
        fold_string_data(&mut new);
    }
    if rt.group.is_empty() && rt.plural == "services" && !status_only {
        keep_allocated_cluster_ip(old, &mut new);
    }
    Ok(new)
}

/// An update that leaves out a Service's `clusterIP`/`clusterIPs` keeps the allocated ones, as
/// kube-apiserver does (`kubectl replace` and Helm's updates send Services without them). Does
/// nothing when either side is an ExternalName Service, which has no cluster IP.
fn keep_allocated_cluster_ip(old: &Value, new: &mut Value) {
    let external = |v: &Value| v.pointer("/spec/type").and_then(Value::as_str) == Some("ExternalName");
    if external(old) || external(new) {
        return;
    }
    let Some(old_spec) = old.get("spec").and_then(Value::as_object) else {
        return;
    };
    let Some(spec) = new.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    let unset = |v: Option<&Value>| {
        v.is_none_or(|v| v.is_null() || v.as_str() == Some("") || v.as_array().is_some_and(Vec::is_empty))
    };
    for field in ["clusterIP", "clusterIPs"] {
        if unset(spec.get(field))
            && let Some(allocated) = old_spec.get(field).filter(|v| !unset(Some(v)))
        {
            spec.insert(field.to_string(), allocated.clone());
        }
    }
}

fn bump_generation(rt: &ResourceType, old: &Value, new: &mut Value) {
    if !(rt.tracks_generation || rt.custom) {
        return;
    }
    let old_gen = old.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(1);
    let next = if meta::spec_changed(old, new) {
        old_gen + 1
    } else {
        old_gen
    };
    if let Some(m) = new.get_mut("metadata").and_then(Value::as_object_mut) {
        m.insert("generation".into(), json!(next));
    }
}

fn same_ignoring_rv(old: &Value, new: &Value) -> bool {
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
            m.remove("resourceVersion");
        }
        v
    };
    strip(old) == strip(new)
}

/// What the server assigns to a new built-in object: a namespace's label, phase and finalizer,
/// a Secret's `stringData` folded into `data`, a Service's cluster IP.
fn builtin_defaults(rt: &ResourceType, obj: &mut Value) {
    match (rt.group.as_str(), rt.plural.as_str()) {
        ("", "namespaces") => {
            let name = meta_str(obj, "name").unwrap_or("").to_string();
            if let Ok(meta) = meta_mut(obj) {
                let labels = meta.entry("labels").or_insert_with(|| json!({}));
                if let Some(l) = labels.as_object_mut() {
                    l.insert("kubernetes.io/metadata.name".into(), Value::String(name));
                }
            }
            obj["spec"] = json!({"finalizers": ["kubernetes"]});
            obj["status"] = json!({"phase": "Active"});
        }
        ("", "secrets") => fold_string_data(obj),
        ("", "services") => {
            if let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) {
                let ty = spec.get("type").and_then(Value::as_str).unwrap_or("ClusterIP");
                let headless = spec.get("clusterIP").and_then(Value::as_str) == Some("None");
                if !headless && ty != "ExternalName" && !spec.contains_key("clusterIP") {
                    let ip = cluster_ip();
                    spec.insert("clusterIP".into(), json!(ip));
                    spec.insert("clusterIPs".into(), json!([ip]));
                }
            }
        }
        _ => {}
    }
}

fn cluster_ip() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    format!("10.96.{}.{}", rng.random_range(0..=255u8), rng.random_range(1..=254u8))
}

/// Moves Secret `stringData` into `data` (base64), as the API server does on write.
fn fold_string_data(obj: &mut Value) {
    use base64::Engine;
    let Some(o) = obj.as_object_mut() else { return };
    let Some(Value::Object(string_data)) = o.remove("stringData") else {
        return;
    };
    let data = o.entry("data").or_insert_with(|| json!({}));
    if data.is_null() {
        *data = json!({});
    }
    if let Some(data) = data.as_object_mut() {
        for (k, v) in string_data {
            let text = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
            data.insert(k, Value::String(base64::engine::general_purpose::STANDARD.encode(text)));
        }
    }
}

fn set_dotted(obj: &mut Value, path: &str, value: Value) {
    let mut cur = obj;
    let parts: Vec<&str> = path.trim_start_matches('.').split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            cur[*part] = value;
            return;
        }
        if cur.get(*part).is_none_or(|v| !v.is_object()) {
            cur[*part] = json!({});
        }
        cur = &mut cur[*part];
    }
}

fn get_dotted<'a>(obj: &'a Value, path: &str) -> Option<&'a Value> {
    let pointer = format!("/{}", path.trim_start_matches('.').replace('.', "/"));
    obj.pointer(&pointer)
}

/// The `autoscaling/v1` Scale of an object.
fn scale_of(rt: &ResourceType, obj: &Value) -> ApiResult<Value> {
    let (spec_path, status_path, selector_path) = rt
        .scale
        .as_ref()
        .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, "scale"))?;
    let meta = obj_meta(obj).cloned().unwrap_or_default();
    let selector = selector_path
        .as_deref()
        .and_then(|p| get_dotted(obj, p))
        .cloned()
        .or_else(|| {
            obj.pointer("/spec/selector/matchLabels")
                .and_then(Value::as_object)
                .map(|m| {
                    Value::String(
                        m.iter()
                            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                            .collect::<Vec<_>>()
                            .join(","),
                    )
                })
        })
        .unwrap_or(Value::String(String::new()));
    Ok(json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta.get("name"),
            "namespace": meta.get("namespace"),
            "uid": meta.get("uid"),
            "resourceVersion": meta.get("resourceVersion"),
            "creationTimestamp": meta.get("creationTimestamp"),
        },
        "spec": {"replicas": get_dotted(obj, spec_path).and_then(Value::as_i64).unwrap_or(0)},
        "status": {
            "replicas": get_dotted(obj, status_path).and_then(Value::as_i64).unwrap_or(0),
            "selector": selector,
        },
    }))
}
