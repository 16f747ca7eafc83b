"""TEMPORARY placeholder: being written now; replace every function."""

from django.http import HttpResponse


def department_list(request, **kwargs):
    return HttpResponse("TODO", status=501)


def department_create(request, **kwargs):
    return HttpResponse("TODO", status=501)


def department_detail(request, **kwargs):
    return HttpResponse("TODO", status=501)


def department_edit(request, **kwargs):
    return HttpResponse("TODO", status=501)


def staff_list(request, **kwargs):
    return HttpResponse("TODO", status=501)


def staff_export(request, **kwargs):
    return HttpResponse("TODO", status=501)


def staff_create(request, **kwargs):
    return HttpResponse("TODO", status=501)


def staff_detail(request, **kwargs):
    return HttpResponse("TODO", status=501)


def staff_edit(request, **kwargs):
    return HttpResponse("TODO", status=501)


def staff_account(request, **kwargs):
    return HttpResponse("TODO", status=501)


def party_list(request, **kwargs):
    return HttpResponse("TODO", status=501)


def hospital_edit(request, **kwargs):
    return HttpResponse("TODO", status=501)
