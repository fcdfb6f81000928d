//! Expected texts were produced by Helm v3.17.3 (`toYaml`, `sha256sum`, `quote`,
//! `trunc 63 | trimSuffix "-"`, `indent`, `nindent`) for the same inputs; they are facts
//! about go-yaml v2's and Sprig's output format. The tests need no Helm.

use crate::helm_compat::sprig::{indent, to_yaml_nindent, trunc_trim};
use crate::helm_compat::{go_yaml, nindent, quote, sha256_hex};
use serde_json::Value;

/// (description, input JSON, Helm `toYaml` output, its `sha256sum`, `printf "spec:%s" (toYaml | nindent 4)`)
const TO_YAML: &[(&str, &str, &str, &str, &str)] = &[
    (
        "nested maps sorted",
        r##"{"b": {"y": 1, "x": 2}, "a": "v"}"##,
        "a: v\nb:\n  x: 2\n  \"y\": 1",
        "25e3fbd7319ec97198d36ea14cb833fb1d79ca1f2334e7fc95029c7b59afa492",
        "spec:\n    a: v\n    b:\n      x: 2\n      \"y\": 1",
    ),
    (
        "natural key order",
        r##"{"a10": 1, "a9": 2, "a_b": 3, "ab": 4, "B": 5, "a-b": 6, "a.b": 7, "x01": 8, "x1": 9}"##,
        "B: 5\na-b: 6\na.b: 7\na_b: 3\na9: 2\na10: 1\nab: 4\nx1: 9\nx01: 8",
        "aef839398389a463f8e3137b1959c107ed2adc4005dd208bea89fd2ae2783502",
        "spec:\n    B: 5\n    a-b: 6\n    a.b: 7\n    a_b: 3\n    a9: 2\n    a10: 1\n    ab: 4\n    x1: 9\n    x01: 8",
    ),
    (
        "list under key is indentless",
        r##"{"items": ["a", "b"], "z": 1}"##,
        "items:\n- a\n- b\nz: 1",
        "82029dd4389dbee36b0acbf74866fa5a1ea9cc13eb817b4bfb501670c5af1dbf",
        "spec:\n    items:\n    - a\n    - b\n    z: 1",
    ),
    (
        "list of maps",
        r##"[{"name": "a", "value": 1}, {"name": "b", "value": [1, 2]}]"##,
        "- name: a\n  value: 1\n- name: b\n  value:\n  - 1\n  - 2",
        "d3789979762387ab38620ebe4d5e8187d1851a778d5732fe5c899dd5b585fe70",
        "spec:\n    - name: a\n      value: 1\n    - name: b\n      value:\n      - 1\n      - 2",
    ),
    (
        "nested lists",
        r##"[[1, 2], [[3]], []]"##,
        "- - 1\n  - 2\n- - - 3\n- []",
        "7be27c8d8660a0ca965713fb23d2721c08e54b56f72870b9a048e0e76d91f1d5",
        "spec:\n    - - 1\n      - 2\n    - - - 3\n    - []",
    ),
    (
        "map in list in map",
        r##"{"ports": [{"network": {"id": "n1"}, "fixedIPs": [{"subnet": {"name": "s"}}]}]}"##,
        "ports:\n- fixedIPs:\n  - subnet:\n      name: s\n  network:\n    id: n1",
        "bac6271959d4d216569bd383b2e648f400f658f50e4b4fb08924912e5024c454",
        "spec:\n    ports:\n    - fixedIPs:\n      - subnet:\n          name: s\n      network:\n        id: n1",
    ),
    (
        "empty map value",
        r##"{"a": {}, "b": []}"##,
        "a: {}\nb: []",
        "ef339119fde3c2c45538a1b3ad6822ce39367b776112d199dcc5831f3306a2ff",
        "spec:\n    a: {}\n    b: []",
    ),
    (
        "empty map top",
        r##"{}"##,
        "{}",
        "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
        "spec:\n    {}",
    ),
    (
        "empty list top",
        r##"[]"##,
        "[]",
        "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
        "spec:\n    []",
    ),
    (
        "null top",
        r##"null"##,
        "null",
        "74234e98afe7498fb5daf1f36ac2d78acc339464f950703b8c019892f982b90b",
        "spec:\n    null",
    ),
    (
        "null value",
        r##"{"a": null}"##,
        "a: null",
        "11d1dee51ea35b1c4d778140b312a9c7810cc5a26d0b65537074164572469367",
        "spec:\n    a: null",
    ),
    (
        "bools",
        r##"[true, false]"##,
        "- true\n- false",
        "076ae289665f745848df181432f77ec0f2d7c2d5298f2004e73df40585c16b10",
        "spec:\n    - true\n    - false",
    ),
    (
        "ints",
        r##"[0, 1, -1, 42, 65536, 4294967296]"##,
        "- 0\n- 1\n- -1\n- 42\n- 65536\n- 4294967296",
        "4d27377f2a87c5d5c902eb8dc9630428c28bb0507bedee2bbc969364b5ba7583",
        "spec:\n    - 0\n    - 1\n    - -1\n    - 42\n    - 65536\n    - 4294967296",
    ),
    (
        "integral floats",
        r##"[5.0, -0.0, 1000000.0, 1e+19, 1e+20]"##,
        "- 5\n- 0\n- 1000000\n- 10000000000000000000\n- 1e+20",
        "d39321b7b479b39801a28babd69bf4669fddd2bf9586e2b73b355022131bc955",
        "spec:\n    - 5\n    - 0\n    - 1000000\n    - 10000000000000000000\n    - 1e+20",
    ),
    (
        "integral floats beyond 2^53 use the shortest digits",
        r##"[9.223372036854776e+18, 1.8446744073709552e+19, -1.8755095446406781e+18, 9007199254740992.0]"##,
        "- 9223372036854776000\n- 1.8446744073709552e+19\n- -1875509544640678100\n- 9007199254740992",
        "df7641cf93d40923dbd7515b4af46523f331105679ea8575b535e48548dab1e0",
        "spec:\n    - 9223372036854776000\n    - 1.8446744073709552e+19\n    - -1875509544640678100\n    - 9007199254740992",
    ),
    (
        "floats",
        r##"[1.5, 0.1, -0.25, 1234567.5, 123456.75, 100000.5, 0.0001, 1e-05, 1e+21, 2.5e-07, 3.14159]"##,
        "- 1.5\n- 0.1\n- -0.25\n- 1.2345675e+06\n- 123456.75\n- 100000.5\n- 0.0001\n- 1e-05\n- 1e+21\n- 2.5e-07\n- 3.14159",
        "b5ad422a67331bb9019e87e656247ae2969d8133ed23f5a058cdad934168f7b6",
        "spec:\n    - 1.5\n    - 0.1\n    - -0.25\n    - 1.2345675e+06\n    - 123456.75\n    - 100000.5\n    - 0.0001\n    - 1e-05\n    - 1e+21\n    - 2.5e-07\n    - 3.14159",
    ),
    (
        "bool-like strings",
        r##"["true", "false", "yes", "Yes", "no", "on", "ON", "off", "y", "n", "Y", "N", "True", "FALSE"]"##,
        "- \"true\"\n- \"false\"\n- \"yes\"\n- \"Yes\"\n- \"no\"\n- \"on\"\n- \"ON\"\n- \"off\"\n- \"y\"\n- \"n\"\n- \"Y\"\n- \"N\"\n- \"True\"\n- \"FALSE\"",
        "a8008c256111765d9f09a2d1e61a62986d7f73a1f79fe3995de693d512a00516",
        "spec:\n    - \"true\"\n    - \"false\"\n    - \"yes\"\n    - \"Yes\"\n    - \"no\"\n    - \"on\"\n    - \"ON\"\n    - \"off\"\n    - \"y\"\n    - \"n\"\n    - \"Y\"\n    - \"N\"\n    - \"True\"\n    - \"FALSE\"",
    ),
    (
        "null-like strings",
        r##"["null", "Null", "NULL", "~", ""]"##,
        "- \"null\"\n- \"Null\"\n- \"NULL\"\n- \"~\"\n- \"\"",
        "72630df223f4c446165a07a03b80d2d675823bb99a69cf0e0e1e74ac9d811345",
        "spec:\n    - \"null\"\n    - \"Null\"\n    - \"NULL\"\n    - \"~\"\n    - \"\"",
    ),
    (
        "int-like strings",
        r##"["123", "-123", "+1", "0644", "0x1F", "0o17", "0b101", "1_000", "08", "0"]"##,
        "- \"123\"\n- \"-123\"\n- \"+1\"\n- \"0644\"\n- \"0x1F\"\n- \"0o17\"\n- \"0b101\"\n- \"1_000\"\n- \"08\"\n- \"0\"",
        "ea6bf46192b22a4d0d8650ae1deb33f09ea0fbe1c5ea91edda1ad930b1ed1b6b",
        "spec:\n    - \"123\"\n    - \"-123\"\n    - \"+1\"\n    - \"0644\"\n    - \"0x1F\"\n    - \"0o17\"\n    - \"0b101\"\n    - \"1_000\"\n    - \"08\"\n    - \"0\"",
    ),
    (
        "float-like strings",
        r##"["1.0", "1.", "1e3", "1E3", ".5", "+.5", "-1.5", ".inf", "-.Inf", ".nan", "1e999", ".5e3"]"##,
        "- \"1.0\"\n- \"1.\"\n- \"1e3\"\n- \"1E3\"\n- \".5\"\n- \"+.5\"\n- \"-1.5\"\n- \".inf\"\n- \"-.Inf\"\n- \".nan\"\n- 1e999\n- \".5e3\"",
        "9aa378e531c152e8d8e8eec7c4769a557e77bf3d4a52858e9f71b0733a6012f6",
        "spec:\n    - \"1.0\"\n    - \"1.\"\n    - \"1e3\"\n    - \"1E3\"\n    - \".5\"\n    - \"+.5\"\n    - \"-1.5\"\n    - \".inf\"\n    - \"-.Inf\"\n    - \".nan\"\n    - 1e999\n    - \".5e3\"",
    ),
    (
        "not numbers",
        r##"["0b2", "0xg", "1.31.4", "v1.31.4", "10.0.0.0/24", "1__0", "1e", "."]"##,
        "- 0b2\n- 0xg\n- 1.31.4\n- v1.31.4\n- 10.0.0.0/24\n- \"1__0\"\n- 1e\n- .",
        "6e433600880c670a426ef3ff1d6ba133197565f10de8ffd8fd919189f2db7f9c",
        "spec:\n    - 0b2\n    - 0xg\n    - 1.31.4\n    - v1.31.4\n    - 10.0.0.0/24\n    - \"1__0\"\n    - 1e\n    - .",
    ),
    (
        "dates",
        r##"["2001-12-14", "2001-12-14T21:59:43.10Z", "2001-12-14 21:59:43.10", "2001-12-14t21:59:43.10-05:00", "2001-1-2", "2001-02-30", "2001-13-01", "2002-12-14 21:59:43.10 -5"]"##,
        "- \"2001-12-14\"\n- \"2001-12-14T21:59:43.10Z\"\n- \"2001-12-14 21:59:43.10\"\n- \"2001-12-14t21:59:43.10-05:00\"\n- \"2001-1-2\"\n- 2001-02-30\n- 2001-13-01\n- 2002-12-14 21:59:43.10 -5",
        "d2b90a0c769b66ce268f3fe69510ab9ded541634c0bfba31019636341564dc78",
        "spec:\n    - \"2001-12-14\"\n    - \"2001-12-14T21:59:43.10Z\"\n    - \"2001-12-14 21:59:43.10\"\n    - \"2001-12-14t21:59:43.10-05:00\"\n    - \"2001-1-2\"\n    - 2001-02-30\n    - 2001-13-01\n    - 2002-12-14 21:59:43.10 -5",
    ),
    (
        "base 60",
        r##"["1:20", "12:30:45", "-1:20.5", "190:20:30.15", "1:60", "a:1"]"##,
        "- \"1:20\"\n- \"12:30:45\"\n- \"-1:20.5\"\n- \"190:20:30.15\"\n- 1:60\n- a:1",
        "67b2142856ba37ffb86dcc4d43c5e40cccf4d7991ad454b70745a70500c00e23",
        "spec:\n    - \"1:20\"\n    - \"12:30:45\"\n    - \"-1:20.5\"\n    - \"190:20:30.15\"\n    - 1:60\n    - a:1",
    ),
    (
        "leading indicators",
        r##"["*a", "&a", "!a", "{a", "[a", "-a", "- a", "-", ":", ":a", "? a", "?a", "'a", "\"a", "%a", "@a", "`a", "|a", ">a", "#a", ",a", "]a", "}a"]"##,
        "- '*a'\n- '&a'\n- '!a'\n- '{a'\n- '[a'\n- -a\n- '- a'\n- '-'\n- ':'\n- :a\n- '? a'\n- ?a\n- '''a'\n- '\"a'\n- '%a'\n- '@a'\n- '`a'\n- '|a'\n- '>a'\n- '#a'\n- ',a'\n- ']a'\n- '}a'",
        "3cecff297aced6c2e407e97617c958c9064af6e3d027ba0bf40fcbcd7af1f8e5",
        "spec:\n    - '*a'\n    - '&a'\n    - '!a'\n    - '{a'\n    - '[a'\n    - -a\n    - '- a'\n    - '-'\n    - ':'\n    - :a\n    - '? a'\n    - ?a\n    - '''a'\n    - '\"a'\n    - '%a'\n    - '@a'\n    - '`a'\n    - '|a'\n    - '>a'\n    - '#a'\n    - ',a'\n    - ']a'\n    - '}a'",
    ),
    (
        "inner indicators",
        r##"["a: b", "a:b", "a:", "a #b", "a#b", "a,b", "a]", "a}", "a[", "a?", "a|", "a>", "a'b", "a\"b", "a\\b", "key=value", "http://example.com:8080/p?x=1#f"]"##,
        "- 'a: b'\n- a:b\n- 'a:'\n- 'a #b'\n- a#b\n- a,b\n- a]\n- a}\n- a[\n- a?\n- a|\n- a>\n- a'b\n- a\"b\n- a\\b\n- key=value\n- http://example.com:8080/p?x=1#f",
        "6ebc41eb0fa763d93702b24f27d3b1ef9589b3c045277402ebae60f697927ae9",
        "spec:\n    - 'a: b'\n    - a:b\n    - 'a:'\n    - 'a #b'\n    - a#b\n    - a,b\n    - a]\n    - a}\n    - a[\n    - a?\n    - a|\n    - a>\n    - a'b\n    - a\"b\n    - a\\b\n    - key=value\n    - http://example.com:8080/p?x=1#f",
    ),
    (
        "document markers",
        r##"["---", "---a", "...", "a---"]"##,
        "- '---'\n- '---a'\n- '...'\n- a---",
        "83f18ebc1a8d449ad77f588085249d3243066f77ca8f156d12871ba1e061bb47",
        "spec:\n    - '---'\n    - '---a'\n    - '...'\n    - a---",
    ),
    (
        "spaces",
        r##"[" a", "a ", " ", "  ", "a  b"]"##,
        "- ' a'\n- 'a '\n- ' '\n- '  '\n- a  b",
        "8d51185016084bf3d18fe2ef4316cddc6f574ef9bc47635bf37d1948adfbede5",
        "spec:\n    - ' a'\n    - 'a '\n    - ' '\n    - '  '\n    - a  b",
    ),
    (
        "tabs and controls",
        r##"["a\tb", "\t", "a\rb", "a\r\nb", "\u0001", "\u001b[0m", "a\u0000b", "\b\f\u000b\u0007"]"##,
        "- \"a\\tb\"\n- \"\\t\"\n- \"a\\rb\"\n- \"a\\r\\nb\"\n- \"\\x01\"\n- \"\\e[0m\"\n- \"a\\0b\"\n- \"\\b\\f\\v\\a\"",
        "bf5f2f01aa4999db53281942c2471ee425e65504ba468420361167eda3dbdfed",
        "spec:\n    - \"a\\tb\"\n    - \"\\t\"\n    - \"a\\rb\"\n    - \"a\\r\\nb\"\n    - \"\\x01\"\n    - \"\\e[0m\"\n    - \"a\\0b\"\n    - \"\\b\\f\\v\\a\"",
    ),
    (
        "unicode",
        r##"["\u00e9t\u00e9", "caf\u00e9 \u2013 ok", "\u4e2d\u6587", "snow \u2603", "\u00a0", "a\u00a0b", "\u00ad"]"##,
        "- \u{e9}t\u{e9}\n- caf\u{e9} \u{2013} ok\n- \u{4e2d}\u{6587}\n- snow \u{2603}\n- \u{a0}\n- a\u{a0}b\n- \u{ad}",
        "2d6edd3da6d954c689be4a7f67f4142a1ca32fd72c9e8e696d25a18f56ce3d5e",
        "spec:\n    - \u{e9}t\u{e9}\n    - caf\u{e9} \u{2013} ok\n    - \u{4e2d}\u{6587}\n    - snow \u{2603}\n    - \u{a0}\n    - a\u{a0}b\n    - \u{ad}",
    ),
    (
        "non-BMP is escaped",
        r##"["\ud83d\ude00", "smile \ud83d\ude00 ok"]"##,
        "- \"\\U0001F600\"\n- \"smile \\U0001F600 ok\"",
        "5d493cd9499b0a05300d509c1a489b4dcc483f7b2a95e6a53f616937b91a21e2",
        "spec:\n    - \"\\U0001F600\"\n    - \"smile \\U0001F600 ok\"",
    ),
    (
        "line and paragraph separators",
        r##"["\u2028", "a\u2028b", "a\u2029 b", "a \u2028b"]"##,
        "- '\u{2028}'\n- 'a\u{2028}  b'\n- \"a\\P b\"\n- \"a \\Lb\"",
        "95dee0846b60a0f093f096cdf7131af5516c13f3b6845438b6fa633dc9686572",
        "spec:\n    - '\u{2028}'\n    - 'a\u{2028}  b'\n    - \"a\\P b\"\n    - \"a \\Lb\"",
    ),
    (
        "NEL is folded by the JSON read-back",
        r##"["a\u0085b", "a \u0085\u0085 b", "\u0085"]"##,
        "- a b\n- |-\n  a\n  b\n- ' '",
        "04a14ee5218e957b922c3b8dba87ceb4e9bbbc477501a695262e780f2e0d9498",
        "spec:\n    - a b\n    - |-\n      a\n      b\n    - ' '",
    ),
    (
        "BOM",
        r##"["\ufeff", "x\ufeffa", "\ufeffa b", "a\ufeff"]"##,
        "- \"\\uFEFF\"\n- \"x\\uFEFFa\"\n- \"\\uFEFF\\x61\\x20\\x62\"\n- \"a\\uFEFF\"",
        "b839e8573ace7d8e888575f1491073553b455dc58683b4d883843b870aebd5f1",
        "spec:\n    - \"\\uFEFF\"\n    - \"x\\uFEFFa\"\n    - \"\\uFEFF\\x61\\x20\\x62\"\n    - \"a\\uFEFF\"",
    ),
    (
        "DEL makes toYaml fail",
        r##"{"a": "x\u007fy"}"##,
        "",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "spec:\n    ",
    ),
    (
        "C1 control makes toYaml fail",
        r##"["\u0090"]"##,
        "",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "spec:\n    ",
    ),
    (
        "jinja and go templates",
        r##"["{{ .Values.foo }}", "{{- include \"x\" . -}}", "a {{ b }}", "{% if x %}y{% endif %}"]"##,
        "- '{{ .Values.foo }}'\n- '{{- include \"x\" . -}}'\n- a {{ b }}\n- '{% if x %}y{% endif %}'",
        "978041fe470e3b389463be0d433ed20387602b023ccc06530b93c986e4b1700b",
        "spec:\n    - '{{ .Values.foo }}'\n    - '{{- include \"x\" . -}}'\n    - a {{ b }}\n    - '{% if x %}y{% endif %}'",
    ),
    (
        "multi-line strip",
        r##"{"a": "line1\nline2"}"##,
        "a: |-\n  line1\n  line2",
        "a62a607fd284d7854e3d77cb571326dce6326fe3759187c18129729a8f0b4025",
        "spec:\n    a: |-\n      line1\n      line2",
    ),
    (
        "multi-line clip",
        r##"{"a": "line1\nline2\n"}"##,
        "a: |\n  line1\n  line2",
        "8af9f1e97f7ac7a359c107ffe173bf01705b417b015345dc84f06f6643bbf247",
        "spec:\n    a: |\n      line1\n      line2",
    ),
    (
        "multi-line keep",
        r##"{"a": "x\n\n", "b": 1}"##,
        "a: |+\n  x\n\nb: 1",
        "ef519b88f0693741bc0c566cb5d40000a8693623f5f91ecbb089923f146ce725",
        "spec:\n    a: |+\n      x\n    \n    b: 1",
    ),
    (
        "multi-line top-level keep",
        r##""x\n\n""##,
        "|+\n  x\n",
        "f4e28b5fe19a7a33b2e12d17cbfbfb8c0c4f607a73f1ee5e04bbd3ed9351472e",
        "spec:\n    |+\n      x\n    ",
    ),
    (
        "only newlines",
        r##"["\n", "\n\n", "x\n"]"##,
        "- |2+\n\n- |2+\n\n\n- |\n  x",
        "b263b02a549220cbff4914a323c94f5ed529e3ae76f633f348309c0eb4c7a1cb",
        "spec:\n    - |2+\n    \n    - |2+\n    \n    \n    - |\n      x",
    ),
    (
        "multi-line leading space gets indent hint",
        r##"{"a": " a\nb", "b": "\nx"}"##,
        "a: |2-\n   a\n  b\nb: |2-\n\n  x",
        "887bbad0b971ed8b93c784d1e695236cb82cf40a1ec5792832506318f97e1987",
        "spec:\n    a: |2-\n       a\n      b\n    b: |2-\n    \n      x",
    ),
    (
        "multi-line blank lines",
        r##""a\n\nb\n\n\nc""##,
        "|-\n  a\n\n  b\n\n\n  c",
        "f4be46a5abb066760e5f368b95683b3ad3bca8b5c454f8e7be7bc17b28e089b2",
        "spec:\n    |-\n      a\n    \n      b\n    \n    \n      c",
    ),
    (
        "multi-line trailing space on a line is double quoted",
        r##"{"a": "a \nb", "b": "a\nb "}"##,
        "a: \"a \\nb\"\nb: \"a\\nb \"",
        "972239bc979e6984231e38d6c988f229d381437a786b419613da45907fe4a477",
        "spec:\n    a: \"a \\nb\"\n    b: \"a\\nb \"",
    ),
    (
        "multi-line with tab is double quoted",
        r##"{"a": "x:\n\ty\n"}"##,
        "a: \"x:\\n\\ty\\n\"",
        "72430888e87b8ae8c4dc62110a98ee72bffdc384b59ead54e4b065ab0259b9de",
        "spec:\n    a: \"x:\\n\\ty\\n\"",
    ),
    (
        "multi-line in list and nested",
        r##"{"files": [{"content": "#!/bin/sh\necho hi\n", "path": "/x"}]}"##,
        "files:\n- content: |\n    #!/bin/sh\n    echo hi\n  path: /x",
        "e829a019a84c95cc4891c8a1d3960467cbdde9340564160ce10a09f2e5b6fa13",
        "spec:\n    files:\n    - content: |\n        #!/bin/sh\n        echo hi\n      path: /x",
    ),
    (
        "multi-line with quotes and indicators",
        r##""- a: 'b'\n  c: \"d\"\n# e\n""##,
        "|\n  - a: 'b'\n    c: \"d\"\n  # e",
        "ad81e68f4ebbf031c868870ded7d56149f6ae3bcfc6bfc5dd92ed84225b936da",
        "spec:\n    |\n      - a: 'b'\n        c: \"d\"\n      # e",
    ),
    (
        "multi-line keys are complex keys",
        r##"{"a\nb": 1, "c": {"d\n": "e"}}"##,
        "? |-\n  a\n  b\n: 1\nc:\n  ? |\n    d\n  : e",
        "40d8ddd0c6b50307b1f147d38d5178f785585d7664ab55dc2acca9eda1499ad8",
        "spec:\n    ? |-\n      a\n      b\n    : 1\n    c:\n      ? |\n        d\n      : e",
    ),
    (
        "long plain string folds at 80",
        r##"{"description": "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud exercitation"}"##,
        "description: lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod\n  tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis\n  nostrud exercitation",
        "5e40915e592789da84147cc24542810998dddb82bd9f28ed1366f7b3f0dfb70e",
        "spec:\n    description: lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod\n      tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis\n      nostrud exercitation",
    ),
    (
        "long plain string folds in list and nested",
        r##"{"a": {"b": ["lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud exercitation"]}}"##,
        "a:\n  b:\n  - lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt\n    ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud exercitation",
        "15f9cfeb7a8b11c892b8758d0d48183ba079ec7b113fa5bf6dd0fc02af9ac82b",
        "spec:\n    a:\n      b:\n      - lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt\n        ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud exercitation",
    ),
    (
        "long plain string at top level",
        r##""lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud exercitation""##,
        "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt\n  ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud exercitation",
        "8d52423e04ff14a4d1603a36d44d902992ed964d264e6f80bba352c675e38763",
        "spec:\n    lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt\n      ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud exercitation",
    ),
    (
        "long string without spaces does not fold",
        r##"{"a": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}"##,
        "a: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "e9dead82a2b506b96aaf2c24f9be106eb0991b5baa3ef9d9dadcf2c8fe6cec7f",
        "spec:\n    a: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ),
    (
        "long string with double spaces",
        r##"{"a": "word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word"}"##,
        "a: word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word",
        "5fe8d16dbc3a8b3de0b2dcd5f707a38863d1f778608531b394511c796145d22f",
        "spec:\n    a: word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word  word",
    ),
    (
        "long single-quoted string folds",
        r##"{"a": "*lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud exercitation"}"##,
        "a: '*lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor\n  incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud\n  exercitation'",
        "a9093b01ff0f40bed7796f57966b7ce908d69e48de3889539647cb8889261c70",
        "spec:\n    a: '*lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor\n      incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud\n      exercitation'",
    ),
    (
        "long double-quoted string folds",
        r##"{"a": "\tlorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud exercitation lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud exercitation"}"##,
        "a: \"\\tlorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor\n  incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud\n  exercitation lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod\n  tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis\n  nostrud exercitation\"",
        "546abb3877f0d95eb2e439ed235dfcd660f144a81bf282160e0524a8aa7c6ba9",
        "spec:\n    a: \"\\tlorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor\n      incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud\n      exercitation lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod\n      tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis\n      nostrud exercitation\"",
    ),
    (
        "long double-quoted string with double spaces folds with backslash",
        r##"{"a": "\txxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx  y z"}"##,
        "a: \"\\txxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n  \\ y z\"",
        "178178998a221dad23701836494e3328e0fbcbe08ba9642dbd612fafcbc4b84c",
        "spec:\n    a: \"\\txxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n      \\ y z\"",
    ),
    (
        "long keys become complex keys over 128 bytes",
        r##"{"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk": 1, "jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj": 2}"##,
        "? jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj\n: 2\nkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk: 1",
        "22488d61f105b3955581454b6ae385d2e842e5844249295c38875b3b45b2d67a",
        "spec:\n    ? jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj\n    : 2\n    kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk: 1",
    ),
    (
        "long complex key folds",
        r##"{"word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word": "v"}"##,
        "? word word word word word word word word word word word word word word word word\n  word word word word word word word word word word word word word word\n: v",
        "774c69b5c8f3a3426a196900cd5aa9d1dca4808a3a7434b83143358ece351dad",
        "spec:\n    ? word word word word word word word word word word word word word word word word\n      word word word word word word word word word word word word word word\n    : v",
    ),
    (
        "quoted keys",
        r##"{"true": 1, "123": 2, "": 3, "a: b": 4, "*x": 5, "null": 6}"##,
        "\"\": 3\n'*x': 5\n\"123\": 2\n'a: b': 4\n\"null\": 6\n\"true\": 1",
        "aefbe5071850457ac183f69b13e3e469f175523e8eee745f5a7b4e31d02e768d",
        "spec:\n    \"\": 3\n    '*x': 5\n    \"123\": 2\n    'a: b': 4\n    \"null\": 6\n    \"true\": 1",
    ),
    (
        "kubernetes-ish",
        r##"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "labels": {"app.kubernetes.io/name": "demo"}, "annotations": {"a": "0644"}}, "data": {"k": "v"}}"##,
        "apiVersion: v1\ndata:\n  k: v\nkind: ConfigMap\nmetadata:\n  annotations:\n    a: \"0644\"\n  labels:\n    app.kubernetes.io/name: demo\n  name: x",
        "72ee9c05e4c6a4086b4e1a71e1dd6c881481645b5e175fed54c981486564b454",
        "spec:\n    apiVersion: v1\n    data:\n      k: v\n    kind: ConfigMap\n    metadata:\n      annotations:\n        a: \"0644\"\n      labels:\n        app.kubernetes.io/name: demo\n      name: x",
    ),
    (
        "resources",
        r##"{"limits": {"cpu": "500m", "memory": "1Gi"}, "requests": {"cpu": 0.5, "memory": "512Mi"}}"##,
        "limits:\n  cpu: 500m\n  memory: 1Gi\nrequests:\n  cpu: 0.5\n  memory: 512Mi",
        "1cab56b35c27dabfcd29326092229464096cfcdcb632244b088f0472b90f0df3",
        "spec:\n    limits:\n      cpu: 500m\n      memory: 1Gi\n    requests:\n      cpu: 0.5\n      memory: 512Mi",
    ),
    (
        "security group rules",
        r##"[{"direction": "ingress", "etherType": "IPv4", "portRangeMax": 6443, "portRangeMin": 6443, "protocol": "tcp", "remoteIPPrefix": "0.0.0.0/0"}]"##,
        "- direction: ingress\n  etherType: IPv4\n  portRangeMax: 6443\n  portRangeMin: 6443\n  protocol: tcp\n  remoteIPPrefix: 0.0.0.0/0",
        "77c27a50c86c43ffba24b54ad65108cf8681cd964d0c8346da47b091a2911613",
        "spec:\n    - direction: ingress\n      etherType: IPv4\n      portRangeMax: 6443\n      portRangeMin: 6443\n      protocol: tcp\n      remoteIPPrefix: 0.0.0.0/0",
    ),
    (
        "kubeadm extra args",
        r##"{"cloud-provider": "external", "node-labels": "a=b,c=d", "v": "2", "feature-gates": "A=true,B=false"}"##,
        "cloud-provider: external\nfeature-gates: A=true,B=false\nnode-labels: a=b,c=d\nv: \"2\"",
        "2db0b0843ed9cdea297c43b67f382af7b31fbbbf6520c99d4e9fbf20f3d2bedd",
        "spec:\n    cloud-provider: external\n    feature-gates: A=true,B=false\n    node-labels: a=b,c=d\n    v: \"2\"",
    ),
];

/// (description, input, `quote`, `trunc 63 | trimSuffix "-"`, `indent 4`, `nindent 2`)
const SPRIG: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "plain",
        "plain",
        "\"plain\"",
        "plain",
        "    plain",
        "\n  plain",
    ),
    (
        "quotes and backslash",
        "a\"b\\c",
        "\"a\\\"b\\\\c\"",
        "a\"b\\c",
        "    a\"b\\c",
        "\n  a\"b\\c",
    ),
    (
        "short escapes",
        "tab\there\nnl\rcr\u{7}\u{8}\u{c}\u{b}",
        "\"tab\\there\\nnl\\rcr\\a\\b\\f\\v\"",
        "tab\there\nnl\rcr\u{7}\u{8}\u{c}\u{b}",
        "    tab\there\n    nl\rcr\u{7}\u{8}\u{c}\u{b}",
        "\n  tab\there\n  nl\rcr\u{7}\u{8}\u{c}\u{b}",
    ),
    (
        "hex escapes",
        "\u{1b}\u{0}\u{1}\u{7f}",
        "\"\\x1b\\x00\\x01\\x7f\"",
        "\u{1b}\u{0}\u{1}\u{7f}",
        "    \u{1b}\u{0}\u{1}\u{7f}",
        "\n  \u{1b}\u{0}\u{1}\u{7f}",
    ),
    (
        "printable unicode kept",
        "\u{e9} \u{fc} \u{4e2d}\u{6587} \u{1f600}",
        "\"\u{e9} \u{fc} \u{4e2d}\u{6587} \u{1f600}\"",
        "\u{e9} \u{fc} \u{4e2d}\u{6587} \u{1f600}",
        "    \u{e9} \u{fc} \u{4e2d}\u{6587} \u{1f600}",
        "\n  \u{e9} \u{fc} \u{4e2d}\u{6587} \u{1f600}",
    ),
    (
        "non-printable unicode escaped",
        "\u{a0}\u{ad}\u{2028}\u{200b}\u{feff}\u{3000}\u{85}\u{9f}\u{e000}\u{f0000}\u{378}\u{fffe}",
        "\"\\u00a0\\u00ad\\u2028\\u200b\\ufeff\\u3000\\u0085\\u009f\\ue000\\U000f0000\\u0378\\ufffe\"",
        "\u{a0}\u{ad}\u{2028}\u{200b}\u{feff}\u{3000}\u{85}\u{9f}\u{e000}\u{f0000}\u{378}\u{fffe}",
        "    \u{a0}\u{ad}\u{2028}\u{200b}\u{feff}\u{3000}\u{85}\u{9f}\u{e000}\u{f0000}\u{378}\u{fffe}",
        "\n  \u{a0}\u{ad}\u{2028}\u{200b}\u{feff}\u{3000}\u{85}\u{9f}\u{e000}\u{f0000}\u{378}\u{fffe}",
    ),
    (
        "64 chars with dash at 64",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbb",
        "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbb\"",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "    aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbb",
        "\n  aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbb",
    ),
    (
        "dash at 63",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa--bbb",
        "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa--bbb\"",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "    aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa--bbb",
        "\n  aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa--bbb",
    ),
    (
        "one dash trimmed",
        "short-",
        "\"short-\"",
        "short",
        "    short-",
        "\n  short-",
    ),
    (
        "only one dash trimmed",
        "short--",
        "\"short--\"",
        "short-",
        "    short--",
        "\n  short--",
    ),
    ("empty", "", "\"\"", "", "    ", "\n  "),
    (
        "newlines",
        "a\n\nb\n",
        "\"a\\n\\nb\\n\"",
        "a\n\nb\n",
        "    a\n    \n    b\n    ",
        "\n  a\n  \n  b\n  ",
    ),
    (
        "release name",
        "demo-cluster-control-plane",
        "\"demo-cluster-control-plane\"",
        "demo-cluster-control-plane",
        "    demo-cluster-control-plane",
        "\n  demo-cluster-control-plane",
    ),
];

