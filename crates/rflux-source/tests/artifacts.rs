#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Artifact packing (ignore rules, reproducible digests), safe extraction, and download with
//! digest verification from a real HTTP server.

mod common;

use common::{HttpServer, TIMEOUT, TestRepo, list_files};
use flate2::Compression;
use flate2::write::GzEncoder;
use rflux_source::artifact::{ArtifactError, extract_file, fetch, package_dir};
use rflux_source::git::{GitAuth, GitRef, checkout};
use rflux_source::ignore::IgnoreRules;
use rflux_source::storage::Storage;
use std::io::Write;
use std::path::Path;

fn archive_entries(path: &Path) -> Vec<(String, u32)> {
    let file = std::fs::File::open(path).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let header = e.header();
            assert_eq!(header.mtime().unwrap(), 0);
            assert_eq!(header.uid().unwrap(), 0);
            assert_eq!(header.gid().unwrap(), 0);
            assert!(header.username().unwrap().unwrap_or("").is_empty());
            (e.path().unwrap().to_string_lossy().into_owned(), header.mode().unwrap())
        })
        .collect()
}

fn sample_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.commit(
        &[
            ("deploy/app.yaml", "kind: Deployment\n"),
            ("deploy/logo.png", "png"),
            (".github/workflows/ci.yaml", "on: push\n"),
            (".gitignore", "tmp/\n"),
            ("docs/guide.md", "# guide\n"),
            ("scripts/run.sh", "#!/bin/sh\n"),
        ],
        "sample",
    );
    let script = repo.path().join("scripts/run.sh");
    common::git(&repo.path(), &["update-index", "--chmod=+x", "scripts/run.sh"]);
    common::git(&repo.path(), &["commit", "-q", "-m", "exec"]);
    let _ = script;
    repo
}

#[test]
fn default_rules_skip_vcs_images_and_ci_files() {
    let repo = sample_repo();
    let dest = tempfile::tempdir().unwrap();
    checkout(
        &repo.file_url(),
        &GitRef::default(),
        &GitAuth::none(),
        dest.path(),
        TIMEOUT,
    )
    .unwrap();
    let rules = IgnoreRules::for_source(dest.path(), None).unwrap();
    let out = tempfile::tempdir().unwrap();
    let archive = out.path().join("a.tar.gz");
    let packed = package_dir(dest.path(), &rules, &archive).unwrap();
    assert!(packed.digest.starts_with("sha256:") && packed.digest.len() == 71);
    assert_eq!(packed.size, std::fs::metadata(&archive).unwrap().len());
    assert_eq!(
        archive_entries(&archive),
        vec![
            ("deploy/app.yaml".to_string(), 0o644),
            ("docs/guide.md".to_string(), 0o644),
            ("scripts/run.sh".to_string(), 0o755),
        ]
    );
}

#[test]
fn sourceignore_files_and_spec_ignore_replace_the_defaults() {
    let repo = sample_repo();
    repo.commit(
        &[
            (".sourceignore", "docs/\n"),
            ("deploy/.sourceignore", "*.md\n"),
            ("deploy/notes.md", "n\n"),
        ],
        "ignore",
    );
    let dest = tempfile::tempdir().unwrap();
    checkout(
        &repo.file_url(),
        &GitRef::default(),
        &GitAuth::none(),
        dest.path(),
        TIMEOUT,
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();

    // .sourceignore files: their patterns apply (scoped), the defaults no longer do.
    let rules = IgnoreRules::for_source(dest.path(), None).unwrap();
    let archive = out.path().join("a.tar.gz");
    package_dir(dest.path(), &rules, &archive).unwrap();
    let names: Vec<String> = archive_entries(&archive).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        vec![
            ".github/workflows/ci.yaml",
            ".sourceignore",
            "deploy/.sourceignore",
            "deploy/app.yaml",
            "deploy/logo.png",
            "scripts/run.sh"
        ]
    );

    // spec.ignore comes last and can re-include what a .sourceignore excluded.
    let rules = IgnoreRules::for_source(dest.path(), Some("/*\n!/deploy/\n!/docs/\n")).unwrap();
    let archive = out.path().join("b.tar.gz");
    package_dir(dest.path(), &rules, &archive).unwrap();
    let names: Vec<String> = archive_entries(&archive).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        vec![
            "deploy/.sourceignore",
            "deploy/app.yaml",
            "deploy/logo.png",
            "deploy/notes.md",
            "docs/guide.md"
        ]
    );
}

#[test]
fn the_same_tree_gives_the_same_digest() {
    let repo = sample_repo();
    let out = tempfile::tempdir().unwrap();
    let mut digests = Vec::new();
    for i in 0..2 {
        let dest = tempfile::tempdir().unwrap();
        checkout(
            &repo.file_url(),
            &GitRef::default(),
            &GitAuth::none(),
            dest.path(),
            TIMEOUT,
        )
        .unwrap();
        let archive = out.path().join(format!("{i}.tar.gz"));
        let packed = package_dir(dest.path(), &IgnoreRules::flux_defaults(), &archive).unwrap();
        digests.push((packed, std::fs::read(&archive).unwrap()));
    }
    assert_eq!(digests[0].0, digests[1].0);
    assert_eq!(digests[0].1, digests[1].1);

    repo.commit(&[("deploy/app.yaml", "kind: Service\n")], "change");
    let dest = tempfile::tempdir().unwrap();
    checkout(
        &repo.file_url(),
        &GitRef::default(),
        &GitAuth::none(),
        dest.path(),
        TIMEOUT,
    )
    .unwrap();
    let packed = package_dir(dest.path(), &IgnoreRules::flux_defaults(), &out.path().join("c.tar.gz")).unwrap();
    assert_ne!(packed.digest, digests[0].0.digest);
}

