//! Reporting events, written in the transaction of the change that causes them, as
//! Chatwoot's ReportingEventListener writes them after it: `first_response`,
//! `reply_time`, `conversation_resolved` (and `conversation_bot_resolved`),
//! `conversation_opened`, `conversation_bot_handoff`. Values are whole seconds, and
//! also the seconds that fell within the inbox's working hours (in its time zone).

use switchboard_domain::{ConversationStatus, Result, Timestamp};
use switchboard_store::conversations::Conversation;
use switchboard_store::inboxes::{self, Inbox, WorkingHour};
use switchboard_store::reporting::{self, NewEvent};
use switchboard_store::{Ex, Tx};

/// An agent's (a person's) reply that is not a private note. `first` says whether it
/// is the conversation's first one (`first_reply_created_at` still unset before it).
/// The first reply is measured from the last moment the humans took over (hand-off or
/// reopening) or else the conversation's creation; later ones from `waiting_since`.
pub(crate) async fn human_reply(
    tx: &mut Tx,
    inbox: &Inbox,
    before: &Conversation,
    sender: i64,
    at: Timestamp,
) -> Result<()> {
    if before.first_reply_created_at.is_none() {
        let start = last_non_human_activity(tx.ex(), before).await?;
        let mut e = event_at(before, "first_response", start, at, Some(sender));
        e.value_in_business_hours = business_seconds(tx.ex(), inbox, start, at).await?;
        reporting::insert(tx.ex(), &e, at).await?;
    } else if let Some(waiting) = before.waiting_since {
        let user = before.assignee_id.map(|u| u.0);
        let mut e = event_at(before, "reply_time", waiting, at, user);
        e.value_in_business_hours = business_seconds(tx.ex(), inbox, waiting, at).await?;
        reporting::insert(tx.ex(), &e, at).await?;
    }
    Ok(())
}

