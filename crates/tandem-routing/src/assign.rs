//! Who takes the next conversation: the agent choice of each strategy, and a routing pass that
//! plans every assignment the current queue and the agents' free room allow.

use std::collections::HashMap;

use tandem_domain::Timestamp;
use tandem_domain::id::{ConversationId, TeamId, UserId};

use crate::queue::{Waiting, queue_order};
use crate::team::Strategy;

/// An online agent who may take conversations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agent {
    pub user_id: UserId,
    /// The teams the agent belongs to.
    pub teams: Vec<TeamId>,
    /// Open conversations the agent holds now.
    pub load: u32,
    /// The most the agent may hold at once.
    pub capacity: u32,
    /// When the agent was last given a conversation (round-robin order).
    pub last_assigned_at: Option<Timestamp>,
}

impl Agent {
    /// Whether the agent has room for one more conversation.
    pub fn has_room(&self) -> bool {
        self.load < self.capacity
    }

    fn serves(&self, team_id: Option<TeamId>) -> bool {
        team_id.is_none_or(|team| self.teams.contains(&team))
    }
}

/// One assignment a routing pass decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Assignment {
    pub conversation_id: ConversationId,
    pub agent_id: UserId,
}

/// The agent `strategy` gives the next conversation to, among `candidates` (who all have
/// room): least-busy takes the fewest open conversations, then the longest since an
/// assignment; round-robin takes the longest since an assignment; manual pick takes nobody.
/// Remaining ties go to the lowest id, so a decision never depends on input order.
pub fn choose_agent<'a>(strategy: Strategy, candidates: &[&'a Agent]) -> Option<&'a Agent> {
    let least_recent = |a: &Agent, b: &Agent| {
        a.last_assigned_at
            .cmp(&b.last_assigned_at)
            .then(a.user_id.cmp(&b.user_id))
    };
    let candidates = candidates.iter().copied();
    match strategy {
        Strategy::ManualPick => None,
        Strategy::LeastBusy => {
            candidates.min_by(|a, b| a.load.cmp(&b.load).then_with(|| least_recent(a, b)))
        }
        Strategy::RoundRobin => candidates.min_by(|a, b| least_recent(a, b)),
    }
}

