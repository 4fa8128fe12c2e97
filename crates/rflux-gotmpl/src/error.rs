//! Errors returned by parsing and executing templates, with Go's message shapes.

/// A template error. The message is exactly what Go's `text/template` (as used by Helm)
/// prints, e.g. `template: NAME:LINE:COL: executing "NAME" at <.Values.x>: …`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Syntax error while parsing (`template: NAME:LINE: msg`).
    #[error("{0}")]
    Parse(String),
    /// Error while executing.
    #[error("{0}")]
    Exec(String),
    /// YAML that could not be read ([`crate::Value::from_yaml`]).
    #[error("{0}")]
    Yaml(String),
    /// The template to execute does not exist.
    #[error("template: no template {name:?} associated with template {set:?}")]
    NoTemplate {
        /// Requested name.
        name: String,
        /// Name of the template set.
        set: String,
    },
}

impl Error {
    /// The message the way Helm v4 prints it: `execution error at (LOC): MSG` for
    /// `fail`/`required`, `parse error at (LOC): MSG` for syntax errors, a multi-line trace
    /// (location, `executing`, message; one block per nested `include`) for errors raised
    /// by the template machinery itself, and Go's one-line message otherwise.
    pub fn helm_message(&self) -> String {
        let msg = self.to_string();
        if let (Some(s), Some(e)) = (msg.find(crate::helm::ERR_START), msg.rfind(crate::helm::ERR_END)) {
            let inner = &msg[s + crate::helm::ERR_START.len()..e.max(s + crate::helm::ERR_START.len())];
            let loc = msg
                .strip_prefix("template: ")
                .and_then(|r| r.split(": ").next())
                .unwrap_or("");
            return format!("execution error at ({loc}): {inner}");
        }
        if let Error::Parse(_) = self {
            // Helm keeps the location and the last ": "-separated part of the message.
            let tokens: Vec<&str> = msg.split(": ").collect();
            if tokens.len() >= 2 {
                return format!("parse error at ({}): {}", tokens[1], tokens[tokens.len() - 1]);
            }
        }
        match trace_blocks(&msg) {
            Some(blocks) => blocks.join("\n"),
            None => msg,
        }
    }
}

/// Split `template: LOC: executing "F" at <CTX>: MSG` into Helm's trace blocks, following
/// `error calling include:` into the included template's error. `None` when the chain ends
/// in a function's own error (Helm then prints Go's message unchanged).
fn trace_blocks(msg: &str) -> Option<Vec<String>> {
    let rest = msg.strip_prefix("template: ")?;
    if rest.starts_with("no template ") {
        return Some(vec![msg.to_string()]);
    }
    let (loc, rest) = rest.split_once(": executing ")?;
    let at = rest.find(" at <")?;
    let func = &rest[..at];
    let after = &rest[at + 5..];
    let close = after.find(">: ")?;
    let ctx = &after[..close];
    let m = &after[close + 3..];
    let head = format!("{loc}\n  executing {func} at <{ctx}>:\n    ");
    if let Some(inner) = m.strip_prefix("error calling include: ") {
        let mut blocks = vec![format!("{head}error calling include:")];
        blocks.extend(trace_blocks(inner)?);
        return Some(blocks);
    }
    if m.starts_with("error calling ") {
        return None;
    }
    Some(vec![format!("{head}{m}")])
}
