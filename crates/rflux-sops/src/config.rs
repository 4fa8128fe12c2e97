//! `.sops.yaml` creation rules: found by walking up from the file being encrypted; the first
//! rule whose `path_regex` matches the file's path (relative to the config's directory) says
//! which keys and which selection rules to use.

use std::path::{Path, PathBuf};

use crate::error::{Result, SopsError};
use crate::metadata::RuleFields;
use crate::tree::{self, Value};

/// The config file names sops looks for.
pub const CONFIG_NAMES: [&str; 2] = [".sops.yaml", ".sops.yml"];

/// One key group of a creation rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleGroup {
    /// age recipients.
    pub age: Vec<String>,
    /// PGP fingerprints.
    pub pgp: Vec<String>,
    /// Providers named that this crate cannot use (`kms`, `gcp_kms`, `azure_kv`, `hc_vault`).
    pub unsupported: Vec<&'static str>,
}

/// The creation rule that applies to a file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CreationRule {
    /// The rule's `path_regex`, if any.
    pub path_regex: Option<String>,
    /// Key groups (a rule with top-level `age`/`pgp` has one group).
    pub key_groups: Vec<RuleGroup>,
    /// `shamir_threshold`.
    pub shamir_threshold: usize,
    /// Selection rules.
    pub rules: RuleFields,
    /// Output indentation from the config's `stores:` section.
    pub indent: crate::formats::StoreIndent,
}

/// Find the nearest `.sops.yaml` in `start` or its parents.
pub fn find_config(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        for n in CONFIG_NAMES {
            let p = d.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
        dir = d.parent();
    }
    None
}

