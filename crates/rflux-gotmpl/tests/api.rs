//! Public API behaviour: parsing, executing, registering functions and templates, the
//! lookup hook, Go vs Helm missing-value output, strict mode, recursion limits, and error
//! shapes for bad input (never a panic).

use std::sync::Arc;

use rflux_gotmpl::{Error, Template, Ty, Value, func};
use serde_json::json;

fn render(text: &str, data: serde_json::Value) -> Result<String, Error> {
    let mut t = Template::new("gotpl");
    t.parse("t.yaml", text)?;
    t.execute("t.yaml", &Value::from_json(&data))
}

#[test]
fn renders_values() {
    let out = render(
        "{{ .Values.a }}-{{ .Values.b | upper }}",
        json!({"Values": {"a": 1, "b": "x"}}),
    )
    .unwrap();
    assert_eq!(out, "1-X");
}

#[test]
fn go_mode_prints_no_value_and_helm_mode_removes_it() {
    let mut t = Template::new("gotpl");
    t.parse("t", "[{{ .missing }}]").unwrap();
    let data = Value::from_json(&json!({}));
    assert_eq!(t.execute_go("t", &data).unwrap(), "[<no value>]");
    assert_eq!(t.execute("t", &data).unwrap(), "[]");
}

#[test]
fn strict_mode_errors_on_missing_key() {
    let mut t = Template::new("gotpl");
    t.set_missing_key_error(true);
    t.parse("t", "{{ .missing }}").unwrap();
    let err = t.execute("t", &Value::from_json(&json!({}))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "template: t:1:3: executing \"t\" at <.missing>: map has no entry for key \"missing\""
    );
}

#[test]
fn custom_function_and_arg_checks() {
    let mut t = Template::new("gotpl");
    t.add_func(
        "double",
        func(&[Ty::Int], None, |_, a| match a[0] {
            Value::Int(i) => Ok(Value::Int(i * 2)),
            _ => Err("not an int".into()),
        }),
    );
    t.parse("t", "{{ double 21 }}").unwrap();
    assert_eq!(t.execute("t", &Value::Nil).unwrap(), "42");
    t.parse("u", "{{ double \"x\" }}").unwrap();
    let err = t.execute("u", &Value::Nil).unwrap_err().to_string();
    assert!(err.ends_with("expected integer; found \"x\""), "{err}");
}

#[test]
fn unknown_function_is_a_parse_error() {
    let err = render("{{ nope 1 }}", json!({})).unwrap_err();
    assert!(matches!(err, Error::Parse(_)));
    assert_eq!(err.to_string(), "template: t.yaml:1: function \"nope\" not defined");
    assert_eq!(
        err.helm_message(),
        "parse error at (t.yaml:1): function \"nope\" not defined"
    );
}

#[test]
fn templates_from_several_files_share_defines() {
    let mut t = Template::new("gotpl");
    t.parse("_helpers.tpl", "{{ define \"h\" }}H{{ . }}{{ end }}").unwrap();
    t.parse("a.yaml", "{{ include \"h\" 1 }}{{ template \"h\" 2 }}")
        .unwrap();
    assert_eq!(t.execute("a.yaml", &Value::Nil).unwrap(), "H1H2");
    assert_eq!(t.names(), vec!["_helpers.tpl", "a.yaml", "h"]);
}

#[test]
fn lookup_is_empty_offline_and_uses_the_hook() {
    assert_eq!(
        render("{{ lookup \"v1\" \"Pod\" \"ns\" \"p\" | len }}", json!({})).unwrap(),
        "0"
    );
    let mut t = Template::new("gotpl");
    t.set_lookup(Arc::new(|api, kind, ns, name| {
        Ok(Value::from_json(
            &json!({"apiVersion": api, "kind": kind, "metadata": {"namespace": ns, "name": name}}),
        ))
    }));
    t.parse("t", "{{ (lookup \"v1\" \"Pod\" \"ns\" \"p\").metadata.name }}")
        .unwrap();
    assert_eq!(t.execute("t", &Value::Nil).unwrap(), "p");
}

#[test]
fn include_recursion_is_an_error_not_a_crash() {
    let err = render(
        "{{ define \"r\" }}{{ include \"r\" . }}{{ end }}{{ include \"r\" . }}",
        json!({}),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.ends_with("rendering template has a nested reference name: r: unable to execute template"),
        "{}",
        &msg[msg.len() - 200..]
    );
}

