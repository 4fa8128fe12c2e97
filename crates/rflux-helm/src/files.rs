//! `.Files`: a chart's non-template files as Helm v4's `engine.files` (a
//! `map[string][]byte` with methods), and the original bytes of binary files for the
//! functions that see Go's bytes.
//!
//! In templates `.Files` is a host object of kind map: `index .Files "p"`, `.Files.p`,
//! `range .Files` and `len .Files` see path → `[]uint8` values (a missing path gives an
//! empty `[]uint8`, Go's zero value), and the methods are Helm's:
//! - `Get P` → the file as a string (`""` when missing);
//! - `GetBytes P` → the file as `[]uint8` (printed as numbers, text for `toString`/`%s`,
//!   base64 in `toJson`; a `string` parameter such as `b64enc`'s refuses it, as in Go;
//!   Sprig's list functions and `index`/`range` see `uint8` items);
//! - `Glob PATTERN` → another `engine.files` with the matching paths (gobwas/glob with `/`
//!   as separator; a malformed pattern matches everything, as Helm falls back to `**`);
//! - `Lines P` → `[]string` of the lines without the final newline (none for a missing
//!   file; an empty file fails with Go's `index out of range [-1]` panic text, as Helm does);
//! - `AsConfig` / `AsSecrets` → YAML of base name → text / base64 of the bytes.
//!
//! Binary files: a template string must be UTF-8, so `Get` of a non-UTF-8 file gives its
//! text with each invalid byte replaced by U+FFFD (one per byte, as Go's `upper`, `toJson`
//! and output show it), while Go's string holds the original bytes. Helm charts ship
//! compressed files this way (`.Files.Get "x.bz2" | b64enc`). `Get` of a binary file
//! therefore records its string in the render's [`BinaryFiles`] by identity (the very
//! `Arc<str>`, shared by every pipe and variable it reaches), and [`register`] gives the
//! template set that table ([`Template::set_binary_text`]): given that string, the
//! functions where Go sees a string's bytes use the file's bytes (`len`, `index`, `quote`,
//! `b64enc`, `b32enc`, the hashes, `substr`/`trunc`, `printf`'s `%q`/`%x`, and the JSON
//! encoders, which write `\ufffd` per invalid byte); equal text made otherwise is ordinary
//! text, as in Go. (`toString` of `GetBytes` is remembered by the template engine itself.)
//! `AsSecrets` encodes the bytes directly.
//!
//! Not reproduced (the value model's strings are Rust `String`s, so a Go byte string that
//! is not UTF-8 exists only as its text plus that lookup):
//! - binary text joined with other text (`cat`, `printf "%s"` with more, `replace`, …) is
//!   ordinary text from then on;
//! - printing binary text writes its replacement characters where Go writes the raw
//!   bytes (the template output is a `String`);
//! - under strict missing keys `.Files.nope` still gives an empty `[]uint8` (Helm reports
//!   `map has no entry for key`);
//! - `slice` of a `[]byte` past its length: Go reads the array's spare capacity, which
//!   depends on how Helm read the file; here it is an error.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use base64::Engine;
use rflux_gotmpl::{BinaryStrings, Map, Object, Template, Ty, Value, bytes_text};

use crate::chart::Chart;
use crate::glob::{Syntax, compile};

/// The strings `.Files.Get` made of binary files in one render, by identity → the files'
/// bytes (see the module docs). Shared by the render's `.Files` objects and, through
/// [`register`], its template set.
#[derive(Clone, Default)]
pub struct BinaryFiles(Arc<Mutex<BinaryStrings>>);

impl BinaryFiles {
    fn note(&self, text: &Arc<str>, bytes: &Arc<Vec<u8>>) {
        let mut t = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        t.insert(text, bytes.clone());
    }

    fn get(&self, text: &Arc<str>) -> Option<Arc<Vec<u8>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).get(text)
    }
}

/// One file: its bytes, shared with the chart, and the (lossy) text `Get` returns with
/// whether the bytes are not UTF-8, made on first use (a chart's files are mostly never
/// read by its templates: CRDs, docs).
#[derive(Clone)]
struct FileData {
    raw: Arc<Vec<u8>>,
    text: Arc<OnceLock<(Arc<str>, bool)>>,
}

impl FileData {
    fn new(raw: Arc<Vec<u8>>) -> FileData {
        FileData {
            raw,
            text: Arc::new(OnceLock::new()),
        }
    }

