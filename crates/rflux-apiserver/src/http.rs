//! The HTTP surface: authentication, URL parsing into API targets, query options, content
//! negotiation, and responses (objects, lists, tables, watch streams, `Status` errors).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Method, StatusCode, header};
use serde_json::{Value, json};

use crate::api::{Api, ListOptions, MAX_OBJECT_BYTES, PatchType, Target, WriteOptions};
use crate::discovery;
use crate::error::{ApiError, ApiResult};
use crate::fieldvalidation::FieldValidation;
use crate::patch;
use crate::table;
use crate::watch::{self, WatchOptions};

/// What every request handler shares.
pub struct AppState {
    pub api: Arc<Api>,
    pub token: String,
    pub address: String,
}

pub fn router(state: Arc<AppState>) -> axum::Router {
    axum::Router::new().fallback(handle).with_state(state)
}

fn json_response(code: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    (code, [(header::CONTENT_TYPE, "application/json")], bytes).into_response()
}

fn authorized(headers: &HeaderMap, token: &str) -> bool {
    let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some(given) = value.strip_prefix("Bearer ") else {
        return false;
    };
    // Compare without an early exit on the first differing byte.
    given.len() == token.len() && given.bytes().zip(token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

async fn handle(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    if matches!(path.as_str(), "/healthz" | "/livez" | "/readyz") {
        return (StatusCode::OK, "ok").into_response();
    }
    if !authorized(req.headers(), &state.token) {
        return ApiError::unauthorized().into_response();
    }
    let method = req.method().clone();
    let started = std::time::Instant::now();
    let response = match route(&state, req).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    tracing::debug!(%method, %path, status = response.status().as_u16(), elapsed_us = started.elapsed().as_micros() as u64, "request");
    response
}

fn query(req: &Request) -> HashMap<String, String> {
    let raw = req.uri().query().unwrap_or("");
    let mut out = HashMap::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.insert(decode_component(k), decode_component(v));
    }
    out
}

fn decode_component(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A parsed API path.
enum ApiPath {
    Version,
    CoreVersions,
    Groups,
    Group(String),
    Resources {
        group: String,
        version: String,
    },
    Resource {
        group: String,
        version: String,
        watch: bool,
        namespace: Option<String>,
        plural: String,
        name: Option<String>,
        sub: Option<String>,
    },
    OpenApiRoot,
    OpenApiV2,
    OpenApiGroupVersion {
        group: String,
        version: String,
    },
    NotFound,
}

fn parse_path(path: &str) -> ApiPath {
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode_component)
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let (group, version, rest): (&str, &str, &[&str]) = match segs.as_slice() {
        ["version"] => return ApiPath::Version,
        ["openapi", "v2"] => return ApiPath::OpenApiV2,
        ["openapi", "v3"] => return ApiPath::OpenApiRoot,
        ["openapi", "v3", "api", v] => {
            return ApiPath::OpenApiGroupVersion {
                group: String::new(),
                version: v.to_string(),
            };
        }
        ["openapi", "v3", "apis", g, v] => {
            return ApiPath::OpenApiGroupVersion {
                group: g.to_string(),
                version: v.to_string(),
            };
        }
        ["api"] => return ApiPath::CoreVersions,
        ["apis"] => return ApiPath::Groups,
        ["apis", g] => return ApiPath::Group(g.to_string()),
        ["api", v] => {
            return ApiPath::Resources {
                group: String::new(),
                version: v.to_string(),
            };
        }
        ["apis", g, v] => {
            return ApiPath::Resources {
                group: g.to_string(),
                version: v.to_string(),
            };
        }
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return ApiPath::NotFound,
    };
    let (watch, rest) = match rest {
        ["watch", rest @ ..] => (true, rest),
        _ => (false, rest),
    };
    let (namespace, rest): (Option<String>, &[&str]) = match rest {
        ["namespaces", ns, r, tail @ ..]
            if !(group.is_empty() && (*r == "status" || *r == "finalize") && tail.is_empty()) =>
        {
            (Some(ns.to_string()), &rest[2..])
        }
        _ => (None, rest),
    };
    match rest {
        [plural] => ApiPath::Resource {
            group: group.into(),
            version: version.into(),
            watch,
            namespace,
            plural: plural.to_string(),
            name: None,
            sub: None,
        },
        [plural, name] => ApiPath::Resource {
            group: group.into(),
            version: version.into(),
            watch,
            namespace,
            plural: plural.to_string(),
            name: Some(name.to_string()),
            sub: None,
        },
        [plural, name, sub] => ApiPath::Resource {
            group: group.into(),
            version: version.into(),
            watch,
            namespace,
            plural: plural.to_string(),
            name: Some(name.to_string()),
            sub: Some(sub.to_string()),
        },
        _ => ApiPath::NotFound,
    }
}

fn not_found_path(path: &str) -> ApiError {
    ApiError::new(
        404,
        "NotFound",
        format!("the server could not find the requested resource ({path})"),
    )
}

fn wants_table(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.split(',').next().is_some_and(|first| first.contains("as=Table")))
}

