//! The Flux kinds as the CLI names them (`source git`, `ks`, `hr`, …), their API resources,
//! and a kind-independent summary of an object (ready, message, revision, suspended).

use anyhow::{Result, anyhow, bail};
use kube::api::{Api, ApiResource, DynamicObject};
use rflux_api::{FluxObject, GitRepository, HelmChart, HelmRelease, HelmRepository, Kustomization, OCIRepository};

use super::connect::{describe, status_code};

/// One of the Flux kinds rflux serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FluxKind {
    GitRepository,
    HelmRepository,
    HelmChart,
    OCIRepository,
    Kustomization,
    HelmRelease,
}

pub const SOURCES: [FluxKind; 4] = [
    FluxKind::GitRepository,
    FluxKind::HelmRepository,
    FluxKind::OCIRepository,
    FluxKind::HelmChart,
];

pub const ALL: [FluxKind; 6] = [
    FluxKind::GitRepository,
    FluxKind::HelmRepository,
    FluxKind::OCIRepository,
    FluxKind::HelmChart,
    FluxKind::Kustomization,
    FluxKind::HelmRelease,
];

const EXPECTED: &str = "expected source git|helm|oci|chart, kustomization (ks) or helmrelease (hr)";

impl FluxKind {
    pub fn kind(self) -> &'static str {
        match self {
            FluxKind::GitRepository => "GitRepository",
            FluxKind::HelmRepository => "HelmRepository",
            FluxKind::HelmChart => "HelmChart",
            FluxKind::OCIRepository => "OCIRepository",
            FluxKind::Kustomization => "Kustomization",
            FluxKind::HelmRelease => "HelmRelease",
        }
    }

    pub fn api_resource(self) -> ApiResource {
        match self {
            FluxKind::GitRepository => ApiResource::erase::<GitRepository>(&()),
            FluxKind::HelmRepository => ApiResource::erase::<HelmRepository>(&()),
            FluxKind::HelmChart => ApiResource::erase::<HelmChart>(&()),
            FluxKind::OCIRepository => ApiResource::erase::<OCIRepository>(&()),
            FluxKind::Kustomization => ApiResource::erase::<Kustomization>(&()),
            FluxKind::HelmRelease => ApiResource::erase::<HelmRelease>(&()),
        }
    }

    pub fn is_source(self) -> bool {
        SOURCES.contains(&self)
    }

    /// What a successful reconcile did: `fetched revision …` or `applied revision …`.
    pub fn revision_verb(self) -> &'static str {
        if self.is_source() { "fetched" } else { "applied" }
    }

    /// The kind for `sources <word>`.
    fn from_source_word(word: &str) -> Option<FluxKind> {
        match word.to_ascii_lowercase().as_str() {
            "git" | "gitrepository" | "gitrepositories" => Some(FluxKind::GitRepository),
            "helm" | "helmrepository" | "helmrepositories" => Some(FluxKind::HelmRepository),
            "oci" | "ocirepository" | "ocirepositories" => Some(FluxKind::OCIRepository),
            "chart" | "helmchart" | "helmcharts" => Some(FluxKind::HelmChart),
            _ => None,
        }
    }

    /// Parses `Kind` as written in `--for Kind/name` (case-insensitive, short names too).
    pub fn from_kind_name(word: &str) -> Option<FluxKind> {
        match word.to_ascii_lowercase().as_str() {
            "kustomization" | "kustomizations" | "ks" => Some(FluxKind::Kustomization),
            "helmrelease" | "helmreleases" | "hr" => Some(FluxKind::HelmRelease),
            "gitrepo" => Some(FluxKind::GitRepository),
            "helmrepo" => Some(FluxKind::HelmRepository),
            "ocirepo" => Some(FluxKind::OCIRepository),
            "hc" => Some(FluxKind::HelmChart),
            other => FluxKind::from_source_word(other).filter(|_| other.len() > 5),
        }
    }

    /// Namespaced API for this kind.
    pub fn api(self, client: &kube::Client, namespace: Option<&str>) -> Api<DynamicObject> {
        let ar = self.api_resource();
        match namespace {
            Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
            None => Api::all_with(client.clone(), &ar),
        }
    }

    /// Fetches one object, with a one-line error naming it when it is missing.
    pub async fn get(self, client: &kube::Client, namespace: &str, name: &str) -> Result<DynamicObject> {
        match self.api(client, Some(namespace)).get(name).await {
            Ok(obj) => Ok(obj),
            Err(e) if status_code(&e) == Some(404) => {
                bail!("{} {namespace}/{name} not found", self.kind())
            }
            Err(e) => Err(api_error(self, &e)),
        }
    }

    /// Lists objects; a missing API becomes a hint to install the CRDs.
    pub async fn list(self, client: &kube::Client, namespace: Option<&str>) -> Result<Vec<DynamicObject>> {
        match self.api(client, namespace).list(&Default::default()).await {
            Ok(list) => Ok(list.items),
            Err(e) => Err(api_error(self, &e)),
        }
    }
}

/// An API error about `kind`, in one line.
pub fn api_error(kind: FluxKind, err: &kube::Error) -> anyhow::Error {
    if status_code(err) == Some(404) {
        anyhow!(
            "the {} API ({}) is not installed in the cluster; run `rflux install`",
            kind.kind(),
            kind.api_resource().api_version
        )
    } else {
        anyhow!("{}: {}", kind.kind(), describe(err))
    }
}