fn parse(json: &str) -> Value {
    serde_json::from_str(json).expect("test input is valid JSON")
}

#[test]
fn to_yaml_matches_helm() {
    let mut failures = Vec::new();
    for (desc, json, expected, _, _) in TO_YAML {
        let got = go_yaml::to_string(&parse(json));
        if got != *expected {
            failures.push(format!(
                "{desc}:\n  expected {expected:?}\n  got      {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn to_yaml_checksums_match_helm() {
    for (desc, json, _, sha, _) in TO_YAML {
        assert_eq!(
            sha256_hex(&go_yaml::to_string(&parse(json))),
            *sha,
            "{desc}"
        );
    }
}

#[test]
fn to_yaml_nindent_matches_helm() {
    for (desc, json, _, _, embedded) in TO_YAML {
        let v = parse(json);
        assert_eq!(
            format!("spec:{}", to_yaml_nindent(&v, 4)),
            *embedded,
            "{desc}"
        );
        assert_eq!(
            format!("spec:{}", nindent(4, &go_yaml::to_string(&v))),
            *embedded,
            "{desc}"
        );
    }
}

#[test]
fn marshal_keeps_the_final_newline() {
    for (desc, json, expected, _, _) in TO_YAML {
        let v = parse(json);
        match go_yaml::try_marshal(&v) {
            Some(text) => {
                assert!(text.ends_with('\n'), "{desc}");
                assert_eq!(&text[..text.len() - 1], *expected, "{desc}");
            }
            None => assert_eq!(*expected, "", "{desc}"),
        }
    }
}

#[test]
fn sprig_functions_match_helm() {
    for (desc, input, quoted, truncated, indented, nindented) in SPRIG {
        assert_eq!(quote(input), *quoted, "quote: {desc}");
        assert_eq!(trunc_trim(input, 63), *truncated, "trunc_trim: {desc}");
        assert_eq!(indent(4, input), *indented, "indent: {desc}");
        assert_eq!(nindent(2, input), *nindented, "nindent: {desc}");
    }
}

#[test]
fn enough_cases() {
    assert!(TO_YAML.len() + SPRIG.len() >= 60);
}

/// Verified with `helm template -f values.yaml` for `x: 12345678901234567890` and
/// `y: 9007199254740993`: Helm reads every values number as a Go `float64`.
#[test]
fn values_numbers_are_float64_in_helm() {
    let v = serde_json::json!({"big": 12345678901234567890u64, "near": 9007199254740993u64, "small": 5});
    assert_eq!(
        go_yaml::to_string(&go_yaml::as_helm_values(&v)),
        "big: 12345678901234567000\nnear: 9007199254740992\nsmall: 5"
    );
}

/// Verified with `toYaml` of a values map: keys are ordered with go-yaml's natural
/// order, digits before letters at the first difference, runs of digits by value.
#[test]
fn key_order_is_natural() {
    let v = serde_json::json!({"x01": 1, "002": 5, "B": 4, "x1": 2, "a": 3});
    assert_eq!(
        go_yaml::to_string(&v),
        "\"002\": 5\nB: 4\na: 3\nx1: 2\nx01: 1"
    );
}

/// Verified with `helm template -f values.yaml` for the same key sets: keys become
/// complex (`? key`) above 128 bytes, counted in UTF-8 bytes, not characters.
#[test]
fn complex_key_threshold_counts_bytes() {
    let v = serde_json::json!({ "é".repeat(64): 1 });
    assert_eq!(go_yaml::to_string(&v), format!("{}: 1", "é".repeat(64)));
    let v = serde_json::json!({ format!("{}é", "ab".repeat(64)): 1 });
    assert_eq!(
        go_yaml::to_string(&v),
        format!("? {}é\n: 1", "ab".repeat(64))
    );
}
