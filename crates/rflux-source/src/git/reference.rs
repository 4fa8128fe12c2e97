//! `GitRepository.spec.ref` as one choice, with Flux's precedence (commit > name > semver >
//! tag > branch, default branch `master`) and Flux's revision strings.

use rflux_api::types::GitRepositoryRef;

/// The branch Flux uses when `spec.ref` names nothing.
pub const DEFAULT_BRANCH: &str = "master";

/// Which commit of a repository to take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitRef {
    /// A commit; with a branch the revision is `<branch>@sha1:<hex>`, else `sha1:<hex>`.
    Commit {
        /// The commit hash.
        commit: String,
        /// The branch it is fetched from, if given.
        branch: Option<String>,
    },
    /// A full ref name (`refs/heads/main`, `refs/pull/1/head`); revision `<name>@sha1:<hex>`.
    Name(String),
    /// The highest tag in a semver range; revision `<tag>@sha1:<hex>`.
    Semver(String),
    /// A tag; revision `<tag>@sha1:<hex>` (the commit the tag points at).
    Tag(String),
    /// A branch; revision `<branch>@sha1:<hex>`.
    Branch(String),
}

impl Default for GitRef {
    fn default() -> Self {
        GitRef::Branch(DEFAULT_BRANCH.to_string())
    }
}

fn non_empty(value: &Option<String>) -> Option<String> {
    value.as_ref().filter(|v| !v.is_empty()).cloned()
}

impl GitRef {
    /// The ref a GitRepository's `spec.ref` selects.
    pub fn from_spec(spec: Option<&GitRepositoryRef>) -> GitRef {
        let Some(spec) = spec else {
            return GitRef::default();
        };
        if let Some(commit) = non_empty(&spec.commit) {
            return GitRef::Commit {
                commit,
                branch: non_empty(&spec.branch),
            };
        }
        if let Some(name) = non_empty(&spec.name) {
            return GitRef::Name(name);
        }
        if let Some(range) = non_empty(&spec.semver) {
            return GitRef::Semver(range);
        }
        if let Some(tag) = non_empty(&spec.tag) {
            return GitRef::Tag(tag);
        }
        GitRef::Branch(non_empty(&spec.branch).unwrap_or_else(|| DEFAULT_BRANCH.to_string()))
    }

    /// The ref as a person reads it in a message: `branch 'main'`, `tag 'v1'`, ….
    pub fn describe(&self) -> String {
        match self {
            GitRef::Commit {
                commit,
                branch: Some(b),
            } => format!("commit '{commit}' on branch '{b}'"),
            GitRef::Commit { commit, branch: None } => format!("commit '{commit}'"),
            GitRef::Name(n) => format!("ref '{n}'"),
            GitRef::Semver(r) => format!("semver '{r}'"),
            GitRef::Tag(t) => format!("tag '{t}'"),
            GitRef::Branch(b) => format!("branch '{b}'"),
        }
    }

    /// Flux's revision string for `commit_hex` reached through `label` (the branch, tag,
    /// chosen semver tag or ref name; `None` for a bare commit).
    pub fn revision_for(&self, label: Option<&str>, commit_hex: &str) -> String {
        match label {
            Some(label) if !label.is_empty() => format!("{label}@sha1:{commit_hex}"),
            _ => format!("sha1:{commit_hex}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(
        commit: Option<&str>,
        name: Option<&str>,
        semver: Option<&str>,
        tag: Option<&str>,
        branch: Option<&str>,
    ) -> GitRepositoryRef {
        GitRepositoryRef {
            commit: commit.map(String::from),
            name: name.map(String::from),
            semver: semver.map(String::from),
            tag: tag.map(String::from),
            branch: branch.map(String::from),
        }
    }

    #[test]
    fn precedence_matches_flux() {
        assert_eq!(GitRef::from_spec(None), GitRef::Branch("master".into()));
        let all = spec(Some("abc"), Some("refs/x"), Some("1.x"), Some("v1"), Some("dev"));
        assert_eq!(
            GitRef::from_spec(Some(&all)),
            GitRef::Commit {
                commit: "abc".into(),
                branch: Some("dev".into())
            }
        );
        let s = spec(None, Some("refs/x"), Some("1.x"), Some("v1"), Some("dev"));
        assert_eq!(GitRef::from_spec(Some(&s)), GitRef::Name("refs/x".into()));
        let s = spec(None, None, Some("1.x"), Some("v1"), Some("dev"));
        assert_eq!(GitRef::from_spec(Some(&s)), GitRef::Semver("1.x".into()));
        let s = spec(None, None, None, Some("v1"), Some("dev"));
        assert_eq!(GitRef::from_spec(Some(&s)), GitRef::Tag("v1".into()));
        let s = spec(None, None, None, None, Some(""));
        assert_eq!(GitRef::from_spec(Some(&s)), GitRef::Branch("master".into()));
    }

    #[test]
    fn revisions() {
        let r = GitRef::Branch("main".into());
        assert_eq!(r.revision_for(Some("main"), "ab"), "main@sha1:ab");
        assert_eq!(r.revision_for(None, "ab"), "sha1:ab");
    }
}
