//! `rflux diff kustomization NAME --path DIR`: builds the directory as `rflux build` does,
//! runs a server-side dry-run apply of every object and prints what would change, in Flux's
//! shape: `► Kind/ns/name created`, `► Kind/ns/name drifted` followed by a dyff-style report
//! (path, `± value change`, `- live`, `+ desired`), and `► Kind/ns/name deleted` for
//! inventory objects the build no longer has when the Kustomization prunes.
//!
//! Exit status as Flux's: 0 no differences, 1 differences found, 2 the diff failed.

use std::path::PathBuf;

use anyhow::{Result, anyhow, bail};
use clap::{Args, Subcommand};
use rflux_api::ResourceInventory;
use rflux_ssa::{Action, Applier, ApplyOptions, DiffEntry, ObjectRef};
use serde_json::Value;

use super::build::Source;
use super::connect::ConnectionArgs;

/// `rflux diff …`
#[derive(Subcommand, Debug)]
pub enum DiffCommand {
    /// Preview local changes to a Kustomization against the cluster (server-side dry run).
    #[command(visible_alias = "ks")]
    Kustomization(DiffKustomizationArgs),
}

/// `rflux diff kustomization NAME --path DIR`
#[derive(Args, Debug)]
pub struct DiffKustomizationArgs {
    /// Name of the Kustomization.
    pub name: String,
    /// Local directory matching the Kustomization's spec.path.
    #[arg(long)]
    pub path: Option<PathBuf>,
    /// A local file holding the Kustomization (used instead of the cluster's spec).
    #[arg(long)]
    pub kustomization_file: Option<PathBuf>,
    /// Accepted for flux compatibility; rflux prints no spinner.
    #[arg(long, default_value_t = true, num_args = 0..=1, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub progress_bar: bool,
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

/// The message (and exit status 1) when something would change, as Flux words it.
pub const CHANGES_FOUND: &str = "identified at least one change, exiting with non-zero exit code";

/// `rflux diff kustomization …`: prints the diff; differences are an error (exit 1), and a
/// failed diff exits with status 2 as Flux's does.
pub async fn run(cmd: DiffCommand) -> Result<()> {
    let DiffCommand::Kustomization(args) = cmd;
    match diff(&args).await {
        Ok((output, changed)) => {
            print!("{output}");
            if changed { Err(anyhow!(CHANGES_FOUND)) } else { Ok(()) }
        }
        Err(e) => {
            eprintln!("✗ {e:#}");
            std::process::exit(2);
        }
    }
}

async fn diff(args: &DiffKustomizationArgs) -> Result<(String, bool)> {
    let path = match &args.path {
        Some(p) if p.is_dir() => p,
        Some(p) => bail!("invalid resource path {:?}", p.display().to_string()),
        None => bail!("invalid resource path \"\""),
    };
    if let Some(file) = &args.kustomization_file
        && !file.is_file()
    {
        bail!("invalid kustomization file {:?}", file.display().to_string());
    }
    let client = args.conn.client().await?;
    let source = Source {
        name: &args.name,
        namespace: &args.conn.namespace,
        path,
        kustomization_file: args.kustomization_file.as_deref(),
    };
    let built = source.build(Some(&client)).await?;
    let namespace = built
        .kustomization
        .metadata
        .namespace
        .clone()
        .unwrap_or_else(|| args.conn.namespace.clone());
    let applier = Applier::new(client, rflux_api::annotations::KUSTOMIZE_FIELD_MANAGER);
    let options = ApplyOptions::for_kustomization(&args.name, &namespace);

    let mut output = String::new();
    let mut changed = false;
    let mut errors = Vec::new();
    let mut seen = Vec::new();
    // One object at a time, in build order, as Flux reports them.
    for (index, object) in built.objects.into_iter().enumerate() {
        let entries = match applier.diff_all(vec![object], &options).await {
            Ok(entries) => entries,
            Err(e) => {
                errors.push(e.to_string());
                continue;
            }
        };
        for mut entry in entries {
            if entry.entry.action == Action::Configured && built.masked.contains(&index) && same_keys(&entry) {
                entry.entry.action = Action::Unchanged;
            }
            seen.push(entry.entry.object());
            match entry.entry.action {
                Action::Created => {
                    output.push_str(&format!("► {} created\n", entry.entry.subject));
                    changed = true;
                }
                Action::Configured => {
                    output.push_str(&format!("► {} drifted\n", entry.entry.subject));
                    output.push_str(&report(&entry));
                    changed = true;
                }
                _ => {}
            }
        }
    }
    if !errors.is_empty() {
        bail!("{}", errors.join("\n"));
    }
    if built.kustomization.spec.prune
        && let Some(old) = built.kustomization.status.as_ref().and_then(|s| s.inventory.as_ref())
    {
        let new = ResourceInventory::from_entries(seen.iter().map(ObjectRef::to_inventory).collect());
        let mut stale = rflux_ssa::inventory::stale(old, &new).map_err(|e| anyhow!("invalid inventory: {e}"))?;
        stale.sort_by(rflux_ssa::order::apply_order);
        for object in stale {
            output.push_str(&format!("► {} deleted\n", object.subject()));
            changed = true;
        }
    }
    Ok((output, changed))
}

/// A masked SOPS Secret counts as changed only when its keys differ.
fn same_keys(entry: &DiffEntry) -> bool {
    let keys = |v: &Option<Value>| -> Vec<String> {
        let mut keys: Vec<String> = v
            .as_ref()
            .and_then(|v| v.get("data"))
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        keys.sort();
        keys
    };
    keys(&entry.live) == keys(&entry.desired)
}

/// The dyff-style report of a drifted object: a blank line, then each difference as its
/// path and the change, each followed by a blank line.
fn report(entry: &DiffEntry) -> String {
    let (Some(live), Some(desired)) = (&entry.live, &entry.desired) else {
        return String::new();
    };
    let mut live = comparable(live);
    let mut desired = comparable(desired);
    if entry.entry.id.kind == "Secret" {
        unmask(&mut live, "*** (before)");
        unmask(&mut desired, "*** (after)");
    }
    let mut differences = Vec::new();
    compare(&mut Vec::new(), &live, &desired, &mut differences);
    let mut out = String::from("\n");
    for difference in differences {
        out.push_str(&difference);
        out.push('\n');
    }
    out
}

/// The object without the fields every write changes.
fn comparable(object: &Value) -> Value {
    let mut object = object.clone();
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in ["managedFields", "resourceVersion", "generation"] {
            meta.remove(field);
        }
    }
    object
}

