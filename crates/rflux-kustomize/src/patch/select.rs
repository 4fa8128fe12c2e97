//! Patch and replacement targets: `group`, `version`, `kind`, `name` and `namespace`
//! (anchored regular expressions, matched against original and current ids),
//! `labelSelector` and `annotationSelector`.

use regex::Regex;
use serde_json::{Map, Value};

use crate::resource::Resource;

/// A parsed selector.
pub(crate) struct Selector {
    group: Option<Regex>,
    version: Option<Regex>,
    kind: Option<Regex>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: Option<LabelSelector>,
    annotations: Option<LabelSelector>,
}

fn anchored(s: &str) -> Result<Regex, String> {
    Regex::new(&format!("^(?:{s})$")).map_err(|e| format!("invalid regex {s:?}: {e}"))
}

impl Selector {
    pub(crate) fn parse(v: &Map<String, Value>) -> Result<Selector, String> {
        let s = |k: &str| -> Option<String> {
            v.get(k)
                .and_then(crate::kustomization::scalar_string)
                .filter(|s| !s.is_empty())
        };
        for key in v.keys() {
            if ![
                "group",
                "version",
                "kind",
                "name",
                "namespace",
                "labelSelector",
                "annotationSelector",
            ]
            .contains(&key.as_str())
            {
                return Err(format!("unknown selector field {key:?}"));
            }
        }
        Ok(Selector {
            group: s("group").map(|n| anchored(&n)).transpose()?,
            version: s("version").map(|n| anchored(&n)).transpose()?,
            kind: s("kind").map(|n| anchored(&n)).transpose()?,
            name: s("name").map(|n| anchored(&n)).transpose()?,
            namespace: s("namespace").map(|n| anchored(&n)).transpose()?,
            labels: s("labelSelector").map(|l| LabelSelector::parse(&l)).transpose()?,
            annotations: s("annotationSelector").map(|l| LabelSelector::parse(&l)).transpose()?,
        })
    }

    pub(crate) fn matches(&self, r: &Resource) -> bool {
        let gvk = r.gvk();
        if self.group.as_ref().is_some_and(|g| !g.is_match(&gvk.group))
            || self.version.as_ref().is_some_and(|v| !v.is_match(&gvk.version))
            || self.kind.as_ref().is_some_and(|k| !k.is_match(&gvk.kind))
        {
            return false;
        }
        let (org_name, org_ns) = r.org_id();
        if let Some(re) = &self.name
            && !re.is_match(&org_name)
            && !re.is_match(r.name())
        {
            return false;
        }
        if let Some(re) = &self.namespace {
            let org = crate::resource::effective_namespace(&gvk, &org_ns);
            if !re.is_match(&org) && !re.is_match(&r.effective_namespace()) {
                return false;
            }
        }
        if let Some(sel) = &self.labels
            && !sel.matches(&r.labels())
        {
            return false;
        }
        if let Some(sel) = &self.annotations
            && !sel.matches(&r.annotations())
        {
            return false;
        }
        true
    }
}

enum Req {
    Eq(String, String),
    Ne(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// A Kubernetes label selector string (`a=b,c!=d,e in (x,y),!f,g`).
pub(crate) struct LabelSelector(Vec<Req>);

fn split_top(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    parts.push(cur);
    parts
}

fn set_values(s: &str) -> Result<Vec<String>, String> {
    let inner = s
        .trim()
        .strip_prefix('(')
        .and_then(|x| x.strip_suffix(')'))
        .ok_or_else(|| format!("invalid set {s:?}"))?;
    Ok(inner.split(',').map(|v| v.trim().to_string()).collect())
}

impl LabelSelector {
    pub(crate) fn parse(s: &str) -> Result<LabelSelector, String> {
        let mut reqs = Vec::new();
        for part in split_top(s) {
            let p = part.trim();
            if p.is_empty() {
                continue;
            }
            if let Some((k, v)) = p.split_once("!=") {
                reqs.push(Req::Ne(k.trim().into(), v.trim().into()));
            } else if let Some((k, v)) = p.split_once("==") {
                reqs.push(Req::Eq(k.trim().into(), v.trim().into()));
            } else if let Some((k, v)) = p.split_once('=') {
                reqs.push(Req::Eq(k.trim().into(), v.trim().into()));
            } else if let Some((k, v)) = p.split_once(" notin ") {
                reqs.push(Req::NotIn(k.trim().into(), set_values(v)?));
            } else if let Some((k, v)) = p.split_once(" in ") {
                reqs.push(Req::In(k.trim().into(), set_values(v)?));
            } else if let Some(k) = p.strip_prefix('!') {
                reqs.push(Req::NotExists(k.trim().into()));
            } else {
                reqs.push(Req::Exists(p.into()));
            }
        }
        Ok(LabelSelector(reqs))
    }

    pub(crate) fn matches(&self, labels: &Map<String, Value>) -> bool {
        let get = |k: &str| labels.get(k).and_then(crate::kustomization::scalar_string);
        self.0.iter().all(|r| match r {
            Req::Eq(k, v) => get(k).as_deref() == Some(v.as_str()),
            Req::Ne(k, v) => get(k).as_deref() != Some(v.as_str()),
            Req::In(k, vs) => get(k).is_some_and(|x| vs.contains(&x)),
            Req::NotIn(k, vs) => get(k).is_none_or(|x| !vs.contains(&x)),
            Req::Exists(k) => labels.contains_key(k),
            Req::NotExists(k) => !labels.contains_key(k),
        })
    }
}
