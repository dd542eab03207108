//! Input rules shared by every entry point (API, CLI, importer).

use crate::Error;

/// Devise's format (something@something, no spaces) plus devise_token_auth's demand
/// for a dotted domain with a TLD of two letters or more; lower-cased and trimmed.
pub fn email(raw: &str) -> Result<String, Error> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err(Error::invalid("email", "Email can't be blank"));
    }
    let valid = email.len() <= 255
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.rsplit_once('.').is_some_and(|(host, tld)| {
                    !host.is_empty() && tld.len() >= 2 && tld.chars().all(|c| c.is_alphabetic())
                })
        });
    if valid {
        Ok(email)
    } else {
        Err(Error::invalid("email", "Email is invalid"))
    }
}

/// The characters Chatwoot's password policy (devise-secure_password) counts as special.
const SPECIAL: &str = " !@#$%^&*()_+-=[]{}|\"/\\.,`<>:;?~'";

/// Chatwoot's password policy: 6 to 128 characters with at least one uppercase letter,
/// lowercase letter, digit and special character, and nothing else. The messages are
/// Chatwoot's, joined as Rails joins full messages.
pub fn password(raw: &str) -> Result<(), Error> {
    let count = |f: &dyn Fn(char) -> bool| raw.chars().filter(|c| f(*c)).count();
    let mut problems = Vec::new();
    if raw.chars().count() < 6 {
        problems.push("Password must contain at least 6 characters".to_string());
    }
    if raw.chars().count() > 128 {
        problems.push("Password is too long (maximum is 128 characters)".to_string());
    }
    if count(&|c| c.is_ascii_uppercase()) == 0 {
        problems.push("Password must contain at least 1 uppercase character  (A..Z)".to_string());
    }
    if count(&|c| c.is_ascii_lowercase()) == 0 {
        problems.push("Password must contain at least 1 lowercase character  (a..z)".to_string());
    }
    if count(&|c| c.is_ascii_digit()) == 0 {
        problems.push("Password must contain at least 1 number character  (0..9)".to_string());
    }
    if count(&|c| SPECIAL.contains(c)) == 0 {
        problems.push(format!(
            "Password must contain at least 1 special character  ({SPECIAL})"
        ));
    }
    let invalid: String = raw
        .chars()
        .filter(|c| !c.is_ascii_alphanumeric() && !SPECIAL.contains(*c))
        .collect();
    if !invalid.is_empty() {
        let n = invalid.chars().count();
        problems.push(format!(
            "Password contains {n} invalid character{} ({invalid})",
            if n == 1 { "" } else { "s" }
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid {
            message: problems.join(", "),
            attributes: vec!["password".into()],
        })
    }
}

/// A required, trimmed, bounded name.
pub fn name(attribute: &str, raw: &str, max: usize) -> Result<String, Error> {
    let name = raw.trim();
    let label = capitalize(attribute);
    if name.is_empty() {
        return Err(Error::invalid(attribute, format!("{label} can't be blank")));
    }
    if name.chars().count() > max {
        return Err(Error::invalid(
            attribute,
            format!("{label} is too long (maximum is {max} characters)"),
        ));
    }
    Ok(name.to_string())
}

fn capitalize(s: &str) -> String {
    let s = s.replace('_', " ");
    let mut chars = s.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            email(" John@Example.COM ").ok().as_deref(),
            Some("john@example.com")
        );
        assert!(email("nope").is_err());
        assert!(email("a b@c.d").is_err());
        assert!(email("@c.d").is_err());
        assert!(email("a@b@c").is_err());
        assert!(email("x@localhost").is_err());
    }

    #[test]
    fn passwords() {
        assert!(password("Password1!").is_ok());
        assert!(password("password").is_err());
        assert!(password("Pa1!").is_err());
        assert!(password("Pässword1!").is_err());
        assert!(
            matches!(password("abc"), Err(Error::Invalid { message, .. }) if message.starts_with("Password must contain at least 6 characters, "))
        );
    }

    #[test]
    fn names() {
        assert_eq!(name("name", "  Ann ", 10).ok().as_deref(), Some("Ann"));
        assert!(
            matches!(name("account_name", "", 10), Err(Error::Invalid { message, .. }) if message == "Account name can't be blank")
        );
    }
}
