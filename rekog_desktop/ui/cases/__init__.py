"""Cases, reviewers and the audit trail: dialogs, the audit model and its page."""