fn flag(q: &HashMap<String, String>, name: &str) -> bool {
    q.get(name).is_some_and(|v| v == "true" || v == "1")
}

fn default_manager(headers: &HeaderMap) -> String {
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("unknown");
    let prefix = ua.split('/').next().unwrap_or(ua);
    prefix.chars().take(128).collect()
}

fn write_options(q: &HashMap<String, String>, headers: &HeaderMap) -> ApiResult<WriteOptions> {
    let dry_run = match q.get("dryRun").map(String::as_str) {
        None | Some("") => false,
        Some("All") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "Invalid dryRun value: {other}; the only supported value is All"
            )));
        }
    };
    let field_validation = FieldValidation::parse(q.get("fieldValidation").map(String::as_str)).ok_or_else(|| {
        ApiError::bad_request(format!(
            "fieldValidation parameter unsupported: {}",
            q.get("fieldValidation").map(String::as_str).unwrap_or("")
        ))
    })?;
    Ok(WriteOptions {
        dry_run,
        field_manager: q.get("fieldManager").filter(|m| !m.is_empty()).cloned(),
        force: flag(q, "force"),
        default_manager: default_manager(headers),
        field_validation,
        warnings: Default::default(),
    })
}

/// Duplicate fields in a JSON body: an error with Strict, warnings with Warn.
fn check_duplicates(body: &[u8], opts: &WriteOptions) -> ApiResult<()> {
    if opts.field_validation == FieldValidation::Ignore || body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{')
    {
        return Ok(());
    }
    let duplicates = crate::fieldvalidation::duplicate_fields(body);
    if duplicates.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = duplicates.iter().map(|f| format!("duplicate field \"{f}\"")).collect();
    if opts.field_validation == FieldValidation::Strict {
        return Err(ApiError::bad_request(format!(
            "strict decoding error: {}",
            listed.join(", ")
        )));
    }
    listed.into_iter().for_each(|w| opts.warn(w));
    Ok(())
}

/// A JSON response carrying the write's warnings as `Warning: 299` headers.
fn written(code: StatusCode, body: &Value, opts: &WriteOptions) -> Response {
    let mut response = json_response(code, body);
    for warning in opts.take_warnings() {
        let value = format!("299 - {}", serde_json::Value::String(warning));
        if let Ok(v) = http::HeaderValue::from_str(&value) {
            response.headers_mut().append(header::WARNING, v);
        }
    }
    response
}

fn list_options(q: &HashMap<String, String>) -> ApiResult<ListOptions> {
    let limit = match q.get("limit").map(String::as_str) {
        None | Some("") => None,
        Some(l) => Some(
            l.parse::<usize>()
                .map_err(|_| ApiError::bad_request(format!("invalid limit: {l}")))?,
        ),
    };
    Ok(ListOptions {
        label_selector: q.get("labelSelector").cloned(),
        field_selector: q.get("fieldSelector").cloned(),
        limit,
        continue_token: q.get("continue").cloned(),
    })
}

async fn read_body(req: Request) -> ApiResult<bytes::Bytes> {
    axum::body::to_bytes(req.into_body(), MAX_OBJECT_BYTES)
        .await
        .map_err(|_| ApiError::too_large(format!("Request entity too large: limit is {MAX_OBJECT_BYTES}")))
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .unwrap_or_default()
}

fn decode_object(headers: &HeaderMap, body: &[u8]) -> ApiResult<Value> {
    match content_type(headers).as_str() {
        "" | "application/json" | "application/yaml" | "application/x-yaml" | "text/yaml" => patch::decode_body(body),
        "application/vnd.kubernetes.protobuf" => rflux_protobuf::decode(body)
            .map_err(|e| ApiError::bad_request(format!("error decoding protobuf request body: {e}"))),
        other => Err(ApiError::unsupported_media_type(format!(
            "the body of the request was in an unknown format ({other}) - accepted media types include: application/json, application/yaml"
        ))),
    }
}

/// One `/openapi/v3` group-version document. Those of built-in kinds never change and are
/// built once; those with custom resources follow their CRDs.
fn openapi_v3_group_version(registry: &crate::resources::Registry, group: &str, version: &str) -> Option<Vec<u8>> {
    type Cache = std::sync::Mutex<HashMap<String, Vec<u8>>>;
    static BUILTIN: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let build =
        || crate::openapi::group_version(registry, group, version).map(|d| serde_json::to_vec(&d).unwrap_or_default());
    if registry.all().iter().any(|rt| rt.custom && rt.group == group) {
        return build();
    }
    let cache = BUILTIN.get_or_init(Default::default);
    let key = format!("{group}/{version}");
    if let Some(doc) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Some(doc.clone());
    }
    // Only documents that exist are kept, so junk paths cannot grow the cache.
    let doc = build()?;
    cache.lock().unwrap_or_else(|e| e.into_inner()).insert(key, doc.clone());
    Some(doc)
}

