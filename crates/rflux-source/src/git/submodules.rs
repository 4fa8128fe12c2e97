//! `spec.recurseSubmodules`: after the superproject's tree is written, every submodule
//! recorded in the tree (a gitlink entry with a `.gitmodules` URL) is fetched with the same
//! credentials and its commit's tree written at its path, recursively. Relative submodule
//! URLs (`../other.git`) resolve against the superproject's URL, as git does.

use super::{GitAuth, GitError, GitRef, RepoUrl, obtain_objects, write_tree};
use std::path::{Component, Path};
use std::time::Instant;

/// Nesting limit, so a repository that includes itself cannot recurse forever.
const MAX_DEPTH: usize = 8;

/// One `[submodule "…"]` section: its path and URL.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Declared {
    path: String,
    url: String,
}

/// Parses the `path` and `url` keys of `.gitmodules` sections.
fn parse_gitmodules(text: &str) -> Vec<Declared> {
    let mut out = Vec::new();
    let mut current: Option<(Option<String>, Option<String>)> = None;
    let flush = |current: &mut Option<(Option<String>, Option<String>)>, out: &mut Vec<Declared>| {
        if let Some((Some(path), Some(url))) = current.take() {
            out.push(Declared { path, url });
        }
    };
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            flush(&mut current, &mut out);
            current = line.starts_with("[submodule").then_some((None, None));
            continue;
        }
        let (Some(section), Some((key, value))) = (current.as_mut(), line.split_once('=')) else {
            continue;
        };
        let value = value.trim().trim_matches('"').to_string();
        match key.trim().to_ascii_lowercase().as_str() {
            "path" => section.0 = Some(value),
            "url" => section.1 = Some(value),
            _ => {}
        }
    }
    flush(&mut current, &mut out);
    out
}

/// Resolves a submodule URL against the superproject URL when it is relative.
fn resolve_url(parent: &str, url: &str) -> String {
    if !(url.starts_with("./") || url.starts_with("../")) {
        return url.to_string();
    }
    let mut base = parent.trim_end_matches('/').to_string();
    let mut rest = url;
    loop {
        if let Some(r) = rest.strip_prefix("./") {
            rest = r;
        } else if let Some(r) = rest.strip_prefix("../") {
            rest = r;
            if let Some(i) = base.rfind('/')
                && !base[..i].ends_with('/')
            {
                base.truncate(i);
            }
        } else {
            break;
        }
    }
    format!("{base}/{rest}")
}

fn is_plain_relative(path: &str) -> bool {
    !path.is_empty() && Path::new(path).components().all(|c| matches!(c, Component::Normal(_)))
}

/// Checks out the submodules of `tree` (from `repo`) below `dest`.
pub(super) fn check_out_submodules(
    repo: &git2::Repository,
    tree: &git2::Tree<'_>,
    parent_url: &RepoUrl,
    auth: &GitAuth,
    dest: &Path,
    deadline: Instant,
    depth: usize,
) -> Result<(), GitError> {
    let Ok(entry) = tree.get_path(Path::new(".gitmodules")) else {
        return Ok(());
    };
    let gitmodules = entry
        .to_object(repo)
        .and_then(|o| o.peel_to_blob())
        .map(|b| String::from_utf8_lossy(b.content()).into_owned())
        .unwrap_or_default();
    for declared in parse_gitmodules(&gitmodules) {
        if !is_plain_relative(&declared.path) {
            continue;
        }
        let Ok(link) = tree.get_path(Path::new(&declared.path)) else {
            continue;
        };
        if link.kind() != Some(git2::ObjectType::Commit) {
            continue;
        }
        let commit_hex = link.id().to_string();
        let reference = GitRef::Commit {
            commit: commit_hex.clone(),
            branch: None,
        };
        if depth >= MAX_DEPTH {
            return Err(GitError::InvalidRef {
                url: parent_url.redacted.clone(),
                reference: format!("submodule '{}'", declared.path),
                reason: format!("submodules nest deeper than {MAX_DEPTH} levels"),
            });
        }
        let sub_url = RepoUrl::parse(&resolve_url(&parent_url.raw, &declared.url))?;
        let refspecs = super::all_refs();
        let objects = obtain_objects(&sub_url, &reference, auth, &refspecs, false, deadline)?;
        let sub_repo = &objects.repo;
        let not_found = || GitError::RefNotFound {
            url: sub_url.redacted.clone(),
            reference: format!("commit '{commit_hex}' of submodule '{}'", declared.path),
        };
        let commit = sub_repo.find_commit(link.id()).map_err(|_| not_found())?;
        let sub_tree = commit.tree().map_err(|_| not_found())?;
        let sub_dest = dest.join(&declared.path);
        write_tree(sub_repo, &sub_tree, &sub_dest, &sub_url, &reference)?;
        check_out_submodules(sub_repo, &sub_tree, &sub_url, auth, &sub_dest, deadline, depth + 1)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sections() {
        let text = "[submodule \"lib\"]\n\tpath = vendor/lib\n\turl = ../lib.git\n[core]\n\tpath = x\n[submodule \"b\"]\n\turl = https://h/b\n";
        assert_eq!(
            parse_gitmodules(text),
            vec![Declared {
                path: "vendor/lib".into(),
                url: "../lib.git".into()
            }]
        );
    }

    #[test]
    fn relative_urls() {
        assert_eq!(resolve_url("git://h:1/org/repo", "../lib"), "git://h:1/org/lib");
        assert_eq!(
            resolve_url("https://h/org/repo.git/", "./sub"),
            "https://h/org/repo.git/sub"
        );
        assert_eq!(resolve_url("https://h/repo", "../../x"), "https://h/x");
        assert_eq!(resolve_url("https://h/repo", "ssh://o/x"), "ssh://o/x");
        assert_eq!(resolve_url("file:///srv/a/repo", "../sub"), "file:///srv/a/sub");
    }
}
