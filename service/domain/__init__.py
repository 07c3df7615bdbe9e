"""The pure credit policy: no I/O, no clock, no Kafka."""
