//! The model the front end builds: the bundled mobsync.idl, documentation comments, and the
//! shapes of the MIDL constructs real SDK files use.

use std::path::Path;

use mobsync_idl::model::{
    ArraySize, AttrArg, BaseKind, ExprKind, ForwardKind, HasAttributes, Item, Sign, StructKind,
    Type, TypeKind,
};
use mobsync_idl::{Options, Session, mobsync_compilation};

/// Parses and checks one in-memory file that needs no imports.
fn model_of(text: &str) -> mobsync_idl::Compilation {
    let mut session = Session::with_loader(
        Options::default(),
        Box::new(|_: &Path| {
            Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no imports",
            ))
        }),
    );
    match session.load_source(Path::new("t.idl"), text) {
        Ok(id) => session.into_compilation(vec![id]),
        Err(d) => panic!("{d}"),
    }
}

#[test]
fn the_bundled_idl_loads_with_its_base_files() {
    let model = mobsync_compilation();
    assert_eq!(model.root().path, "idl/mobsync.idl");
    let imported: Vec<&str> = model.imported_files().map(|f| f.path.as_str()).collect();
    assert!(imported.contains(&"idl/include/unknwn.idl"), "{imported:?}");
    for name in [
        "ISyncMgrSynchronize",
        "ISyncMgrSynchronizeCallback",
        "ISyncMgrEnumItems",
        "ISyncMgrSynchronizeInvoke",
        "ISyncMgrRegister",
    ] {
        let Some(mobsync_idl::Symbol::Interface(i)) = model.lookup(name) else {
            panic!("{name} is an interface")
        };
        assert!(i.uuid().is_some(), "{name} has an IID");
        assert!(i.doc.is_some(), "{name} is documented");
        assert_eq!(i.base_name(), Some("IUnknown"));
    }
    // The typedef chain codegen follows: REFSYNCMGRITEMID → REFGUID → const GUID *.
    let refitem = model
        .lookup("REFSYNCMGRITEMID")
        .and_then(|s| s.typedef_type())
        .unwrap();
    assert_eq!(refitem.name(), Some("REFGUID"));
    let json = model.to_json();
    assert!(json.contains("\"ISyncMgrSynchronize\""));
}

#[test]
fn doc_comments_attach_to_the_next_declaration() {
    let model = model_of(
        "/// A count.\n/// Second line.\ntypedef unsigned long COUNT;\n\n\
         /** Block\n * documentation.\n */\n[v1_enum] enum E {\n    /// The first.\n    A,\n    B, // not a doc\n    /// The third.\n    C = 4,\n};\n\
         // plain comment\ntypedef int NODOC;\n[helpstring(\"from helpstring\")] typedef int HELP;\n",
    );
    let doc = |n: &str| match model.lookup(n) {
        Some(mobsync_idl::Symbol::Typedef { typedef, .. }) => typedef.doc.clone(),
        Some(s @ mobsync_idl::Symbol::Enumerator { .. }) => s.enumerator().unwrap().doc.clone(),
        other => panic!("{n}: {other:?}"),
    };
    assert_eq!(doc("COUNT").as_deref(), Some("A count.\nSecond line."));
    assert_eq!(doc("A").as_deref(), Some("The first."));
    assert_eq!(doc("B"), None);
    assert_eq!(doc("C").as_deref(), Some("The third."));
    assert_eq!(doc("NODOC"), None);
    assert_eq!(doc("HELP").as_deref(), Some("from helpstring"));
    let Some(mobsync_idl::Symbol::EnumTag(e)) = model.lookup_tag("E") else {
        panic!("enum tag")
    };
    assert!(e.enumerators.is_some());
    let Item::Declaration(d) = &model.root().items[1] else {
        panic!("{:?}", model.root().items[1])
    };
    assert_eq!(d.doc.as_deref(), Some("Block\ndocumentation."));
}

