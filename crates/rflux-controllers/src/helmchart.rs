//! HelmChart (source-controller): the chart a HelmRelease's `chart.spec` names, pulled from a
//! HelmRepository (highest version in the range) or packaged from a GitRepository path, with
//! `valuesFiles` merged, stored as `<chart>-<version>.tgz` with the chart version as revision.
//! The sources' artifacts are read from this controller's own storage. The shared status
//! handling is in [`crate::source`].

use kube::{Api, ResourceExt};
use rflux_api::conditions::{self, reason};
use rflux_api::types::{Artifact, GitRepository, HelmChart, HelmChartSourceKind, HelmRepository, HelmRepositoryType};
use rflux_source::helm_chart::{self, BuiltChart, DirectoryChartOptions, RepositoryChartOptions, ValuesFilesOptions};
use rflux_source::helm_index::{self, HttpClient};
use rflux_source::oci::{OciSource, OciUrl, RegistryAccess};

use crate::source::{
    Failure, Fetched, SourceContext, SourceFetcher, SourceReconciler, SourceStatus, kube_message, storage_failure,
    work_dir,
};

/// The HelmChart reconciler.
pub type HelmChartReconciler = SourceReconciler<ChartFetcher>;

/// Largest source artifact unpacked for a chart.
const MAX_SOURCE_BYTES: u64 = 512 * 1024 * 1024;
/// Flux's reason for a chart that cannot be pulled or packaged.
const CHART_PULL_ERROR: &str = "ChartPullError";
const CHART_PACKAGE_ERROR: &str = "ChartPackageError";
/// Flux's reason for a `spec.sourceRef` that cannot be resolved (here: a kind rflux lacks).
const SOURCE_UNAVAILABLE: &str = "SourceUnavailable";

pub struct ChartFetcher;

/// The source's artifact, or why it cannot be used yet.
fn ready_artifact(kind: &str, namespace: &str, name: &str, artifact: Option<&Artifact>) -> Result<Artifact, Failure> {
    artifact.cloned().ok_or_else(|| {
        Failure::new(
            reason::ARTIFACT_FAILED,
            format!("no artifact available for {kind} source '{namespace}/{name}'"),
        )
    })
}

impl SourceFetcher for ChartFetcher {
    type Object = HelmChart;
    const KIND: &'static str = "HelmChart";
    const STORAGE_KIND: &'static str = "helmchart";

    fn interval(object: &HelmChart) -> &str {
        &object.spec.interval
    }

    fn suspended(object: &HelmChart) -> bool {
        object.spec.suspend.unwrap_or(false)
    }

    async fn fetch(
        &self,
        ctx: &SourceContext,
        chart: &HelmChart,
        status: &mut SourceStatus,
    ) -> Result<Fetched, Failure> {
        let namespace = chart.namespace().unwrap_or_default();
        let name = chart.name_any();
        let source = &chart.spec.source_ref;
        let work = work_dir()?;
        let out = work.path().join("out");
        std::fs::create_dir_all(&out).map_err(|e| {
            Failure::new(
                reason::STORAGE_OPERATION_FAILED,
                format!("cannot create a work directory: {e}"),
            )
        })?;
        let (built, source_revision, verb) = match source.kind {
            HelmChartSourceKind::HelmRepository => {
                let api: Api<HelmRepository> = Api::namespaced(ctx.client.clone(), &namespace);
                let repo = get_source(&api, &namespace, &source.name, "HelmRepository").await?;
                if repo.spec.r#type == Some(HelmRepositoryType::Oci) {
                    let built = pull_oci_chart(ctx, &namespace, &repo, chart, &out).await?;
                    let revision = built.version.clone();
                    (built, revision, "pulled")
                } else {
                    let artifact = ready_artifact(
                        "HelmRepository",
                        &namespace,
                        &source.name,
                        repo.status.as_ref().and_then(|s| s.artifact.as_ref()),
                    )?;
                    let index = helm_index::load_index(&ctx.storage.local_path(&artifact))
                        .map_err(|e| Failure::new(reason::ARTIFACT_FAILED, e.to_string()))?;
                    let access = crate::helmrepository::repository_access(ctx, &namespace, &repo).await?;
                    let client = HttpClient::new(&repo.spec.url, access)
                        .map_err(|e| Failure::new(CHART_PULL_ERROR, e.to_string()))?;
                    let options = RepositoryChartOptions::from_spec(&chart.spec);
                    let built = helm_chart::build_from_repository(&client, &index, &options, &out)
                        .await
                        .map_err(|e| Failure::new(CHART_PULL_ERROR, e.to_string()))?;
                    (built, artifact.revision, "pulled")
                }
            }
            HelmChartSourceKind::GitRepository => {
                let api: Api<GitRepository> = Api::namespaced(ctx.client.clone(), &namespace);
                let repo = get_source(&api, &namespace, &source.name, "GitRepository").await?;
                let artifact = ready_artifact(
                    "GitRepository",
                    &namespace,
                    &source.name,
                    repo.status.as_ref().and_then(|s| s.artifact.as_ref()),
                )?;
                let archive = ctx.storage.local_path(&artifact);
                let root = work.path().join("source");
                let options = DirectoryChartOptions::from_spec(&chart.spec, &artifact.revision);
                let out_dir = out.clone();
                let built: BuiltChart = tokio::task::spawn_blocking(move || {
                    rflux_source::artifact::extract_file(&archive, &root, MAX_SOURCE_BYTES).map_err(|e| {
                        Failure::new(
                            reason::ARTIFACT_FAILED,
                            format!("failed to extract the source artifact: {e}"),
                        )
                    })?;
                    helm_chart::build_from_directory(&root, &options, &out_dir)
                        .map_err(|e| Failure::new(CHART_PACKAGE_ERROR, e.to_string()))
                })
                .await
                .map_err(|e| Failure::new(CHART_PACKAGE_ERROR, format!("chart worker failed: {e}")))??;
                (built, artifact.revision, "packaged")
            }
            HelmChartSourceKind::Bucket => {
                return Err(Failure::new(
                    SOURCE_UNAVAILABLE,
                    format!(
                        "failed to get source: unsupported source kind '{}' (spec.sourceRef '{namespace}/{}'): \
                         rflux has no Bucket source, the kind must be one of: HelmRepository, GitRepository",
                        source.kind, source.name
                    ),
                ));
            }
        };
        status
            .extra
            .insert("observedSourceArtifactRevision".into(), source_revision.into());
        status
            .extra
            .insert("observedChartName".into(), built.name.clone().into());
        status
            .extra
            .insert("observedValuesFiles".into(), built.observed_values_files.clone().into());
        if status
            .artifact
            .as_ref()
            .is_some_and(|a| a.revision == built.version && a.digest == built.digest && ctx.storage.exists(a))
        {
            return Ok(Fetched::Unchanged);
        }
        let artifact = ctx
            .storage
            .store_as(
                Self::STORAGE_KIND,
                &namespace,
                &name,
                &built.file_name,
                &built.version,
                &built.path,
                &built.digest,
            )
            .map_err(storage_failure)?;
        status.artifact = Some(artifact);
        conditions::delete(&mut status.conditions, "BuildFailed");
        Ok(Fetched::NewArtifact {
            event: format!("{verb} '{}' chart with version '{}'", built.name, built.version),
        })
    }
}

