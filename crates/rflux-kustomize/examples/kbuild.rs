//! `kbuild DIR [ROOT]`: prints the build of DIR like `kustomize build` (ROOT defaults to DIR).

use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(dir) = args.get(1) else {
        eprintln!("usage: kbuild DIR [ROOT]");
        std::process::exit(2);
    };
    let root = args.get(2).unwrap_or(dir);
    match rflux_kustomize::build(Path::new(root), Path::new(dir)) {
        Ok(objects) => print!("{}", rflux_kustomize::to_yaml(&objects)),
        Err(e) => {
            eprintln!("Error: {e}");
            std::process::exit(1);
        }
    }
}
