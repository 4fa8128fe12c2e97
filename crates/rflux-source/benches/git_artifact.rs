#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Checkout + packaging of a 20,000-file repository: rflux (`checkout` over file:// then
//! `package_dir`) against the reference `git clone --depth 1 file://…` + `tar czf`, in the
//! same run. Run with `cargo bench -p rflux-source --bench git_artifact`; set
//! `RFLUX_BENCH_DIR` to put the work files elsewhere (e.g. `/dev/shm` to leave out the
//! file system's inode allocation, which dominates on a busy ext4 disk).

use rflux_source::artifact::package_dir;
use rflux_source::git::{GitAuth, GitRef, checkout};
use rflux_source::ignore::IgnoreRules;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const FILES: usize = 20_000;
const FILES_PER_DIR: usize = 100;
const ROUNDS: usize = 5;

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("command runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn git(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .args(["-c", "user.name=bench", "-c", "user.email=bench@rflux.invalid"]);
    cmd
}

fn make_repo(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    run(git(dir).args(["init", "-q", "-b", "master"]));
    for i in 0..FILES {
        let sub = dir.join(format!("apps/team-{:03}", i / FILES_PER_DIR));
        if i % FILES_PER_DIR == 0 {
            std::fs::create_dir_all(&sub).unwrap();
        }
        let body = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: team-{}\ndata:\n  key: value-{i}\n",
            i / FILES_PER_DIR
        );
        std::fs::write(sub.join(format!("cm-{i:05}.yaml")), body).unwrap();
    }
    run(git(dir).args(["add", "-A"]));
    run(git(dir).args(["commit", "-q", "-m", "20k files"]));
}

fn time<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let start = Instant::now();
    let value = f();
    (start.elapsed(), value)
}

fn main() {
    let work = match std::env::var_os("RFLUX_BENCH_DIR") {
        Some(dir) => tempfile::tempdir_in(dir).unwrap(),
        None => tempfile::tempdir().unwrap(),
    };
    println!("work directory: {}", work.path().display());
    let repo = work.path().join("repo");
    let (made, ()) = time(|| make_repo(&repo));
    println!("generated {FILES} files and committed in {:.2?}", made);
    let url = format!("file://{}", repo.display());

    let mut ours = Vec::new();
    let mut reference = Vec::new();
    for round in 0..ROUNDS {
        let dest = work.path().join(format!("rflux-{round}"));
        let out = work.path().join(format!("rflux-{round}.tar.gz"));
        let (checkout_time, _) = time(|| {
            checkout(
                &url,
                &GitRef::default(),
                &GitAuth::none(),
                &dest,
                Duration::from_secs(300),
            )
            .unwrap()
        });
        let (package_time, packed) = time(|| package_dir(&dest, &IgnoreRules::flux_defaults(), &out).unwrap());
        let elapsed = checkout_time + package_time;
        ours.push(elapsed);
        println!(
            "round {round}: rflux checkout+package {:.3?} (checkout {:.3?}, package {:.3?}; {} bytes, {})",
            elapsed, checkout_time, package_time, packed.size, packed.digest
        );

        let clone = work.path().join(format!("git-{round}"));
        let tarball = work.path().join(format!("git-{round}.tar.gz"));
        let (elapsed, ()) = time(|| {
            run(Command::new("git")
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .args(["clone", "-q", "--depth", "1", &url])
                .arg(&clone));
            run(Command::new("tar")
                .arg("czf")
                .arg(&tarball)
                .arg("--exclude=.git")
                .arg("-C")
                .arg(&clone)
                .arg("."));
        });
        reference.push(elapsed);
        let size = std::fs::metadata(&tarball).map(|m| m.len()).unwrap_or(0);
        println!(
            "round {round}: git clone --depth 1 + tar czf {:.3?} ({size} bytes)",
            elapsed
        );
    }
    ours.sort();
    reference.sort();
    println!(
        "best of {ROUNDS}: rflux {:.3?}, git+tar {:.3?}, ratio rflux/reference {:.2}",
        ours[0],
        reference[0],
        ours[0].as_secs_f64() / reference[0].as_secs_f64()
    );
    let (ours, reference) = (ours[ROUNDS / 2], reference[ROUNDS / 2]);
    println!(
        "median of {ROUNDS}: rflux {:.3?}, git+tar {:.3?}, ratio rflux/reference {:.2}",
        ours,
        reference,
        ours.as_secs_f64() / reference.as_secs_f64()
    );
}
