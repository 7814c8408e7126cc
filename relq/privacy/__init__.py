"""Personal data under APPI (個人情報保護法): the purpose of use, retention, one customer's
requests (disclosure, correction, erasure) and the log of who read whose personal data."""
