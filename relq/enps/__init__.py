"""eNPS: anonymous survey rounds, their results through the anonymity gate, and what each
department decided to do about them."""