/// rflux-ssa masks changed Secret values as `*****` (live) and `******` (desired); Flux
/// prints them as `*** (before)` and `*** (after)`.
fn unmask(object: &mut Value, text: &str) {
    for field in ["data", "stringData"] {
        if let Some(values) = object.get_mut(field).and_then(Value::as_object_mut) {
            for value in values.values_mut() {
                if value
                    .as_str()
                    .is_some_and(|s| s.len() > 3 && s.chars().all(|c| c == '*'))
                {
                    *value = Value::String(text.to_string());
                }
            }
        }
    }
}

/// Appends one report block per difference between `from` and `to`.
fn compare(path: &mut Vec<String>, from: &Value, to: &Value, out: &mut Vec<String>) {
    match (from, to) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                if let Some(other) = b.get(key) {
                    path.push(key.clone());
                    compare(path, value, other, out);
                    path.pop();
                }
            }
            let removed: Vec<(&String, &Value)> = a.iter().filter(|(k, _)| !b.contains_key(*k)).collect();
            let added: Vec<(&String, &Value)> = b.iter().filter(|(k, _)| !a.contains_key(*k)).collect();
            if !removed.is_empty() {
                out.push(entries_block(path, '-', &removed, "removed"));
            }
            if !added.is_empty() {
                out.push(entries_block(path, '+', &added, "added"));
            }
        }
        (Value::Array(a), Value::Array(b)) => match identifier(a, b) {
            Some(key) => {
                let id = |v: &Value| v.get(key).cloned().unwrap_or(Value::Null);
                for item in a {
                    if let Some(other) = b.iter().find(|o| id(o) == id(item)) {
                        path.push(scalar_text(&id(item)));
                        compare(path, item, other, out);
                        path.pop();
                    }
                }
                let removed: Vec<&Value> = a.iter().filter(|i| !b.iter().any(|o| id(o) == id(i))).collect();
                let added: Vec<&Value> = b.iter().filter(|i| !a.iter().any(|o| id(o) == id(i))).collect();
                list_blocks(path, &removed, &added, out);
            }
            None if a.len() == b.len() => {
                for (index, (item, other)) in a.iter().zip(b).enumerate() {
                    path.push(index.to_string());
                    compare(path, item, other, out);
                    path.pop();
                }
            }
            None => {
                let removed: Vec<&Value> = a.iter().filter(|i| !b.contains(i)).collect();
                let added: Vec<&Value> = b.iter().filter(|i| !a.contains(i)).collect();
                list_blocks(path, &removed, &added, out);
            }
        },
        _ if from == to => {}
        _ if type_name(from) != type_name(to) => {
            out.push(format!(
                "{}\n± type change from {} to {}\n- {}\n+ {}\n",
                dotted(path),
                type_name(from),
                type_name(to),
                scalar_text(from),
                scalar_text(to)
            ));
        }
        (Value::String(a), Value::String(b)) if a.contains('\n') || b.contains('\n') => {
            out.push(format!("{}\n{}", dotted(path), multiline_change(a, b)));
        }
        _ => out.push(format!(
            "{}\n± value change\n- {}\n+ {}\n",
            dotted(path),
            scalar_text(from),
            scalar_text(to)
        )),
    }
}

