//! Tests of [`super::explain`]: hand-made sides of one method, and the exact causes.

use mobsync_idl::codegen::abi::{Link, NamedKind, Param, ParamRole, Prim, Ty};
use mobsync_idl::source::{FileId, Span};

use super::*;

/// A pointer to `ty`.
fn ptr(ty: Ty, is_const: bool) -> Ty {
    Ty::Ptr {
        pointee: Box::new(ty),
        is_const,
    }
}

/// A parameter with no attribute but its direction.
fn param(name: &str, dir: Direction, ty: Ty) -> Param {
    Param {
        name: name.into(),
        ty,
        dir,
        unique: false,
        string: false,
        typedef: None,
        retval: false,
        optional: false,
        size_is: None,
        length_is: None,
        iid_is: None,
        attrs: Vec::new(),
        role: ParamRole::Value,
    }
}

/// A method with these parameters.
fn method(params: Vec<Param>) -> Method {
    Method {
        name: "M".into(),
        doc: "M.".into(),
        slot: 3,
        ret: Ty::Hresult,
        params,
        ret_typedef: None,
        success_codes: Vec::new(),
        optional: None,
        unsupported: None,
        span: Span {
            file: FileId(0),
            start: 0,
            end: 0,
            line: 1,
            col: 1,
        },
    }
}

/// The causes for the two wrappers and raw slots; `own` are the file's own interfaces.
fn causes(
    (ours, win32): (&str, &str),
    (ours_raw, win32_raw): (&[&str], &[&str]),
    idl: &Method,
    sdk: &[SdkParam],
    own: &[&str],
) -> BTreeSet<Cause> {
    let raw = |r: &[&str]| r.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let own = own.iter().map(|s| s.to_string()).collect();
    explain(&Sides {
        ours,
        win32,
        ours_raw: &raw(ours_raw),
        win32_raw: &raw(win32_raw),
        idl,
        sdk,
        own_interfaces: &own,
        stand_ins: &BTreeSet::from(["WIN32_FIND_DATAW".to_string()]),
    })
}

#[test]
fn a_type_wine_has_only_a_stand_in_for_is_not_defined_in_wine() {
    // IFileSystemBindData::GetFindData: `[out] WIN32_FIND_DATAW *pfd`, a stand-in in Wine.
    let mut pfd = param("pfd", Direction::Out, ptr(Ty::Void, false));
    pfd.typedef = Some(("WIN32_FIND_DATAW".into(), 1));
    let idl = method(vec![pfd]);
    let sdk = [SdkParam::plain("pfd", Direction::Out)];
    let got = causes(
        (
            &format!("(* mut core :: ffi :: c_void) {HRESULT}"),
            &format!("(* mut WIN32_FIND_DATAW) {HRESULT}"),
        ),
        (
            &["* mut core :: ffi :: c_void"],
            &["* mut WIN32_FIND_DATAW"],
        ),
        &idl,
        &sdk,
        &[],
    );
    assert_eq!(
        got,
        BTreeSet::from([Cause::NotDefinedInWine(
            "WIN32_FIND_DATAW: a stand-in hidden from C; ours * mut core :: ffi :: c_void, the \
             SDK * mut WIN32_FIND_DATAW"
                .into()
        )])
    );
}

#[test]
fn a_method_kept_as_a_slot_for_a_struct_wine_only_declares_is_not_defined_in_wine() {
    // IShellExecuteHookW::Execute: `struct _SHELLEXECUTEINFOW *` is opaque in Wine's IDL.
    let mut idl = method(Vec::new());
    idl.unsupported = Some(
        "`struct _SHELLEXECUTEINFOW` is declared but not defined in the IDL (an opaque type)"
            .into(),
    );
    let sdk = [SdkParam::plain("pei", Direction::InOut)];
    let got = causes(
        (HRESULT, HRESULT),
        (&[], &["* mut SHELLEXECUTEINFOW"]),
        &idl,
        &sdk,
        &[],
    );
    assert!(
        matches!(got.iter().next(), Some(Cause::NotDefinedInWine(why)) if why.contains("_SHELLEXECUTEINFOW")),
        "{got:?}"
    );
    assert_eq!(got.len(), 1);
}

const HRESULT: &str = "-> windows_core :: HRESULT";

