use crate::teams::TeamView as Team;
use serde::Serialize;

/// A team, with whether the caller belongs to it.
#[derive(Serialize)]
pub struct TeamView {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub allow_auto_assign: bool,
    pub account_id: i64,
    pub is_member: bool,
}

impl TeamView {
    pub fn new(t: &Team) -> Self {
        Self {
            id: t.team.id,
            name: t.team.name.clone(),
            description: t.team.description.clone(),
            allow_auto_assign: t.team.allow_auto_assign.unwrap_or(true),
            account_id: t.team.account_id.0,
            is_member: t.is_member,
        }
    }
}
