//! Parameter roles: what each method parameter is for, from its MIDL attributes (`[in]`,
//! `[out]`, `size_is`, `length_is`, `iid_is`, `string`, `unique`), and the method contracts of
//! `custom(...)` attributes.

use crate::model::{self, AttrArg, ExprKind, Guid, HasAttributes, UnaryOp};

use super::*;

/// The string value of `custom(guid, "value")` on a method.
pub(super) fn custom_value(f: &model::Function, guid: Guid) -> Option<&str> {
    f.attrs
        .iter()
        .filter(|a| a.name() == "custom")
        .find_map(|a| match a.args() {
            [AttrArg::Uuid(u), value] if u.value == Some(guid) => value.as_str(),
            _ => None,
        })
}

/// The referenced parameter of `attr(name)` / `attr(*name)` on parameter `p`:
/// `None` when the attribute is absent, `Some(None)` when present but not a plain reference.
pub(super) fn attr_ref(
    p: &model::Param,
    attr: &str,
    deref: bool,
    params: &[Param],
) -> Option<Option<usize>> {
    let a = p.attr(attr)?;
    let [arg] = a.args() else { return Some(None) };
    let Some(expr) = arg.as_expr() else {
        return Some(None);
    };
    let name = match (&expr.kind, deref) {
        (ExprKind::Ident { name }, false) => name,
        (
            ExprKind::Unary {
                op: UnaryOp::Deref,
                operand,
            },
            true,
        ) => match &operand.kind {
            ExprKind::Ident { name } => name,
            _ => return Some(None),
        },
        _ => return Some(None),
    };
    Some(params.iter().position(|q| &q.name == name))
}

/// What `attr(...)` on parameter `p` refers to, if `p` has the attribute.
fn link(p: &model::Param, attr: &str, params: &[Param]) -> Option<Link> {
    let a = p.attr(attr)?;
    let plain = attr_ref(p, attr, false, params).flatten();
    let deref = attr_ref(p, attr, true, params).flatten();
    Some(match (a.args().len(), plain, deref) {
        (1, Some(i), _) => Link::Param(i),
        (1, None, Some(i)) => Link::Deref(i),
        _ => Link::Expr,
    })
}

/// Records what each parameter's `size_is`, `length_is` and `iid_is` refer to.
pub(super) fn link_params(f: &model::Function, params: &mut [Param]) {
    let links: Vec<_> = f
        .params
        .iter()
        .map(|mp| {
            (
                link(mp, "size_is", params),
                link(mp, "length_is", params),
                link(mp, "iid_is", params),
            )
        })
        .collect();
    for (p, (size_is, length_is, iid_is)) in params.iter_mut().zip(links) {
        p.size_is = size_is;
        p.length_is = length_is;
        p.iid_is = iid_is;
    }
}

