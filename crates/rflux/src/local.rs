//! Commands that work on local files, without a cluster: `rflux kustomize build` and
//! `rflux sops encrypt|decrypt`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

#[derive(Subcommand)]
pub enum KustomizeCommand {
    /// Build a kustomization directory and print the YAML stream, as `kustomize build` does.
    Build {
        /// The directory holding kustomization.yaml (or a directory of manifests).
        dir: PathBuf,
        /// Files outside this directory may not be referenced (default: the build directory).
        #[arg(long)]
        root: Option<PathBuf>,
    },
}

pub fn kustomize(cmd: KustomizeCommand) -> anyhow::Result<()> {
    match cmd {
        KustomizeCommand::Build { dir, root } => {
            let dir = std::fs::canonicalize(&dir).with_context(|| format!("reading {}", dir.display()))?;
            let root = match root {
                Some(r) => std::fs::canonicalize(&r).with_context(|| format!("reading {}", r.display()))?,
                None => dir.clone(),
            };
            let objects = rflux_kustomize::build(&root, &dir)?;
            std::io::stdout().write_all(rflux_kustomize::to_yaml(&objects).as_bytes())?;
            Ok(())
        }
    }
}

#[derive(Subcommand)]
pub enum SopsCommand {
    /// Encrypt a YAML, JSON, dotenv, INI or binary file for age and/or PGP recipients.
    Encrypt(EncryptArgs),
    /// Decrypt a sops file (keys as sops looks for them, or from --age-key-file/--pgp-key-file).
    Decrypt(DecryptArgs),
}

#[derive(Args)]
pub struct EncryptArgs {
    /// age recipients, comma-separated (age1… or ssh public keys).
    #[arg(long, value_delimiter = ',')]
    age: Vec<String>,
    /// PGP fingerprints to encrypt for; their public keys come from --pgp-key-file.
    #[arg(long, value_delimiter = ',')]
    pgp: Vec<String>,
    /// An armored PGP public key file holding the --pgp keys.
    #[arg(long)]
    pgp_key_file: Option<PathBuf>,
    /// Only keys matching this regular expression are encrypted.
    #[arg(long)]
    encrypted_regex: Option<String>,
    /// Keys matching this regular expression are left in clear text.
    #[arg(long)]
    unencrypted_regex: Option<String>,
    file: PathBuf,
}

#[derive(Args)]
pub struct DecryptArgs {
    /// An age identities file (AGE-SECRET-KEY-… lines, or an ssh private key).
    #[arg(long)]
    age_key_file: Option<PathBuf>,
    /// An armored PGP secret key file.
    #[arg(long)]
    pgp_key_file: Option<PathBuf>,
    file: PathBuf,
}

fn read(path: &PathBuf) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

pub fn sops(cmd: SopsCommand) -> anyhow::Result<()> {
    let out = match cmd {
        SopsCommand::Encrypt(args) => {
            let pgp_keys = args.pgp_key_file.as_ref().map(read).transpose()?;
            let mut recipients = Vec::new();
            for r in &args.age {
                recipients.push(rflux_sops::Recipient::age(r)?);
            }
            for fingerprint in &args.pgp {
                let armored = pgp_keys
                    .as_deref()
                    .with_context(|| format!("--pgp {fingerprint} needs its public key in --pgp-key-file"))?;
                recipients.extend(rflux_sops::Recipient::pgp_from_armored(armored, Some(fingerprint))?);
            }
            if recipients.is_empty() {
                // No recipients given: the .sops.yaml creation rules decide, as with sops.
                rflux_sops::encrypt_file(&args.file, None, pgp_keys.as_deref())?
            } else {
                let mut opts = rflux_sops::EncryptOptions {
                    key_groups: vec![recipients],
                    ..Default::default()
                };
                opts.rules.encrypted_regex = args.encrypted_regex;
                opts.rules.unencrypted_regex = args.unencrypted_regex;
                rflux_sops::encrypt_file(&args.file, Some(&opts), None)?
            }
        }
        SopsCommand::Decrypt(args) => {
            let mut keys = rflux_sops::Keyring::new();
            keys.add_sops_environment(|name| std::env::var(name).ok())?;
            if let Some(path) = &args.age_key_file {
                keys.add_age_identities(&read(path)?, &path.display().to_string())?;
            }
            if let Some(path) = &args.pgp_key_file {
                keys.add_pgp_armored(&read(path)?, &path.display().to_string())?;
            }
            // The CLI always checks the MAC, as sops does.
            rflux_sops::decrypt_file(&args.file, &keys, &rflux_sops::DecryptOptions::default())?
        }
    };
    std::io::stdout().write_all(&out)?;
    Ok(())
}