/// A status change that has been saved (`c.updated_at` is its time). `handoff` is a bot
/// giving a pending conversation to the humans (Chatwoot's `bot_handoff!`).
pub(crate) async fn status_changed(tx: &mut Tx, c: &Conversation, handoff: bool) -> Result<()> {
    let at = c.updated_at;
    let user = c.assignee_id.map(|u| u.0);
    match ConversationStatus::from_value(c.status) {
        Some(ConversationStatus::Resolved) => {
            let mut e = event(tx, c, "conversation_resolved", c.created_at, at, user).await?;
            reporting::insert(tx.ex(), &e, at).await?;
            // A bot inbox's conversation that no agent answered was resolved by the bot.
            if switchboard_store::agent_bots::inbox_has_active_bot(tx.ex(), c.inbox_id).await?
                && !reporting::has_human_reply(tx.ex(), c.id).await?
            {
                e.name = "conversation_bot_resolved";
                reporting::insert(tx.ex(), &e, at).await?;
            }
        }
        Some(ConversationStatus::Open) => {
            // A reopening is measured from the last resolution; a first opening is 0.
            let resolved = reporting::last_end_time(
                tx.ex(),
                c.id,
                "conversation_resolved",
                "conversation_resolved",
            )
            .await?;
            let e = match resolved {
                Some(start) => event(tx, c, "conversation_opened", start, at, user).await?,
                None => NewEvent {
                    value: 0.0,
                    value_in_business_hours: 0.0,
                    ..event_at(c, "conversation_opened", c.created_at, at, user)
                },
            };
            reporting::insert(tx.ex(), &e, at).await?;
            // One hand-off per conversation, measured from its creation.
            if handoff && !reporting::exists(tx.ex(), c.id, "conversation_bot_handoff").await? {
                let e = event(tx, c, "conversation_bot_handoff", c.created_at, at, user).await?;
                reporting::insert(tx.ex(), &e, at).await?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Chatwoot's `last_non_human_activity`: the latest hand-off or reopening, else the
/// latest bot resolution, else the conversation's creation.
async fn last_non_human_activity(ex: Ex<'_>, c: &Conversation) -> Result<Timestamp> {
    Ok(reporting::last_non_human_activity(ex, c.id)
        .await?
        .unwrap_or(c.created_at))
}

async fn event(
    tx: &mut Tx,
    c: &Conversation,
    name: &'static str,
    start: Timestamp,
    end: Timestamp,
    user: Option<i64>,
) -> Result<NewEvent> {
    let mut e = event_at(c, name, start, end, user);
    let inbox = inboxes::find(tx.ex(), c.account_id, c.inbox_id).await?;
    e.value_in_business_hours = business_seconds(tx.ex(), &inbox, start, end).await?;
    Ok(e)
}

fn event_at(
    c: &Conversation,
    name: &'static str,
    start: Timestamp,
    end: Timestamp,
    user: Option<i64>,
) -> NewEvent {
    NewEvent {
        name,
        // Whole seconds, as Chatwoot subtracts `to_i` values.
        value: (end.unix_seconds() - start.unix_seconds()) as f64,
        value_in_business_hours: 0.0,
        account_id: c.account_id,
        inbox_id: c.inbox_id,
        user_id: user,
        conversation_id: c.id,
        event_start_time: start,
        event_end_time: end,
    }
}

/// The working seconds of the inbox between two moments; 0 when the inbox does not
/// keep working hours (Chatwoot's ReportingEventHelper#business_hours).
async fn business_seconds(
    mut ex: Ex<'_>,
    inbox: &Inbox,
    start: Timestamp,
    end: Timestamp,
) -> Result<f64> {
    if !inbox.working_hours_enabled.unwrap_or(false) {
        return Ok(0.0);
    }
    let hours: Vec<WorkingHour> = inboxes::working_hours(ex.re(), inbox.account_id)
        .await?
        .into_iter()
        .filter(|h| h.inbox_id == Some(inbox.id))
        .collect();
    let week = Week::new(&hours);
    let zone = inbox.timezone.as_deref().unwrap_or("UTC");
    Ok(week.seconds_between(zone, start.unix_seconds(), end.unix_seconds()) as f64)
}

/// Open intervals per weekday (0 Sunday … 6 Saturday) in minutes after local midnight.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Week {
    days: [Option<(i64, i64)>; 7],
}

impl Week {
    /// From an inbox's working hours. A closed day or a missing row is closed; an
    /// open-all-day row is 00:00–23:59 (Chatwoot's WorkingHour stores it so).
    pub fn new(rows: &[WorkingHour]) -> Self {
        let mut week = Week::default();
        for h in rows {
            let Ok(day) = usize::try_from(h.day_of_week) else {
                continue;
            };
            if day > 6 || h.closed_all_day.unwrap_or(false) {
                continue;
            }
            let (open, close) = if h.open_all_day.unwrap_or(false) {
                (0, 23 * 60 + 59)
            } else {
                let at = |hour: Option<i32>, min: Option<i32>| {
                    i64::from(hour.unwrap_or(0)) * 60 + i64::from(min.unwrap_or(0))
                };
                (
                    at(h.open_hour, h.open_minutes),
                    at(h.close_hour, h.close_minutes),
                )
            };
            if close > open {
                week.days[day] = Some((open, close));
            }
        }
        week
    }

    /// Working seconds in `[from, to)` (unix seconds), reading the week in time zone
    /// `zone` (an IANA name; an unknown one counts as UTC).
    pub fn seconds_between(&self, zone: &str, from: i64, to: i64) -> i64 {
        if to <= from || self.days.iter().all(Option::is_none) {
            return 0;
        }
        let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
        let (Ok(a), Ok(b)) = (
            jiff::Timestamp::from_second(from),
            jiff::Timestamp::from_second(to),
        ) else {
            return 0;
        };
        let mut day = a.to_zoned(tz.clone()).date();
        let last = b.to_zoned(tz.clone()).date();
        let mut total = 0;
        // Bounded: ten years of days at most, whatever the input.
        for _ in 0..3700 {
            let weekday = usize::try_from(day.weekday().to_sunday_zero_offset()).unwrap_or(0);
            if let Some((open, close)) = self.days[weekday] {
                let at = |minutes: i64| {
                    day.at((minutes / 60) as i8, (minutes % 60) as i8, 0, 0)
                        .to_zoned(tz.clone())
                        .map(|z| z.timestamp().as_second())
                };
                if let (Ok(o), Ok(c)) = (at(open), at(close)) {
                    let s = o.max(from);
                    let e = c.min(to);
                    if e > s {
                        total += e - s;
                    }
                }
            }
            if day >= last {
                break;
            }
            match day.tomorrow() {
                Ok(d) => day = d,
                Err(_) => break,
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(day: i32, open: (i32, i32), close: (i32, i32)) -> WorkingHour {
        WorkingHour {
            id: 0,
            inbox_id: Some(1),
            day_of_week: day,
            closed_all_day: Some(false),
            open_hour: Some(open.0),
            open_minutes: Some(open.1),
            close_hour: Some(close.0),
            close_minutes: Some(close.1),
            open_all_day: Some(false),
        }
    }

    // 2024-01-01 was a Monday.
    const MON_00_UTC: i64 = 1_704_067_200;

    #[test]
    fn counts_only_the_open_hours_of_each_day() {
        let week = Week::new(&(1..=5).map(|d| row(d, (9, 0), (17, 0))).collect::<Vec<_>>());
        // Monday 08:00 to Tuesday 10:30 UTC: Mon 9–17 (8 h) + Tue 9–10:30 (1.5 h).
        let from = MON_00_UTC + 8 * 3600;
        let to = MON_00_UTC + 24 * 3600 + 10 * 3600 + 1800;
        assert_eq!(week.seconds_between("UTC", from, to), 9 * 3600 + 1800);
        // Saturday to Sunday: closed.
        let sat = MON_00_UTC + 5 * 86_400;
        assert_eq!(week.seconds_between("UTC", sat, sat + 2 * 86_400), 0);
    }

    #[test]
    fn reads_hours_in_the_inbox_time_zone() {
        let week = Week::new(&[row(1, (9, 0), (17, 0))]);
        // Monday 00:00–12:00 UTC is 05:30–17:30 in Kolkata (UTC+5:30): the whole
        // 09:00–17:00 day is inside. 00:00–06:00 UTC (05:30–11:30 there) holds 2.5 h.
        let from = MON_00_UTC;
        let to = MON_00_UTC + 12 * 3600;
        assert_eq!(week.seconds_between("Asia/Kolkata", from, to), 8 * 3600);
        assert_eq!(
            week.seconds_between("Asia/Kolkata", from, from + 6 * 3600),
            2 * 3600 + 1800
        );
        // In UTC the same span holds 3 working hours (09:00–12:00).
        assert_eq!(week.seconds_between("UTC", from, to), 3 * 3600);
    }

    #[test]
    fn a_daylight_saving_day_is_an_hour_shorter() {
        let mut sunday = row(0, (0, 0), (23, 59));
        sunday.open_all_day = Some(true);
        let week = Week::new(&[sunday]);
        // 2024-03-10, New York: clocks go from 02:00 to 03:00. Local midnight to midnight
        // is 05:00 UTC to 04:00 UTC the next day, 23 h, open all but the last minute.
        let from = 1_710_046_800;
        let to = 1_710_129_600;
        assert_eq!(to - from, 23 * 3600);
        assert_eq!(
            week.seconds_between("America/New_York", from, to),
            23 * 3600 - 60
        );
    }

    #[test]
    fn closed_and_empty_weeks_count_nothing() {
        assert_eq!(Week::new(&[]).seconds_between("UTC", 0, 86_400 * 30), 0);
        let mut closed = row(1, (9, 0), (17, 0));
        closed.closed_all_day = Some(true);
        assert_eq!(
            Week::new(&[closed]).seconds_between("UTC", MON_00_UTC, MON_00_UTC + 86_400),
            0
        );
    }
}
