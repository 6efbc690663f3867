//! The round trip: windows-rdl's own writer reads the `.winmd` that `build.rs` wrote back into
//! RDL, and that RDL is mobsync-idl's RDL of the same IDL file in canonical order. Ours differs
//! from the writer's form in three ways only, none in the metadata: our items keep the IDL's
//! order (the writer sorts them by name), ours are separated by blank lines, and ours carry
//! comments (the file's origin, what RDL cannot say, here the coclass reduced to its CLSID).

use std::path::Path;

/// The items of the one `mod` of an RDL text, each as its lines (attributes included), with
/// comment and blank lines left out; and the lines around them.
struct Rdl {
    head: Vec<String>,
    items: Vec<Vec<String>>,
    tail: Vec<String>,
}

impl Rdl {
    fn parse(text: &str) -> Self {
        let mut lines = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with("//"))
            .map(String::from);
        let mut head = Vec::new();
        for line in lines.by_ref() {
            let opens_module = line.starts_with("mod ");
            head.push(line);
            if opens_module {
                break;
            }
        }
        let (mut items, mut item, mut depth) = (Vec::new(), Vec::new(), 0i32);
        let mut tail = Vec::new();
        for line in lines {
            if depth == 0 && item.is_empty() && line == "}" {
                tail.push(line);
                continue;
            }
            depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
            let trimmed = line.trim_end().to_owned();
            item.push(line);
            if depth == 0 && (trimmed.ends_with('}') || trimmed.ends_with(';')) {
                items.push(std::mem::take(&mut item));
            }
        }
        assert!(item.is_empty(), "an unfinished item: {item:?}");
        Self { head, items, tail }
    }

    /// The name an item declares: the word after its keyword (`struct`, `interface`, ...).
    fn name(item: &[String]) -> String {
        let declaration = item
            .iter()
            .find(|l| !l.trim_start().starts_with("#["))
            .expect("an item declares something");
        let mut words = declaration.split(|c: char| !c.is_alphanumeric() && c != '_');
        words.find(|w| {
            [
                "const",
                "enum",
                "struct",
                "union",
                "interface",
                "type",
                "fn",
            ]
            .contains(w)
        });
        words
            .find(|w| !w.is_empty())
            .expect("a name after the keyword")
            .to_owned()
    }

    /// The text with the items sorted by name.
    fn sorted(mut self) -> String {
        self.items.sort_by_key(|item| Self::name(item));
        let lines: Vec<String> = self
            .head
            .into_iter()
            .chain(self.items.into_iter().flatten())
            .chain(self.tail)
            .collect();
        lines.join("\n")
    }
}

#[test]
fn windows_rdl_writes_back_our_rdl_in_its_canonical_order() {
    let tmp = tempfile::tempdir().unwrap();
    let winmd = Path::new(env!("OUT_DIR")).join("thermometer.winmd");
    let back = tmp.path().join("back.rdl");
    windows_rdl::writer()
        .input(&winmd)
        .output(&back)
        .write()
        .unwrap_or_else(|e| panic!("windows-rdl's writer: {e}"));
    let back = std::fs::read_to_string(&back).unwrap();
    let ours = tmp.path().join("ours.rdl");
    mobsync_idl::Builder::new()
        .namespace("Thermometer")
        .rdl(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("idl/thermometer.idl"),
            &ours,
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let ours = std::fs::read_to_string(&ours).unwrap();

    let parsed = Rdl::parse(&ours);
    assert_eq!(parsed.items.len(), 5, "the items of our RDL: {ours}");
    // Ours is not the writer's text itself: the order and the comments differ ...
    assert_ne!(ours.trim_end(), back.trim_end());
    assert!(ours.contains("// coclass `Thermometer`: its CLSID"));
    // ... and nothing else: sorted by name, without comments and blank lines, it is.
    assert_eq!(
        parsed.sorted(),
        back.trim_end(),
        "ours:\n{ours}\nwritten back:\n{back}"
    );
}