    fn empty() -> FileData {
        FileData::new(Arc::new(Vec::new()))
    }

    fn text(&self) -> &Arc<str> {
        &self.text_and_kind().0
    }

    /// The text, and whether the bytes are not UTF-8.
    fn text_and_kind(&self) -> &(Arc<str>, bool) {
        self.text.get_or_init(|| {
            let text = bytes_text(&self.raw);
            let binary = matches!(text, std::borrow::Cow::Owned(_));
            (Arc::from(text.as_ref()), binary)
        })
    }

    fn bytes(&self) -> &[u8] {
        &self.raw
    }
}

/// Helm's `engine.files`.
pub struct Files {
    files: BTreeMap<String, FileData>,
    binaries: BinaryFiles,
}

impl std::fmt::Debug for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Files")
            .field("paths", &self.files.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Files {
    /// The `.Files` of a chart; `Get` of a binary file records its string in `binaries`.
    pub fn of_chart(chart: &Chart, binaries: &BinaryFiles) -> Files {
        let files = chart
            .files
            .iter()
            .map(|f| (f.name.clone(), FileData::new(f.data.clone())))
            .collect();
        Files {
            files,
            binaries: binaries.clone(),
        }
    }

    /// The `.Files` template value of a chart (see [`Files::of_chart`]).
    pub fn value_of_chart(chart: &Chart, binaries: &BinaryFiles) -> Value {
        Value::Object(Arc::new(Files::of_chart(chart, binaries)))
    }

    /// `Get`: the file's text (`""` when missing); a binary file's string is recorded.
    fn get(&self, name: &str) -> Value {
        let Some(f) = self.files.get(name) else {
            return Value::str("");
        };
        let (text, binary) = f.text_and_kind();
        if *binary {
            self.binaries.note(text, &f.raw);
        }
        Value::Str(text.clone())
    }

    fn bytes_value(&self, name: &str) -> Value {
        let data = self.files.get(name).cloned().unwrap_or_else(FileData::empty);
        Value::bytes(data.raw)
    }

    fn glob(&self, pattern: &str) -> Files {
        let re = compile(pattern, Syntax::Glob);
        let files = self
            .files
            .iter()
            .filter(|(name, _)| re.as_ref().is_none_or(|re| re.is_match(name)))
            .map(|(name, data)| (name.clone(), data.clone()))
            .collect();
        Files {
            files,
            binaries: self.binaries.clone(),
        }
    }

    fn lines(&self, name: &str) -> Result<Value, String> {
        let Some(f) = self.files.get(name) else {
            return Ok(Value::str_list(Vec::new()));
        };
        let text = f.text();
        if text.is_empty() {
            // Helm indexes the last byte of the content: an empty file panics.
            return Err("runtime error: index out of range [-1]".into());
        }
        let text = text.strip_suffix('\n').unwrap_or(text);
        Ok(Value::str_list(text.split('\n').map(str::to_string).collect()))
    }

    /// Base name → value, later paths overwriting earlier ones with the same base name.
    fn by_base_name(&self, value: impl Fn(&FileData) -> Value) -> String {
        let mut m = Map::new();
        for (name, data) in &self.files {
            let base = name.rsplit('/').next().unwrap_or(name);
            m.insert(base.to_string(), value(data));
        }
        Value::map(m).to_yaml()
    }
}

impl Object for Files {
    fn type_name(&self) -> &str {
        "engine.files"
    }
    fn kind_name(&self) -> &str {
        "map"
    }
    fn field(&self, name: &str) -> Option<Value> {
        Some(self.bytes_value(name))
    }
    fn method_sig(&self, name: &str) -> Option<(Vec<Ty>, Option<Ty>)> {
        match name {
            "Get" | "GetBytes" | "Glob" | "Lines" => Some((vec![Ty::Str], None)),
            "AsConfig" | "AsSecrets" => Some((Vec::new(), None)),
            _ => None,
        }
    }
    fn call(&self, name: &str, args: Vec<Value>) -> Result<Value, String> {
        let arg = args.first().and_then(Value::as_str).unwrap_or_default();
        match name {
            "Get" => Ok(self.get(arg)),
            "GetBytes" => Ok(self.bytes_value(arg)),
            "Glob" => Ok(Value::Object(Arc::new(self.glob(arg)))),
            "Lines" => self.lines(arg),
            "AsConfig" => Ok(Value::str(self.by_base_name(|f| Value::Str(f.text().clone())))),
            "AsSecrets" => Ok(Value::str(self.by_base_name(|f| {
                Value::str(base64::engine::general_purpose::STANDARD.encode(f.bytes()))
            }))),
            _ => Err(format!("no method {name}")),
        }
    }
    fn to_value(&self) -> Value {
        Value::map(
            self.files
                .iter()
                .map(|(name, f)| (name.clone(), Value::bytes(Arc::clone(&f.raw))))
                .collect(),
        )
    }
}

/// Give the template set the render's binary-file strings (see the module docs): functions
/// that see Go's bytes (`len`, `index`, `quote`, `b64enc`, `sha256sum`, …) use the file's
/// bytes when given the very string `.Files.Get` made of a binary file.
pub fn register(t: &mut Template, binaries: &BinaryFiles) {
    let binaries = binaries.clone();
    t.set_binary_text(Arc::new(move |text: &Arc<str>| binaries.get(text)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::File;

    fn chart_with(files: &[(&str, &[u8])]) -> Chart {
        Chart {
            files: files.iter().map(|(n, d)| File::new(*n, d.to_vec())).collect(),
            ..Chart::default()
        }
    }

    fn render(chart: &Chart, text: &str) -> Result<String, String> {
        let binaries = BinaryFiles::default();
        let mut t = Template::new("t");
        register(&mut t, &binaries);
        t.parse("x", text).map_err(|e| e.to_string())?;
        let mut top = Map::new();
        top.insert("Files".into(), Files::value_of_chart(chart, &binaries));
        t.execute("x", &Value::map(top)).map_err(|e| e.to_string())
    }

    #[test]
    fn methods_through_variables_and_index() {
        let c = chart_with(&[("a/x.txt", b"one\ntwo\n"), ("a/y.txt", b"y")]);
        assert_eq!(render(&c, r#"{{ $f := .Files }}{{ $f.Get "a/y.txt" }}"#).unwrap(), "y");
        assert_eq!(render(&c, r#"{{ index .Files "a/y.txt" | toString }}"#).unwrap(), "y");
        assert_eq!(
            render(&c, r#"{{ index .Files "nope" }}|{{ .Files.nope }}"#).unwrap(),
            "[]|[]"
        );
        assert_eq!(render(&c, r#"{{ .Files.Lines "a/x.txt" }}"#).unwrap(), "[one two]");
        assert_eq!(
            render(&c, r#"{{ (.Files.Glob "a/x*").AsConfig }}"#).unwrap(),
            "x.txt: |\n  one\n  two"
        );
        assert_eq!(
            render(&c, r#"{{ typeOf .Files }} {{ kindOf .Files }} {{ len .Files }}"#).unwrap(),
            "engine.files map 2"
        );
    }

    #[test]
    fn binary_files_keep_their_bytes_in_b64enc() {
        let c = chart_with(&[("b.bin", b"\xff\x00a\x80")]);
        let want = "/wBhgA==";
        for t in [
            r#"{{ .Files.Get "b.bin" | b64enc }}"#,
            r#"{{ b64enc (.Files.Get "b.bin") }}"#,
            r#"{{ $x := .Files.Get "b.bin" }}{{ $x | b64enc }}"#,
            r#"{{ .Files.GetBytes "b.bin" | toString | b64enc }}"#,
        ] {
            assert_eq!(render(&c, t).unwrap(), want, "{t}");
        }
        assert_eq!(
            render(&c, r#"{{ .Files.AsSecrets }}"#).unwrap(),
            format!("b.bin: {want}")
        );
        assert_eq!(render(&c, r#"{{ "plain" | b64enc }}"#).unwrap(), "cGxhaW4=");
        assert_eq!(
            render(&c, r#"{{ .Files.Get "b.bin" | len }} {{ .Files.Get "b.bin" | quote }}"#).unwrap(),
            r#"4 "\xff\x00a\x80""#
        );
    }

    #[test]
    fn empty_file_lines_fails_as_in_helm() {
        let c = chart_with(&[("e", b"")]);
        let err = render(&c, r#"{{ .Files.Lines "e" }}"#).unwrap_err();
        assert!(
            err.contains("error calling Lines: runtime error: index out of range [-1]"),
            "{err}"
        );
    }
}
