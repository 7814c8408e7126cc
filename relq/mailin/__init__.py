"""E-mail intake: a mailbox (IMAP, or an MTA piping into `flask relq mail-in`) becomes cases,
and replies become notes on the case they answer. Every message is stored raw first, then
processed off the request path; a message that cannot be processed is kept for an admin."""
