"""The site's answer to an error no view handled (settings' handler500)."""
import sys

from django.views.defaults import server_error as django_server_error

from ..http.outage import is_outage, unavailable


def server_error(request, template_name="500.html"):
    """A database that cannot be reached is a moment's unavailability: a Spanish 503 with
    Retry-After, which the staff and load balancers understand, not a 500."""
    if is_outage(sys.exc_info()[1]):
        return unavailable(request)
    return django_server_error(request, template_name)
