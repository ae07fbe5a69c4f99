//! A team's routing settings (skills, priority order, strategy, calendar, SLAs) and the choice
//! of the team a handed-over conversation goes to.

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};
use tandem_domain::id::{InboxId, TeamId};
use tandem_domain::validation::{FieldError, ValidationError, Validator};

use crate::calendar::{Calendar, CalendarSpec};

/// Languages a team may serve.
pub const LANGUAGES: [&str; 3] = ["pt", "es", "en"];
/// Longest SLA or timeout accepted: 30 days.
pub const MAX_SECONDS: u32 = 30 * 24 * 3600;
/// Most skills of one kind a team may list.
pub const MAX_SKILLS: usize = 200;

/// How a team's queue hands conversations to its agents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// The agent with the fewest open conversations.
    #[default]
    LeastBusy,
    /// The agent who was given a conversation longest ago.
    RoundRobin,
    /// Nobody is assigned automatically: agents pick from the queue.
    ManualPick,
}

/// What happens to a conversation handed over while its team is closed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutOfHours {
    /// It waits in the queue; the customer is told when the team is back.
    #[default]
    Wait,
    /// The bot keeps the conversation and tells the customer when the team is back.
    StayWithBot,
}

/// A team's routing settings as stored and sent over the API (JSON).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoutingSpec {
    /// Intent names served; empty serves every intent.
    pub intents: Vec<String>,
    /// Languages served (`pt`, `es`, `en`); empty serves every language.
    pub languages: Vec<String>,
    /// Inboxes served; empty serves every inbox.
    pub inbox_ids: Vec<InboxId>,
    /// Order among teams that match equally well: 1 first.
    pub priority: u32,
    /// Takes what no other team matches.
    pub fallback: bool,
    pub strategy: Strategy,
    /// Opening hours; none means always open.
    pub business_hours: Option<CalendarSpec>,
    pub out_of_hours: OutOfHours,
    /// Time to first agent response, in open seconds from the handover.
    pub first_response_sla_seconds: Option<u32>,
    /// Time to resolution, in open seconds from the handover.
    pub resolution_sla_seconds: Option<u32>,
    /// An assigned agent who has not answered within this many seconds loses the conversation.
    pub answer_timeout_seconds: Option<u32>,
}

/// A team's validated routing settings.
#[derive(Clone, Debug, PartialEq)]
pub struct TeamRouting {
    pub team_id: TeamId,
    pub intents: Vec<String>,
    pub languages: Vec<String>,
    pub inbox_ids: Vec<InboxId>,
    pub priority: u32,
    pub fallback: bool,
    pub strategy: Strategy,
    pub calendar: Calendar,
    pub out_of_hours: OutOfHours,
    pub first_response_sla: Option<SignedDuration>,
    pub resolution_sla: Option<SignedDuration>,
    pub answer_timeout: Option<SignedDuration>,
}

impl RoutingSpec {
    /// Validates every field, naming each bad one under `field` (`routing.languages[0]`).
    pub fn parse(&self, team_id: TeamId, field: &str) -> Result<TeamRouting, ValidationError> {
        let mut validator = Validator::new();
        check_list(&mut validator, &format!("{field}.intents"), &self.intents);
        check_list(
            &mut validator,
            &format!("{field}.languages"),
            &self.languages,
        );
        for (index, language) in self.languages.iter().enumerate() {
            if !LANGUAGES.contains(&language.as_str()) {
                validator.reject(
                    &format!("{field}.languages[{index}]"),
                    "unknown_language",
                    format!("must be one of {}", LANGUAGES.join(", ")),
                );
            }
        }
        if self.inbox_ids.len() > MAX_SKILLS {
            validator.reject(
                &format!("{field}.inbox_ids"),
                "too_many",
                format!("must list at most {MAX_SKILLS}"),
            );
        }
        let seconds = [
            (
                "first_response_sla_seconds",
                self.first_response_sla_seconds,
            ),
            ("resolution_sla_seconds", self.resolution_sla_seconds),
            ("answer_timeout_seconds", self.answer_timeout_seconds),
        ];
        for (name, value) in seconds {
            if value.is_some_and(|s| s == 0 || s > MAX_SECONDS) {
                validator.reject(
                    &format!("{field}.{name}"),
                    "out_of_range",
                    format!("must be between 1 and {MAX_SECONDS} seconds"),
                );
            }
        }
        let calendar = match &self.business_hours {
            Some(spec) => spec.parse(&format!("{field}.business_hours")).map(Some),
            None => Ok(None),
        };
        let mut errors: Vec<FieldError> = match validator.finish() {
            Ok(()) => Vec::new(),
            Err(ValidationError(errors)) => errors,
        };
        let calendar = match calendar {
            Ok(calendar) => calendar.unwrap_or_else(Calendar::always_open),
            Err(ValidationError(more)) => {
                errors.extend(more);
                return Err(ValidationError(errors));
            }
        };
        if !errors.is_empty() {
            return Err(ValidationError(errors));
        }
        Ok(TeamRouting {
            team_id,
            intents: self.intents.iter().map(|i| i.trim().to_owned()).collect(),
            languages: self.languages.clone(),
            inbox_ids: self.inbox_ids.clone(),
            priority: self.priority,
            fallback: self.fallback,
            strategy: self.strategy,
            calendar,
            out_of_hours: self.out_of_hours,
            first_response_sla: self.first_response_sla_seconds.map(seconds_duration),
            resolution_sla: self.resolution_sla_seconds.map(seconds_duration),
            answer_timeout: self.answer_timeout_seconds.map(seconds_duration),
        })
    }
}

