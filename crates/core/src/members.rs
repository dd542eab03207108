//! Changing a set of members (of a team, of an inbox) the three ways Chatwoot's member
//! endpoints do: POST adds, PATCH replaces, DELETE removes.

use switchboard_domain::UserId;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MembersChange {
    Add,
    Replace,
    Remove,
}

/// Who to add and who to remove to apply `change` with `ids` to the members `before`.
pub fn plan(
    before: &[UserId],
    ids: &[UserId],
    change: MembersChange,
) -> (Vec<UserId>, Vec<UserId>) {
    let fresh = |list: &[UserId]| {
        list.iter()
            .filter(|id| !before.contains(id))
            .copied()
            .collect::<Vec<_>>()
    };
    match change {
        MembersChange::Add => (fresh(ids), Vec::new()),
        MembersChange::Replace => (
            fresh(ids),
            before
                .iter()
                .filter(|id| !ids.contains(id))
                .copied()
                .collect(),
        ),
        MembersChange::Remove => (
            Vec::new(),
            ids.iter()
                .filter(|id| before.contains(id))
                .copied()
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans() {
        let (a, b, c) = (UserId(1), UserId(2), UserId(3));
        assert_eq!(
            plan(&[a, b], &[b, c], MembersChange::Add),
            (vec![c], vec![])
        );
        assert_eq!(
            plan(&[a, b], &[b, c], MembersChange::Replace),
            (vec![c], vec![a])
        );
        assert_eq!(
            plan(&[a, b], &[b, c], MembersChange::Remove),
            (vec![], vec![b])
        );
    }
}
