"""Tags: a managed two-level list (品質 › 異物混入), suggested on each case by trigger phrases
and by a model learned from the tags people accepted, then accepted or rejected by people."""
