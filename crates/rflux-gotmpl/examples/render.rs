//! Render a template file with JSON data: `cargo run --example render -- TEMPLATE DATA.json`.
use rflux_gotmpl::{Template, Value};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(tpl), Some(data)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: render TEMPLATE DATA.json");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(tpl).unwrap_or_default();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data).unwrap_or_default()).unwrap_or_default();
    let mut t = Template::new("gotpl");
    if let Err(e) = t.parse(tpl, &text) {
        eprintln!("{e}");
        std::process::exit(1);
    }
    match t.execute(tpl, &Value::from_json(&json)) {
        Ok(s) => print!("{s}"),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