#[test]
fn an_in_pointer_the_sdk_makes_out_is_a_direction_and_the_result_follows() {
    // ISearchContext::GetSearchStyle: `[in] DWORD *` in Wine's IDL.
    let idl = method(vec![param(
        "pdwSearchStyle",
        Direction::In,
        ptr(Ty::Prim(Prim::U32), false),
    )]);
    let sdk = [SdkParam::plain("pdwSearchStyle", Direction::Out)];
    let got = causes(
        (
            &format!("(* const u32) {HRESULT}"),
            "() -> windows_core :: Result < u32 >",
        ),
        (&["* const u32"], &["* mut u32"]),
        &idl,
        &sdk,
        &[],
    );
    assert_eq!(
        got,
        BTreeSet::from([
            Cause::DirectionDiffers("pdwSearchStyle: [in] in Wine's IDL, [out] in the SDK".into()),
            Cause::RetvalFollows("the direction of pdwSearchStyle".into()),
        ])
    );
}

#[test]
fn an_out_the_sdk_makes_in_out_is_a_direction_and_only_ours_returns_it() {
    // IOleControl::GetControlInfo: `[out] CONTROLINFO *`, `[in, out]` in the SDK.
    let info = Ty::Named {
        name: "CONTROLINFO".into(),
        kind: NamedKind::Struct,
    };
    let idl = method(vec![param("pCI", Direction::Out, ptr(info, false))]);
    let sdk = [SdkParam::plain("pCI", Direction::InOut)];
    let got = causes(
        (
            "() -> windows_core :: Result < CONTROLINFO >",
            &format!("(* mut CONTROLINFO) {HRESULT}"),
        ),
        (&["* mut CONTROLINFO"], &["* mut CONTROLINFO"]),
        &idl,
        &sdk,
        &[],
    );
    assert_eq!(
        got,
        BTreeSet::from([
            Cause::DirectionDiffers("pCI: [out] in Wine's IDL, [in, out] in the SDK".into()),
            Cause::RetvalFollows("the direction of pCI".into()),
        ])
    );
}

/// `riid` and `[out] void **ppv`, in Wine's IDL and the SDK's metadata (`ComOutPtr`).
fn query(iid_is: bool) -> (Method, [SdkParam; 2]) {
    let mut ppv = param("ppv", Direction::Out, ptr(ptr(Ty::Void, false), false));
    if iid_is {
        ppv.iid_is = Some(Link::Param(0));
    }
    let idl = method(vec![param("riid", Direction::In, ptr(Ty::Guid, true)), ppv]);
    let mut sdk_ppv = SdkParam::plain("ppv", Direction::Out);
    sdk_ppv.com_out_ptr = true;
    (idl, [SdkParam::plain("riid", Direction::In), sdk_ppv])
}

const GUID_PPV: &str = "* const windows_core :: GUID, * mut * mut core :: ffi :: c_void";
const GENERIC: &str = "< T >() -> windows_core :: Result < T > where T : windows_core :: \
                       Interface ,";

#[test]
fn the_sdks_com_outptr_accounts_for_its_result() {
    // IAsyncManager::GetCallContext: no [iid_is] in Wine's IDL.
    let (idl, sdk) = query(false);
    let raw = [
        "* const windows_core :: GUID",
        "* mut * mut core :: ffi :: c_void",
    ];
    let got = causes(
        (&format!("({GUID_PPV}) {HRESULT}"), GENERIC),
        (&raw, &raw),
        &idl,
        &sdk,
        &[],
    );
    assert_eq!(
        got,
        BTreeSet::from([
            Cause::IidIsInSdk,
            Cause::RetvalFollows("the SDK's _COM_Outptr_ on ppv".into()),
        ])
    );
}

#[test]
fn iid_is_on_a_typed_interface_pointer_lost_by_ours_is_unexplained() {
    // ITypeFactory::CreateFromTypeInfo: `[out, iid_is(riid)] IUnknown **ppv`.
    let (mut idl, sdk) = query(true);
    idl.params[1].ty = ptr(ptr(Ty::Interface("IUnknown".into()), false), false);
    let raw = [
        "* const windows_core :: GUID",
        "* mut * mut core :: ffi :: c_void",
    ];
    let got = causes(
        (
            "(* const windows_core :: GUID) -> windows_core :: Result < windows_core :: \
             IUnknown >",
            GENERIC,
        ),
        (&raw, &raw),
        &idl,
        &sdk,
        &[],
    );
    assert_eq!(
        got,
        BTreeSet::from([Cause::Unexplained(
            "Wine's IDL has [iid_is] on `IUnknown **ppv`; our RDL keeps [iid_is] only on a \
             `void **`"
                .into()
        )])
    );
}

