//! The string and integer formats of the values schema, each checked with the rule of the
//! program that reads the value in the end: Go's `net.ParseIP`/`net.ParseCIDR` (Cluster
//! API's webhooks, kubeadm, CAPO), Kubernetes' name and label validation, Go's
//! `time.ParseDuration` (every `metav1.Duration`), `resource.ParseQuantity`, and the
//! API's integer types. A format refuses only what that reader refuses.
//!
//! [`problem`] says what is wrong in words; the schema walker adds the field's own rule
//! (the schema keyword `x-rule`: who reads the value and what it takes) when there is one.

use std::net::IpAddr;

/// What a value of a format must be, when it is not: the noun ("a CIDR") and the
/// general rule ("an IPv4 or IPv6 CIDR such as 10.0.0.0/16").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected {
    /// What the value is not, e.g. `a CIDR`.
    pub noun: &'static str,
    /// What is allowed, e.g. `an IPv4 or IPv6 CIDR such as 10.0.0.0/16`.
    pub rule: &'static str,
}

/// The problem of a string of `format`, or `None` when it fits (or the format is not one
/// of these).
///
/// ```
/// use capiform::schema::formats::problem;
/// assert!(problem("cidr", "10.0.0.0/16").is_none());
/// assert!(problem("cidr", "fd00::/64").is_none());
/// assert_eq!(problem("cidr", "not-a-cidr").unwrap().noun, "a CIDR");
/// assert!(problem("duration", "1h30m").is_none());
/// assert!(problem("duration", "30").is_some());
/// assert!(problem("quantity", "128Mi").is_none());
/// assert!(problem("quantity", "128MB").is_some());
/// ```
pub fn problem(format: &str, s: &str) -> Option<Expected> {
    let (ok, expected) = match format {
        "ip" => (is_ip(s), IP),
        "cidr" => (is_cidr(s), CIDR),
        "ip-or-cidr" => (is_ip(s) || is_cidr(s), IP_OR_CIDR),
        "dns-subdomain" => (is_dns_subdomain(s), DNS_SUBDOMAIN),
        "label-value" => (is_label_value(s), LABEL_VALUE),
        "label-key" => (is_qualified_name(s), LABEL_KEY),
        "duration" => (is_go_duration(s), DURATION),
        "quantity" => (is_quantity(s), QUANTITY),
        "https-url" => (is_https_url(s), HTTPS_URL),
        _ => return None,
    };
    (!ok).then_some(expected)
}

/// The range of an integer `format` (`int32`, `int64`), as the API's integer types
/// hold it.
///
/// ```
/// assert_eq!(capiform::schema::formats::integer_range("int32"), Some((-2147483648.0, 2147483647.0)));
/// assert!(capiform::schema::formats::integer_range("cidr").is_none());
/// ```
pub fn integer_range(format: &str) -> Option<(f64, f64)> {
    match format {
        "int32" => Some((i32::MIN as f64, i32::MAX as f64)),
        // 2^63 - 1 is not a float64: the largest one below 2^63 is the bound.
        "int64" => Some((i64::MIN as f64, 9_223_372_036_854_774_784.0)),
        _ => None,
    }
}

/// The bounds of an integer format in words, e.g. `an int32 (at most 2147483647)`.
///
/// ```
/// assert_eq!(capiform::schema::formats::integer_words("int32", false), "an int32 (at most 2147483647)");
/// assert_eq!(capiform::schema::formats::integer_words("int64", true), "an int64 (at least -9223372036854775808)");
/// ```
pub fn integer_words(format: &str, too_small: bool) -> String {
    let (min, max) = match format {
        "int32" => (i32::MIN.to_string(), i32::MAX.to_string()),
        _ => (i64::MIN.to_string(), i64::MAX.to_string()),
    };
    if too_small {
        format!("an {format} (at least {min})")
    } else {
        format!("an {format} (at most {max})")
    }
}

const IP: Expected = Expected {
    noun: "an IP address",
    rule: "expected an IPv4 or IPv6 address such as 192.168.3.4 or fd00::4",
};
const CIDR: Expected = Expected {
    noun: "a CIDR",
    rule: "expected an IPv4 or IPv6 CIDR such as 10.0.0.0/16 or fd00::/64",
};
const IP_OR_CIDR: Expected = Expected {
    noun: "an IP address or a CIDR",
    rule: "expected e.g. 192.168.3.0/24 or 192.168.3.4",
};
const DNS_SUBDOMAIN: Expected = Expected {
    noun: "a DNS name",
    rule: "expected lower-case letters, digits, '-' and '.', at most 253 characters, each part starting and ending with a letter or digit, e.g. cluster.local",
};
const LABEL_VALUE: Expected = Expected {
    noun: "a label value",
    rule: "expected at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit, or nothing",
};
const LABEL_KEY: Expected = Expected {
    noun: "a label key",
    rule: "expected an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit, e.g. example.org/tier",
};
const DURATION: Expected = Expected {
    noun: "a duration",
    rule: "expected a Go duration such as 90s, 10m, 1h30m or 0s",
};
const QUANTITY: Expected = Expected {
    noun: "a Kubernetes quantity",
    rule: "expected a number with an optional suffix such as 100m, 128Mi, 2Gi or 1e3",
};
const HTTPS_URL: Expected = Expected {
    noun: "an https URL",
    rule: "expected an https:// URL such as https://idp.example.org/realms/k8s",
};

