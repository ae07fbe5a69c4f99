//! The fixed set of fictional Banco Aurora customers, keyed by valid CPFs. Every name,
//! number and address here is invented; dates are stored relative to "today" so the demo
//! never goes stale.

use crate::cpf::Cpf;

/// One fictional customer and everything the demo API can tell about them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoCustomer {
    /// The CPF as 11 digits, the way the bot sends it.
    pub cpf: &'static str,
    /// Full name.
    pub name: &'static str,
    /// What this customer is good for in a demo.
    pub scenario: &'static str,
    /// The e-mail statements go to (shown masked).
    pub email: &'static str,
    /// The 7-digit account number at agency 0001.
    pub account: &'static str,
    /// Money available in the account, in centavos.
    pub available_cents: u64,
    /// Money in the savings boxes ("caixinhas"), in centavos.
    pub invested_cents: u64,
    /// The open boleto whose second copy can be issued, if any.
    pub boleto: Option<OpenBoleto>,
    /// The credit card, if any.
    pub card: Option<Card>,
    /// The pre-approved personal loan, if any.
    pub loan_offer: Option<LoanOffer>,
    /// The booked branch appointment, if any.
    pub appointment: Option<Appointment>,
}

/// A boleto the customer still has to pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenBoleto {
    /// The original amount, in centavos.
    pub amount_cents: u64,
    /// Days from today to the original due date; negative when already overdue.
    pub due_in_days: i32,
    /// The bank's 11-digit reference for this boleto ("nosso número").
    pub our_number: &'static str,
}

/// A credit card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Card {
    /// The last four digits printed on the card.
    pub last_digits: &'static str,
    /// The current bill, in centavos.
    pub invoice_cents: u64,
    /// The day of the month the bill is due (1 to 28).
    pub due_day: i8,
    /// A new card on its way, if any.
    pub delivery: Option<CardDelivery>,
}

/// A physical card being delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardDelivery {
    /// Where the card is.
    pub stage: DeliveryStage,
    /// Business days from today to the estimated delivery.
    pub business_days_left: u8,
}

/// The stages of a card delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStage {
    /// The card is being printed.
    InProduction,
    /// The card is with the post office.
    InTransit,
    /// The courier has the card today.
    OutForDelivery,
}

impl DeliveryStage {
    /// The stable machine-readable code, e.g. `in_transit`.
    pub fn code(self) -> &'static str {
        match self {
            DeliveryStage::InProduction => "in_production",
            DeliveryStage::InTransit => "in_transit",
            DeliveryStage::OutForDelivery => "out_for_delivery",
        }
    }
}

/// A pre-approved personal loan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoanOffer {
    /// The most the customer can borrow, in centavos.
    pub max_amount_cents: u64,
    /// The lowest monthly rate in hundredths of a percent (189 is 1.89% a month).
    pub monthly_rate_hundredths: u16,
    /// The most installments allowed.
    pub max_installments: u8,
}

/// A booked visit to an Aurora space (branch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appointment {
    /// The Aurora space's name, e.g. `Paulista`.
    pub branch: &'static str,
    /// The booked time of day, `HH:MM`; a reschedule keeps it.
    pub time: &'static str,
}

/// An amount in centavos from reais and centavos, for readable tables.
const fn brl(reais: u64, centavos: u64) -> u64 {
    reais * 100 + centavos
}

