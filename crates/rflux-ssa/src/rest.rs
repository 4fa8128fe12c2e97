//! The few REST calls the engine makes, on objects held as JSON: get, server-side apply (real
//! or dry run), JSON patch and delete.

use kube::api::{DeleteParams, Patch, PatchParams};
use kube::core::Request;
use serde_json::Value;

use crate::discovery::Resource;

/// Addresses one object of a resource.
pub struct Target<'a> {
    pub resource: &'a Resource,
    pub namespace: &'a str,
    pub name: &'a str,
}

impl Target<'_> {
    fn request(&self) -> Request {
        Request::new(self.resource.collection_path(self.namespace))
    }
}

/// The HTTP status of an API error (`None` for transport errors).
pub fn status_code(err: &kube::Error) -> Option<u16> {
    match err {
        kube::Error::Api(status) => Some(status.code),
        _ => None,
    }
}

pub fn is_not_found(err: &kube::Error) -> bool {
    status_code(err) == Some(404)
}

/// The live object, `None` when it does not exist.
pub async fn get(client: &kube::Client, target: &Target<'_>) -> Result<Option<Value>, kube::Error> {
    let req = target
        .request()
        .get(target.name, &Default::default())
        .map_err(kube::Error::BuildRequest)?;
    match client.request::<Value>(req).await {
        Ok(obj) => Ok(Some(obj)),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Server-side apply of `obj` by `manager`, taking over conflicting fields.
pub async fn apply(
    client: &kube::Client,
    target: &Target<'_>,
    obj: &Value,
    manager: &str,
    dry_run: bool,
) -> Result<Value, kube::Error> {
    let mut params = PatchParams::apply(manager).force();
    if dry_run {
        params = params.dry_run();
    }
    let req = target
        .request()
        .patch(target.name, &params, &Patch::Apply(obj))
        .map_err(kube::Error::BuildRequest)?;
    client.request::<Value>(req).await
}

/// An RFC 6902 JSON patch recorded as an Update by `manager`.
pub async fn json_patch(
    client: &kube::Client,
    target: &Target<'_>,
    operations: &Value,
    manager: &str,
) -> Result<Value, kube::Error> {
    let path = format!(
        "{}/{}?fieldManager={}",
        target.resource.collection_path(target.namespace),
        target.name,
        query_escape(manager)
    );
    let body = serde_json::to_vec(operations).map_err(kube::Error::SerdeError)?;
    let req = http::Request::patch(path)
        .header(http::header::CONTENT_TYPE, "application/json-patch+json")
        .header(http::header::ACCEPT, "application/json")
        .body(body)
        .map_err(|e| kube::Error::BuildRequest(kube::core::request::Error::BuildRequest(e)))?;
    client.request::<Value>(req).await
}

/// Percent-encodes a query parameter value.
fn query_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Deletes the object with background propagation; `false` when it was already gone.
pub async fn delete(client: &kube::Client, target: &Target<'_>) -> Result<bool, kube::Error> {
    let req = target
        .request()
        .delete(target.name, &DeleteParams::background())
        .map_err(kube::Error::BuildRequest)?;
    match client.request::<Value>(req).await {
        Ok(_) => Ok(true),
        Err(e) if is_not_found(&e) => Ok(false),
        Err(e) => Err(e),
    }
}
