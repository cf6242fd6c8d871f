// TEMPORARY local stand-in with the agreed signatures (replaced by the writer branch).
#![allow(unused_variables, dead_code)]
use super::{GraphClient, GraphError, TenantCredentials};
use serde_json::Value;
pub enum WriteSupport {
    Writable,
    NotRestorable(&'static str),
}
pub fn write_support(type_key: &str) -> WriteSupport {
    WriteSupport::Writable
}
pub fn object_not_restorable(type_key: &str, content: &Value) -> Option<String> {
    None
}
pub fn update_only(type_key: &str, content: &Value) -> bool {
    false
}
pub fn write_role(type_key: &str) -> &'static str {
    "DeviceManagementConfiguration.ReadWrite.All"
}
pub fn server_computed(type_key: &str) -> &'static [&'static str] {
    &[]
}
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SentRequest {
    pub method: String,
    pub path: String,
    pub body: Option<Value>,
}
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub target_id: String,
    pub sent: Vec<SentRequest>,
}
pub struct RestoredSecret {
    pub path: String,
    pub value: crate::config::SecretString,
}
impl GraphClient {
    pub async fn create_object(
        &self,
        credentials: &TenantCredentials,
        type_key: &str,
        content: &Value,
        secrets: &[RestoredSecret],
    ) -> Result<Written, GraphError> {
        todo!()
    }
    pub async fn update_object(
        &self,
        credentials: &TenantCredentials,
        type_key: &str,
        target_id: &str,
        content: &Value,
        live: &Value,
        secrets: &[RestoredSecret],
    ) -> Result<Written, GraphError> {
        todo!()
    }
    pub async fn assign_object(
        &self,
        credentials: &TenantCredentials,
        type_key: &str,
        target_id: &str,
        assignments: &[Value],
    ) -> Result<Written, GraphError> {
        todo!()
    }
    pub async fn find_created(
        &self,
        credentials: &TenantCredentials,
        type_key: &str,
        name: &str,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<String>, GraphError> {
        todo!()
    }
    pub async fn granted_roles(
        &self,
        credentials: &TenantCredentials,
    ) -> Result<Vec<String>, GraphError> {
        todo!()
    }
}