/// Banco Aurora's demo customers. The first one is the CPF the bot's own tests use.
pub const DEMO_CUSTOMERS: &[DemoCustomer] = &[
    DemoCustomer {
        cpf: "52998224725",
        name: "Mariana Costa Ribeiro",
        scenario: "everything on time: a boleto due in 5 days, a card in transit, a loan offer, an appointment",
        email: "mariana.ribeiro@example.com",
        account: "0012345",
        available_cents: brl(4_872, 31),
        invested_cents: brl(15_300, 0),
        boleto: Some(OpenBoleto {
            amount_cents: brl(129, 90),
            due_in_days: 5,
            our_number: "00000012345",
        }),
        card: Some(Card {
            last_digits: "4821",
            invoice_cents: brl(1_347, 82),
            due_day: 10,
            delivery: Some(CardDelivery {
                stage: DeliveryStage::InTransit,
                business_days_left: 3,
            }),
        }),
        loan_offer: Some(LoanOffer {
            max_amount_cents: brl(25_000, 0),
            monthly_rate_hundredths: 189,
            max_installments: 48,
        }),
        appointment: Some(Appointment {
            branch: "Paulista",
            time: "10:30",
        }),
    },
    DemoCustomer {
        cpf: "12345678909",
        name: "Rafael Souza Almeida",
        scenario: "an overdue boleto (second copy updated with fine and interest), a card still in production",
        email: "rafael.almeida@example.com",
        account: "0023456",
        available_cents: brl(312, 40),
        invested_cents: 0,
        boleto: Some(OpenBoleto {
            amount_cents: brl(487, 50),
            due_in_days: -8,
            our_number: "00000023456",
        }),
        card: Some(Card {
            last_digits: "0357",
            invoice_cents: brl(2_104, 66),
            due_day: 5,
            delivery: Some(CardDelivery {
                stage: DeliveryStage::InProduction,
                business_days_left: 8,
            }),
        }),
        loan_offer: Some(LoanOffer {
            max_amount_cents: brl(8_500, 0),
            monthly_rate_hundredths: 349,
            max_installments: 24,
        }),
        appointment: Some(Appointment {
            branch: "Savassi",
            time: "14:00",
        }),
    },
    DemoCustomer {
        cpf: "39053344705",
        name: "Beatriz Nakamura Lima",
        scenario: "a high-value customer: large balances, card out for delivery today, a large loan offer",
        email: "beatriz.lima@example.com",
        account: "0034567",
        available_cents: brl(184_230, 55),
        invested_cents: brl(1_250_000, 0),
        boleto: Some(OpenBoleto {
            amount_cents: brl(2_450, 0),
            due_in_days: 12,
            our_number: "00000034567",
        }),
        card: Some(Card {
            last_digits: "9914",
            invoice_cents: brl(12_890, 40),
            due_day: 25,
            delivery: Some(CardDelivery {
                stage: DeliveryStage::OutForDelivery,
                business_days_left: 0,
            }),
        }),
        loan_offer: Some(LoanOffer {
            max_amount_cents: brl(150_000, 0),
            monthly_rate_hundredths: 129,
            max_installments: 72,
        }),
        appointment: Some(Appointment {
            branch: "Boa Viagem",
            time: "09:00",
        }),
    },
    DemoCustomer {
        cpf: "71341029557",
        name: "Lucas Ferreira Santos",
        scenario: "a tight budget: a boleto due today, nothing invested, a small loan offer",
        email: "lucas.santos@example.com",
        account: "0045678",
        available_cents: brl(87, 15),
        invested_cents: 0,
        boleto: Some(OpenBoleto {
            amount_cents: brl(59, 90),
            due_in_days: 0,
            our_number: "00000045678",
        }),
        card: Some(Card {
            last_digits: "6620",
            invoice_cents: brl(212, 35),
            due_day: 3,
            delivery: Some(CardDelivery {
                stage: DeliveryStage::InTransit,
                business_days_left: 1,
            }),
        }),
        loan_offer: Some(LoanOffer {
            max_amount_cents: brl(3_000, 0),
            monthly_rate_hundredths: 499,
            max_installments: 12,
        }),
        appointment: Some(Appointment {
            branch: "Moinhos",
            time: "16:15",
        }),
    },
    DemoCustomer {
        cpf: "86420864240",
        name: "Valentina Gómez Herrera",
        scenario: "a Spanish-speaking customer for demos in Spanish",
        email: "valentina.gomez@example.com",
        account: "0056789",
        available_cents: brl(9_640, 0),
        invested_cents: brl(22_180, 73),
        boleto: Some(OpenBoleto {
            amount_cents: brl(780, 0),
            due_in_days: 3,
            our_number: "00000056789",
        }),
        card: Some(Card {
            last_digits: "1188",
            invoice_cents: brl(3_275, 10),
            due_day: 15,
            delivery: Some(CardDelivery {
                stage: DeliveryStage::InTransit,
                business_days_left: 4,
            }),
        }),
        loan_offer: Some(LoanOffer {
            max_amount_cents: brl(40_000, 0),
            monthly_rate_hundredths: 159,
            max_installments: 60,
        }),
        appointment: Some(Appointment {
            branch: "Batel",
            time: "11:00",
        }),
    },
    DemoCustomer {
        cpf: "27531864053",
        name: "John Carter",
        scenario: "an English-speaking expatriate for demos in English",
        email: "john.carter@example.com",
        account: "0067890",
        available_cents: brl(21_005, 90),
        invested_cents: brl(60_000, 0),
        boleto: Some(OpenBoleto {
            amount_cents: brl(1_199, 0),
            due_in_days: 20,
            our_number: "00000067890",
        }),
        card: Some(Card {
            last_digits: "7502",
            invoice_cents: brl(5_612, 8),
            due_day: 20,
            delivery: Some(CardDelivery {
                stage: DeliveryStage::InProduction,
                business_days_left: 9,
            }),
        }),
        loan_offer: Some(LoanOffer {
            max_amount_cents: brl(60_000, 0),
            monthly_rate_hundredths: 145,
            max_installments: 60,
        }),
        appointment: Some(Appointment {
            branch: "Pinheiros",
            time: "15:30",
        }),
    },
    DemoCustomer {
        cpf: "14890235779",
        name: "Otávio Ramos Teixeira",
        scenario: "a basic account: balance and statement work; boleto, card, loan and appointment answer 404, which shows the bot's action_failed handover",
        email: "otavio.teixeira@example.com",
        account: "0078901",
        available_cents: brl(1_530, 0),
        invested_cents: brl(500, 0),
        boleto: None,
        card: None,
        loan_offer: None,
        appointment: None,
    },
];

