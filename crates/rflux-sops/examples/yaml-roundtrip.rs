//! Parse a YAML file as sops would and write it back (debugging aid): `yaml-roundtrip FILE`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: yaml-roundtrip FILE")?;
    let text = std::fs::read_to_string(path)?;
    let docs = rflux_sops::formats::yaml::load(&text)?;
    print!("{}", rflux_sops::formats::yaml::emit(&docs, 4));
    Ok(())
}
