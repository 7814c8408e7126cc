EXPECTED = {
    # Every lead has an inbox (their own department's).
    "answers.index": {"lead_owner", "lead_intake", "lead_other"},
    # The front line (cs operators and lead) reads the answers to its cases.
    "answers.feed": {"operator", "lead_intake"},
}
