"""The site's URLs plus one test page that shows every accountability partial the shared pages
will include (the goal's pace, reason and "Citar" box, the report's score, check and "vigente"
notice, the institution's trend, the /datos/ section), for the browser tests:
@pytest.mark.urls("metas.tests.accountability_urls")."""
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template import engines
from django.urls import include, path

from metas.accountability.compliance import trend
from metas.filters import public_goals

PAGE = """{% extends "base.html" %}{% load accountability_tags %}
{% block title %}Insignias{% endblock %}
{% block content %}<h1>Insignias de una meta y su reporte</h1>
<ul class="goal-list"><li class="goal-item"><h3>{{ goal.objective }}</h3>
{% include "metas/_progress_bar.html" %}
<dl><dt>Ritmo</dt><dd>{% include "metas/_pace_badge.html" %}</dd>
<dt>Motivo</dt><dd>{% include "metas/_reason.html" %}</dd></dl></li></ul>
{% with check=report|lotaip_check %}<p>{% include "metas/_lotaip_score.html" %}</p>
{% include "metas/_vigente.html" %}
{% include "metas/_lotaip_check.html" %}{% endwith %}
{% include "metas/_lotaip_trend.html" %}
{% include "metas/_cite.html" %}
{% include "metas/_open_data_accountability.html" %}
{% endblock %}"""


def badges(request, pk):
    goal = get_object_or_404(public_goals().select_related("source_file"), pk=pk)
    context = {"goal": goal, "report": goal.report, "trend": trend(goal.report.institution_id)}
    template = engines["django"].from_string(PAGE)
    return HttpResponse(template.render(context, request))


urlpatterns = [
    path("prueba/insignias/<int:pk>/", badges),
    path("", include("transparencia.urls")),
]