/// An IPv4 or IPv6 address as Go's `net.ParseIP` reads it (no zone, no leading zeros in
/// an IPv4 part).
///
/// ```
/// use capiform::schema::formats::is_ip;
/// assert!(is_ip("10.0.0.1") && is_ip("fd00::1") && is_ip("::ffff:10.0.0.1"));
/// assert!(!is_ip("010.0.0.1") && !is_ip("10.0.0.1/32") && !is_ip("fe80::1%eth0"));
/// ```
pub fn is_ip(s: &str) -> bool {
    s.parse::<IpAddr>().is_ok()
}

/// A CIDR as Go's `net.ParseCIDR` reads it: an address, `/`, and a prefix length of
/// decimal digits no longer than the address (host bits may be set).
///
/// ```
/// use capiform::schema::formats::is_cidr;
/// assert!(is_cidr("172.16.0.0/13") && is_cidr("10.1.2.3/8") && is_cidr("fd00:10::/56"));
/// assert!(!is_cidr("10.0.0.0/33") && !is_cidr("10.0.0.0") && !is_cidr("10.0.0.0/+8") && !is_cidr("not-a-cidr"));
/// ```
pub fn is_cidr(s: &str) -> bool {
    let Some((addr, bits)) = s.split_once('/') else {
        return false;
    };
    if bits.is_empty() || bits.len() > 3 || !bits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let Ok(bits) = bits.parse::<u8>() else {
        return false;
    };
    match addr.parse::<IpAddr>() {
        Ok(IpAddr::V4(_)) => bits <= 32,
        Ok(IpAddr::V6(_)) => bits <= 128,
        Err(_) => false,
    }
}

/// One label of a DNS name (RFC 1123): lower-case letters, digits and `-`, starting and
/// ending with a letter or digit (its length is not checked here).
fn is_dns_label_chars(label: &str) -> bool {
    let b = label.as_bytes();
    let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !b.is_empty()
        && alnum(&b[0])
        && alnum(&b[b.len() - 1])
        && b.iter().all(|c| alnum(c) || *c == b'-')
}

/// A DNS subdomain as Kubernetes' `IsDNS1123Subdomain` checks it (kubeadm's
/// `networking.dnsDomain`, object names): at most 253 characters, dot-separated labels.
///
/// ```
/// use capiform::schema::formats::is_dns_subdomain;
/// assert!(is_dns_subdomain("cluster.local") && is_dns_subdomain("k8s"));
/// assert!(!is_dns_subdomain("Cluster.Local") && !is_dns_subdomain("a..b") && !is_dns_subdomain("-a") && !is_dns_subdomain(""));
/// ```
pub fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label_chars)
}

/// A label value as Kubernetes' `IsValidLabelValue` checks it: empty, or at most 63
/// letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit.
///
/// ```
/// use capiform::schema::formats::is_label_value;
/// assert!(is_label_value("") && is_label_value("v1.2_b-3") && is_label_value("Worker"));
/// assert!(!is_label_value("-3") && !is_label_value("a b") && !is_label_value(&"x".repeat(64)));
/// ```
pub fn is_label_value(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: &u8| c.is_ascii_alphanumeric();
    b.is_empty()
        || (b.len() <= 63
            && alnum(&b[0])
            && alnum(&b[b.len() - 1])
            && b.iter()
                .all(|c| alnum(c) || matches!(c, b'-' | b'_' | b'.')))
}

/// A label key as Kubernetes' `IsQualifiedName` checks it: an optional DNS subdomain
/// prefix and `/`, then a name like a non-empty label value.
///
/// ```
/// use capiform::schema::formats::is_qualified_name;
/// assert!(is_qualified_name("tier") && is_qualified_name("node.kubernetes.io/instance-type"));
/// assert!(!is_qualified_name("") && !is_qualified_name("a/b/c") && !is_qualified_name("Example.org/x"));
/// ```
pub fn is_qualified_name(s: &str) -> bool {
    let name = match s.split_once('/') {
        Some((prefix, name)) => {
            if !is_dns_subdomain(prefix) {
                return false;
            }
            name
        }
        None => s,
    };
    !name.is_empty() && !name.contains('/') && is_label_value(name)
}