/// `[out] IDropTarget **ppDropTarget`, returned by the SDK's wrapper only.
fn drop_target(own: &[&str]) -> BTreeSet<Cause> {
    let target = Ty::Interface("IDropTarget".into());
    let idl = method(vec![param(
        "ppDropTarget",
        Direction::Out,
        ptr(ptr(target, false), false),
    )]);
    let sdk = [SdkParam::plain("ppDropTarget", Direction::Out)];
    let raw = ["* mut * mut core :: ffi :: c_void"];
    causes(
        (
            &format!("(* mut * mut core :: ffi :: c_void) {HRESULT}"),
            "() -> windows_core :: Result < IDropTarget >",
        ),
        (&raw, &raw),
        &idl,
        &sdk,
        own,
    )
}

#[test]
fn an_imported_interface_lost_by_ours_leaves_the_result_unexplained() {
    assert_eq!(
        drop_target(&[]),
        BTreeSet::from([Cause::Unexplained(
            "the interface IDropTarget of an imported file is `*mut void` in ours \
             (ppDropTarget)"
                .into()
        )])
    );
}

#[test]
fn a_result_on_one_side_with_no_difference_of_the_parameters_is_unexplained() {
    assert_eq!(
        drop_target(&["IDropTarget"]),
        BTreeSet::from([Cause::Unexplained(
            "only one side returns the last out-parameter".into()
        )])
    );
}

#[test]
fn an_imported_in_interface_is_not_a_const_in() {
    // IFileOperation::SetProperties: `[in] IPropertyChangeArray *pproparray`.
    let array = Ty::Interface("IPropertyChangeArray".into());
    let idl = method(vec![param("pproparray", Direction::In, ptr(array, false))]);
    let sdk = [SdkParam::plain("pproparray", Direction::In)];
    let got = causes(
        (
            &format!("(* const core :: ffi :: c_void) {HRESULT}"),
            &format!(
                "< P0 >(P0) {HRESULT} where P0 : windows_core :: Param < IPropertyChangeArray \
                 > ,"
            ),
        ),
        (
            &["* const core :: ffi :: c_void"],
            &["* mut core :: ffi :: c_void"],
        ),
        &idl,
        &sdk,
        &[],
    );
    assert_eq!(
        got,
        BTreeSet::from([Cause::Unexplained(
            "the interface IPropertyChangeArray of an imported file is `*mut void` in ours \
             (pproparray)"
                .into()
        )])
    );
}

#[test]
fn a_reserved_integer_of_the_sdk_is_optional_in_the_sdk() {
    // IDataAdviseHolder::SendOnDataChange: `_Reserved_ DWORD dwReserved`.
    let idl = method(vec![param(
        "dwReserved",
        Direction::In,
        Ty::Prim(Prim::U32),
    )]);
    let mut reserved = SdkParam::plain("dwReserved", Direction::In);
    reserved.optional = true;
    let got = causes(
        (
            &format!("(u32) {HRESULT}"),
            &format!("(Option < u32 >) {HRESULT}"),
        ),
        (&["u32"], &["u32"]),
        &idl,
        &[reserved],
        &[],
    );
    assert_eq!(got, BTreeSet::from([Cause::OptionalInSdk]));
}

#[test]
fn a_unique_handle_of_wine_is_optional_in_wine() {
    // IOperationsProgressDialog::StartProgressDialog: `[in, unique] HWND owner`.
    let hwnd = Ty::Named {
        name: "HWND".into(),
        kind: NamedKind::Handle,
    };
    let mut owner = param("owner", Direction::In, hwnd);
    owner.unique = true;
    let got = causes(
        (
            &format!("(Option < HWND >) {HRESULT}"),
            &format!("(HWND) {HRESULT}"),
        ),
        (&["HWND"], &["HWND"]),
        &method(vec![owner]),
        &[SdkParam::plain("hwndOwner", Direction::In)],
        &[],
    );
    assert_eq!(got, BTreeSet::from([Cause::OptionalInWine]));
}