/// Plans a routing pass: conversations in queue order, each given to an agent of its team
/// (anyone when it has no team) with room, by its team's strategy; an agent's load grows with
/// each planned assignment, so nobody is planned above capacity. `strategies` holds each team's
/// strategy; a team missing from it (and the no-team queue) is least-busy.
pub fn plan(
    waiting: &[Waiting],
    agents: &[Agent],
    strategies: &HashMap<TeamId, Strategy>,
    now: Timestamp,
) -> Vec<Assignment> {
    let mut agents = agents.to_vec();
    let mut queue: Vec<&Waiting> = waiting.iter().collect();
    queue.sort_by(|a, b| queue_order(a, b));
    let mut assignments = Vec::new();
    for conversation in queue {
        let strategy = conversation
            .team_id
            .and_then(|team| strategies.get(&team).copied())
            .unwrap_or_default();
        let candidates: Vec<&Agent> = agents
            .iter()
            .filter(|agent| agent.has_room() && agent.serves(conversation.team_id))
            .filter(|agent| conversation.not_to != Some(agent.user_id))
            .collect();
        let Some(chosen) = choose_agent(strategy, &candidates).map(|agent| agent.user_id) else {
            continue;
        };
        if let Some(agent) = agents.iter_mut().find(|agent| agent.user_id == chosen) {
            agent.load += 1;
            agent.last_assigned_at = Some(now);
        }
        assignments.push(Assignment {
            conversation_id: conversation.conversation_id,
            agent_id: chosen,
        });
    }
    assignments
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::Priority;
    use uuid::Uuid;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + seconds).expect("in range")
    }

    fn team(n: u128) -> TeamId {
        TeamId(Uuid::from_u128(n))
    }

    fn agent(n: u128, teams: &[u128], load: u32, capacity: u32, last: Option<i64>) -> Agent {
        Agent {
            user_id: UserId(Uuid::from_u128(n)),
            teams: teams.iter().map(|t| team(*t)).collect(),
            load,
            capacity,
            last_assigned_at: last.map(at),
        }
    }

    fn waiting(n: u128, team_id: Option<u128>, priority: i32, queued: i64) -> Waiting {
        Waiting {
            conversation_id: ConversationId(Uuid::from_u128(n)),
            team_id: team_id.map(team),
            priority: Priority(priority),
            queued_at: at(queued),
            not_to: None,
        }
    }

    fn chosen(strategy: Strategy, agents: &[Agent]) -> Option<u128> {
        let candidates: Vec<&Agent> = agents.iter().collect();
        choose_agent(strategy, &candidates).map(|a| a.user_id.0.as_u128())
    }

    #[test]
    fn least_busy_takes_the_lightest_load_then_the_longest_idle() {
        let agents = [
            agent(1, &[], 2, 5, Some(0)),
            agent(2, &[], 1, 5, Some(50)),
            agent(3, &[], 1, 5, Some(10)),
        ];
        assert_eq!(chosen(Strategy::LeastBusy, &agents), Some(3));
    }

    #[test]
    fn round_robin_takes_the_longest_since_an_assignment() {
        let agents = [
            agent(1, &[], 4, 5, Some(30)),
            agent(2, &[], 0, 5, Some(50)),
            agent(3, &[], 3, 5, None),
        ];
        assert_eq!(chosen(Strategy::RoundRobin, &agents), Some(3));
    }

    #[test]
    fn manual_pick_assigns_nobody() {
        let agents = [agent(1, &[], 0, 5, None)];
        assert_eq!(chosen(Strategy::ManualPick, &agents), None);
    }

    #[test]
    fn ties_do_not_depend_on_input_order() {
        let agents = [agent(2, &[], 0, 5, None), agent(1, &[], 0, 5, None)];
        assert_eq!(chosen(Strategy::LeastBusy, &agents), Some(1));
        assert_eq!(chosen(Strategy::RoundRobin, &agents), Some(1));
    }

    #[test]
    fn a_pass_fills_free_room_in_queue_order_and_never_exceeds_capacity() {
        let agents = [agent(1, &[7], 1, 2, None), agent(2, &[7], 0, 1, None)];
        let queue = [
            waiting(10, Some(7), 0, 3),
            waiting(11, Some(7), 20, 9),
            waiting(12, Some(7), 0, 1),
            waiting(13, Some(7), 0, 2),
        ];
        let plan = plan(&queue, &agents, &HashMap::new(), at(100));
        let pairs: Vec<(u128, u128)> = plan
            .iter()
            .map(|a| (a.conversation_id.0.as_u128(), a.agent_id.0.as_u128()))
            .collect();
        // 11 is urgent; then arrival order. Agent 2 is idle, so least-busy starts there.
        assert_eq!(pairs, [(11, 2), (12, 1)]);
    }

    #[test]
    fn conversations_go_only_to_their_teams_agents() {
        let agents = [agent(1, &[7], 0, 3, None), agent(2, &[8], 0, 3, None)];
        let queue = [
            waiting(10, Some(8), 0, 1),
            waiting(11, Some(9), 0, 2),
            waiting(12, None, 0, 3),
        ];
        let plan = plan(&queue, &agents, &HashMap::new(), at(100));
        let pairs: Vec<(u128, u128)> = plan
            .iter()
            .map(|a| (a.conversation_id.0.as_u128(), a.agent_id.0.as_u128()))
            .collect();
        assert_eq!(pairs, [(10, 2), (12, 1)]);
    }

    #[test]
    fn a_conversation_is_not_given_back_to_the_agent_who_let_it_time_out() {
        let agents = [agent(1, &[], 0, 3, None), agent(2, &[], 2, 3, None)];
        let mut timed_out = waiting(10, None, 0, 1);
        timed_out.not_to = Some(UserId(Uuid::from_u128(1)));
        let plan = plan(&[timed_out], &agents, &HashMap::new(), at(100));
        assert_eq!(plan[0].agent_id, UserId(Uuid::from_u128(2)));
    }

    #[test]
    fn manual_pick_teams_are_left_in_the_queue() {
        let agents = [agent(1, &[7], 0, 3, None)];
        let strategies = HashMap::from([(team(7), Strategy::ManualPick)]);
        let plan = plan(&[waiting(10, Some(7), 0, 1)], &agents, &strategies, at(100));
        assert!(plan.is_empty());
    }

    #[test]
    fn round_robin_rotates_through_a_team() {
        let agents = [
            agent(1, &[7], 0, 9, None),
            agent(2, &[7], 0, 9, None),
            agent(3, &[7], 0, 9, None),
        ];
        let strategies = HashMap::from([(team(7), Strategy::RoundRobin)]);
        let queue: Vec<Waiting> = (0..6)
            .map(|n| waiting(10 + n, Some(7), 0, n as i64))
            .collect();
        let mut order = Vec::new();
        let mut agents = agents.to_vec();
        for (now, conversation) in (100..).zip(&queue) {
            let planned = plan(
                std::slice::from_ref(conversation),
                &agents,
                &strategies,
                at(now),
            );
            let agent_id = planned[0].agent_id;
            order.push(agent_id.0.as_u128());
            let agent = agents
                .iter_mut()
                .find(|a| a.user_id == agent_id)
                .expect("agent");
            agent.load += 1;
            agent.last_assigned_at = Some(at(now));
        }
        assert_eq!(order, [1, 2, 3, 1, 2, 3]);
    }
}
