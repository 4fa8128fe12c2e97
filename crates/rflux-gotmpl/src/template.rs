//! The template set: named parsed templates sharing one function table, like Go's
//! `*template.Template` with its associated templates. Entry point for parsing and executing.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::error::Error;
use crate::exec::Exec;
use crate::func::{Func, FuncMap};
use crate::parse::{Tree, parse};
use crate::value::Value;

/// Cluster-backed `lookup(apiVersion, kind, namespace, name)`.
pub type LookupFn = Arc<dyn Fn(&str, &str, &str, &str) -> Result<Value, String> + Send + Sync>;

/// The original bytes behind a string that stands for binary data (see
/// [`Template::set_binary_text`]), known by the identity of its `Arc` (see
/// [`crate::BinaryStrings`]); `None` for ordinary text.
pub type BinaryTextFn = Arc<dyn Fn(&Arc<str>) -> Option<Arc<Vec<u8>>> + Send + Sync>;

/// A set of templates with Go `text/template` + Sprig + Helm functions.
#[derive(Clone)]
pub struct Template {
    pub(crate) name: String,
    pub(crate) trees: HashMap<String, Arc<Tree>>,
    pub(crate) funcs: Arc<FuncMap>,
    pub(crate) missing_key_error: bool,
    pub(crate) lookup: Option<LookupFn>,
    pub(crate) binary_text: Option<BinaryTextFn>,
}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<_> = self.trees.keys().collect();
        names.sort();
        f.debug_struct("Template")
            .field("name", &self.name)
            .field("templates", &names)
            .finish()
    }
}

impl Template {
    /// A new, empty set named `name` (Helm names its set `gotpl`), with Go's builtins,
    /// Sprig and Helm's functions.
    pub fn new(name: &str) -> Template {
        static FUNCS: OnceLock<Arc<FuncMap>> = OnceLock::new();
        let funcs = FUNCS.get_or_init(|| {
            let mut funcs = FuncMap::new();
            crate::builtins::register(&mut funcs);
            crate::sprig::register(&mut funcs);
            crate::helm::register(&mut funcs);
            Arc::new(funcs)
        });
        Template {
            name: name.to_string(),
            trees: HashMap::new(),
            funcs: funcs.clone(),
            missing_key_error: false,
            lookup: None,
            binary_text: None,
        }
    }

    /// Add or replace a function (must be done before parsing templates that use it).
    pub fn add_func(&mut self, name: &str, f: Func) -> &mut Self {
        Arc::make_mut(&mut self.funcs).insert(name.to_string(), f);
        self
    }

    /// Whether a function exists.
    pub fn has_func(&self, name: &str) -> bool {
        self.funcs.contains_key(name) || name == "and" || name == "or"
    }

    /// Helm's strict mode: a missing map key is an error instead of a zero value.
    pub fn set_missing_key_error(&mut self, on: bool) -> &mut Self {
        self.missing_key_error = on;
        self
    }

    /// Attach a cluster-backed `lookup`.
    pub fn set_lookup(&mut self, f: LookupFn) -> &mut Self {
        self.lookup = Some(f);
        self
    }

    /// Attach the bytes behind binary text. A template string is UTF-8, so a host that
    /// hands templates non-UTF-8 data as a string (Helm's `.Files.Get` of a binary file)
    /// gives its text with one U+FFFD per invalid byte ([`crate::bytes_text`]); where Go's
    /// functions see a string's bytes (`len`, `index`, `quote`, `b64enc`, `b32enc`,
    /// `sha1sum`, `sha256sum`, `sha512sum`, `adler32sum`, `substr`, `trunc`, `printf`'s
    /// `%q`/`%x`, the JSON encoders), they ask `f` for the original bytes of such a string,
    /// which `f` knows by the identity of its `Arc` (the very string the host made), not by
    /// its text: equal text made otherwise is ordinary text. Non-UTF-8
    /// strings that functions make (`b64dec`, `b32dec`, `substr`, `trunc`, `toString` of
    /// a `[]byte`) are remembered the same way for the rest of the execution.
    pub fn set_binary_text(&mut self, f: BinaryTextFn) -> &mut Self {
        self.binary_text = Some(f);
        self
    }

    /// Parse `text` as template `name`; `{{define}}`s inside it join the set. As in Go,
    /// a later definition replaces an earlier one unless the later body is empty.
    pub fn parse(&mut self, name: &str, text: &str) -> Result<(), Error> {
        let funcs = &self.funcs;
        let has = |f: &str| funcs.contains_key(f) || f == "and" || f == "or";
        let trees = parse(name, text, &has).map_err(|e| Error::Parse(e.msg))?;
        self.add_trees(trees);
        Ok(())
    }

    /// [`Template::parse`] for each `(name, text)` in order, with the parsing spread over
    /// the machine's cores: each source parses on its own, the set takes the trees in
    /// the given order, and the first error in that order is returned.
    pub fn parse_all(&mut self, sources: &[(&str, &str)]) -> Result<(), Error> {
        let funcs = &self.funcs;
        let has = |f: &str| funcs.contains_key(f) || f == "and" || f == "or";
        let results = crate::parallel_map(sources, |(name, text)| parse(name, text, &has));
        for r in results {
            let trees = r.map_err(|e| Error::Parse(e.msg))?;
            self.add_trees(trees);
        }
        Ok(())
    }

    /// Add the trees of one source: a later definition replaces an earlier one unless its
    /// body is empty (the source's own tree always goes in).
    fn add_trees(&mut self, trees: Vec<Tree>) {
        for (i, t) in trees.into_iter().enumerate() {
            if i > 0 && t.is_empty() && self.trees.contains_key(&t.name) {
                continue;
            }
            self.trees.insert(t.name.clone(), Arc::new(t));
        }
    }

    /// Names of all templates in the set, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.trees.keys().cloned().collect();
        v.sort();
        v
    }

    /// Execute template `name` with `data` exactly as Go does (missing values print
    /// `<no value>`).
    pub fn execute_go(&self, name: &str, data: &Value) -> Result<String, Error> {
        let Some(tree) = self.trees.get(name).cloned() else {
            return Err(Error::NoTemplate {
                name: name.to_string(),
                set: self.name.clone(),
            });
        };
        let mut out = String::new();
        let mut ex = Exec::new(self, tree.clone());
        ex.run(tree, data, &mut out).map_err(Error::Exec)?;
        Ok(out)
    }

    /// Execute template `name` with `data` as Helm does: like [`Template::execute_go`],
    /// then every `<no value>` is removed from the output.
    pub fn execute(&self, name: &str, data: &Value) -> Result<String, Error> {
        let out = self.execute_go(name, data)?;
        Ok(if out.contains("<no value>") {
            out.replace("<no value>", "")
        } else {
            out
        })
    }
}
