//! `rflux check` (API reachable, CRDs installed and their versions, controller running) and
//! `rflux version` (client, and the controller's image when one is deployed).

use anyhow::{Result, bail};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind};

use super::connect::describe;
use super::install::{CONTROLLER_NAME, CONTROLLER_NAMESPACE, controller_missing};
use super::{CheckArgs, output};

async fn controller_image(client: &kube::Client) -> Option<String> {
    let ar = ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk("apps", "v1", "Deployment"), "deployments");
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), CONTROLLER_NAMESPACE, &ar);
    let d = api.get_opt(CONTROLLER_NAME).await.ok()??;
    d.data
        .pointer("/spec/template/spec/containers/0/image")
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

pub async fn version(args: CheckArgs) -> Result<()> {
    println!("rflux: v{}", env!("CARGO_PKG_VERSION"));
    if args.client {
        return Ok(());
    }
    let client = args.conn.client().await?;
    match controller_image(&client).await {
        Some(image) => {
            let tag = image.rsplit_once(':').map_or(image.as_str(), |(_, t)| t);
            println!("{CONTROLLER_NAME}: {tag}");
        }
        None => match controller_missing(&client).await {
            None => println!("{CONTROLLER_NAME}: running (outside the cluster)"),
            Some(_) => println!("{CONTROLLER_NAME}: not running"),
        },
    }
    Ok(())
}

pub async fn check(args: CheckArgs) -> Result<()> {
    let client = args.conn.client().await?;
    output::action("checking prerequisites");
    match client.apiserver_version().await {
        Ok(info) => output::success(format!("Kubernetes API reachable ({})", info.git_version)),
        Err(e) => bail!("Kubernetes API not reachable: {}", describe(&e)),
    }
    if args.pre {
        output::success("prerequisites checks passed");
        return Ok(());
    }
    let mut failed = false;
    output::action("checking controllers");
    match controller_missing(&client).await {
        None => output::success(format!("{CONTROLLER_NAME}: running")),
        Some(why) => {
            output::failure(format!("{CONTROLLER_NAME}: {why}"));
            failed = true;
        }
    }
    if let Some(image) = controller_image(&client).await {
        output::action(image);
    }
    output::action("checking crds");
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    for expected in rflux_api::crd::crds() {
        let name = expected.metadata.name.clone().unwrap_or_default();
        match crds.get_opt(&name).await {
            Ok(Some(crd)) => {
                let versions: Vec<String> = crd
                    .spec
                    .versions
                    .iter()
                    .filter(|v| v.served)
                    .map(|v| v.name.clone())
                    .collect();
                output::success(format!("{name}/{}", versions.join(",")));
            }
            Ok(None) => {
                output::failure(format!("{name}: not installed"));
                failed = true;
            }
            Err(e) => bail!("cannot read CRD {name}: {}", describe(&e)),
        }
    }
    if failed {
        bail!("check failed");
    }
    output::success("all checks passed");
    Ok(())
}
