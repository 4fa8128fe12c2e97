//! Progress lines with flux's markers, on stderr: `►` action, `✔` success, `◎` waiting,
//! `✚` generating, `✗` failure.

pub fn action(msg: impl AsRef<str>) {
    eprintln!("► {}", msg.as_ref());
}

pub fn success(msg: impl AsRef<str>) {
    eprintln!("✔ {}", msg.as_ref());
}

pub fn waiting(msg: impl AsRef<str>) {
    eprintln!("◎ {}", msg.as_ref());
}

pub fn generate(msg: impl AsRef<str>) {
    eprintln!("✚ {}", msg.as_ref());
}

pub fn failure(msg: impl AsRef<str>) {
    eprintln!("✗ {}", msg.as_ref());
}
