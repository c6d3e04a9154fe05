"""Who may open which page: client pages for client users (an organisation's people for its
client admin), staff pages for Thredd staff."""

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin


class ClientRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Admit only users who act for a client organisation; others get 403."""

    def test_func(self) -> bool:
        return self.request.user.is_client


class ClientAdminRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Admit only a client admin, to their own organisation's people; others get 403."""

    def test_func(self) -> bool:
        user = self.request.user
        return user.is_client and user.is_client_admin


class StaffRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Admit only Thredd engineers (staff with the review role); everyone else gets 403.

    A staff account without the role reads nothing of any organisation's.
    """

    def test_func(self) -> bool:
        return self.request.user.is_engineer
