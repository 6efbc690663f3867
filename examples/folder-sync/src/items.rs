//! The items of folder-sync: the subfolders of the source directory.

use std::fs;
use std::io;
use std::path::Path;

use crate::item_id::item_id_u128;

/// One sync item: a direct subfolder of the source directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderItem {
    /// The subfolder's name (also the item's display name).
    pub name: String,
    /// The stable item ID derived from the name (see [`crate::item_id`]).
    pub id: u128,
}

/// Lists the subfolders of `source` sorted by name. Entries that are not folders, folders whose
/// names are not valid Unicode, and links to folders are left out.
pub fn list_items(source: &Path) -> io::Result<Vec<FolderItem>> {
    let mut items = Vec::new();
    for entry in fs::read_dir(source)? {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            log::warn!(
                "folder-sync: skipping a subfolder of {} whose name is not Unicode",
                source.display()
            );
            continue;
        };
        if entry.file_type()?.is_dir() {
            items.push(FolderItem {
                id: item_id_u128(&name),
                name,
            });
        }
    }
    items.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(items)
}
