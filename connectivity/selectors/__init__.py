"""Every read the pages, forms and services share, one module per subject.

`requests` (lists, one request with its answers, its document), `findings` (the rules and
availability about a stored request), `tasks` (a draft's task list), `availability` (reserved
ranges, other organisations' allocations, the next free network), `queue` (the review
queue), `files` (the configuration files panel) and `accounts` (an organisation's people).
Nothing here writes.
"""
