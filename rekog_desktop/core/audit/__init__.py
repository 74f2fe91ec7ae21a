"""The tamper-evident audit trail: the hash chain, its event kinds and its signed checkpoints."""
