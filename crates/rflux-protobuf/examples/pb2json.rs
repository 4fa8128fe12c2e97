//! Prints the JSON of a Kubernetes protobuf body read from a file or stdin.

use std::io::Read as _;

fn main() {
    let mut body = Vec::new();
    let read = match std::env::args().nth(1) {
        Some(path) => std::fs::read(&path).map(|b| body = b),
        None => std::io::stdin().read_to_end(&mut body).map(|_| ()),
    };
    if let Err(e) = read {
        eprintln!("pb2json: {e}");
        std::process::exit(2);
    }
    match rflux_protobuf::decode(&body) {
        Ok(v) => println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default()),
        Err(e) => {
            eprintln!("pb2json: {e}");
            std::process::exit(1);
        }
    }
}