#[test]
fn template_recursion_is_an_error_not_a_crash() {
    let err = render(
        "{{ define \"r\" }}{{ template \"r\" . }}{{ end }}{{ template \"r\" . }}",
        json!({}),
    )
    .unwrap_err();
    assert!(err.to_string().contains("exceeded maximum template depth"), "{err}");
}

#[test]
fn tpl_is_reentrant_and_sees_defines() {
    let out = render(
        "{{ define \"x\" }}X{{ end }}{{ tpl \"{{ include \\\"x\\\" . }}{{ tpl \\\"{{ .v }}\\\" . }}\" . }}",
        json!({"v": 7}),
    )
    .unwrap();
    assert_eq!(out, "X7");
}

#[test]
fn maps_are_shared_references() {
    let out = render(
        "{{ $d := dict }}{{ $e := $d }}{{ $_ := set $e \"k\" 1 }}{{ $d.k }}",
        json!({}),
    )
    .unwrap();
    assert_eq!(out, "1");
}

#[test]
fn fail_and_required_have_helm_messages() {
    let err = render("{{ required \"need x\" .x }}", json!({})).unwrap_err();
    assert_eq!(err.helm_message(), "execution error at (t.yaml:1:3): need x");
    let err = render("a\n{{ fail \"boom\" }}", json!({})).unwrap_err();
    assert_eq!(err.helm_message(), "execution error at (t.yaml:2:3): boom");
}

#[test]
fn no_template_error() {
    let t = Template::new("gotpl");
    let err = t.execute("missing", &Value::Nil).unwrap_err();
    assert_eq!(
        err.to_string(),
        "template: no template \"missing\" associated with template \"gotpl\""
    );
}

#[test]
fn bad_input_never_panics() {
    let cases = [
        "{{",
        "}}",
        "{{ }}",
        "{{ ( }}",
        "{{ ) }}",
        "{{ | }}",
        "{{ .a | }}",
        "{{ $ }}",
        "{{ $x := }}",
        "{{ range }}",
        "{{ end }}",
        "{{ else }}",
        "{{ define }}",
        "{{ define \"a\" }}",
        "{{ template }}",
        "{{ block \"b\" }}",
        "{{ if 1 }}{{ else }}{{ else }}{{ end }}",
        "{{ \"\\z\" }}",
        "{{ 'ab' }}",
        "{{ '' }}",
        "{{ 0x }}",
        "{{ 1e }}",
        "{{ - }}",
        "{{ + }}",
        "{{ .a.b.c.d }}",
        "{{ index }}",
        "{{ index 1 2 }}",
        "{{ slice \"abc\" 5 }}",
        "{{ printf }}",
        "{{ printf \"%\" }}",
        "{{ printf \"%!\" 1 }}",
        "{{ printf \"%[1]d\" 1 }}",
        "{{ len }}",
        "{{ eq }}",
        "{{ lt 1 }}",
        "{{ and }}",
        "{{ or }}",
        "{{ not }}",
        "{{ call 1 }}",
        "{{ 9223372036854775808 }}",
        "{{ -9223372036854775808 }}",
        "{{ untilStep 0 10 0 }}",
        "{{ until -3 }}",
        "{{ substr 5 2 \"abc\" }}",
        "{{ trunc -10 \"abc\" }}",
        "{{ abbrev 4 \"héllo wörld\" }}",
        "{{ abbrevboth 5 9 \"héllo wörld ok\" }}",
        "{{ div 1 0 }}",
        "{{ mod 1 0 }}",
        "{{ chunk 0 (list 1) }}",
        "{{ repeat -1 \"a\" }}",
        "{{ wrap 0 \"a b\" }}",
        "{{ toYaml (list (list (list))) }}",
        "{{ fromYaml \"a: [\" }}",
        "{{ fromJson \"\" }}",
        "{{ date \"\" 0 }}",
        "{{ toDate \"2006\" \"99999\" }}",
        "{{ dateModify \"99999999999h\" now }}",
        "{{ semverCompare \"\" \"1.0.0\" }}",
        "{{ semverCompare \">=x.y\" \"1.0.0\" }}",
        "{{ regexMatch \"[\" \"a\" }}",
        "{{ b64dec \"%%%\" }}",
        "{{ b32dec \"0\" }}",
        "{{ urlParse \"::\" }}",
        "{{ tpl \"{{\" . }}",
        "{{ include \"x\" }}",
        "{{ range 1.5 }}{{ end }}",
        "{{ with $x, $y := 1 }}{{ end }}",
        "{{ break }}",
        "{{ range . }}{{ break 1 }}{{ end }}",
        "{{/* unclosed",
        "{{- /* x */ -}}",
        "{{ .Values.x | default }}",
        "{{ printf \"%*d\" 1000000000 1 }}",
        "{{ printf \"%.*f\" -1 1.0 }}",
        "{{ abbrevboth 5 9 \"ééééééééééééé\" }}",
        "{{ abbrev 5 \"ééééé\" }}",
        "{{ until 99999999999 }}",
        "{{ repeat 99999999999 \"ab\" }}",
        "{{ untilStep 9223372036854775806 9223372036854775807 5 }}",
        "{{ date \"2006\" 9223372036854775807 }}",
        "{{ dateModify \"2562047h\" now }}",
        "{{ seq 9223372036854775806 5 9223372036854775807 }}",
    ];
    for c in cases {
        let r = std::panic::catch_unwind(|| render(c, json!({"a": 1})));
        assert!(r.is_ok(), "panic on {c:?}");
        if let Ok(Err(e)) = r {
            assert!(
                !e.to_string().contains("execution panicked"),
                "panic while executing {c:?}"
            );
        }
    }
}

