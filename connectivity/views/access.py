"""Who may open which page: client pages for client users, staff pages for Thredd staff."""

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin


class ClientRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Admit only users who act for a client organisation; others get 403."""

    def test_func(self) -> bool:
        return self.request.user.is_client


class StaffRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Admit only Thredd engineers (staff with the review role); everyone else gets 403.

    A staff account without the role reads nothing of any organisation's.
    """

    def test_func(self) -> bool:
        return self.request.user.is_engineer
