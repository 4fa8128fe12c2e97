//! `rflux tree kustomization NAME`: the objects a Kustomization applied (its
//! `status.inventory`) as a tree, descending into the Kustomizations it manages, printed as
//! `flux tree kustomization` prints it (`├── `, `└── `, `│   `), or as JSON/YAML with `-o`.

use anyhow::{Result, anyhow, bail};
use clap::{Args, Subcommand};
use kube::Api;
use rflux_api::ObjectId;
use rflux_api::types::Kustomization;
use serde_json::{Value, json};

use super::connect::{ConnectionArgs, describe, status_code};

const KUSTOMIZE_GROUP: &str = "kustomize.toolkit.fluxcd.io";
/// `--compact` keeps the objects of this group suffix only (Flux's own kinds).
const FLUX_GROUP_SUFFIX: &str = "toolkit.fluxcd.io";

/// `rflux tree …`
#[derive(Subcommand, Debug)]
pub enum TreeCommand {
    /// Print the resource inventory of a Kustomization as a tree.
    #[command(visible_alias = "ks")]
    Kustomization(TreeKustomizationArgs),
}

/// `rflux tree kustomization NAME`
#[derive(Args, Debug)]
pub struct TreeKustomizationArgs {
    /// Name of the Kustomization.
    pub name: String,
    /// List Flux resources only.
    #[arg(long)]
    pub compact: bool,
    /// Output format: `json` or `yaml` (default: the tree).
    #[arg(short = 'o', long)]
    pub output: Option<String>,
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

/// One object and the objects under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub id: ObjectId,
    pub children: Vec<Node>,
}

impl Node {
    fn new(id: ObjectId) -> Node {
        Node {
            id,
            children: Vec::new(),
        }
    }

    /// `Kind/namespace/name` (`Kind/name` when cluster-scoped).
    pub fn text(&self) -> String {
        rflux_ssa::object::subject(&self.id)
    }

    /// The tree as Flux prints it (each line ends with a newline).
    pub fn render(&self) -> String {
        let mut out = format!("{}\n", self.text());
        render_children(&self.children, &mut Vec::new(), &mut out);
        out
    }

    /// Flux's JSON shape: `{"resource": {Namespace, Name, GroupKind}, "resources": [...]}`.
    pub fn to_json(&self) -> Value {
        let mut node = json!({
            "resource": {
                "Namespace": self.id.namespace,
                "Name": self.id.name,
                "GroupKind": {"Group": self.id.group, "Kind": self.id.kind},
            }
        });
        if !self.children.is_empty() {
            node["resources"] = Value::Array(self.children.iter().map(Node::to_json).collect());
        }
        node
    }
}

fn render_children(children: &[Node], spaces: &mut Vec<bool>, out: &mut String) {
    for (i, child) in children.iter().enumerate() {
        let last = i + 1 == children.len();
        for &space in spaces.iter() {
            out.push_str(if space { "    " } else { "│   " });
        }
        out.push_str(if last { "└── " } else { "├── " });
        out.push_str(&child.text());
        out.push('\n');
        if !child.children.is_empty() {
            spaces.push(last);
            render_children(&child.children, spaces, out);
            spaces.pop();
        }
    }
}

/// `rflux tree kustomization …`
pub async fn run(cmd: TreeCommand) -> Result<()> {
    let TreeCommand::Kustomization(args) = cmd;
    if let Some(format) = &args.output
        && format != "json"
        && format != "yaml"
    {
        bail!("invalid output format {format:?}: expected json or yaml");
    }
    let client = args.conn.client().await?;
    let root = get_kustomization(&client, &args.conn.namespace, &args.name).await?;
    let mut tree = Node::new(ObjectId::new(
        &args.conn.namespace,
        &args.name,
        KUSTOMIZE_GROUP,
        "Kustomization",
    ));
    let mut visiting = vec![tree.id.clone()];
    grow(&client, &root, &mut tree, args.compact, &mut visiting).await?;
    match args.output.as_deref() {
        Some("json") => println!("{}", serde_json::to_string_pretty(&tree.to_json())?),
        Some(_) => println!("{}", rflux_kustomize::to_yaml_document(&tree.to_json())),
        None => println!("{}", tree.render()),
    }
    Ok(())
}

async fn get_kustomization(client: &kube::Client, namespace: &str, name: &str) -> Result<Kustomization> {
    let api: Api<Kustomization> = Api::namespaced(client.clone(), namespace);
    match api.get(name).await {
        Ok(ks) => Ok(ks),
        Err(e) if status_code(&e) == Some(404) => bail!("Kustomization {namespace}/{name} not found"),
        Err(e) => bail!("Kustomization {namespace}/{name}: {}", describe(&e)),
    }
}

/// Adds the inventory of `ks` under `node`, descending into Kustomizations (not into one
/// already on the path, so a cycle ends).
fn grow<'a>(
    client: &'a kube::Client,
    ks: &'a Kustomization,
    node: &'a mut Node,
    compact: bool,
    visiting: &'a mut Vec<ObjectId>,
) -> futures::future::BoxFuture<'a, Result<()>> {
    Box::pin(async move {
        let entries = ks
            .status
            .as_ref()
            .and_then(|s| s.inventory.as_ref())
            .map(|i| i.entries.clone())
            .unwrap_or_default();
        let own_namespace = ks.metadata.namespace.clone().unwrap_or_default();
        let own_name = ks.metadata.name.clone().unwrap_or_default();
        for entry in entries {
            let id = ObjectId::parse(&entry.id).map_err(|e| anyhow!("{e}"))?;
            if compact && !id.group.contains(FLUX_GROUP_SUFFIX) {
                continue;
            }
            let is_kustomization = id.group == KUSTOMIZE_GROUP && id.kind == "Kustomization";
            if is_kustomization && id.namespace == own_namespace && id.name == own_name {
                continue;
            }
            let mut child = Node::new(id.clone());
            if is_kustomization && ks.spec.kube_config.is_none() && !visiting.contains(&id) {
                let api: Api<Kustomization> = Api::namespaced(client.clone(), &id.namespace);
                let nested = api
                    .get(&id.name)
                    .await
                    .map_err(|e| anyhow!("failed to find object: {}", describe(&e)))?;
                visiting.push(id.clone());
                grow(client, &nested, &mut child, compact, visiting).await?;
                visiting.pop();
            }
            node.children.push(child);
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_flux() {
        let leaf = |ns: &str, name: &str, group: &str, kind: &str| Node::new(ObjectId::new(ns, name, group, kind));
        let mut apps = leaf("flux-system", "apps", KUSTOMIZE_GROUP, "Kustomization");
        apps.children.push(leaf("default", "app", "apps", "Deployment"));
        apps.children.push(leaf("default", "app", "", "Service"));
        let mut root = leaf("flux-system", "flux-system", KUSTOMIZE_GROUP, "Kustomization");
        root.children.push(apps);
        root.children.push(leaf("", "default", "", "Namespace"));
        assert_eq!(
            root.render(),
            "Kustomization/flux-system/flux-system\n\
             ├── Kustomization/flux-system/apps\n\
             │   ├── Deployment/default/app\n\
             │   └── Service/default/app\n\
             └── Namespace/default\n"
        );
    }
}
