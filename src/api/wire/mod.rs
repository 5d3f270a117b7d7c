//! Serde mirrors of the remote JSON, lenient: unknown fields are ignored, missing arrays and
//! maps are empty, every scalar optional. One file per wire object family; nothing outside
//! `api` and `state::collect` sees them.

pub mod grants;
pub mod securables;
pub mod tags;

pub use grants::PrivilegeAssignment;
pub use securables::{
    CatalogInfo, ColumnInfo, ConnectionInfo, ExternalLocationInfo, FunctionInfo,
    PolicyFunctionArgument, SchemaInfo, StorageCredentialInfo, TableInfo, VolumeInfo,
};
pub use tags::TagAssignment;