fn seconds_duration(seconds: u32) -> SignedDuration {
    SignedDuration::from_secs(i64::from(seconds))
}

fn check_list(validator: &mut Validator, field: &str, values: &[String]) {
    if values.len() > MAX_SKILLS {
        validator.reject(field, "too_many", format!("must list at most {MAX_SKILLS}"));
    }
    for (index, value) in values.iter().enumerate() {
        validator.text(&format!("{field}[{index}]"), value, 100);
    }
}

/// What routing knows about a conversation when it is handed over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Need<'a> {
    /// The intent the bot recognised, if any.
    pub intent: Option<&'a str>,
    /// The customer's language (`pt`, `es`, `en`), if known.
    pub language: Option<&'a str>,
    pub inbox_id: Option<InboxId>,
}

impl TeamRouting {
    /// How many of the team's skills `need` satisfies, or `None` when one excludes it. A
    /// skill the team leaves empty accepts anything; a value the conversation lacks (no
    /// intent yet) matches only teams that do not restrict it.
    fn matches(&self, need: &Need<'_>) -> Option<usize> {
        fn skill<T: PartialEq>(listed: &[T], value: Option<&T>) -> Option<usize> {
            match value {
                _ if listed.is_empty() => Some(0),
                Some(value) if listed.contains(value) => Some(1),
                _ => None,
            }
        }
        let intent = need.intent.map(str::to_owned);
        let language = need.language.map(str::to_owned);
        Some(
            skill(&self.intents, intent.as_ref())?
                + skill(&self.languages, language.as_ref())?
                + skill(&self.inbox_ids, need.inbox_id.as_ref())?,
        )
    }
}