/// `/openapi/v2` as JSON, or as gnostic protobuf when the client asks for it (kubectl < 1.28
/// reads it for client-side apply and explain). Built once: the built-in kinds do not change.
fn openapi_v2(registry: &crate::resources::Registry, headers: &HeaderMap) -> Response {
    static DOCS: std::sync::OnceLock<(Vec<u8>, Vec<u8>)> = std::sync::OnceLock::new();
    let (json, protobuf) = DOCS.get_or_init(|| {
        let doc = crate::openapi::swagger(registry);
        let protobuf = rflux_protobuf::openapi_v2::encode_swagger(&doc).unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot encode /openapi/v2 as protobuf");
            Vec::new()
        });
        (serde_json::to_vec(&doc).unwrap_or_default(), protobuf)
    });
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    if accept.contains("protobuf") && !protobuf.is_empty() {
        // kube-openapi's spelling: clients cannot parse the `@` form of the Accept header.
        let content_type = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
        return (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], protobuf.clone()).into_response();
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        json.clone(),
    )
        .into_response()
}

async fn route(state: &AppState, req: Request) -> ApiResult<Response> {
    let path = req.uri().path().to_string();
    let headers = req.headers().clone();
    let api = &state.api;
    match parse_path(&path) {
        ApiPath::Version => Ok(json_response(StatusCode::OK, &discovery::version())),
        ApiPath::CoreVersions => Ok(json_response(StatusCode::OK, &discovery::core_versions(&state.address))),
        ApiPath::Groups => Ok(json_response(StatusCode::OK, &discovery::group_list(&api.registry))),
        ApiPath::Group(g) => discovery::group(&api.registry, &g)
            .map(|doc| json_response(StatusCode::OK, &doc))
            .ok_or_else(|| not_found_path(&path)),
        ApiPath::Resources { group, version } => discovery::resource_list(&api.registry, &group, &version)
            .map(|doc| json_response(StatusCode::OK, &doc))
            .ok_or_else(|| not_found_path(&path)),
        ApiPath::OpenApiRoot => Ok(json_response(StatusCode::OK, &crate::openapi::root(&api.registry))),
        ApiPath::OpenApiV2 => Ok(openapi_v2(&api.registry, &headers)),
        ApiPath::OpenApiGroupVersion { group, version } => openapi_v3_group_version(&api.registry, &group, &version)
            .map(|doc| (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], doc).into_response())
            .ok_or_else(|| not_found_path(&path)),
        ApiPath::NotFound => Err(not_found_path(&path)),
        ApiPath::Resource {
            group,
            version,
            watch,
            namespace,
            plural,
            name,
            sub,
        } => {
            let rt = api
                .registry
                .lookup(&group, &version, &plural)
                .ok_or_else(|| not_found_path(&path))?;
            if let Some(s) = &sub {
                let ok = (s == "status" && rt.has_status)
                    || (s == "scale" && rt.scale.is_some())
                    || (s == "finalize" && rt.plural == "namespaces");
                if !ok {
                    return Err(not_found_path(&path));
                }
            }
            let sub = sub.map(|s| if s == "finalize" { "status".to_string() } else { s });
            let target = Target {
                rt,
                version,
                namespace: namespace.clone(),
                name,
                subresource: sub,
            };
            resource_request(state, target, watch, req).await
        }
    }
}

