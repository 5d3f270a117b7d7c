//! Lowering infrastructure securables: storage credentials (exactly one cloud identity),
//! external locations (URL, credential resolved to its effective name) and connections
//! (options; a secret must be a `${env:VAR}` reference). Must never accept a literal
//! secret into the model.

use std::collections::BTreeMap;
use std::path::Path;

use super::{Lowerer, at};
use crate::declared::conventions::subst_env;
use crate::declared::diagnostic::Diagnostic;
use crate::declared::raw;
use crate::model::SecurableKind;

impl Lowerer<'_> {
    pub(super) fn storage_credential(&mut self, file: &Path, c: &raw::StorageCredential) {
        if !self.in_env(file, &c.environments) {
            return;
        }
        let kind = SecurableKind::StorageCredential;
        let Some(mut sec) = self.named(file, kind, &c.name, None) else {
            return;
        };
        sec.owner = self.owner(file, kind, &c.owner);
        sec.comment = self.text(&c.comment);
        let what = format!("storage credential `{}`", sec.declared_name);
        sec.grants = self.grants(file, kind, &c.grants, &what);
        let mut clouds = 0;
        if let Some(a) = &c.aws_iam_role {
            clouds += 1;
            sec.details.insert(
                "aws_iam_role.role_arn".into(),
                subst_env(&a.value.role_arn.value, self.env),
            );
        }
        if let Some(a) = &c.azure_managed_identity {
            clouds += 1;
            sec.details.insert(
                "azure_managed_identity.access_connector_id".into(),
                subst_env(&a.value.access_connector_id.value, self.env),
            );
            if let Some(m) = &a.value.managed_identity_id {
                sec.details.insert(
                    "azure_managed_identity.managed_identity_id".into(),
                    subst_env(&m.value, self.env),
                );
            }
        }
        if c.databricks_gcp_service_account.is_some() {
            clouds += 1;
            sec.details
                .insert("databricks_gcp_service_account".into(), "true".into());
        }
        if clouds != 1 {
            self.diags.push(Diagnostic::error(
                at(file, &c.name),
                "storage-credential",
                format!(
                    "{what} needs exactly one of `aws_iam_role`, `azure_managed_identity`, `databricks_gcp_service_account` (found {clouds})"
                ),
            ));
        }
        if let Some(r) = c.read_only {
            sec.details.insert("read_only".into(), r.to_string());
        }
        self.push(sec, &BTreeMap::new());
    }

    pub(super) fn external_location(&mut self, file: &Path, e: &raw::ExternalLocation) {
        if !self.in_env(file, &e.environments) {
            return;
        }
        let kind = SecurableKind::ExternalLocation;
        let Some(mut sec) = self.named(file, kind, &e.name, None) else {
            return;
        };
        sec.owner = self.owner(file, kind, &e.owner);
        sec.comment = self.text(&e.comment);
        let what = format!("external location `{}`", sec.declared_name);
        sec.grants = self.grants(file, kind, &e.grants, &what);
        let url = subst_env(e.url.value.trim(), self.env);
        if !url.contains("://") {
            self.diags.push(Diagnostic::error(
                at(file, &e.url),
                "url",
                format!("{what} has url `{url}`, which is not a URL (e.g. `s3://bucket/path`)"),
            ));
        }
        sec.details.insert("url".into(), url);
        let cred = e.credential.value.trim().to_lowercase();
        let cred = self.credentials.get(&cred).cloned().unwrap_or(cred);
        sec.details.insert("credential_name".into(), cred);
        if let Some(r) = e.read_only {
            sec.details.insert("read_only".into(), r.to_string());
        }
        self.push(sec, &BTreeMap::new());
    }

    pub(super) fn connection(&mut self, file: &Path, c: &raw::Connection) {
        if !self.in_env(file, &c.environments) {
            return;
        }
        let kind = SecurableKind::Connection;
        let Some(mut sec) = self.named(file, kind, &c.name, None) else {
            return;
        };
        sec.owner = self.owner(file, kind, &c.owner);
        sec.comment = self.text(&c.comment);
        let what = format!("connection `{}`", sec.declared_name);
        sec.grants = self.grants(file, kind, &c.grants, &what);
        sec.details.insert(
            "connection_type".into(),
            c.connection_type.value.trim().to_ascii_uppercase(),
        );
        for (k, v) in &c.options {
            let value = &v.value.0;
            if is_secret_key(k) && !is_env_reference(value) {
                self.diags.push(Diagnostic::error(
                    at(file, v),
                    "secret",
                    format!(
                        "option `{k}` of {what} looks like a literal secret: write it as `${{env:VAR}}` and set VAR where brickkit applies changes"
                    ),
                ));
                continue;
            }
            if value.contains("${env:") && !is_env_reference(value) {
                self.diags.push(Diagnostic::error(
                    at(file, v),
                    "secret",
                    format!(
                        "option `{k}` of {what} must be exactly one `${{env:VAR}}` reference (VAR made of letters, digits and `_`)"
                    ),
                ));
                continue;
            }
            let value = if is_env_reference(value) {
                value.clone()
            } else {
                subst_env(value, self.env)
            };
            sec.details.insert(format!("options.{k}"), value);
        }
        if let Some(r) = c.read_only {
            sec.details.insert("read_only".into(), r.to_string());
        }
        self.push(sec, &BTreeMap::new());
    }
}

/// `${env:VAR}` with a valid variable name.
fn is_env_reference(v: &str) -> bool {
    let Some(inner) = v.strip_prefix("${env:").and_then(|r| r.strip_suffix('}')) else {
        return false;
    };
    let mut chars = inner.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// True for connection option keys that carry secrets (password, tokens, keys...).
fn is_secret_key(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    [
        "password",
        "passphrase",
        "secret",
        "token",
        "privatekey",
        "pvtkey",
        "apikey",
        "accesskey",
        "serviceaccountkey",
        "credential",
    ]
    .iter()
    .any(|s| k.contains(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_references() {
        assert!(is_env_reference("${env:CRM_PG_PASSWORD}"));
        assert!(is_env_reference("${env:_x1}"));
        assert!(!is_env_reference("${env:}"));
        assert!(!is_env_reference("${env:1A}"));
        assert!(!is_env_reference("hunter2"));
        assert!(!is_env_reference("x ${env:A}"));
    }

    #[test]
    fn secret_keys() {
        for k in [
            "password",
            "client_secret",
            "personalAccessToken",
            "pem_private_key",
            "OAuthPvtKey",
            "GoogleServiceAccountKeyJson",
            "bearer_token",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in ["host", "port", "user", "database"] {
            assert!(!is_secret_key(k), "{k}");
        }
    }
}
