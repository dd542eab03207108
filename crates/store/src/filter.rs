//! Chatwoot's advanced filters as SQL: typed conditions from an allowlist (the use case
//! validates the request), rendered from fixed fragments with every value bound.

use crate::query::{Arg, Query};

/// What a condition looks at. Column and key names are `'static`: they come from our
/// allowlist, never from the request. A custom attribute's key is bound as a value.
#[derive(Clone, Debug)]
pub enum Field {
    Column(&'static str),
    /// `LOWER(column)`: case-insensitive text.
    Lower(&'static str),
    /// A fixed key of a JSON column, lower-cased.
    JsonKey(&'static str, &'static str),
    /// A custom attribute: `custom_attributes ->> $key`, lower-cased.
    Custom(String),
    /// Labels, through taggings of this taggable type.
    Labels(&'static str),
}

#[derive(Clone, Debug)]
pub enum Op {
    In(Vec<Arg>),
    NotIn(Vec<Arg>),
    /// Lower-cased `LIKE` patterns (built with `like_pattern`): any of them matches.
    Contains(Vec<String>),
    NotContains(Vec<String>),
    Present,
    NotPresent,
    Greater(Arg),
    Less(Arg),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Join {
    And,
    Or,
}

#[derive(Clone, Debug)]
pub struct Condition {
    pub field: Field,
    pub op: Op,
    /// How this condition joins the next one (Chatwoot's `query_operator`).
    pub join: Join,
}

fn push_field(q: &mut Query, f: &Field) {
    match f {
        Field::Column(c) => {
            q.push(c);
        }
        Field::Lower(c) => {
            q.push("LOWER(").push(c).push(")");
        }
        Field::JsonKey(column, key) => {
            q.push("LOWER(")
                .push(column)
                .push(" ->> '")
                .push(key)
                .push("')");
        }
        Field::Custom(key) => {
            q.push("LOWER(custom_attributes ->> ")
                .bind(Arg::Text(key.clone()))
                .push(")");
        }
        Field::Labels(_) => {}
    }
}

/// The field as text, for `LIKE` (a number column such as `display_id` is cast).
fn push_text(q: &mut Query, f: &Field) {
    match f {
        Field::Column(c) => {
            q.push("CAST(").push(c).push(" AS TEXT)");
        }
        other => push_field(q, other),
    }
}

fn push_labels(q: &mut Query, kind: &'static str, negate: bool, names: Option<&[Arg]>) {
    q.push(if negate { "id NOT IN " } else { "id IN " });
    q.push("(SELECT g.taggable_id FROM taggings g JOIN tags t ON t.id = g.tag_id WHERE g.context = 'labels' AND g.taggable_type = '");
    q.push(kind).push("'");
    if let Some(names) = names {
        q.push(" AND LOWER(t.name) IN ")
            .bind_list(names.iter().cloned());
    }
    q.push(")");
}

/// Appends ` AND (c1 AND c2 OR c3 …)`, joined left to right as Chatwoot joins them.
pub fn push(q: &mut Query, conditions: &[Condition]) {
    if conditions.is_empty() {
        return;
    }
    q.push(" AND (");
    for (i, c) in conditions.iter().enumerate() {
        if i > 0 {
            q.push(if conditions[i - 1].join == Join::Or {
                " OR "
            } else {
                " AND "
            });
        }
        q.push("(");
        match (&c.field, &c.op) {
            (Field::Labels(kind), Op::In(v)) => push_labels(q, kind, false, Some(v)),
            (Field::Labels(kind), Op::NotIn(v)) => push_labels(q, kind, true, Some(v)),
            (Field::Labels(kind), Op::Present) => push_labels(q, kind, false, None),
            (Field::Labels(kind), _) => push_labels(q, kind, true, None),
            (f, Op::In(v)) => {
                push_field(q, f);
                q.push(" IN ").bind_list(v.iter().cloned());
            }
            (f, Op::NotIn(v)) => {
                q.push("(");
                push_field(q, f);
                q.push(" NOT IN ").bind_list(v.iter().cloned()).push(" OR ");
                push_field(q, f);
                q.push(" IS NULL)");
            }
            (f, Op::Contains(patterns)) => {
                for (j, p) in patterns.iter().enumerate() {
                    if j > 0 {
                        q.push(" OR ");
                    }
                    push_text(q, f);
                    q.push(" LIKE ")
                        .bind(Arg::Text(p.clone()))
                        .push(" ESCAPE '\\'");
                }
            }
            (f, Op::NotContains(patterns)) => {
                q.push("(");
                push_text(q, f);
                q.push(" IS NULL");
                q.push(" OR (");
                for (j, p) in patterns.iter().enumerate() {
                    if j > 0 {
                        q.push(" AND ");
                    }
                    push_text(q, f);
                    q.push(" NOT LIKE ")
                        .bind(Arg::Text(p.clone()))
                        .push(" ESCAPE '\\'");
                }
                q.push("))");
            }
            // Plain columns here are ids, times and flags: only NULL means absent.
            (f @ Field::Column(_), Op::Present) => {
                push_field(q, f);
                q.push(" IS NOT NULL");
            }
            (f @ Field::Column(_), Op::NotPresent) => {
                push_field(q, f);
                q.push(" IS NULL");
            }
            (f, Op::Present) => {
                push_field(q, f);
                q.push(" IS NOT NULL AND ");
                push_field(q, f);
                q.push(" <> ''");
            }
            (f, Op::NotPresent) => {
                q.push("(");
                push_field(q, f);
                q.push(" IS NULL OR ");
                push_field(q, f);
                q.push(" = '')");
            }
            (f, Op::Greater(v)) => {
                push_field(q, f);
                q.push(" > ").bind(v.clone());
            }
            (f, Op::Less(v)) => {
                push_field(q, f);
                q.push(" < ").bind(v.clone());
            }
        }
        q.push(")");
    }
    q.push(")");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_values_are_bound_and_keys_fixed() {
        let mut q = Query::new("SELECT id FROM contacts WHERE account_id = 1");
        push(
            &mut q,
            &[
                Condition {
                    field: Field::Lower("email"),
                    op: Op::In(vec![Arg::Text("x' OR 1=1 --".into())]),
                    join: Join::Or,
                },
                Condition {
                    field: Field::Custom("plan'); DROP TABLE x; --".into()),
                    op: Op::Present,
                    join: Join::And,
                },
            ],
        );
        assert_eq!(
            q.sql(),
            "SELECT id FROM contacts WHERE account_id = 1 AND ((LOWER(email) IN ($1)) OR \
             (LOWER(custom_attributes ->> $2) IS NOT NULL AND LOWER(custom_attributes ->> $3) <> ''))"
        );
    }
}