/// Lines of context dyff keeps around a change in multi-line text.
const CONTEXT_LINES: usize = 4;
/// The largest line-diff table (lines before × lines after) computed.
const MAX_TABLE: usize = 1 << 22;

/// dyff's report of a change in multi-line text: the count of inserted and deleted runs,
/// then the runs (`- `/`+ `) with up to four unchanged lines of context around them.
fn multiline_change(from: &str, to: &str) -> String {
    // A final newline ends the last line; it does not start an empty one.
    let lines = |text: &'_ str| -> Vec<String> {
        text.strip_suffix('\n')
            .unwrap_or(text)
            .split('\n')
            .map(str::to_string)
            .collect()
    };
    let (a, b) = (lines(from), lines(to));
    // Longest common subsequence table, from the end; texts too large for a table are
    // reported as all lines deleted then all inserted.
    let small = a.len().saturating_mul(b.len()) <= MAX_TABLE;
    let mut lcs = if small {
        vec![vec![0usize; b.len() + 1]; a.len() + 1]
    } else {
        Vec::new()
    };
    for i in (0..a.len()).rev().filter(|_| small) {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    // Runs of equal ('='), deleted ('-') and inserted ('+') lines.
    let mut runs: Vec<(char, Vec<&str>)> = Vec::new();
    fn push<'a>(op: char, line: &'a str, runs: &mut Vec<(char, Vec<&'a str>)>) {
        match runs.last_mut() {
            Some((last, lines)) if *last == op => lines.push(line),
            _ => runs.push((op, vec![line])),
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if small && i < a.len() && j < b.len() && a[i] == b[j] {
            push('=', &a[i], &mut runs);
            i += 1;
            j += 1;
        } else if i < a.len() && (!small || j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            push('-', &a[i], &mut runs);
            i += 1;
        } else {
            push('+', &b[j], &mut runs);
            j += 1;
        }
    }
    let inserts = runs.iter().filter(|(op, _)| *op == '+').count();
    let deletions = runs.iter().filter(|(op, _)| *op == '-').count();
    let mut out = format!(
        "± value change in multiline text ({} {}, {} {})\n",
        count_word(inserts),
        if inserts == 1 { "insert" } else { "inserts" },
        count_word(deletions),
        if deletions == 1 { "deletion" } else { "deletions" }
    );
    for (op, lines) in &runs {
        match op {
            '=' if lines.len() > 2 * CONTEXT_LINES => {
                for line in &lines[..CONTEXT_LINES] {
                    out.push_str(&format!("  {line}\n"));
                }
                out.push_str(&format!(
                    "  [{} unchanged)]\n",
                    count(lines.len() - 2 * CONTEXT_LINES, "line", "lines")
                ));
                for line in &lines[lines.len() - CONTEXT_LINES..] {
                    out.push_str(&format!("  {line}\n"));
                }
            }
            '=' => {
                for line in lines {
                    out.push_str(&format!("  {line}\n"));
                }
            }
            sign => {
                for line in lines {
                    out.push_str(&format!("{sign} {line}\n"));
                }
            }
        }
    }
    out
}

fn list_blocks(path: &[String], removed: &[&Value], added: &[&Value], out: &mut Vec<String>) {
    let yaml = |items: &[&Value]| {
        let list = Value::Array(items.iter().map(|v| (*v).clone()).collect());
        rflux_kustomize::to_yaml_document(&list)
    };
    if !removed.is_empty() {
        out.push(format!(
            "{}\n- {} removed:\n{}",
            dotted(path),
            count(removed.len(), "list entry", "list entries"),
            yaml(removed)
        ));
    }
    if !added.is_empty() {
        out.push(format!(
            "{}\n+ {} added:\n{}",
            dotted(path),
            count(added.len(), "list entry", "list entries"),
            yaml(added)
        ));
    }
}

fn entries_block(path: &[String], sign: char, entries: &[(&String, &Value)], verb: &str) -> String {
    let map: serde_json::Map<String, Value> = entries.iter().map(|(k, v)| ((*k).clone(), (*v).clone())).collect();
    format!(
        "{}\n{sign} {} {verb}:\n{}",
        dotted(path),
        count(entries.len(), "map entry", "map entries"),
        rflux_kustomize::to_yaml_document(&Value::Object(map))
    )
}

/// The field that names the entries of both lists (`name`, `key` or `id`), as dyff finds it.
fn identifier(a: &[Value], b: &[Value]) -> Option<&'static str> {
    ["name", "key", "id"].into_iter().find(|key| {
        let all = |list: &[Value]| {
            !list.is_empty()
                && list
                    .iter()
                    .all(|v| v.get(*key).is_some_and(|k| k.is_string() || k.is_number()))
        };
        all(a) && all(b)
    })
}

