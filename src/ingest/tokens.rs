//! Contributor tokens: each lets one city's data steward write that city's graph. Only a salted
//! SHA-256 hash of each token is kept, in `tokens.json` in the data dir; the token itself is shown once.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The file, inside the data dir, that holds the token records.
pub const TOKEN_FILE: &str = "tokens.json";
const PREFIX: &str = "ckg";

/// What is stored about one token: never the token itself.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenRecord {
    /// Public identifier, also the token's middle part; recorded with every contribution.
    pub id: String,
    /// The city whose graph the token may write.
    pub city: String,
    /// Hex salt and hex SHA-256 of salt + secret.
    pub salt: String,
    pub hash: String,
    pub created: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<String>,
}

/// The token records of one data dir.
pub struct TokenStore {
    path: PathBuf,
}

/// What a presented token turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// Valid, not revoked: the record it matched.
    Valid(TokenRecord),
    /// Malformed, unknown, wrong secret or revoked.
    Invalid,
}

fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)
        .map_err(|e| Error::Invalid(format!("no random numbers from the system: {e}")))?;
    Ok(hex::encode(buf))
}

fn digest(salt: &str, secret: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update([0u8]);
    hasher.update(secret.as_bytes());
    hex::encode(hasher.finalize())
}

/// Compares two strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

use crate::slug::is_slug;

impl TokenStore {
    /// The token file of the data dir `data_dir` (which need not exist yet).
    pub fn new(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join(TOKEN_FILE),
        }
    }

    /// All records, revoked ones included; none when the file does not exist.
    pub fn list(&self) -> Result<Vec<TokenRecord>> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                Error::Invalid(format!(
                    "{}:{}:{}: not a valid token file: {e}",
                    self.path.display(),
                    e.line(),
                    e.column()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(Error::io(self.path.display(), e)),
        }
    }

    fn save(&self, records: &[TokenRecord]) -> Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
        let text = serde_json::to_string_pretty(records)
            .map_err(|e| Error::Invalid(format!("cannot write the token file: {e}")))?;
        crate::ingest::history::write_atomically(&self.path, text.as_bytes())
    }

    /// Creates a token for `city`; returns its record and the token, which is not stored.
    pub fn add(&self, city: &str) -> Result<(TokenRecord, String)> {
        if !is_slug(city) {
            return Err(Error::Invalid(format!(
                "--city {city:?} is not a city slug (lowercase letters, digits and hyphens, e.g. helsinki)"
            )));
        }
        let mut records = self.list()?;
        let id = random_hex(6)?;
        let secret = random_hex(24)?;
        let salt = random_hex(16)?;
        let record = TokenRecord {
            id: id.clone(),
            city: city.to_owned(),
            hash: digest(&salt, &secret),
            salt,
            created: oxsdatatypes::DateTime::now().to_string(),
            revoked: None,
        };
        records.push(record.clone());
        self.save(&records)?;
        Ok((record, format!("{PREFIX}_{id}_{secret}")))
    }

    /// Marks the token `id` as revoked; it stays listed.
    pub fn revoke(&self, id: &str) -> Result<TokenRecord> {
        let mut records = self.list()?;
        let record = records
            .iter_mut()
            .find(|r| r.id == id)
            .ok_or_else(|| Error::Invalid(format!("no token with the id {id:?}")))?;
        if record.revoked.is_none() {
            record.revoked = Some(oxsdatatypes::DateTime::now().to_string());
        }
        let revoked = record.clone();
        self.save(&records)?;
        Ok(revoked)
    }

    /// Checks a presented token against the stored hashes.
    pub fn check(&self, token: &str) -> Result<Check> {
        let mut parts = token.trim().splitn(3, '_');
        let (Some(PREFIX), Some(id), Some(secret)) = (parts.next(), parts.next(), parts.next())
        else {
            return Ok(Check::Invalid);
        };
        for record in self.list()? {
            if record.id == id
                && record.revoked.is_none()
                && constant_time_eq(
                    digest(&record.salt, secret).as_bytes(),
                    record.hash.as_bytes(),
                )
            {
                return Ok(Check::Valid(record));
            }
        }
        Ok(Check::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_check_revoke() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
        let tokens = TokenStore::new(dir.path());
        let (record, token) = tokens.add("helsinki")?;
        assert_eq!(tokens.check(&token)?, Check::Valid(record.clone()));
        let stored = std::fs::read_to_string(dir.path().join(TOKEN_FILE))
            .map_err(|e| Error::io("tokens", e))?;
        let secret = token.rsplit('_').next().unwrap_or_default();
        assert!(!stored.contains(secret), "the secret must not be stored");
        assert_eq!(tokens.check("ckg_nope_nope")?, Check::Invalid);
        assert_eq!(tokens.check(&format!("{token}x"))?, Check::Invalid);
        assert_eq!(tokens.check("")?, Check::Invalid);
        tokens.revoke(&record.id)?;
        assert_eq!(tokens.check(&token)?, Check::Invalid);
        assert!(tokens.add("Not A Slug").is_err());
        Ok(())
    }
}