/// A chart from an OCI HelmRepository: `<url>/<chart>`, tag = version or the highest in range.
async fn pull_oci_chart(
    ctx: &SourceContext,
    namespace: &str,
    repo: &HelmRepository,
    chart: &HelmChart,
    out: &std::path::Path,
) -> Result<BuiltChart, Failure> {
    let (auth, cert) = ctx
        .secret_pair(
            namespace,
            repo.spec.secret_ref.as_ref(),
            repo.spec.cert_secret_ref.as_ref(),
        )
        .await?;
    let access = RegistryAccess::for_helm_repository(&repo.spec, auth.as_ref(), cert.as_ref())
        .map_err(|e| Failure::new(reason::AUTHENTICATION_FAILED, e.to_string()))?;
    let url = OciUrl::parse(&repo.spec.url).map_err(|e| Failure::new("URLInvalid", e.to_string()))?;
    let source = OciSource::new(&url, &access).map_err(|e| Failure::new(CHART_PULL_ERROR, e.to_string()))?;
    source
        .build_chart(
            &url,
            &chart.spec.chart,
            &chart.spec.version,
            &ValuesFilesOptions::from_spec(&chart.spec),
            MAX_SOURCE_BYTES,
            out,
        )
        .await
        .map_err(|e| Failure::new(CHART_PULL_ERROR, e.to_string()))
}

async fn get_source<K>(api: &Api<K>, namespace: &str, name: &str, kind: &str) -> Result<K, Failure>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    match api.get_opt(name).await {
        Ok(Some(object)) => Ok(object),
        // Flux's reason and wording for a source it cannot read.
        Ok(None) => Err(Failure::new(
            SOURCE_UNAVAILABLE,
            format!("failed to get source: {kind} '{namespace}/{name}' not found"),
        )),
        Err(e) => Err(Failure::new(
            SOURCE_UNAVAILABLE,
            format!(
                "failed to get source: {kind} '{namespace}/{name}': {}",
                kube_message(&e)
            ),
        )),
    }
}

/// Enqueues the HelmCharts that read a source of `kind` whenever that source changes (a new
/// index or artifact), so a chart follows its repository without waiting for its interval.
pub async fn follow_sources<S>(
    changes: tokio::sync::broadcast::Receiver<std::sync::Arc<S>>,
    kind: HelmChartSourceKind,
    charts: kube::runtime::reflector::Store<HelmChart>,
    queue: crate::queue::WorkQueue,
) where
    S: kube::Resource + Clone,
{
    let all = || {
        charts
            .state()
            .iter()
            .map(|c| crate::runner::key_of(c.as_ref()))
            .collect()
    };
    let readers = |source: &S| {
        let namespace = source.namespace().unwrap_or_default();
        let name = source.name_any();
        charts
            .state()
            .iter()
            .filter(|c| {
                c.spec.source_ref.kind == kind
                    && c.spec.source_ref.name == name
                    && c.namespace().unwrap_or_default() == namespace
            })
            .map(|c| crate::runner::key_of(c.as_ref()))
            .collect()
    };
    crate::runner::follow(changes, queue, readers, all).await;
}