fn list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Str(s)) => s
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
        Some(Value::Seq(items)) => items
            .iter()
            .filter_map(|i| match i {
                Value::Str(s) => Some(s.trim().to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn group_of(map: &[tree::Item]) -> RuleGroup {
    let mut g = RuleGroup {
        age: list(tree::get(map, "age")),
        pgp: list(tree::get(map, "pgp")),
        unsupported: Vec::new(),
    };
    for p in [
        "kms",
        "gcp_kms",
        "azure_kv",
        "hc_vault",
        "hc_vault_transit_uri",
        "azure_keyvault",
    ] {
        let named = match tree::get(map, p) {
            Some(Value::Str(s)) => !s.trim().is_empty(),
            Some(Value::Seq(s)) => !s.is_empty(),
            Some(Value::Map(m)) => !m.is_empty(),
            _ => false,
        };
        if named {
            g.unsupported.push(match p {
                "kms" => "kms",
                "gcp_kms" => "gcp_kms",
                "azure_kv" | "azure_keyvault" => "azure_kv",
                _ => "hc_vault",
            });
        }
    }
    g
}

fn opt_str(map: &[tree::Item], k: &str) -> Option<String> {
    match tree::get(map, k) {
        Some(Value::Str(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// `stores.yaml.indent` and `stores.json.indent` of a config document.
fn store_indent(doc: &[tree::Item]) -> crate::formats::StoreIndent {
    let mut out = crate::formats::StoreIndent::default();
    let Some(Value::Map(stores)) = tree::get(doc, "stores") else {
        return out;
    };
    let indent_of = |name: &str| match tree::get(stores, name) {
        Some(Value::Map(m)) => match tree::get(m, "indent") {
            Some(Value::Int(n)) => Some(*n),
            _ => None,
        },
        _ => None,
    };
    if let Some(n) = indent_of("yaml")
        && (2..=9).contains(&n)
    {
        out.yaml = n as usize;
    }
    if let Some(n) = indent_of("json") {
        out.json = usize::try_from(n).ok();
    }
    out
}

/// Parse a config file and pick the rule for `file` (a path relative to the config's
/// directory, `/`-separated). `Ok(None)` if no rule matches.
pub fn rule_for(config_text: &str, config_path: &str, file: &str) -> Result<Option<CreationRule>> {
    let cerr = |reason: String| SopsError::Config {
        path: config_path.to_string(),
        reason,
    };
    let docs = crate::formats::yaml::load(config_text).map_err(|e| cerr(e.to_string()))?;
    let Some(doc) = docs.first() else {
        return Ok(None);
    };
    let indent = store_indent(doc);
    let rules = match tree::get(doc, "creation_rules") {
        Some(Value::Seq(r)) => r,
        None | Some(Value::Null) => return Ok(None),
        Some(_) => return Err(cerr("creation_rules must be a list".into())),
    };
    for (i, r) in rules.iter().enumerate() {
        let Value::Map(m) = r else { continue };
        let path_regex = opt_str(m, "path_regex").or_else(|| opt_str(m, "filename_regex"));
        if let Some(re) = &path_regex {
            let re = regex::Regex::new(re).map_err(|e| cerr(format!("creation_rules[{i}].path_regex: {e}")))?;
            if !re.is_match(file) {
                continue;
            }
        }
        let mut key_groups = Vec::new();
        let top = group_of(m);
        if !top.age.is_empty() || !top.pgp.is_empty() || !top.unsupported.is_empty() {
            key_groups.push(top);
        }
        if let Some(Value::Seq(groups)) = tree::get(m, "key_groups") {
            for g in groups {
                if let Value::Map(gm) = g {
                    key_groups.push(group_of(gm));
                }
            }
        }
        let shamir_threshold = match tree::get(m, "shamir_threshold") {
            Some(Value::Int(n)) if *n > 0 => *n as usize,
            _ => 0,
        };
        let rules = RuleFields {
            unencrypted_suffix: opt_str(m, "unencrypted_suffix"),
            encrypted_suffix: opt_str(m, "encrypted_suffix"),
            unencrypted_regex: opt_str(m, "unencrypted_regex"),
            encrypted_regex: opt_str(m, "encrypted_regex"),
            unencrypted_comment_regex: opt_str(m, "unencrypted_comment_regex"),
            encrypted_comment_regex: opt_str(m, "encrypted_comment_regex"),
            mac_only_encrypted: matches!(tree::get(m, "mac_only_encrypted"), Some(Value::Bool(true))),
        };
        return Ok(Some(CreationRule {
            path_regex,
            key_groups,
            shamir_threshold,
            rules,
            indent,
        }));
    }
    Ok(None)
}

/// Find the `.sops.yaml` above `file` and the rule that applies to it.
pub fn lookup(file: &Path) -> Result<Option<CreationRule>> {
    let abs = if file.is_absolute() {
        file.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| SopsError::Io {
                path: ".".into(),
                source: e,
            })?
            .join(file)
    };
    let start = abs.parent().unwrap_or(Path::new("/"));
    let Some(cfg) = find_config(start) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&cfg).map_err(|e| SopsError::Io {
        path: cfg.display().to_string(),
        source: e,
    })?;
    let base = cfg.parent().unwrap_or(Path::new("/"));
    let rel = abs.strip_prefix(base).unwrap_or(&abs);
    let rel = rel.to_string_lossy().replace('\\', "/");
    rule_for(&text, &cfg.display().to_string(), &rel)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: &str = "creation_rules:\n  - path_regex: (inside|pgp)\\.yaml$\n    encrypted_regex: &re ^(data|stringData)$\n    pgp: &pgp 35C1A64CD7FC0AB6EB66756B2445463C3234ECE1\n  - path_regex: \\.yaml$\n    encrypted_regex: *re\n    age: age1a,age1b\n  - key_groups:\n      - age:\n          - age1c\n      - pgp:\n          - *pgp\n    shamir_threshold: 1\n";

    #[test]
    fn first_matching_rule_wins() {
        let r = rule_for(CFG, ".sops.yaml", "dir/pgp.yaml").unwrap().unwrap();
        assert_eq!(r.key_groups[0].pgp, vec!["35C1A64CD7FC0AB6EB66756B2445463C3234ECE1"]);
        assert_eq!(r.rules.encrypted_regex.as_deref(), Some("^(data|stringData)$"));
        let r = rule_for(CFG, ".sops.yaml", "x.yaml").unwrap().unwrap();
        assert_eq!(r.key_groups[0].age, vec!["age1a", "age1b"]);
        let r = rule_for(CFG, ".sops.yaml", "x.env").unwrap().unwrap();
        assert_eq!(r.key_groups.len(), 2);
        assert_eq!(r.shamir_threshold, 1);
    }
}