/// What the CLI words select.
#[derive(Debug)]
pub struct Target {
    pub kinds: Vec<FluxKind>,
    pub name: Option<String>,
    /// `get all` / `get sources all`: several kinds, each listed under a `kind/name` prefix.
    pub many: bool,
}

/// Parses `sources git [NAME]`, `ks [NAME]`, `hr [NAME]`, `all`, `sources all`.
pub fn parse_target(words: &[String], allow_all: bool) -> Result<Target> {
    let Some(first) = words.first() else {
        bail!("missing kind: {EXPECTED}");
    };
    let rest = &words[1..];
    let (kinds, rest, many) = match first.to_ascii_lowercase().as_str() {
        "source" | "sources" => {
            let Some(word) = rest.first() else {
                bail!("missing source kind after {first:?}: expected git, helm, oci or chart");
            };
            if word == "all" && allow_all {
                (SOURCES.to_vec(), &rest[1..], true)
            } else if let Some(kind) = FluxKind::from_source_word(word) {
                (vec![kind], &rest[1..], false)
            } else {
                bail!("unknown source kind {word:?}: expected git, helm, oci or chart");
            }
        }
        "all" if allow_all => (ALL.to_vec(), rest, true),
        other => match FluxKind::from_kind_name(other) {
            Some(kind) if !kind.is_source() => (vec![kind], rest, false),
            _ => bail!("unknown kind {first:?}: {EXPECTED}"),
        },
    };
    if rest.len() > 1 {
        bail!("unexpected argument {:?}", rest[1]);
    }
    Ok(Target {
        kinds,
        name: rest.first().cloned(),
        many,
    })
}

/// A kind-independent view of an object.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub namespace: String,
    pub name: String,
    pub suspended: bool,
    /// Ready condition status (`True`, `False`, `Unknown`), `False` when there is none.
    pub ready: String,
    pub message: String,
    pub revision: String,
    pub generation: Option<i64>,
    pub observed_generation: Option<i64>,
    pub last_handled_reconcile_at: Option<String>,
    pub reconciling: bool,
    pub stalled: bool,
    pub has_ready: bool,
}

fn summarize<K: FluxObject>(obj: &K) -> Summary {
    use rflux_api::conditions;
    let meta = obj.meta();
    let ready = obj.ready_condition();
    Summary {
        namespace: meta.namespace.clone().unwrap_or_default(),
        name: meta.name.clone().unwrap_or_default(),
        suspended: obj.suspended(),
        ready: ready.map(|c| c.status.to_string()).unwrap_or_else(|| "False".into()),
        message: ready
            .map(|c| c.message.clone())
            .unwrap_or_else(|| "waiting to be reconciled".into()),
        revision: obj.revision().unwrap_or_default(),
        generation: meta.generation,
        observed_generation: obj.observed_generation(),
        last_handled_reconcile_at: obj.last_handled_reconcile_at().map(str::to_string),
        reconciling: conditions::is_true(obj.conditions(), conditions::RECONCILING),
        stalled: conditions::is_true(obj.conditions(), conditions::STALLED),
        has_ready: ready.is_some(),
    }
}

impl FluxKind {
    /// The summary of an object of this kind.
    pub fn summary(self, obj: &DynamicObject) -> Result<Summary> {
        let value = serde_json::to_value(obj)?;
        let name = obj.metadata.name.clone().unwrap_or_default();
        let bad = |e: serde_json::Error| anyhow!("{} {name}: unexpected content: {e}", self.kind());
        Ok(match self {
            FluxKind::GitRepository => summarize(&serde_json::from_value::<GitRepository>(value).map_err(bad)?),
            FluxKind::HelmRepository => summarize(&serde_json::from_value::<HelmRepository>(value).map_err(bad)?),
            FluxKind::HelmChart => summarize(&serde_json::from_value::<HelmChart>(value).map_err(bad)?),
            FluxKind::OCIRepository => summarize(&serde_json::from_value::<OCIRepository>(value).map_err(bad)?),
            FluxKind::Kustomization => summarize(&serde_json::from_value::<Kustomization>(value).map_err(bad)?),
            FluxKind::HelmRelease => summarize(&serde_json::from_value::<HelmRelease>(value).map_err(bad)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn parses_flux_words() {
        let t = parse_target(&words("sources git podinfo"), true).unwrap();
        assert_eq!(t.kinds, vec![FluxKind::GitRepository]);
        assert_eq!(t.name.as_deref(), Some("podinfo"));
        assert_eq!(
            parse_target(&words("ks"), true).unwrap().kinds,
            vec![FluxKind::Kustomization]
        );
        assert_eq!(
            parse_target(&words("hr x"), false).unwrap().kinds,
            vec![FluxKind::HelmRelease]
        );
        assert!(parse_target(&words("all"), true).unwrap().many);
        assert_eq!(parse_target(&words("source all"), true).unwrap().kinds.len(), 4);
        let err = parse_target(&words("widgets"), true).unwrap_err().to_string();
        assert!(err.contains("\"widgets\""), "{err}");
        assert!(parse_target(&words("source svn x"), false).is_err());
        assert!(parse_target(&words("all"), false).is_err());
    }
}
