"""Customer satisfaction after closing (CSAT): one survey per closed case, answered 1-5 by the
customer through a one-time link, counted per department, channel and week."""
