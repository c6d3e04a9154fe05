"""Every write of the portal, one module per subject; views, tasks and commands call these.

`drafts` (a client's answers), `workflow` (the state machine: the only code that changes a
request's status), `allocation` (subnets, confirmations, tunnel values), `artifacts` (the
render outbox), `downloads`, `notifications` (the mail outbox), `audit` and `accounts`.
Services are keyword-only, `full_clean` what they store, and queue side effects only after
commit.
"""
