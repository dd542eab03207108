//! JSON attribute bags (`custom_attributes`, `settings`, `ui_settings`): always objects,
//! merged key by key where Chatwoot merges them.

use serde_json::{Map, Value};

/// The stored value as an object; NULL or a non-object reads as `{}`.
pub fn object(v: Option<&Value>) -> Value {
    match v {
        Some(Value::Object(m)) => Value::Object(m.clone()),
        _ => Value::Object(Map::new()),
    }
}

/// Adds `extra` to the object in `bag`, replacing keys it repeats.
pub fn merge(bag: &mut Value, extra: Map<String, Value>) {
    let mut merged = match std::mem::take(bag) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    merged.extend(extra);
    *bag = Value::Object(merged);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn merges_into_objects_and_replaces_anything_else() {
        let mut bag = json!({"a": 1, "b": 2});
        merge(
            &mut bag,
            Map::from_iter([("b".to_string(), json!(3)), ("c".to_string(), json!(4))]),
        );
        assert_eq!(bag, json!({"a": 1, "b": 3, "c": 4}));
        let mut odd = json!("text");
        merge(&mut odd, Map::new());
        assert_eq!(odd, json!({}));
        assert_eq!(object(Some(&json!([1]))), json!({}));
    }
}
