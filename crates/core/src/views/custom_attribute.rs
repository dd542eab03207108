use serde::Serialize;
use serde_json::Value;
use switchboard_domain::{AttributeDisplayType, AttributeModel};
use switchboard_store::custom_attribute_definitions::Definition;

#[derive(Serialize)]
pub struct DefinitionView {
    pub id: i64,
    pub attribute_display_name: Option<String>,
    pub attribute_display_type: &'static str,
    pub attribute_description: Option<String>,
    pub attribute_key: Option<String>,
    pub regex_pattern: Option<String>,
    pub regex_cue: Option<String>,
    pub attribute_values: Value,
    pub attribute_model: &'static str,
    pub default_value: Option<i32>,
    pub created_at: String,
    pub updated_at: String,
}

impl DefinitionView {
    pub fn new(d: &Definition) -> Self {
        Self {
            id: d.id,
            attribute_display_name: d.attribute_display_name.clone(),
            attribute_display_type: AttributeDisplayType::from_value(
                d.attribute_display_type.unwrap_or(0),
            )
            .unwrap_or(AttributeDisplayType::Text)
            .as_str(),
            attribute_description: d.attribute_description.clone(),
            attribute_key: d.attribute_key.clone(),
            regex_pattern: d.regex_pattern.clone(),
            regex_cue: d.regex_cue.clone(),
            attribute_values: d
                .attribute_values
                .as_ref()
                .map_or(Value::Array(Vec::new()), |j| j.0.clone()),
            attribute_model: AttributeModel::from_value(d.attribute_model.unwrap_or(0))
                .unwrap_or(AttributeModel::Conversation)
                .as_str(),
            default_value: d.default_value,
            created_at: d.created_at.iso8601(),
            updated_at: d.updated_at.iso8601(),
        }
    }
}