/// Derives each parameter's [`ParamRole`] from its attributes.
pub(super) fn assign_roles(f: &model::Function, params: &mut [Param]) {
    let n = params.len();
    let mut roles = vec![ParamRole::Raw; n];
    // Which parameters are referenced as counts or IIDs, and by whom.
    let mut implied: Vec<Vec<(usize, ParamRole)>> = vec![Vec::new(); n];

    for (i, (mp, p)) in f.params.iter().zip(params.iter()).enumerate() {
        let size_is = attr_ref(mp, "size_is", false, params);
        let length_is = attr_ref(mp, "length_is", true, params);
        let iid_is = attr_ref(mp, "iid_is", false, params);
        let pointee = p.ty.pointee();
        roles[i] = match p.dir {
            Direction::In => match (size_is, pointee) {
                (Some(Some(len)), Some((elem, _)))
                    if len != i && is_count(&params[len]) && elem.is_plain_value() =>
                {
                    implied[len].push((i, ParamRole::ArrayLen { array: i }));
                    ParamRole::InArray {
                        len,
                        optional: p.unique,
                    }
                }
                (Some(Some(len)), Some((elem, _)))
                    if len != i && is_count(&params[len]) && is_const_wstr(elem) =>
                {
                    implied[len].push((i, ParamRole::ArrayLen { array: i }));
                    ParamRole::InStringArray {
                        len,
                        optional: p.unique,
                    }
                }
                (Some(_), _) => ParamRole::Raw,
                (None, None) if p.ty.is_plain_value() => ParamRole::Value,
                (None, None) => ParamRole::Raw,
                (None, Some((elem, _))) => {
                    if p.string && matches!(elem.resolved(), Ty::Prim(Prim::WChar)) {
                        ParamRole::InString { optional: p.unique }
                    } else if elem.is_interface() {
                        ParamRole::InInterface { optional: p.unique }
                    } else if !p.string && elem.is_plain_value() {
                        ParamRole::InRef { optional: p.unique }
                    } else {
                        ParamRole::Raw
                    }
                }
            },
            Direction::Out => match (size_is, iid_is, pointee) {
                (Some(Some(len)), None, Some((elem, false)))
                    if len != i
                        && is_count(&params[len])
                        && (elem.is_plain_value() || elem.is_interface_ptr()) =>
                {
                    match length_is {
                        None => {
                            implied[len].push((i, ParamRole::ArrayLen { array: i }));
                            ParamRole::OutArray { len, fetched: None }
                        }
                        Some(Some(k)) if is_fetched_count(&params[k]) => {
                            implied[len].push((i, ParamRole::ArrayLen { array: i }));
                            ParamRole::OutArray {
                                len,
                                fetched: Some(k),
                            }
                        }
                        Some(_) => ParamRole::Raw,
                    }
                }
                (None, Some(Some(k)), Some((inner, false)))
                    if matches!(inner.pointee(), Some((Ty::Void, false)))
                        && is_refiid(&params[k]) =>
                {
                    implied[k].push((i, ParamRole::Iid { out: i }));
                    ParamRole::OutIid { iid: k }
                }
                (None, None, Some((inner, false))) => match inner.pointee() {
                    Some((iface, false)) if iface.is_interface() => ParamRole::OutInterface,
                    Some((t, false))
                        if p.string
                            && !p.unique
                            && matches!(t.resolved(), Ty::Prim(Prim::WChar)) =>
                    {
                        ParamRole::OutString
                    }
                    _ if !p.unique
                        && !p.string
                        && (inner.is_plain_value()
                            || inner.pointee().is_some_and(|(t, _)| t.is_plain_value())) =>
                    {
                        ParamRole::OutValue
                    }
                    _ => ParamRole::Raw,
                },
                _ => ParamRole::Raw,
            },
            Direction::InOut => match (size_is, pointee) {
                (None, Some((elem, false))) if !p.unique && elem.is_plain_value() => {
                    ParamRole::InOut
                }
                _ => ParamRole::Raw,
            },
        };
    }

    // A count or IID parameter serves exactly one array or interface; anything else keeps the
    // raw form for every parameter involved.
    for (k, users) in implied.iter().enumerate() {
        match users.as_slice() {
            [] => {}
            [(_, role)]
                if roles[k] == ParamRole::Value
                    || roles[k] == ParamRole::InRef { optional: false } =>
            {
                roles[k] = *role;
            }
            _ => {
                for (user, _) in users {
                    roles[*user] = ParamRole::Raw;
                }
            }
        }
    }
    for (p, role) in params.iter_mut().zip(roles) {
        p.role = role;
    }
}

/// An `[in]` integer passed by value.
pub(super) fn is_count(p: &Param) -> bool {
    p.dir == Direction::In && p.ty.is_integer()
}

/// An `[out]` pointer to an integer.
pub(super) fn is_fetched_count(p: &Param) -> bool {
    p.dir == Direction::Out && p.ty.pointee().is_some_and(|(t, c)| !c && t.is_integer())
}

/// A pointer to const UTF-16 (`LPCWSTR`, `LPCOLESTR`), the element of a string array.
pub(super) fn is_const_wstr(ty: &Ty) -> bool {
    matches!(ty.pointee(), Some((t, true)) if matches!(t.resolved(), Ty::Prim(Prim::WChar)))
}

/// An `[in]` pointer to a const GUID.
pub(super) fn is_refiid(p: &Param) -> bool {
    p.dir == Direction::In && matches!(p.ty.pointee(), Some((Ty::Guid, _)))
}