async fn resource_request(state: &AppState, target: Target, watch_path: bool, req: Request) -> ApiResult<Response> {
    let api = state.api.clone();
    let q = query(&req);
    let headers = req.headers().clone();
    let method = req.method().clone();
    let as_table = wants_table(&headers);
    if target.rt.create_only && method != Method::POST {
        return Err(ApiError::method_not_allowed(
            "the server does not allow this method on the requested resource",
        ));
    }
    if target.rt.namespaced && target.namespace.is_none() && target.name.is_some() {
        return Err(ApiError::not_found(
            &target.rt.group,
            &target.rt.plural,
            target.name.as_deref().unwrap_or(""),
        ));
    }
    match method {
        Method::GET if watch_path || flag(&q, "watch") => {
            let timeout = q
                .get("timeoutSeconds")
                .and_then(|t| t.parse::<u64>().ok())
                .filter(|t| *t > 0)
                .map(Duration::from_secs);
            let opts = WatchOptions {
                label_selector: q.get("labelSelector").cloned(),
                field_selector: q.get("fieldSelector").cloned(),
                resource_version: q.get("resourceVersion").cloned(),
                resource_version_match: q.get("resourceVersionMatch").cloned(),
                timeout,
                bookmarks: flag(&q, "allowWatchBookmarks"),
                send_initial_events: flag(&q, "sendInitialEvents"),
                as_table,
            };
            let rx = watch::start(api, target, opts)?;
            let stream = tokio_stream::wrappers::ReceiverStream::new(rx);
            let body = Body::from_stream(futures::StreamExt::map(stream, Ok::<_, std::convert::Infallible>));
            Ok(Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::CACHE_CONTROL, "no-cache, private")
                .body(body)
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()))
        }
        Method::GET => match &target.name {
            Some(_) => {
                let obj = api.get(&target)?;
                if as_table {
                    let rv = obj
                        .pointer("/metadata/resourceVersion")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    return Ok(json_response(
                        StatusCode::OK,
                        &table::table(&target.rt, &target.version, &[obj], rv.as_deref(), None),
                    ));
                }
                Ok(json_response(StatusCode::OK, &obj))
            }
            None => {
                let list = api.list(&target, &list_options(&q)?)?;
                if as_table {
                    let items: Vec<Value> = list.items.iter().map(|o| list.item(o)).collect();
                    let rv = list.resource_version.to_string();
                    let table = table::table(
                        &target.rt,
                        &target.version,
                        &items,
                        Some(&rv),
                        list.continue_token.as_deref(),
                    );
                    return Ok(json_response(StatusCode::OK, &table));
                }
                Ok((
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "application/json")],
                    list.to_json(),
                )
                    .into_response())
            }
        },
        Method::POST => {
            if target.name.is_some() {
                return Err(ApiError::method_not_allowed("POST is not allowed on a named resource"));
            }
            let opts = write_options(&q, &headers)?;
            let body = read_body(req).await?;
            check_duplicates(&body, &opts)?;
            let obj = decode_object(&headers, &body)?;
            let created = api.create(&target, obj, &opts)?;
            Ok(written(StatusCode::CREATED, &created, &opts))
        }
        Method::PUT => {
            let opts = write_options(&q, &headers)?;
            let body = read_body(req).await?;
            check_duplicates(&body, &opts)?;
            let obj = decode_object(&headers, &body)?;
            let updated = api.update(&target, obj, &opts)?;
            Ok(written(StatusCode::OK, &updated, &opts))
        }
        Method::PATCH => {
            let opts = write_options(&q, &headers)?;
            let ty = match content_type(&headers).as_str() {
                "application/json-patch+json" => PatchType::Json,
                "application/merge-patch+json" => PatchType::Merge,
                "application/strategic-merge-patch+json" => PatchType::Strategic,
                "application/apply-patch+yaml" | "application/apply-patch+json" => PatchType::Apply,
                other => {
                    return Err(ApiError::unsupported_media_type(format!(
                        "the body of the request was in an unknown format ({other}) - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml{}",
                        if target.rt.custom {
                            ""
                        } else {
                            ", application/strategic-merge-patch+json"
                        }
                    )));
                }
            };
            let body = read_body(req).await?;
            if ty != PatchType::Json {
                check_duplicates(&body, &opts)?;
            }
            let existed = ty == PatchType::Apply
                && target.name.as_ref().is_some_and(|_| {
                    api.get(&Target {
                        subresource: None,
                        ..target.clone()
                    })
                    .is_ok()
                });
            let obj = api.patch(&target, ty, &body, &opts)?;
            let code = if ty == PatchType::Apply && !existed {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok(written(code, &obj, &opts))
        }
        Method::DELETE => {
            let dry_run = write_options(&q, &headers)?.dry_run;
            let body = read_body(req).await?;
            let mut options: Value = if body.iter().all(u8::is_ascii_whitespace) {
                json!({})
            } else {
                decode_object(&headers, &body)?
            };
            if let Some(p) = q.get("propagationPolicy") {
                options["propagationPolicy"] = json!(p);
            }
            match &target.name {
                Some(_) => Ok(json_response(StatusCode::OK, &api.delete(&target, &options, dry_run)?)),
                None => Ok(json_response(
                    StatusCode::OK,
                    &api.delete_collection(&target, &list_options(&q)?, &options, dry_run)?,
                )),
            }
        }
        other => Err(ApiError::method_not_allowed(format!(
            "method {other} is not allowed on this resource"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse() {
        assert!(
            matches!(parse_path("/api/v1/namespaces/x"), ApiPath::Resource { ref plural, ref name, namespace: None, .. } if plural == "namespaces" && name.as_deref() == Some("x"))
        );
        assert!(
            matches!(parse_path("/api/v1/namespaces/x/status"), ApiPath::Resource { ref sub, namespace: None, .. } if sub.as_deref() == Some("status"))
        );
        assert!(
            matches!(parse_path("/api/v1/namespaces/x/configmaps/y"), ApiPath::Resource { ref namespace, ref plural, .. } if namespace.as_deref() == Some("x") && plural == "configmaps")
        );
        assert!(matches!(
            parse_path("/apis/apps/v1/watch/namespaces/x/deployments"),
            ApiPath::Resource { watch: true, .. }
        ));
        assert!(matches!(
            parse_path("/apis/apps/v1/deployments"),
            ApiPath::Resource {
                namespace: None,
                name: None,
                ..
            }
        ));
        assert!(matches!(parse_path("/nope"), ApiPath::NotFound));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(decode_component("a%3Db%2Cc+d"), "a=b,c d");
        assert_eq!(decode_component("100%"), "100%");
    }
}