#[test]
fn a_slice_of_the_sdk_needs_its_counted_array() {
    // IInternetHostSecurityManager::QueryCustomPolicy: `[in] BYTE *pContext`, no size_is.
    let idl = method(vec![
        param("pContext", Direction::In, ptr(Ty::Prim(Prim::U8), false)),
        param("cbContext", Direction::In, Ty::Prim(Prim::U32)),
    ]);
    let mut context = SdkParam::plain("pContext", Direction::In);
    context.array = true;
    let sdk = [context, SdkParam::plain("cbContext", Direction::In)];
    let raw = ["* const u8", "u32"];
    let sides = (
        &*format!("(* const u8, u32) {HRESULT}"),
        &*format!("(& [u8]) {HRESULT}"),
    );
    let got = causes(sides, (&raw, &raw), &idl, &sdk, &[]);
    assert_eq!(got, BTreeSet::from([Cause::ArrayInSdk]));
    // The same with no array in the metadata: nothing accounts for the slice.
    let plain = [
        SdkParam::plain("pContext", Direction::In),
        SdkParam::plain("cbContext", Direction::In),
    ];
    let got = causes(sides, (&raw, &raw), &idl, &plain, &[]);
    assert!(
        matches!(got.first(), Some(Cause::Unexplained(_))),
        "{got:?}"
    );
}

#[test]
fn a_method_without_a_signature_keeps_only_its_slot() {
    let mut idl = method(Vec::new());
    idl.unsupported = Some("`struct _S` is declared but not defined".into());
    let got = causes(
        ("()", &format!("(* mut S) {HRESULT}")),
        (&[], &["* mut S"]),
        &idl,
        &[SdkParam::plain("pei", Direction::InOut)],
        &[],
    );
    assert_eq!(
        got,
        BTreeSet::from([Cause::Unexplained(
            "our RDL keeps only the vtable slot (1 parameters in the SDK): `struct _S` is \
             declared but not defined"
                .into()
        )])
    );
}

#[test]
fn out_against_in_out_is_a_direction_only_for_the_last_parameter() {
    let u32_ptr = || ptr(Ty::Prim(Prim::U32), false);
    let idl = method(vec![
        param("a", Direction::Out, u32_ptr()),
        param("b", Direction::Out, u32_ptr()),
    ]);
    let sdk = [
        SdkParam::plain("a", Direction::InOut),
        SdkParam::plain("b", Direction::InOut),
    ];
    let facts = Facts::compare(&idl, &sdk).expect("as many parameters");
    assert_eq!(facts.direction, vec![1]);
    assert_eq!(Facts::compare(&idl, &sdk[..1]), None);
}

#[test]
fn a_counted_array_of_wine_only_accounts_for_the_sdks_result() {
    // ITypeInfo::GetIDsOfNames: `[out, size_is(cNames)] MEMBERID *pMemId`, no array in the SDK.
    let mut ids = param("pMemId", Direction::Out, ptr(Ty::Prim(Prim::I32), false));
    ids.size_is = Some(Link::Param(0));
    let idl = method(vec![
        param("cNames", Direction::In, Ty::Prim(Prim::U32)),
        ids,
    ]);
    let sdk = [
        SdkParam::plain("cNames", Direction::In),
        SdkParam::plain("pMemId", Direction::Out),
    ];
    let raw = ["u32", "* mut i32"];
    let got = causes(
        (
            &format!("(u32, * mut i32) {HRESULT}"),
            "(u32) -> windows_core :: Result < i32 >",
        ),
        (&raw, &raw),
        &idl,
        &sdk,
        &[],
    );
    assert_eq!(
        got,
        BTreeSet::from([Cause::RetvalFollows("the counted array pMemId".into())])
    );
}

#[test]
fn a_pointer_typedef_of_ours_leaves_the_result_unexplained() {
    // IShellView::GetCurrentInfo: `[out] LPFOLDERSETTINGS lpfs`.
    let settings = Ty::Named {
        name: "FOLDERSETTINGS".into(),
        kind: NamedKind::Struct,
    };
    let lp = Ty::Named {
        name: "LPFOLDERSETTINGS".into(),
        kind: NamedKind::Alias(Box::new(ptr(settings, false))),
    };
    let idl = method(vec![param("lpfs", Direction::Out, lp)]);
    let got = causes(
        (
            &format!("(LPFOLDERSETTINGS) {HRESULT}"),
            "() -> windows_core :: Result < FOLDERSETTINGS >",
        ),
        (&["LPFOLDERSETTINGS"], &["* mut FOLDERSETTINGS"]),
        &idl,
        &[SdkParam::plain("pfs", Direction::Out)],
        &[],
    );
    assert!(
        got.contains(&Cause::Unexplained(
            "lpfs is the pointer typedef LPFOLDERSETTINGS in ours, which windows-bindgen does \
             not see as a pointer"
                .into()
        )),
        "{got:?}"
    );
}