#[derive(Debug)]
struct Files;

impl rflux_gotmpl::Object for Files {
    fn type_name(&self) -> &str {
        "common.Files"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn method_sig(&self, name: &str) -> Option<(Vec<Ty>, Option<Ty>)> {
        match name {
            "Get" => Some((vec![Ty::Str], None)),
            _ => None,
        }
    }
    fn call(&self, name: &str, args: Vec<Value>) -> Result<Value, String> {
        match (name, args.first().and_then(Value::as_str)) {
            ("Get", Some("a.txt")) => Ok(Value::str("content of a")),
            ("Get", _) => Ok(Value::str("")),
            _ => Err(format!("no method {name}")),
        }
    }
    fn to_value(&self) -> Value {
        Value::map(Default::default())
    }
}

#[test]
fn host_objects_have_fields_and_methods() {
    let mut data = rflux_gotmpl::Map::new();
    data.insert("Files".into(), Value::Object(Arc::new(Files)));
    let data = Value::map(data);
    let mut t = Template::new("gotpl");
    t.parse(
        "t",
        "{{ .Files.Get \"a.txt\" }}|{{ \"a.txt\" | .Files.Get | upper }}|{{ typeOf .Files }}",
    )
    .unwrap();
    assert_eq!(t.execute("t", &data).unwrap(), "content of a|CONTENT OF A|common.Files");
    t.parse("u", "{{ .Files.Get }}").unwrap();
    let err = t.execute("u", &data).unwrap_err().to_string();
    assert!(err.ends_with("wrong number of args for Get: want 1 got 0"), "{err}");
    t.parse("v", "{{ .Files.Nope }}").unwrap();
    let err = t.execute("v", &data).unwrap_err().to_string();
    // Out of a map, Go names the static type `interface {}`.
    assert!(err.ends_with("can't evaluate field Nope in type interface {}"), "{err}");
}

#[test]
fn template_sets_and_values_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Template>();
    assert_send_sync::<Value>();
    let mut t = Template::new("gotpl");
    t.parse("t", "{{ .n }}").unwrap();
    let t = Arc::new(t);
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let t = t.clone();
            std::thread::spawn(move || t.execute("t", &Value::from_json(&json!({"n": i}))).unwrap())
        })
        .collect();
    let outs: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(outs, vec!["0", "1", "2", "3"]);
}

#[derive(Debug)]
struct Glob;

