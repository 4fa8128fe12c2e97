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
    /// The message the way Helm prints it for `fail`/`required` errors
    /// (`execution error at (FILE:LINE:COL): MSG`); other messages unchanged.
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
        msg
    }
}
