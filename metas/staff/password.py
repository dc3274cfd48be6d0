"""A forgotten password, reset by e-mail with Django's own views, limited so that nobody can
flood an address with messages or the mail server with requests (django-ratelimit).

Beyond a limit the form answers exactly as it does otherwise ("revise su correo"), and sends
nothing: the answer says neither that the limit was reached nor whether the address exists.
"""
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.utils.decorators import method_decorator
from django_ratelimit.decorators import ratelimit

# Per address: a person who mistyped or lost the first message may ask again, a few times.
PER_ADDRESS = "3/h"
# Per client (its real address behind PROXY_COUNT proxies, RATELIMIT_IP_META_KEY).
PER_CLIENT = "10/h"


def address_key(group, request) -> str:
    return request.POST.get("email", "").strip().casefold()


@method_decorator(ratelimit(key=address_key, rate=PER_ADDRESS, method="POST", block=False),
                  name="post")
@method_decorator(ratelimit(key="ip", rate=PER_CLIENT, method="POST", block=False),
                  name="post")
class LimitedPasswordResetView(auth_views.PasswordResetView):
    def form_valid(self, form):
        if getattr(self.request, "limited", False):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)
