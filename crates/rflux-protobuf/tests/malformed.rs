//! Malformed bodies give errors that name the message, field and byte; never panics.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{Msg, body, meta};
use rflux_protobuf::{Error, Problem, decode};

fn malformed(body: &[u8]) -> (&'static str, u32, usize, Problem) {
    match decode(body) {
        Err(Error::Malformed {
            message,
            field,
            offset,
            problem,
        }) => (message, field, offset, problem),
        other => panic!("expected a Malformed error, got {other:?}"),
    }
}

fn with_magic(rest: &[u8]) -> Vec<u8> {
    let mut b = b"k8s\0".to_vec();
    b.extend_from_slice(rest);
    b
}

#[test]
fn missing_magic() {
    assert_eq!(decode(b"{\"kind\":\"ConfigMap\"}"), Err(Error::MissingMagic));
    assert_eq!(decode(b""), Err(Error::MissingMagic));
    assert_eq!(decode(b"k8s"), Err(Error::MissingMagic));
}

#[test]
fn empty_envelope_has_no_kind() {
    assert_eq!(
        decode(b"k8s\0"),
        Err(Error::UnknownKind {
            api_version: String::new(),
            kind: String::new()
        })
    );
}

#[test]
fn truncated_varints() {
    let (message, field, offset, problem) = malformed(&with_magic(&[0x80]));
    assert_eq!((message, field, offset), ("runtime.Unknown", 0, 4));
    assert_eq!(problem, Problem::TruncatedVarint);

    let (message, field, _, problem) = malformed(&with_magic(&[0x0a, 0x80]));
    assert_eq!(
        (message, field, problem),
        ("runtime.Unknown", 1, Problem::TruncatedVarint)
    );

    let cm = Msg::new().msg(1, meta("c", "")).raw(&[0x20, 0xff, 0xff]);
    let (message, field, _, problem) = malformed(&body("v1", "ConfigMap", cm));
    assert_eq!(
        (message, field, problem),
        ("core.v1.ConfigMap", 4, Problem::TruncatedVarint)
    );
}

#[test]
fn varint_longer_than_ten_bytes() {
    let cm = Msg::new().raw(&[0x20]).raw(&[0xff; 11]);
    let (_, field, _, problem) = malformed(&body("v1", "ConfigMap", cm));
    assert_eq!((field, problem), (4, Problem::VarintTooLong));
}

#[test]
fn length_overrun_names_the_field_and_byte() {
    let cm = Msg::new().raw(&[0x0a, 0x10, b'a', b'b']);
    let b = body("v1", "ConfigMap", cm);
    let (message, field, offset, problem) = malformed(&b);
    assert_eq!((message, field), ("core.v1.ConfigMap", 1));
    assert_eq!(
        problem,
        Problem::LengthOverrun {
            length: 16,
            available: 2
        }
    );
    assert_eq!(b[offset], 0x0a, "offset points at the field's key");
    let text = decode(&b).unwrap_err().to_string();
    assert!(text.contains("core.v1.ConfigMap") && text.contains("field 1"), "{text}");
}

#[test]
fn wrong_wire_types() {
    let cm = Msg::new().int(1, 5);
    let (message, field, _, problem) = malformed(&body("v1", "ConfigMap", cm));
    assert_eq!((message, field), ("core.v1.ConfigMap", 1));
    assert!(
        matches!(problem, Problem::WrongWireType { found: 0, .. }),
        "{problem:?}"
    );

    let cm = Msg::new().str(4, "true");
    let (_, field, _, problem) = malformed(&body("v1", "ConfigMap", cm));
    assert_eq!(field, 4);
    assert!(matches!(problem, Problem::WrongWireType { found: 2, .. }));

    let deploy = Msg::new().msg(2, Msg::new().str(1, "3"));
    let (message, field, _, _) = malformed(&body("apps/v1", "Deployment", deploy));
    assert_eq!((message, field), ("apps.v1.DeploymentSpec", 1));

    let quantity_as_varint = Msg::new().msg(2, Msg::new().msg(1, Msg::new().str(1, "cpu").int(2, 1)));
    let (message, field, _, _) = malformed(&body("v1", "ResourceQuota", quantity_as_varint));
    assert_eq!((message, field), ("core.v1.ResourceQuotaSpec", 1));
}

#[test]
fn invalid_wire_type_and_field_zero() {
    let (_, _, _, problem) = malformed(&with_magic(&[0x0e, 0x00]));
    assert_eq!(problem, Problem::InvalidWireType(6));
    let (_, _, _, problem) = malformed(&with_magic(&[0x02, 0x00]));
    assert_eq!(problem, Problem::FieldNumberZero);
    let (_, _, _, problem) = malformed(&with_magic(&[0x0c]));
    assert_eq!(problem, Problem::UnexpectedEndGroup);
    let (_, _, _, problem) = malformed(&with_magic(&[0x53, 0x08, 0x01]));
    assert_eq!(problem, Problem::UnclosedGroup);
    let groups = vec![0x53; 40];
    let (_, _, _, problem) = malformed(&with_magic(&groups));
    assert_eq!(problem, Problem::GroupTooDeep);
}