impl rflux_gotmpl::Object for Glob {
    fn type_name(&self) -> &str {
        "common.Files"
    }
    fn kind_name(&self) -> &str {
        "map"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn to_value(&self) -> Value {
        Value::from_json(&json!({"b.txt": "B", "a.txt": "A"}))
    }
}

#[test]
fn map_like_host_objects_range_len_and_index() {
    let mut data = rflux_gotmpl::Map::new();
    data.insert("G".into(), Value::Object(Arc::new(Glob)));
    let mut t = Template::new("gotpl");
    t.parse(
        "t",
        "{{ range $k, $v := .G }}{{ $k }}={{ $v }};{{ end }}{{ len .G }}{{ index .G \"b.txt\" }}{{ if .G }}!{{ end }}",
    )
    .unwrap();
    assert_eq!(t.execute("t", &Value::map(data)).unwrap(), "a.txt=A;b.txt=B;2B!");
}

#[test]
fn self_referencing_maps_do_not_crash() {
    for t in [
        "{{ $d := dict }}{{ $_ := set $d \"self\" $d }}{{ $d }}",
        "{{ $d := dict }}{{ $_ := set $d \"self\" $d }}{{ toJson $d }}",
        "{{ $d := dict }}{{ $_ := set $d \"self\" $d }}{{ toYaml $d }}",
        "{{ $d := dict }}{{ $_ := set $d \"self\" $d }}{{ printf \"%v %q\" $d $d }}",
        "{{ $d := dict }}{{ $_ := set $d \"self\" $d }}{{ $c := deepCopy $d }}x",
        "{{ $d := dict }}{{ $_ := set $d \"self\" $d }}{{ deepEqual $d (deepCopy $d) }}",
        "{{ $d := dict }}{{ $_ := set $d \"self\" $d }}{{ merge (dict) $d | len }}",
        "{{ $d := dict }}{{ $_ := set $d \"self\" $d }}{{ toToml $d }}{{ toPrettyJson $d }}{{ uniq (list $d $d) }}",
        "{{ $d := dict }}{{ $_ := set $d \"self\" $d }}{{ has $d (list $d) }}{{ without (list $d) $d }}",
    ] {
        let r = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || render(t, json!({})).map(|s| s.len()))
            .unwrap()
            .join();
        assert!(r.is_ok(), "crash on {t}");
    }
}

#[test]
fn values_from_yaml_follow_helm() {
    let v = Value::from_yaml("a: 1000000\nyes: on\nmode: 0755\nl: [1, x]\n").unwrap();
    assert_eq!(
        v.to_go_json().unwrap(),
        r#"{"a":1000000,"l":[1,"x"],"mode":493,"true":true}"#
    );
    assert_eq!(v.to_yaml(), "a: 1000000\nl:\n- 1\n- x\nmode: 493\n\"true\": true");
    let mut t = Template::new("gotpl");
    t.parse("t", "{{ .a }}").unwrap();
    assert_eq!(t.execute("t", &v).unwrap(), "1e+06");
    assert!(matches!(Value::from_yaml("a: ["), Err(Error::Yaml(_))));
}

/// Every function Helm v4 gives templates (Sprig's TxtFuncMap without env/expandenv, plus
/// Helm's own and Go's builtins) is defined.
#[test]
fn all_helm_functions_are_defined() {
    const NAMES: &str = "abbrev abbrevboth add add1 add1f addf adler32sum ago all any append atoi b32dec b32enc \
        b64dec b64enc base bcrypt biggest buildCustomCert camelcase cat ceil chunk clean coalesce compact concat \
        contains date dateInZone dateModify date_in_zone date_modify decryptAES deepCopy deepEqual default \
        derivePassword dict dig dir div divf duration durationRound empty encryptAES ext fail first float64 floor \
        fromJson fromJsonArray fromYaml fromYamlArray genCA genCAWithKey genPrivateKey genSelfSignedCert \
        genSelfSignedCertWithKey genSignedCert genSignedCertWithKey get getHostByName has hasKey hasPrefix hasSuffix \
        hello htmlDate htmlDateInZone htpasswd include indent initial initials int int64 isAbs join kebabcase keys \
        kindIs kindOf last list lookup lower max maxf merge mergeOverwrite min minf mod mul mulf mustAppend \
        mustChunk mustCompact mustDateModify mustDeepCopy mustFirst mustFromJson mustHas mustInitial mustLast \
        mustMerge mustMergeOverwrite mustPrepend mustPush mustRegexFind mustRegexFindAll mustRegexMatch \
        mustRegexReplaceAll mustRegexReplaceAllLiteral mustRegexSplit mustRest mustReverse mustSlice mustToDate \
        mustToJson mustToPrettyJson mustToRawJson mustUniq mustWithout must_date_modify nindent nospace now omit \
        osBase osClean osDir osExt osIsAbs pick pluck plural prepend push quote randAlpha randAlphaNum randAscii \
        randBytes randInt randNumeric regexFind regexFindAll regexMatch regexQuoteMeta regexReplaceAll \
        regexReplaceAllLiteral regexSplit repeat replace required rest reverse round semver semverCompare seq set \
        sha1sum sha256sum sha512sum shuffle slice snakecase sortAlpha split splitList splitn squote sub subf substr \
        swapcase ternary title toDate toDecimal toJson toPrettyJson toRawJson toString toStrings toToml toYaml \
        toYamlPretty tpl trim trimAll trimPrefix trimSuffix trimall trunc tuple typeIs typeIsLike typeOf uniq \
        unixEpoch unset until untilStep untitle upper urlJoin urlParse uuidv4 values without wrap wrapWith \
        and or not len index eq ne lt le gt ge print printf println html js urlquery call";
    let t = Template::new("gotpl");
    let missing: Vec<&str> = NAMES.split_whitespace().filter(|n| !t.has_func(n)).collect();
    assert!(missing.is_empty(), "missing functions: {missing:?}");
    for removed in ["env", "expandenv"] {
        assert!(!t.has_func(removed), "{removed} must not be defined (Helm removes it)");
    }
}

