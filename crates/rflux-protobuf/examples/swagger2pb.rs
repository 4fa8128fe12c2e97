//! Encodes a Swagger 2.0 JSON document (file or stdin) as gnostic's protobuf
//! `openapi.v2.Document` on stdout, as `/openapi/v2` serves it to kubectl.

use std::io::{Read as _, Write as _};

fn main() {
    let mut text = Vec::new();
    let read = match std::env::args().nth(1) {
        Some(path) => std::fs::read(&path).map(|b| text = b),
        None => std::io::stdin().read_to_end(&mut text).map(|_| ()),
    };
    if let Err(e) = read {
        eprintln!("swagger2pb: {e}");
        std::process::exit(2);
    }
    let doc: serde_json::Value = match serde_json::from_slice(&text) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("swagger2pb: not JSON: {e}");
            std::process::exit(2);
        }
    };
    match rflux_protobuf::openapi_v2::encode_swagger(&doc) {
        Ok(bytes) => {
            if let Err(e) = std::io::stdout().write_all(&bytes) {
                eprintln!("swagger2pb: {e}");
                std::process::exit(2);
            }
        }
        Err(e) => {
            eprintln!("swagger2pb: {e}");
            std::process::exit(1);
        }
    }
}