#[test]
fn deep_nesting_is_bounded() {
    let mut schema = Msg::new().str(5, "string");
    for _ in 0..150 {
        schema = Msg::new().msg(28, schema);
    }
    let version = Msg::new().str(1, "v1").msg(4, Msg::new().msg(1, schema));
    let crd = Msg::new().msg(2, Msg::new().msg(7, version));
    let err = decode(&body("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd)).unwrap_err();
    assert!(matches!(err, Error::TooDeep { limit: 100, .. }), "{err:?}");

    let mut inner = body("v1", "ConfigMap", Msg::new());
    for _ in 0..120 {
        inner = body(
            "apps/v1",
            "ControllerRevision",
            Msg::new().msg(2, Msg::new().bytes(1, &inner)),
        );
    }
    assert!(matches!(decode(&inner), Err(Error::TooDeep { .. })));
}

#[test]
fn nesting_below_the_limit_decodes() {
    let mut schema = Msg::new().str(5, "string");
    for _ in 0..40 {
        schema = Msg::new().msg(28, schema);
    }
    let version = Msg::new().str(1, "v1").msg(4, Msg::new().msg(1, schema));
    let crd = Msg::new().msg(2, Msg::new().msg(7, version));
    let v = decode(&body("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd)).unwrap();
    let mut s = &v["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
    for _ in 0..40 {
        s = &s["not"];
    }
    assert_eq!(s["type"], "string");
}

#[test]
fn raw_json_that_is_not_json() {
    let rev = Msg::new().msg(2, Msg::new().bytes(1, b"{not json"));
    let (message, field, _, problem) = malformed(&body("apps/v1", "ControllerRevision", rev));
    assert_eq!((message, field), ("runtime.RawExtension", 1));
    assert!(matches!(problem, Problem::NotJson(_)));
}

#[test]
fn bad_special_values() {
    let bad_intstr = Msg::new().msg(
        2,
        Msg::new().msg(4, Msg::new().msg(2, Msg::new().msg(1, Msg::new().int(1, 5)))),
    );
    let (message, field, _, problem) = malformed(&body("apps/v1", "Deployment", bad_intstr));
    assert_eq!(
        (message, field, problem),
        ("intstr.IntOrString", 1, Problem::BadIntOrStringType(5))
    );

    let nan = Msg::new().msg(
        2,
        Msg::new().msg(7, Msg::new().msg(4, Msg::new().msg(1, Msg::new().double(9, f64::NAN)))),
    );
    let (message, field, _, problem) = malformed(&body("apiextensions.k8s.io/v1", "CustomResourceDefinition", nan));
    assert_eq!(
        (message, field, problem),
        ("apiextensions.v1.JSONSchemaProps", 9, Problem::NonFiniteFloat)
    );

    let far_future = Msg::new().msg(1, Msg::new().msg(8, Msg::new().int(1, 400_000_000_000)));
    let (message, _, _, problem) = malformed(&body("v1", "ConfigMap", far_future));
    assert_eq!(message, "meta.v1.Time");
    assert_eq!(problem, Problem::TimeOutOfRange(400_000_000_000));
}

#[test]
fn envelope_problems() {
    assert_eq!(
        decode(&body("example.com/v1", "Widget", Msg::new())),
        Err(Error::UnknownKind {
            api_version: "example.com/v1".into(),
            kind: "Widget".into()
        })
    );
    let gzip = Msg::new()
        .msg(1, Msg::new().str(1, "v1").str(2, "ConfigMap"))
        .str(3, "gzip");
    assert_eq!(
        decode(&with_magic(&gzip.0)),
        Err(Error::UnsupportedEncoding("gzip".into()))
    );
    let yaml = Msg::new()
        .msg(1, Msg::new().str(1, "v1").str(2, "ConfigMap"))
        .str(4, "application/yaml");
    assert_eq!(
        decode(&with_magic(&yaml.0)),
        Err(Error::UnsupportedContentType("application/yaml".into()))
    );
    let raw_as_varint = Msg::new().int(2, 1);
    let (message, field, _, _) = malformed(&with_magic(&raw_as_varint.0));
    assert_eq!((message, field), ("runtime.Unknown", 2));
    let kind_as_varint = Msg::new().msg(1, Msg::new().int(2, 1));
    let (message, field, _, _) = malformed(&with_magic(&kind_as_varint.0));
    assert_eq!((message, field), ("runtime.TypeMeta", 2));
}

#[test]
fn deepest_allowed_nesting_fits_a_small_stack() {
    // Each level of a JSONSchemaProps `not` chain is one nested message; 99
    // levels is just inside the limit. 1 MiB is half a tokio worker's stack.
    let mut schema = Msg::new().str(5, "string");
    for _ in 0..95 {
        schema = Msg::new().msg(28, schema);
    }
    let version = Msg::new().str(1, "v1").msg(4, Msg::new().msg(1, schema));
    let crd = Msg::new().msg(2, Msg::new().msg(7, version));
    let b = body("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd);
    let worker = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || decode(&b).is_ok())
        .unwrap();
    assert!(worker.join().unwrap());
}
