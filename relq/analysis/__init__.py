"""Reading cases: each case's text analysed by relq.nlp after it is saved, never before.

A case is committed first; its analysis row says "pending" and a worker (in-process thread,
or RQ on Redis when REDIS_URL is set) fills it in afterwards. If the NLP pipeline is missing
or fails, the row stays pending or failed and `flask relq nlp backfill` catches up later: the
NLP never blocks or loses a case.
"""