#[test]
fn declarators_get_their_full_types() {
    let model = model_of(
        "typedef struct _S { int a; unsigned short b : 3, : 2; char name[16]; } S, *PS, ARR[2][3];\n\
         typedef long (__stdcall *CALLBACK_FN)(int x, void *ctx);\n\
         typedef [switch_type(short)] union _U { [case(1)] long l; [case(2)] float f; [default] ; } U;\n\
         typedef struct _E { long kind; union switch (long kind) u { case 1: long l; case 2: case 3: double d; default: ; } v; } E;\n\
         typedef unsigned hyper UH; typedef __int64 I64; typedef small SM; typedef handle_t H; typedef wchar_t WC;\n",
    );
    let ty = |n: &str| {
        model
            .lookup(n)
            .and_then(|s| s.typedef_type())
            .unwrap()
            .clone()
    };
    let TypeKind::Struct(s) = &ty("S").kind else {
        panic!()
    };
    let fields = s.fields.as_ref().unwrap();
    assert_eq!(fields.len(), 4);
    assert_eq!(fields[1].bits_value.value(), Some(3));
    assert!(fields[2].name.is_none(), "unnamed bitfield");
    assert_eq!(fixed_array_len(&fields[3].ty), Some(16));
    assert!(matches!(ty("PS").kind, TypeKind::Pointer { .. }));
    let arr = ty("ARR");
    assert_eq!(fixed_array_len(&arr), Some(2));
    let TypeKind::Array { element, .. } = &arr.kind else {
        panic!()
    };
    assert_eq!(fixed_array_len(element), Some(3));
    let TypeKind::Pointer { pointee, .. } = &ty("CALLBACK_FN").kind else {
        panic!()
    };
    let TypeKind::Function(f) = &pointee.kind else {
        panic!()
    };
    assert_eq!(f.callconv.as_deref(), Some("__stdcall"));
    assert_eq!(f.params.len(), 2);
    let TypeKind::Struct(u) = &ty("U").kind else {
        panic!()
    };
    assert_eq!(u.kind, StructKind::Union);
    assert_eq!(u.fields.as_ref().unwrap().len(), 3);
    let TypeKind::Struct(e) = &ty("E").kind else {
        panic!()
    };
    let TypeKind::Struct(inner) = &e.fields.as_ref().unwrap()[1].ty.kind else {
        panic!()
    };
    let sw = inner.switch.as_ref().expect("encapsulated union");
    assert_eq!(sw.name.name, "kind");
    assert_eq!(sw.cases.len(), 3);
    assert_eq!(sw.cases[1].values.get(), Some(&vec![Some(2), Some(3)]));
    assert_eq!(sw.cases[2].values.get(), Some(&vec![None]));
    let base = |n: &str| match ty(n).kind {
        TypeKind::Base(b) => (b.kind, b.sign),
        other => panic!("{other:?}"),
    };
    assert_eq!(base("UH"), (BaseKind::Hyper, Some(Sign::Unsigned)));
    assert_eq!(base("I64"), (BaseKind::Int64, None));
    assert_eq!(base("SM"), (BaseKind::Small, None));
    assert_eq!(base("H"), (BaseKind::Handle, None));
    assert_eq!(base("WC"), (BaseKind::WChar, None));
}

