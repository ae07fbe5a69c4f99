//! Reading a profile from YAML (JSON, a subset of YAML, works too): parse, collect every
//! unknown key with its path, then validate.

use crate::profile::error::{ProfileError, ProfileErrorKind, ProfileErrors};
use crate::profile::schema::BotProfile;
use crate::profile::validate::validate;

impl BotProfile {
    /// Parses and validates a profile.
    ///
    /// # Errors
    /// Every problem found, each with its path: a YAML syntax or type error (then nothing
    /// else could be checked), or else every unknown key and every validation problem.
    pub fn from_yaml(yaml: &str) -> Result<BotProfile, ProfileErrors> {
        let mut unknown_keys = Vec::new();
        let mut track = serde_path_to_error::Track::new();
        let mut options = serde_saphyr::Options::default();
        options.with_snippet = false;
        let parsed =
            serde_saphyr::with_deserializer_from_str_with_options(yaml, options, |deserializer| {
                let tracked = serde_path_to_error::Deserializer::new(deserializer, &mut track);
                serde_ignored::deserialize(tracked, |path| unknown_keys.push(ignored_path(&path)))
            });
        let profile: BotProfile = match parsed {
            Ok(profile) => profile,
            Err(error) => {
                let path = track.path().to_string();
                let path = if path == "." || path.is_empty() {
                    "profile".to_owned()
                } else {
                    path
                };
                return Err(ProfileErrors::new(vec![ProfileError {
                    path,
                    kind: ProfileErrorKind::Yaml {
                        message: error.to_string(),
                    },
                }]));
            }
        };
        let mut errors: Vec<ProfileError> = unknown_keys
            .into_iter()
            .map(|path| ProfileError {
                path,
                kind: ProfileErrorKind::UnknownKey,
            })
            .collect();
        errors.extend(validate(&profile));
        if errors.is_empty() {
            Ok(profile)
        } else {
            Err(ProfileErrors::new(errors))
        }
    }

    /// Validates a profile built or edited in code.
    ///
    /// # Errors
    /// Every problem found, each with its path.
    pub fn validate(&self) -> Result<(), ProfileErrors> {
        let errors = validate(self);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ProfileErrors::new(errors))
        }
    }
}

