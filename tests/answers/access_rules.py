EXPECTED = {
    # Every lead has an inbox (their own department's).
    "answers.index": {"lead_owner", "lead_intake", "lead_other"},
    # The front line (cs operators and lead) reads the answers to its cases.
    "answers.feed": {"operator", "lead_intake"},
    # Only the lead of the department the case is routed to answers it.
    "answers.answer": {"lead_owner"},
}
CASE_ROUTES = {"answers.answer"}
# The intake lead sees the case but does not answer for it.
REFUSALS = {("answers.answer", "lead_intake"): 403}