#[test]
fn parse_all_equals_parsing_one_by_one_in_order() {
    // Many sources so the parsing really spreads over threads; later definitions win,
    // an empty later definition does not replace a body.
    let mut sources: Vec<(String, String)> = (0..64)
        .map(|i| {
            (
                format!("t{i:02}.yaml"),
                r#"{{ define "shared" }}from N{{ end }}N:{{ include "shared" . }}"#.replace('N', &i.to_string()),
            )
        })
        .collect();
    sources.push(("z-empty.yaml".into(), r#"{{ define "shared" }}{{ end }}"#.into()));
    let borrowed: Vec<(&str, &str)> = sources.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    let mut together = Template::new("gotpl");
    together.parse_all(&borrowed).unwrap();
    let mut one_by_one = Template::new("gotpl");
    for (n, t) in &borrowed {
        one_by_one.parse(n, t).unwrap();
    }
    assert_eq!(together.names(), one_by_one.names());
    let data = Value::from_json(&json!({}));
    for (n, _) in &borrowed {
        assert_eq!(
            together.execute(n, &data).unwrap(),
            one_by_one.execute(n, &data).unwrap()
        );
    }
    assert_eq!(together.execute("t07.yaml", &data).unwrap(), "7:from 63");
}

#[test]
fn parse_all_reports_the_first_error_in_order() {
    let mut sources: Vec<(String, String)> = (0..40).map(|i| (format!("ok{i:02}"), "{{ 1 }}".to_string())).collect();
    sources.insert(30, ("bad-late".into(), "{{ nosuchfunc }}".into()));
    sources.insert(10, ("bad-early".into(), "{{ if }}".into()));
    let borrowed: Vec<(&str, &str)> = sources.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    let mut t = Template::new("gotpl");
    let err = t.parse_all(&borrowed).unwrap_err().to_string();
    assert!(err.contains("bad-early"), "{err}");
    let mut one = Template::new("gotpl");
    let want = one.parse("bad-early", "{{ if }}").unwrap_err().to_string();
    assert_eq!(err, want);
}

#[test]
fn binary_strings_are_known_by_identity_and_dead_ones_are_dropped() {
    use rflux_gotmpl::BinaryStrings;
    let mut t = BinaryStrings::default();
    let a: Arc<str> = Arc::from("\u{FFFD}");
    let same_text: Arc<str> = Arc::from("\u{FFFD}");
    t.insert(&a, Arc::new(vec![0xff]));
    assert_eq!(t.get(&a).as_deref(), Some(&vec![0xff]));
    assert_eq!(t.get(&a.clone()).as_deref(), Some(&vec![0xff]));
    assert_eq!(t.get(&same_text), None);
    // A loop making binary strings it drops at once keeps the table small.
    for i in 0..10_000u32 {
        let s: Arc<str> = Arc::from(format!("\u{FFFD}{i}"));
        t.insert(&s, Arc::new(vec![0xfe]));
    }
    assert!(t.len() <= 64, "{} entries kept", t.len());
    assert_eq!(t.get(&a).as_deref(), Some(&vec![0xff]));
}