/// `intents[3].action.bogus`, in the same notation as the other paths.
fn ignored_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", ignored_path(parent)),
        Path::Map { parent, key } => {
            let parent = ignored_path(parent);
            if parent.is_empty() {
                key.clone()
            } else {
                format!("{parent}.{key}")
            }
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => ignored_path(parent),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BROKEN: &str = r#"
persona:
  name: Test
  greeting:
    pt: "Olá {first_name}!"
    es: "¡Hola!"
languages:
  supported: [pt, es]
  default: pt
contact_attributes: [first_name, tier]
variables:
  api: "http://localhost:9000"
intents:
  - name: boleto
    examples:
      pt: [a, b, c, d, e]
      es: [a, b, c, d, e]
    reply:
      pt: "Olá {first_name}"
      es: "Su CPF {cpf}"
  - name: boleto
    examples:
      pt: [a, b, c, d, e]
      es: [a, b]
    slots:
      - name: cpf
        entity: rg
        prompt: {pt: "CPF?", es: "¿CPF?"}
    action:
      method: FETCH
      url: "boletos/{cpf}"
      timeout_ms: 10
      send: [cpf, email]
      reply:
        pt: "Vence {result.due_date}"
        es: "Vence {result.due_date} {nome}"
    bogus: 1
  - name: balance
    examples:
      pt: [a, b, c, d, e]
      es: [a, b, c, d, e]
      fr: [a, b, c, d, e]
    action:
      method: GET
      url: "{core_banking_url}/balance"
      reply:
        pt: "Saldo {result.available}"
handover:
  negative_sentiment:
    threshold: 0.4
  bot_failure:
    consecutive_failures: 0
    extra: true
  high_value:
    rules: ["segment = private", "tier"]
"#;

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let errors = BotProfile::from_yaml(BROKEN).unwrap_err();
        let lines: Vec<String> = errors.to_string().lines().map(str::to_owned).collect();
        let expected = [
            "intents[1].bogus: unknown key",
            "handover.bot_failure.extra: unknown key",
            "intents[0].reply.es: unknown variable {cpf}",
            "intents[1].name: duplicate intent name `boleto` (first at intents[0])",
            "intents[1].examples.es: 2 examples, at least 5 needed",
            "intents[1].slots[0].entity: unknown entity kind `rg` (expected one of cpf, cnpj, email, phone, money, date, reference, card_number)",
            "intents[1].action.method: unknown HTTP method `FETCH` (expected one of GET, POST, PUT, PATCH, DELETE)",
            "intents[1].action.url: not a URL",
            "intents[1].action.timeout_ms: must be between 100 and 60000, got 10",
            "intents[1].action.send[1]: `email` is not a slot of this intent",
            "intents[1].action.reply.es: unknown variable {nome}",
            "intents[2].examples.fr: unknown language `fr` (expected pt, es or en)",
            "intents[2].action.url: unknown variable {core_banking_url}",
            "intents[2].action.reply: missing the es text",
            "handover.negative_sentiment.threshold: must be between -1 and 0, got 0.4",
            "handover.bot_failure.consecutive_failures: must be between 1 and 10, got 0",
            "handover.high_value.rules[0]: contact attribute `segment` is not declared in contact_attributes",
            "handover.high_value.rules[1]: `tier` is not a rule (expected `attribute = value`, `attribute != value`, `attribute >= number` (or >, <=, <) or `attribute in [a, b]`)",
        ];
        assert_eq!(lines, expected);
        assert_eq!(errors.len(), expected.len());
        assert_eq!(errors.errors()[7].kind, ProfileErrorKind::NotAUrl);
    }

    #[test]
    fn a_type_error_names_its_path_and_line() {
        let yaml = DEMO_HEAD.replace("timeout_ms: 3000", "timeout_ms: soon");
        let errors = BotProfile::from_yaml(&yaml).unwrap_err();
        assert_eq!(errors.len(), 1);
        let error = &errors.errors()[0];
        assert_eq!(error.path, "intents[0].action.timeout_ms");
        assert!(
            matches!(&error.kind, ProfileErrorKind::Yaml { message } if message.contains("line 26")),
            "{error}"
        );
    }

    #[test]
    fn broken_yaml_is_one_problem() {
        let errors = BotProfile::from_yaml("persona: [\n").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors.to_string().starts_with("persona: "), "{errors}");
        let missing =
            BotProfile::from_yaml("languages: {supported: [pt], default: pt}\n").unwrap_err();
        assert!(
            missing.to_string().contains("missing field `persona`"),
            "{missing}"
        );
    }

    #[test]
    fn a_minimal_profile_loads_with_defaults() {
        let profile = BotProfile::from_yaml(DEMO_HEAD).unwrap();
        assert_eq!(profile.intents.len(), 1);
        assert_eq!(profile.handover.bot_failure.consecutive_failures, 2);
        assert!(profile.handover.customer_request.enabled);
        assert_eq!(profile.intents[0].slots[0].max_attempts, 3);
        let config = profile.engine_config();
        assert_eq!(config.intents[0].examples.len(), 5);
        assert_eq!(config.default_language, tandem_nlu::Language::Portuguese);
    }

    #[test]
    fn an_external_bot_is_checked_field_by_field() {
        let good = format!(
            "{DEMO_HEAD}external_bot:\n  url: https://bots.example.com/tandem\n  secret: sixteen-chars-ok\n"
        );
        let profile = BotProfile::from_yaml(&good).unwrap();
        let external = profile.external_bot.expect("an external bot");
        assert_eq!(external.timeout_seconds, 10);
        let bad = format!(
            "{DEMO_HEAD}external_bot:\n  url: bots.example.com\n  secret: short\n  timeout_seconds: 600\n"
        );
        let errors = BotProfile::from_yaml(&bad).unwrap_err();
        let lines: Vec<String> = errors.to_string().lines().map(str::to_owned).collect();
        assert_eq!(
            lines,
            [
                "external_bot.url: not a URL",
                "external_bot.secret: must be at least 16 characters",
                "external_bot.timeout_seconds: must be between 1 and 120, got 600",
            ]
        );
    }

    #[test]
    fn today_is_the_customers_day_in_the_profiles_time_zone() {
        let mut profile = BotProfile::from_yaml(DEMO_HEAD).unwrap();
        // 02:30 UTC on the 22nd is still the 21st in São Paulo (UTC−3).
        let now: jiff::Timestamp = "2026-11-22T02:30:00Z".parse().unwrap();
        assert_eq!(profile.today(now), jiff::civil::date(2026, 11, 22));
        profile.time_zone = Some("America/Sao_Paulo".into());
        assert_eq!(profile.today(now), jiff::civil::date(2026, 11, 21));
        let bad = format!("{DEMO_HEAD}time_zone: America/Atlantis\n");
        let errors = BotProfile::from_yaml(&bad).unwrap_err();
        assert_eq!(errors.errors()[0].path, "time_zone");
    }

    /// A small valid profile; line 26 is the action's `timeout_ms`.
    const DEMO_HEAD: &str = r#"persona:
  name: Aurora
  greeting:
    pt: "Olá!"
languages:
  supported: [pt]
  default: pt
variables:
  api: "http://127.0.0.1:8081"
intents:
  - name: boleto
    examples:
      pt: ["quero o boleto", "segunda via", "boleto vencido", "me manda o boleto", "perdi o boleto"]
    slots:
      - name: cpf
        entity: cpf
        prompt:
          pt: "Qual é o seu CPF?"
    action:
      method: post
      url: "{api}/boletos/{cpf}"
      send: [cpf]
      reply:
        pt: "Vence em {result.due_date}."
      retries: 0
      timeout_ms: 3000
"#;
}
