"""The weekly voice-of-customer digest (issue 17): what customers said, what is stuck between
departments and how employees feel, for one ISO week and one scope (the company, or one
department), archived as an immutable snapshot. Delivery (e-mail, subscriptions, the Monday
send) lives beside it; the numbers, the summary, the scrubbing and the pages are here."""