fn dotted(path: &[String]) -> String {
    if path.is_empty() {
        "(root level)".to_string()
    } else {
        path.join(".")
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", count_word(n), if n == 1 { one } else { many })
}

/// Small numbers as words, as dyff writes them.
fn count_word(n: usize) -> String {
    const WORDS: [&str; 13] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    ];
    WORDS.get(n).map(|w| w.to_string()).unwrap_or_else(|| n.to_string())
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "map",
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "null".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn differences(from: Value, to: Value) -> Vec<String> {
        let mut out = Vec::new();
        compare(&mut Vec::new(), &from, &to, &mut out);
        out
    }

    #[test]
    fn reports_value_changes_by_named_path() {
        let from = json!({"spec": {"ports": [{"name": "http", "port": 9899}], "type": "ClusterIP"}});
        let to = json!({"spec": {"ports": [{"name": "http", "port": 9898}], "type": "ClusterIP"}});
        assert_eq!(
            differences(from, to),
            vec!["spec.ports.http.port\n± value change\n- 9899\n+ 9898\n"]
        );
    }

    #[test]
    fn reports_multiline_text_changes_line_by_line() {
        let from = json!({"data": {"conf": "a\nb\nc\n"}});
        let to = json!({"data": {"conf": "a\nB\nc\n"}});
        assert_eq!(
            differences(from, to),
            vec!["data.conf\n± value change in multiline text (one insert, one deletion)\n  a\n- b\n+ B\n  c\n"]
        );
    }

    #[test]
    fn reports_added_and_removed_entries() {
        let from = json!({"data": {"a": "1", "b": "2"}, "list": ["x"]});
        let to = json!({"data": {"a": "1", "c": "3"}, "list": ["x", "z"]});
        assert_eq!(
            differences(from, to),
            vec![
                "data\n- one map entry removed:\nb: \"2\"\n",
                "data\n+ one map entry added:\nc: \"3\"\n",
                "list\n+ one list entry added:\n- z\n",
            ]
        );
        assert_eq!(
            differences(json!({"a": 1}), json!({"a": "1"})),
            vec!["a\n± type change from int to string\n- 1\n+ 1\n"]
        );
    }
}
