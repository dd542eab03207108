/// `accounts.locale`: an index into Chatwoot's LANGUAGES_CONFIG; the API renders the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Locale(i32);

/// (stored value, code). 5 (hi) and 11 (zh) are disabled in Chatwoot and so absent.
const LOCALES: &[(i32, &str)] = &[
    (0, "en"),
    (1, "ar"),
    (2, "nl"),
    (3, "fr"),
    (4, "de"),
    (6, "it"),
    (7, "ja"),
    (8, "ko"),
    (9, "pt"),
    (10, "ru"),
    (12, "es"),
    (13, "ml"),
    (14, "ca"),
    (15, "el"),
    (16, "pt_BR"),
    (17, "ro"),
    (18, "ta"),
    (19, "fa"),
    (20, "zh_TW"),
    (21, "vi"),
    (22, "da"),
    (23, "tr"),
    (24, "cs"),
    (25, "fi"),
    (26, "id"),
    (27, "sv"),
    (28, "hu"),
    (29, "no"),
    (30, "zh_CN"),
    (31, "pl"),
    (32, "sk"),
    (33, "uk"),
    (34, "th"),
    (35, "lv"),
    (36, "is"),
    (37, "he"),
    (38, "lt"),
    (39, "sr"),
    (40, "bg"),
];

impl Locale {
    pub const EN: Locale = Locale(0);

    pub fn from_value(v: i32) -> Self {
        if LOCALES.iter().any(|(n, _)| *n == v) {
            Locale(v)
        } else {
            Locale::EN
        }
    }

    /// Accepts Chatwoot's codes; `pt-BR` is taken as `pt_BR` since browsers send dashes.
    pub fn parse(code: &str) -> Option<Self> {
        let code = code.replace('-', "_");
        LOCALES
            .iter()
            .find(|(_, c)| c.eq_ignore_ascii_case(&code))
            .map(|(n, _)| Locale(*n))
    }

    pub const fn value(self) -> i32 {
        self.0
    }

    pub fn code(self) -> &'static str {
        LOCALES
            .iter()
            .find(|(n, _)| *n == self.0)
            .map_or("en", |(_, c)| c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(Locale::parse("pt_BR").map(Locale::value), Some(16));
        assert_eq!(Locale::parse("pt-br").map(Locale::code), Some("pt_BR"));
        assert_eq!(Locale::parse("xx"), None);
        assert_eq!(Locale::from_value(5).code(), "en");
    }
}
