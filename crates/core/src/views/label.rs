use serde::Serialize;
use switchboard_store::labels::Label;

#[derive(Serialize)]
pub struct LabelView {
    pub id: i64,
    pub title: String,
    pub description: Option<String>,
    pub color: String,
    pub show_on_sidebar: Option<bool>,
}

impl LabelView {
    pub fn new(l: &Label) -> Self {
        Self {
            id: l.id,
            title: l.title.clone().unwrap_or_default(),
            description: l.description.clone(),
            color: l.color.clone(),
            show_on_sidebar: l.show_on_sidebar,
        }
    }
}
