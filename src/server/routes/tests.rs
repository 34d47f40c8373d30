use std::collections::BTreeSet;

/// `{*rest}` (axum) and `{rest}` (OpenAPI) name the same parameter.
fn openapi_form(path: &str) -> String {
    path.replace("{*", "{")
}

#[test]
fn openapi_describes_every_route_and_no_other() {
    let doc: serde_json::Value = serde_json::from_str(include_str!("../../../docs/openapi.json"))
        .expect("docs/openapi.json is JSON");
    let mut described = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if ["get", "post", "put", "delete", "patch", "head", "options"]
                .contains(&method.as_str())
            {
                described.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let routed: BTreeSet<(String, String)> = super::table()
        .iter()
        .map(|(r, _)| (r.method.to_string(), openapi_form(r.path)))
        .collect();
    let undocumented: Vec<_> = routed.difference(&described).collect();
    let unrouted: Vec<_> = described.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from docs/openapi.json: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "docs/openapi.json describes routes the server lacks: {unrouted:?}"
    );
    // Each described operation says who may call it, as the table does.
    for (r, _) in super::table() {
        let op = &doc["paths"][openapi_form(r.path)][r.method.to_lowercase()];
        let public = op["security"].as_array().is_some_and(|s| s.is_empty());
        assert_eq!(
            public,
            r.need == super::Need::Nothing,
            "{} {}: security in docs/openapi.json disagrees with the route table",
            r.method,
            r.path
        );
        let scope = op["x-tarjuman-scope"].as_str();
        let want = match r.need {
            super::Need::Nothing => None,
            super::Need::Scope(s) => Some(s.as_str()),
        };
        assert_eq!(scope, want, "{} {}: x-tarjuman-scope", r.method, r.path);
    }
}
