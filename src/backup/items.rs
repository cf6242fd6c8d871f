//! Reading backup sets back: a set's tree, and the stable id of a tree item.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::sets::TreeItem;

/// The id of an item in every set that holds it: derived from its policy type and Graph id
/// alone (a UUIDv8 of their SHA-256), so the same policy has the same item id in every set
/// and a client can ask another set for it or follow it through history.
pub fn item_id(policy_type: &str, graph_id: &str) -> Uuid {
    let digest = Sha256::digest(format!("{policy_type}\n{graph_id}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

impl TreeItem {
    pub fn id(&self) -> Uuid {
        item_id(&self.policy_type, &self.graph_id)
    }
}

/// A tree's items from its stored JSON (an array of `TreeItem`).
pub fn parse_tree(items: serde_json::Value) -> Result<Vec<TreeItem>, serde_json::Error> {
    serde_json::from_value(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_id_depends_on_type_and_graph_id_only() {
        let id = item_id("settingsCatalog", "g-1");
        assert_eq!(id, item_id("settingsCatalog", "g-1"));
        assert_ne!(id, item_id("settingsCatalog", "g-2"));
        assert_ne!(id, item_id("deviceConfigurations", "g-1"));
        assert_eq!(id.get_version_num(), 8);
    }
}