/// The team a conversation goes to: among the teams whose skills accept it, the most specific
/// one (most skills matched), then the lowest priority number, then the first listed; the
/// fallback team when none accepts it; `None` when there is no fallback either (the account's
/// whole staff then serves it).
pub fn choose_team<'t>(teams: &'t [TeamRouting], need: &Need<'_>) -> Option<&'t TeamRouting> {
    teams
        .iter()
        .enumerate()
        .filter_map(|(index, team)| team.matches(need).map(|score| (score, team, index)))
        .max_by(|(a_score, a, a_index), (b_score, b, b_index)| {
            a_score
                .cmp(b_score)
                .then(b.priority.cmp(&a.priority))
                .then(b_index.cmp(a_index))
        })
        .map(|(_, team, _)| team)
        .or_else(|| teams.iter().find(|team| team.fallback))
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn team(n: u128, spec: RoutingSpec) -> TeamRouting {
        spec.parse(TeamId(Uuid::from_u128(n)), "routing")
            .expect("valid")
    }

    fn inbox(n: u128) -> InboxId {
        InboxId(Uuid::from_u128(n))
    }

    fn teams() -> Vec<TeamRouting> {
        vec![
            team(
                1,
                RoutingSpec {
                    fallback: true,
                    priority: 9,
                    languages: vec!["pt".into()],
                    ..RoutingSpec::default()
                },
            ),
            team(
                2,
                RoutingSpec {
                    intents: vec!["card_lost".into(), "fraud".into()],
                    priority: 1,
                    ..RoutingSpec::default()
                },
            ),
            team(
                3,
                RoutingSpec {
                    intents: vec!["card_lost".into()],
                    languages: vec!["es".into()],
                    priority: 2,
                    ..RoutingSpec::default()
                },
            ),
            team(
                4,
                RoutingSpec {
                    languages: vec!["en".into()],
                    inbox_ids: vec![inbox(7)],
                    priority: 1,
                    ..RoutingSpec::default()
                },
            ),
            team(
                5,
                RoutingSpec {
                    languages: vec!["en".into()],
                    priority: 3,
                    ..RoutingSpec::default()
                },
            ),
        ]
    }

    fn chosen(need: Need<'_>) -> Option<u128> {
        let teams = teams();
        choose_team(&teams, &need).map(|team| team.team_id.0.as_u128())
    }

    #[test]
    fn the_most_specific_matching_team_wins() {
        type Case<'a> = (
            Option<&'a str>,
            Option<&'a str>,
            Option<InboxId>,
            Option<u128>,
        );
        let cases: [Case<'_>; 8] = [
            (Some("card_lost"), Some("es"), None, Some(3)),
            (Some("card_lost"), Some("pt"), None, Some(2)),
            (Some("fraud"), Some("es"), None, Some(2)),
            (Some("balance"), Some("pt"), None, Some(1)),
            (Some("balance"), Some("en"), Some(inbox(7)), Some(4)),
            (Some("balance"), Some("en"), Some(inbox(8)), Some(5)),
            (None, Some("en"), None, Some(5)),
            // Nothing matches Spanish without a known intent: the fallback takes it.
            (None, Some("es"), None, Some(1)),
        ];
        for (intent, language, inbox_id, expected) in cases {
            let need = Need {
                intent,
                language,
                inbox_id,
            };
            assert_eq!(chosen(need), expected, "{need:?}");
        }
    }

    #[test]
    fn priority_breaks_ties_between_equally_specific_teams() {
        let teams = vec![
            team(
                1,
                RoutingSpec {
                    priority: 5,
                    ..RoutingSpec::default()
                },
            ),
            team(
                2,
                RoutingSpec {
                    priority: 2,
                    ..RoutingSpec::default()
                },
            ),
            team(
                3,
                RoutingSpec {
                    priority: 2,
                    ..RoutingSpec::default()
                },
            ),
        ];
        let choice = choose_team(&teams, &Need::default()).expect("a team");
        assert_eq!(choice.team_id.0.as_u128(), 2);
    }

    #[test]
    fn without_teams_or_fallback_nobody_in_particular_is_chosen() {
        assert_eq!(choose_team(&[], &Need::default()), None);
        let teams = vec![team(
            1,
            RoutingSpec {
                languages: vec!["pt".into()],
                ..RoutingSpec::default()
            },
        )];
        let need = Need {
            language: Some("en"),
            ..Need::default()
        };
        assert_eq!(choose_team(&teams, &need), None);
    }

    #[test]
    fn every_bad_field_is_named() {
        let spec = RoutingSpec {
            intents: vec![" ".into()],
            languages: vec!["pt".into(), "fr".into()],
            first_response_sla_seconds: Some(0),
            answer_timeout_seconds: Some(MAX_SECONDS + 1),
            business_hours: Some(CalendarSpec {
                time_zone: "Mars/Olympus".into(),
                weekly: Default::default(),
                holidays: vec![],
            }),
            ..RoutingSpec::default()
        };
        let error = spec
            .parse(TeamId(Uuid::from_u128(1)), "routing")
            .expect_err("invalid");
        let fields: Vec<&str> = error.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "routing.intents[0]",
                "routing.languages[1]",
                "routing.first_response_sla_seconds",
                "routing.answer_timeout_seconds",
                "routing.business_hours.time_zone",
            ]
        );
    }

    #[test]
    fn the_wire_form_round_trips_and_refuses_unknown_fields() {
        let json = r#"{"intents":["fraud"],"languages":["pt"],"priority":1,"strategy":"round_robin","out_of_hours":"stay_with_bot","first_response_sla_seconds":300}"#;
        let spec: RoutingSpec = serde_json::from_str(json).expect("parses");
        assert_eq!(spec.strategy, Strategy::RoundRobin);
        assert_eq!(spec.out_of_hours, OutOfHours::StayWithBot);
        let back: RoutingSpec =
            serde_json::from_str(&serde_json::to_string(&spec).expect("json")).expect("parses");
        assert_eq!(back, spec);
        assert!(serde_json::from_str::<RoutingSpec>(r#"{"skils":[]}"#).is_err());
    }
}
