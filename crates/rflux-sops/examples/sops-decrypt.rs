//! Decrypt a sops file with keys from files: `sops-decrypt FILE KEYFILE...`
//! (`*.asc` are PGP secret keys, anything else age identities).

#![allow(clippy::unwrap_used, clippy::expect_used)]

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((file, keyfiles)) = args.split_first() else {
        eprintln!("usage: sops-decrypt FILE KEYFILE...");
        std::process::exit(2);
    };
    let mut keys = rflux_sops::Keyring::new();
    for k in keyfiles {
        let text = std::fs::read_to_string(k)?;
        if k.ends_with(".asc") {
            keys.add_pgp_armored(&text, k)?;
        } else {
            keys.add_age_identities(&text, k)?;
        }
    }
    let data = std::fs::read(file)?;
    let format = rflux_sops::Format::from_path(std::path::Path::new(file));
    let out = rflux_sops::decrypt(&data, format, &keys, &rflux_sops::DecryptOptions::default())?;
    use std::io::Write;
    std::io::stdout().write_all(&out)?;
    Ok(())
}
