//! Output events as the Kafka service publishes them: each an Avro body (`credit_avro`,
//! byte-identical to `codec.encode_output` without its framing header) with the few facts the
//! service reads from an output to route it, key it and count it.

use credit_model::OutputEvent;

/// What the service needs of one output besides its body.
pub struct ServiceOutput<'a> {
    pub event_type: &'static str,
    pub company_id: Option<&'a str>,
    pub customer_id: Option<&'a str>,
    pub group_id: Option<&'a str>,
    /// the hold reasons' codes of a held order (none for any other output)
    pub reason_codes: Vec<&'static str>,
    pub decided_at_micros: i64,
}

impl<'a> ServiceOutput<'a> {
    pub fn of(output: &'a OutputEvent) -> ServiceOutput<'a> {
        let event_type = credit_avro::output_type(output).name();
        match output {
            OutputEvent::Approved(o) => ServiceOutput {
                event_type, company_id: Some(&o.company_id), customer_id: Some(&o.customer_id),
                group_id: o.group_id.as_deref(), reason_codes: Vec::new(),
                decided_at_micros: o.decided_at.utc_micros,
            },
            OutputEvent::Held(o) => ServiceOutput {
                event_type, company_id: Some(&o.company_id), customer_id: Some(&o.customer_id),
                group_id: o.group_id.as_deref(),
                reason_codes: o.reasons.iter().map(|reason| reason.code).collect(),
                decided_at_micros: o.decided_at.utc_micros,
            },
            OutputEvent::Rejected(o) => ServiceOutput {
                event_type, company_id: Some(&o.company_id), customer_id: Some(&o.customer_id),
                group_id: None, reason_codes: Vec::new(),
                decided_at_micros: o.decided_at.utc_micros,
            },
            OutputEvent::Notification(o) => ServiceOutput {
                event_type, company_id: o.company_id.as_deref(),
                customer_id: o.customer_id.as_deref(), group_id: o.group_id.as_deref(),
                reason_codes: Vec::new(), decided_at_micros: o.decided_at.utc_micros,
            },
        }
    }
}