/// A duration as Go's `time.ParseDuration` reads it (`metav1.Duration` in Cluster API's
/// objects, the API server's webhook timeouts): an optional sign, then `0`, or numbers
/// (decimals allowed) each followed by a unit `ns`, `us`, `µs`, `ms`, `s`, `m` or `h`,
/// in all at most about 292 years.
///
/// ```
/// use capiform::schema::formats::is_go_duration;
/// assert!(is_go_duration("0") && is_go_duration("10m0s") && is_go_duration("1.5h") && is_go_duration("-30s"));
/// assert!(!is_go_duration("") && !is_go_duration("10") && !is_go_duration("10 m") && !is_go_duration("1d") && !is_go_duration("10000000h"));
/// ```
pub fn is_go_duration(s: &str) -> bool {
    let rest = s.strip_prefix(['-', '+']).unwrap_or(s);
    if rest == "0" {
        return true;
    }
    if rest.is_empty() {
        return false;
    }
    let mut total_ns = 0f64;
    let mut at = rest;
    while !at.is_empty() {
        let number_len = at
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(at.len());
        let number = &at[..number_len];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return false;
        }
        let Ok(n) = number
            .parse::<f64>()
            .or_else(|_| format!("0{number}").parse::<f64>())
        else {
            return false;
        };
        at = &at[number_len..];
        let unit_len = at
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(at.len());
        let scale = match &at[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return false,
        };
        total_ns += n * scale;
        at = &at[unit_len..];
    }
    total_ns <= 9_223_372_036_854_775_807.0
}

/// A quantity as Kubernetes' `resource.ParseQuantity` reads it: an optional sign, a
/// decimal number, then nothing, a binary suffix (`Ki` … `Ei`), a decimal one (`n`, `u`,
/// `m`, `k`, `M`, `G`, `T`, `P`, `E`) or an exponent (`e3`, `E-2`).
///
/// ```
/// use capiform::schema::formats::is_quantity;
/// assert!(is_quantity("100m") && is_quantity("1.5Gi") && is_quantity("2") && is_quantity("1e3") && is_quantity(".5"));
/// assert!(!is_quantity("128MB") && !is_quantity("") && !is_quantity("1 Gi") && !is_quantity("Gi"));
/// ```
pub fn is_quantity(s: &str) -> bool {
    let rest = s.strip_prefix(['-', '+']).unwrap_or(s);
    let number_len = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let number = &rest[..number_len];
    if number.matches('.').count() > 1 || !number.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    let suffix = &rest[number_len..];
    match suffix {
        "" | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" | "n" | "u" | "m" | "k" | "M" | "G" | "T"
        | "P" | "E" => true,
        _ => suffix
            .strip_prefix(['e', 'E'])
            .map(|e| e.strip_prefix(['-', '+']).unwrap_or(e))
            .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())),
    }
}

/// An `https://` URL with a host, as the API server takes an OIDC issuer
/// (`--oidc-issuer-url` must use the https scheme).
///
/// ```
/// use capiform::schema::formats::is_https_url;
/// assert!(is_https_url("https://idp.example.org/realms/k8s") && is_https_url("https://10.0.0.1:8443"));
/// assert!(!is_https_url("http://idp.example.org") && !is_https_url("idp.example.org") && !is_https_url("https://") && !is_https_url("https://a b"));
/// ```
pub fn is_https_url(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("https://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    !host.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_names_what_it_expects() {
        for (format, bad) in [
            ("ip", "10.0.0"),
            ("cidr", "10.0.0.0/99"),
            ("ip-or-cidr", "x"),
            ("dns-subdomain", "Bad_Domain"),
            ("label-value", "-x"),
            ("label-key", "a/b/c"),
            ("duration", "5 minutes"),
            ("quantity", "1GB"),
            ("https-url", "http://x"),
        ] {
            let e = problem(format, bad).unwrap_or_else(|| panic!("{format} {bad}"));
            assert!(
                e.noun.starts_with('a') && e.rule.starts_with("expected"),
                "{e:?}"
            );
        }
        assert!(problem("unknown-format", "anything").is_none());
    }

    #[test]
    fn durations_follow_go() {
        for ok in [
            "0",
            "-0",
            "+5s",
            "1h2m3s4ms5us6ns",
            "1.5h",
            ".5s",
            "5.s",
            "300ms",
            "2562047h",
        ] {
            assert!(is_go_duration(ok), "{ok}");
        }
        for bad in [
            "", "-", "s", "1", "1.2.3s", "1x", "h1", "2562048h", " 1s", "1s ",
        ] {
            assert!(!is_go_duration(bad), "{bad}");
        }
    }

    #[test]
    fn ipv4_parts_with_leading_zeros_are_not_addresses() {
        // Go's net.ParseIP refuses them since Go 1.17 (they read as octal elsewhere).
        assert!(!is_ip("10.01.0.1"));
        assert!(!is_cidr("010.0.0.0/8"));
    }
}
