"""The admin's buttons on a stored message (retry, dismiss): a CSRF token and nothing else."""

from relq.forms import RelqForm


class MessageActionForm(RelqForm):
    pass