#[test]
fn packed_archives_extract_back_to_the_same_files() {
    let repo = sample_repo();
    let dest = tempfile::tempdir().unwrap();
    checkout(
        &repo.file_url(),
        &GitRef::default(),
        &GitAuth::none(),
        dest.path(),
        TIMEOUT,
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let archive = out.path().join("a.tar.gz");
    package_dir(dest.path(), &IgnoreRules::vcs_only(), &archive).unwrap();
    let extracted = tempfile::tempdir().unwrap();
    let stats = extract_file(&archive, extracted.path(), 1 << 20).unwrap();
    assert_eq!(stats.files, 5);
    assert_eq!(
        list_files(extracted.path()),
        vec![
            ".github/workflows/ci.yaml",
            "deploy/app.yaml",
            "deploy/logo.png",
            "docs/guide.md",
            "scripts/run.sh"
        ]
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(extracted.path().join("scripts/run.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
    }
    let err = extract_file(&archive, tempfile::tempdir().unwrap().path(), 10).unwrap_err();
    assert!(matches!(err, ArtifactError::TooLarge { .. }), "{err}");
}

/// One raw tar entry: name, type, link target.
type RawEntry<'a> = (&'a str, tar::EntryType, &'a str);

/// Writes a tar.gz whose entries are written raw, bypassing the tar crate's own checks.
fn hostile_archive(path: &Path, entries: &[RawEntry<'_>]) {
    let mut gz = GzEncoder::new(std::fs::File::create(path).unwrap(), Compression::default());
    for (name, kind, link) in entries {
        let mut header = tar::Header::new_old();
        {
            let old = header.as_old_mut();
            old.name[..name.len()].copy_from_slice(name.as_bytes());
            old.linkname[..link.len()].copy_from_slice(link.as_bytes());
        }
        header.set_entry_type(*kind);
        header.set_mode(0o644);
        let body: &[u8] = if *kind == tar::EntryType::Regular { b"evil" } else { b"" };
        header.set_size(body.len() as u64);
        header.set_cksum();
        gz.write_all(header.as_bytes()).unwrap();
        gz.write_all(body).unwrap();
        let pad = (512 - body.len() % 512) % 512;
        gz.write_all(&vec![0u8; pad]).unwrap();
    }
    gz.write_all(&[0u8; 1024]).unwrap();
    gz.finish().unwrap();
}

#[test]
fn extraction_refuses_escapes_and_links() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Vec<RawEntry<'_>>)> = vec![
        ("dotdot", vec![("../escape.txt", tar::EntryType::Regular, "")]),
        (
            "nested-dotdot",
            vec![("a/../../escape.txt", tar::EntryType::Regular, "")],
        ),
        ("absolute", vec![("/tmp/rflux-escape.txt", tar::EntryType::Regular, "")]),
        (
            "symlink",
            vec![
                ("link", tar::EntryType::Symlink, "../../etc"),
                ("link/passwd", tar::EntryType::Regular, ""),
            ],
        ),
        ("hardlink", vec![("hard", tar::EntryType::Link, "/etc/passwd")]),
    ];
    for (name, entries) in cases {
        let archive = dir.path().join(format!("{name}.tar.gz"));
        hostile_archive(&archive, &entries);
        let dest = dir.path().join(format!("out-{name}"));
        let err = extract_file(&archive, &dest, 1 << 20).unwrap_err();
        assert!(matches!(err, ArtifactError::UnsafeEntry { .. }), "{name}: {err}");
        assert!(!dir.path().join("escape.txt").exists());
        assert!(!dest.join("link").exists(), "{name}");
    }
    assert!(!Path::new("/tmp/rflux-escape.txt").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn fetch_verifies_the_digest_before_extracting() {
    let repo = sample_repo();
    let work = tempfile::tempdir().unwrap();
    let dest = work.path().join("checkout");
    let url = repo.file_url();
    let dest_clone = dest.clone();
    tokio::task::spawn_blocking(move || checkout(&url, &GitRef::default(), &GitAuth::none(), &dest_clone, TIMEOUT))
        .await
        .unwrap()
        .unwrap();
    let archive = work.path().join("a.tar.gz");
    let packed = package_dir(&dest, &IgnoreRules::flux_defaults(), &archive).unwrap();

    let storage_root = tempfile::tempdir().unwrap();
    let storage = Storage::new(storage_root.path().to_path_buf(), "http://placeholder".into());
    let server = HttpServer::start(storage.router());
    let storage = Storage::new(storage_root.path().to_path_buf(), server.url(""));
    let artifact = storage
        .store(
            "GitRepository",
            "default",
            "app",
            "master@sha1:abc",
            &archive,
            &packed.digest,
        )
        .unwrap();

    rflux_source::helm_index::transport::ensure_crypto_provider();
    let client = reqwest::Client::new();
    let good = work.path().join("good");
    let stats = fetch(&client, &artifact.url, &artifact.digest, &good).await.unwrap();
    assert_eq!(stats.files, 3);
    assert_eq!(
        list_files(&good),
        vec!["deploy/app.yaml", "docs/guide.md", "scripts/run.sh"]
    );

    let bad = work.path().join("bad");
    let wrong = format!("sha256:{}", "0".repeat(64));
    let err = fetch(&client, &artifact.url, &wrong, &bad).await.unwrap_err();
    assert!(matches!(err, ArtifactError::DigestMismatch { .. }), "{err}");
    assert!(!bad.exists() || list_files(&bad).is_empty());

    let missing = server.url("gitrepository/default/app/nope.tar.gz");
    let err = fetch(&client, &missing, &packed.digest, &bad).await.unwrap_err();
    assert!(matches!(err, ArtifactError::Download { .. }), "{err}");
    drop(server);
}