/// The demo customer with this CPF, if any.
pub fn find_customer(cpf: &Cpf) -> Option<&'static DemoCustomer> {
    find_numbered(cpf).map(|(_, customer)| customer)
}

/// The demo customer with this CPF and their position in [`DEMO_CUSTOMERS`].
pub(crate) fn find_numbered(cpf: &Cpf) -> Option<(usize, &'static DemoCustomer)> {
    let digits = cpf.digits();
    DEMO_CUSTOMERS
        .iter()
        .enumerate()
        .find(|(_, customer)| customer.cpf == digits)
}

impl DemoCustomer {
    /// The e-mail with most of its local part hidden: `ma***@example.com`.
    pub fn masked_email(&self) -> String {
        match self.email.split_once('@') {
            Some((local, domain)) => {
                let shown: String = local.chars().take(2).collect();
                format!("{shown}***@{domain}")
            }
            None => "***".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn all_digits(text: &str, length: usize) -> bool {
        text.len() == length && text.bytes().all(|byte| byte.is_ascii_digit())
    }

    #[test]
    fn there_are_at_least_five_customers_with_distinct_valid_cpfs() {
        assert!(DEMO_CUSTOMERS.len() >= 5);
        let mut seen = HashSet::new();
        for customer in DEMO_CUSTOMERS {
            let cpf = Cpf::parse(customer.cpf).unwrap();
            assert_eq!(cpf.digits(), customer.cpf, "stored as 11 digits");
            assert!(seen.insert(customer.cpf), "duplicate {}", customer.cpf);
            assert_eq!(find_customer(&cpf).unwrap(), customer);
        }
    }

    #[test]
    fn every_number_has_the_shape_the_formats_need() {
        for customer in DEMO_CUSTOMERS {
            assert!(all_digits(customer.account, 7), "{}", customer.name);
            if let Some(boleto) = customer.boleto {
                assert!(all_digits(boleto.our_number, 11), "{}", customer.name);
                // The barcode holds the amount in 10 digits, fine and interest included.
                assert!(boleto.amount_cents < 1_000_000_000, "{}", customer.name);
            }
            if let Some(card) = customer.card {
                assert!(all_digits(card.last_digits, 4), "{}", customer.name);
                assert!((1..=28).contains(&card.due_day), "{}", customer.name);
            }
            if let Some(appointment) = customer.appointment {
                let (hours, minutes) = appointment.time.split_once(':').unwrap();
                assert!(all_digits(hours, 2) && all_digits(minutes, 2));
            }
            assert!(
                customer.email.ends_with("@example.com"),
                "{}",
                customer.name
            );
        }
    }

    #[test]
    fn at_least_five_customers_can_use_every_action() {
        let complete = DEMO_CUSTOMERS
            .iter()
            .filter(|customer| {
                customer.boleto.is_some()
                    && customer.card.is_some_and(|card| card.delivery.is_some())
                    && customer.loan_offer.is_some()
                    && customer.appointment.is_some()
            })
            .count();
        assert!(complete >= 5);
    }

    #[test]
    fn emails_are_masked() {
        assert_eq!(DEMO_CUSTOMERS[0].masked_email(), "ma***@example.com");
    }
}