#[test]
fn classic_com_constructs() {
    let model = model_of(
        "#pragma makedep header\n\
         midl_pragma warning(disable: 2362)\n\
         cpp_quote(\"#define X \\\"q\\\" \\\\n\")\n\
         typedef long HRESULT; typedef unsigned short *BSTR; typedef struct tagVARIANT { int vt; } VARIANT;\n\
         interface IFwd;\n\
         [object, uuid(\"00000000-0000-0000-C000-000000000046\"), pointer_default(unique)]\n\
         interface IBase { HRESULT QueryInterface(void); }\n\
         [object, dual, uuid(11111111-2222-3333-4444-555555555555), odl, oleautomation]\n\
         interface IFwd : IBase {\n\
           [propget, id(0x1), helpstring(\"value\")] HRESULT Value([out, retval] long *v);\n\
           [propput, id(0x1)] HRESULT Value([in] long v);\n\
           [id(2), vararg] HRESULT Call([in, optional, defaultvalue(-1)] long a, [in] SAFEARRAY(VARIANT) *args);\n\
           [local] HRESULT Local([in, annotation(\"_In_\")] int x, [in, range(0, 10)] int y);\n\
           [call_as(Local)] HRESULT RemoteLocal([in] int x, [in, size_is(, x)] int **y);\n\
         }\n\
         [uuid(22222222-2222-3333-4444-555555555555), version(1.0)]\n\
         library Lib {\n\
           importlib(\"stdole2.tlb\");\n\
           [uuid(33333333-2222-3333-4444-555555555555)]\n\
           dispinterface DIface { properties: [id(1)] long Count; methods: [id(2)] void Go(); };\n\
           [uuid(44444444-2222-3333-4444-555555555555)]\n\
           coclass Thing { [default] interface IFwd; [default, source] dispinterface DIface; };\n\
           [dllname(\"x.dll\"), uuid(55555555-2222-3333-4444-555555555555)]\n\
           module Mod { const int LIMIT = 3; [entry(1)] HRESULT __stdcall Helper([in] int a); };\n\
         };\n",
    );
    let items = model.root_items();
    assert!(matches!(items[0], Item::Pragma(p) if !p.midl && p.text == "makedep header"));
    assert!(matches!(items[1], Item::Pragma(p) if p.midl && p.text == "warning(disable: 2362)"));
    assert!(matches!(items[2], Item::CppQuote(q) if q.text == "#define X \"q\" \\n"));
    assert!(
        items
            .iter()
            .any(|i| matches!(i, Item::Forward(f) if f.what == ForwardKind::Interface))
    );
    let Some(mobsync_idl::Symbol::Interface(i)) = model.lookup("IFwd") else {
        panic!()
    };
    assert_eq!(
        i.uuid().unwrap().to_u128(),
        0x11111111_2222_3333_4444_555555555555
    );
    let methods: Vec<&str> = i.methods().map(|m| m.name.name.as_str()).collect();
    assert_eq!(methods, ["Value", "Value", "Call", "Local", "RemoteLocal"]);
    let call = i.methods().nth(2).unwrap();
    let default = call.params[0].attr("defaultvalue").unwrap();
    assert!(
        matches!(&default.args()[0], AttrArg::Expr(e) if matches!(e.kind, ExprKind::Unary { .. }))
    );
    assert!(
        matches!(call.params[1].ty.kind, TypeKind::Pointer { ref pointee, .. } if matches!(pointee.kind, TypeKind::SafeArray(_)))
    );
    let remote = i.methods().nth(4).unwrap();
    let size_is = remote.params[1].attr("size_is").unwrap();
    assert!(matches!(size_is.args()[0], AttrArg::Empty { .. }));
    let Some(mobsync_idl::Symbol::Library(lib)) = model.lookup("Lib") else {
        panic!()
    };
    assert!(matches!(
        &lib.attr("version").unwrap().args()[0],
        AttrArg::Version {
            major: 1,
            minor: 0,
            ..
        }
    ));
    let Some(mobsync_idl::Symbol::Dispinterface(d)) = model.lookup("DIface") else {
        panic!()
    };
    assert_eq!(d.properties[0].name.as_ref().unwrap().name, "Count");
    assert_eq!(d.methods[0].name.name, "Go");
    let Some(mobsync_idl::Symbol::Coclass(c)) = model.lookup("Thing") else {
        panic!()
    };
    assert_eq!(c.members.len(), 2);
    assert!(c.members[1].dispinterface && c.members[1].has_attr("source"));
    let Some(mobsync_idl::Symbol::Function(helper)) = model.lookup("Helper") else {
        panic!()
    };
    assert_eq!(helper.callconv.as_deref(), Some("__stdcall"));
    assert_eq!(model.lookup("LIMIT").and_then(|s| s.int_value()), Some(3));
}

