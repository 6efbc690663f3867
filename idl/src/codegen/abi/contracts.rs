//! Method contracts given from outside the IDL. Our own IDL states a method's extra success
//! codes with a `custom` attribute ([`CONTRACT_SUCCESS_CODES`](super::CONTRACT_SUCCESS_CODES));
//! the SDK's and Wine's IDL do not, so `IPersistStream::IsDirty` (documented to return `S_OK`
//! when dirty and `S_FALSE` when clean) would become `Result<()>` and lose its answer. A
//! [`SuccessCodes`] contract, given on the command line or to the build-script builder, says
//! it for one method.

use std::fmt;
use std::str::FromStr;

use super::{Api, DeclKind};

/// The success codes of one method, named `Interface::Method` (the method's C name:
/// `get_Name` for a `[propget]`), `S_OK` first: `IPersistStream::IsDirty=S_OK,S_FALSE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuccessCodes {
    /// The interface that declares the method.
    pub interface: String,
    /// The method's name.
    pub method: String,
    /// The codes, `S_OK` first.
    pub codes: Vec<String>,
}

impl SuccessCodes {
    /// The contract of `target` (`Interface::Method`) with `codes`.
    ///
    /// # Errors
    /// A target that is not `Interface::Method`, no codes, a code that is not an identifier,
    /// or a list that does not start with `S_OK`.
    pub fn new(target: &str, codes: &[&str]) -> Result<Self, String> {
        let Some((interface, method)) = target.split_once("::") else {
            return Err(format!(
                "`{target}` does not name a method: write `Interface::Method`"
            ));
        };
        let (interface, method) = (interface.trim(), method.trim());
        if !is_ident(interface) || !is_ident(method) {
            return Err(format!(
                "`{target}` does not name a method: write `Interface::Method`"
            ));
        }
        let codes: Vec<String> = codes.iter().map(|c| c.trim().to_string()).collect();
        if let Some(bad) = codes.iter().find(|c| !is_ident(c)) {
            return Err(format!(
                "`{bad}` in the success codes of `{target}` is not a code name"
            ));
        }
        if codes.first().map(String::as_str) != Some("S_OK") {
            return Err(format!(
                "the success codes of `{target}` must start with `S_OK` (`S_OK,S_FALSE`)"
            ));
        }
        Ok(SuccessCodes {
            interface: interface.to_string(),
            method: method.to_string(),
            codes,
        })
    }
}

impl FromStr for SuccessCodes {
    type Err = String;

    /// `Interface::Method=CODE,CODE...`.
    fn from_str(s: &str) -> Result<Self, String> {
        let Some((target, codes)) = s.split_once('=') else {
            return Err(format!("`{s}` is not `Interface::Method=S_OK,CODE...`"));
        };
        let codes: Vec<&str> = codes.split(',').collect();
        SuccessCodes::new(target, &codes)
    }
}

impl fmt::Display for SuccessCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}::{}={}",
            self.interface,
            self.method,
            self.codes.join(",")
        )
    }
}

impl Api {
    /// Gives a method the success codes of `contract`, replacing what its IDL says, in its
    /// interface and wherever a derived interface lists it among its inherited methods.
    ///
    /// # Errors
    /// No interface or method of that name in the generated declarations, or a code that is
    /// neither `S_OK`/`S_FALSE` nor a constant the IDL declares (the generated code names
    /// each code).
    pub fn set_success_codes(&mut self, contract: &SuccessCodes) -> Result<(), String> {
        let known = |code: &str| {
            code == "S_OK"
                || code == "S_FALSE"
                || self
                    .find(code)
                    .is_some_and(|d| matches!(d.kind, DeclKind::Const(_)))
        };
        if let Some(bad) = contract.codes.iter().find(|c| !known(c)) {
            return Err(format!(
                "`{bad}` in `{contract}` is neither S_OK, S_FALSE nor a constant of the IDL"
            ));
        }
        let interface = self
            .interfaces()
            .find(|(d, _)| d.name == contract.interface)
            .map(|(_, i)| i);
        let Some(interface) = interface else {
            return Err(format!(
                "`{contract}`: no interface `{}` is generated from this IDL",
                contract.interface
            ));
        };
        if !interface.methods.iter().any(|m| m.name == contract.method) {
            return Err(format!(
                "`{contract}`: interface `{}` has no method `{}`",
                contract.interface, contract.method
            ));
        }
        let codes = if contract.codes == ["S_OK"] {
            Vec::new()
        } else {
            contract.codes.clone()
        };
        for decl in &mut self.decls {
            let DeclKind::Interface(i) = &mut decl.kind else {
                continue;
            };
            let own = decl.name == contract.interface;
            let derived = i.ancestors.contains(&contract.interface);
            if !own && !derived {
                continue;
            }
            let methods = if own {
                &mut i.methods
            } else {
                &mut i.inherited
            };
            for m in methods.iter_mut().filter(|m| m.name == contract.method) {
                m.success_codes.clone_from(&codes);
            }
        }
        Ok(())
    }
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_command_line_form() {
        let c: SuccessCodes = "IPersistStream::IsDirty=S_OK,S_FALSE".parse().unwrap();
        assert_eq!(c.interface, "IPersistStream");
        assert_eq!(c.method, "IsDirty");
        assert_eq!(c.codes, ["S_OK", "S_FALSE"]);
        assert_eq!(c.to_string(), "IPersistStream::IsDirty=S_OK,S_FALSE");
    }

    #[test]
    fn refuses_malformed_contracts() {
        for bad in [
            "IPersistStream::IsDirty",
            "IsDirty=S_OK,S_FALSE",
            "IPersistStream::IsDirty=S_FALSE",
            "IPersistStream::IsDirty=S_OK,1",
            "IPersistStream::=S_OK",
        ] {
            let err = bad.parse::<SuccessCodes>().unwrap_err();
            assert!(err.contains('`'), "{bad}: {err}");
        }
    }
}
