"""TEMPORARY placeholder: being written now; replace every function."""

from django.http import HttpResponse


def import_start(request, **kwargs):
    return HttpResponse("TODO", status=501)


def import_detail(request, **kwargs):
    return HttpResponse("TODO", status=501)


def import_confirm(request, **kwargs):
    return HttpResponse("TODO", status=501)


def import_cancel(request, **kwargs):
    return HttpResponse("TODO", status=501)


def import_progress(request, **kwargs):
    return HttpResponse("TODO", status=501)