#[test]
fn json_dump_has_values_and_locations() {
    let model = model_of("/// Doc.\nenum E { A = 2, B };\n");
    let json = model.to_json();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let item = &v[0]["items"][0];
    assert_eq!(item["kind"], "Declaration");
    assert_eq!(item["doc"], "Doc.");
    assert_eq!(item["spec"]["kind"]["type"], "Enum");
    let b = &item["spec"]["kind"]["enumerators"][1];
    assert_eq!(b["name"]["name"], "B");
    assert_eq!(b["value"], 3);
    assert_eq!(b["name"]["span"]["line"], 2);
    assert_eq!(b["name"]["span"]["col"], 17);
}

/// A file large enough to be parsed in parallel chunks: `n` documented typedefs, inside a
/// library or at the top level.
fn big_file(n: usize, in_library: bool) -> String {
    let mut text = String::from("typedef int FIRST;\n");
    if in_library {
        text.push_str("[uuid(12345678-1234-1234-1234-123456789abc)]\nlibrary Big\n{\n");
    }
    for i in 0..n {
        text.push_str(&format!(
            "/// Type number {i}.\ntypedef struct _S{i} {{ int a; long b[{i} + 1]; }} S{i}, *PS{i};\n"
        ));
    }
    if in_library {
        text.push_str("};\n");
    }
    text.push_str("typedef int LAST;\n");
    text
}

#[test]
fn large_files_parse_in_chunks_with_exact_locations() {
    for in_library in [false, true] {
        let n = 4000;
        let text = big_file(n, in_library);
        assert!(
            text.len() > 256 * 1024,
            "large enough to be cut into chunks"
        );
        let model = model_of(&text);
        let items = model.root_items();
        let typedefs = items
            .iter()
            .filter(|i| matches!(i, Item::Typedef(_)))
            .count();
        assert_eq!(typedefs, n + 2);
        // Line of `S3999`: 1 (FIRST) + 3 (library header) + 2 per typedef.
        let header = if in_library { 3 } else { 0 };
        let Some(mobsync_idl::Symbol::Typedef { typedef, .. }) = model.lookup("S3999") else {
            panic!("S3999 is defined")
        };
        let name = typedef.declarators[0].name.as_ref().unwrap();
        assert_eq!(name.span.line as usize, 1 + header + 2 * 3999 + 2);
        assert_eq!(typedef.doc.as_deref(), Some("Type number 3999."));
        let TypeKind::Struct(s) = &typedef.spec.kind else {
            panic!()
        };
        let b = &s.fields.as_ref().unwrap()[1];
        assert_eq!(fixed_array_len(&b.ty), Some(4000));
        if in_library {
            let Some(mobsync_idl::Symbol::Library(l)) = model.lookup("Big") else {
                panic!()
            };
            assert_eq!(l.items.len(), n);
        }
        assert!(model.lookup("LAST").is_some());
    }
}

#[test]
fn syntax_errors_in_large_files_are_those_of_a_whole_parse() {
    let mut text = big_file(4000, true);
    let at = text.find("typedef struct _S3000").unwrap();
    text.insert_str(at, "typedef int BROKEN\n");
    let mut session = Session::with_loader(
        Options::default(),
        Box::new(|_: &Path| Err(std::io::Error::new(std::io::ErrorKind::NotFound, "none"))),
    );
    let diags = session
        .load_source(Path::new("big.idl"), &text)
        .unwrap_err();
    let d = diags.errors().next().unwrap();
    let s = d.span.unwrap();
    // Just after the unterminated typedef (the `N` of `BROKEN`, the line before the next one).
    assert_eq!((s.line, s.col), (1 + 3 + 2 * 3000 + 2, 18));
    assert_eq!(
        d.message,
        "syntax error: expected `;` after this, found `typedef`"
    );
}

/// The evaluated length of a fixed-size array type (`None` for other types).
fn fixed_array_len(ty: &Type) -> Option<i128> {
    match &ty.kind {
        TypeKind::Array { size, .. } => match &**size {
            ArraySize::Fixed { value, .. } => value.value(),
            ArraySize::Conformant { .. } => None,
        },
        _ => None,
    }
}
